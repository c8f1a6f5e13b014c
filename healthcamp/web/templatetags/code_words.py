"""Codes in words on the pages: {{ p.sex|said:"sex" }}, {{ code|language_name }}.

The words live in healthcamp.lib.code_words (and log_words for the access log),
translated into the active language; a page never shows the code itself."""

from __future__ import annotations

from django import template
from django.utils import translation
from django.utils.functional import Promise

from healthcamp.clinical import catalogue
from healthcamp.lib import code_words, languages
from healthcamp.results import log_words

register = template.Library()

TABLES: dict[str, dict[str, Promise]] = {
    "sex": code_words.SEX,
    "purpose": code_words.PURPOSES,
    "consent": code_words.CONSENT_STATUS,
    "method": code_words.CONSENT_METHODS,
    "guardian": code_words.GUARDIANS,
    "urgency": code_words.URGENCY,
    "referral": code_words.REFERRAL_STATUS,
    "returned": code_words.RETURNED,
    "role": code_words.ROLES,
    "absent": code_words.ABSENT,
    "classification": code_words.CLASSIFICATIONS,
    "log_who": log_words.ROLES,
    "log_what": log_words.ACTS,
    "log_why": log_words.PURPOSES,
    "log_outcome": log_words.OUTCOMES,
}


@register.filter
def said(code: object, table: str) -> str:
    """A code from one of TABLES in words, in the page's language."""
    return code_words.said(TABLES[table], str(getattr(code, "value", code)))


@register.filter
def language_name(tag: str) -> str:
    """A language tag ("ug", "es-MX") as its name in the page's language."""
    return languages.name(tag, reader=translation.get_language() or "en") if tag else ""


@register.filter
def unit(code: str) -> str:
    """A UCUM unit as people write it ("mm[Hg]" as "mmHg")."""
    return code_words.unit(code)


@register.filter(is_safe=True)
def isolate(text: object) -> str:
    """A name, date, code or number set apart from the sentence around it (Unicode
    isolates): right for a PDF too, where WeasyPrint ignores <bdi> and unicode-bidi."""
    return languages.isolate(str(text)) if text not in (None, "") else ""


@register.filter
def measure_name(code: str) -> str:
    """A measure's name (catalogue data) in the page's language."""
    try:
        measure = catalogue.measure(code)
    except catalogue.MeasureError:
        return code
    return measure.name(translation.get_language() or "en")
