"""The results letter as a document: HTML or PDF, A4 or US Letter. One renderer for the
staff page and the API, so a print service gets the very letter the desk prints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import segno
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, pgettext

from healthcamp.clinical import catalogue
from healthcamp.lib import code_words, languages
from healthcamp.registry.cardcode import display as cardcode_display
from healthcamp.results import letters, log_words
from healthcamp.services.exams import LetterData

FORMATS = ("html", "pdf")
PAPERS = {"a4": "A4", "letter": "letter"}


@dataclass(frozen=True)
class Rendered:
    body: bytes
    content_type: str
    filename: str


def context(
    data: LetterData, *, paper: str, portal_url: str, pictures: bool = True
) -> dict[str, Any]:
    """What the letter template shows, in the participant's language; paper is checked by
    the caller (PAPERS). Render the template in the same language (render() does)."""
    language = languages.supported(data.language)
    with translation.override(language):
        return _context(data, language, paper=paper, portal_url=portal_url, pictures=pictures)


def _context(
    data: LetterData, language: str, *, paper: str, portal_url: str, pictures: bool
) -> dict[str, Any]:
    visit = data.results.visit
    # Inserted names, dates and numbers keep their own direction in an Arabic or Uyghur
    # sentence, in the PDF too (WeasyPrint ignores <bdi>): Unicode isolates.
    site = {"site": languages.isolate(visit.site)}
    return {
        "letter": data,
        "language": language,
        "rtl": languages.is_rtl(language),
        "lines": letters.letter_lines(data.results.decision, language=language, pictures=pictures),
        "visit_line": gettext("Your visit on %(date)s at %(site)s")
        % {"date": languages.isolate(f"{visit.started_at:%Y-%m-%d}"), **site},
        # "the clinic named below" only when a referral names one
        "contact": gettext("Questions? Ask the staff at %(site)s, or the clinic named below.")
        % site
        if data.referrals
        else gettext("Questions? Ask the staff at %(site)s.") % site,
        "next_step": letters.next_step(data.results.decision, language, data.referrals),
        "next_tone": letters.tone(letters.step_level(data.results.decision, data.referrals)),
        "referrals": [letters.referral_sentence(r, language) for r in data.referrals],
        "earlier": _earlier(data, language),
        "not_shown": [not_shown_purpose(p) for p in data.not_consented],
        "paper": PAPERS[paper],
        "card": cardcode_display(data.card_code),
        # The letter's QR opens the portal with the card code filled in; the code after
        # "#" is a fragment: it stays on the phone, out of every server log.
        "qr": segno.make(
            f"{portal_url}?lang={language}#card={data.card_code}", error="m"
        ).svg_data_uri(scale=4, border=2),
        "portal_url": portal_url,
    }


def not_shown_purpose(purpose: str) -> str:
    """What a purpose not agreed to would have measured, in the active language."""
    if purpose == "screening":
        return pgettext("not shown, because not agreed to", "measurements at the stations")
    if purpose == "blood_tests":
        return pgettext("not shown, because not agreed to", "the finger-prick blood tests")
    return log_words.purpose(purpose)


def render(data: LetterData, *, fmt: str, paper: str, portal_url: str) -> Rendered:
    """fmt and paper are checked by the caller (FORMATS, PAPERS)."""
    shown = context(data, paper=paper, portal_url=portal_url)
    name = f"results-{data.card_code}-{data.results.visit.started_at:%Y-%m-%d}"
    with translation.override(shown["language"]):  # the template's own words too
        if fmt == "pdf":
            # The PDF carries its own styles: WeasyPrint fetches nothing.
            html = render_to_string("web/letter.html", {**shown, "inline_css": letters.css()})
            return Rendered(letters.pdf(html), "application/pdf", f"{name}.pdf")
        html = render_to_string("web/letter.html", shown)
    return Rendered(html.encode("utf-8"), "text/html; charset=utf-8", f"{name}.html")


def _earlier(data: LetterData, language: str) -> list[tuple[str, list[str]]]:
    """Older visits only as a trend: each measure's earlier values, oldest first."""
    by_measure: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for past in data.earlier:
        for result in past.decision.results:
            m = catalogue.measure(result.code)
            names[result.code] = m.name(language)
            shown = code_words.value(result, coded=m.kind == "coded")
            by_measure.setdefault(result.code, []).append(
                languages.isolate(f"{past.visit.started_at:%Y-%m-%d}: {shown}")
            )
    return [(names[code], values) for code, values in by_measure.items()]
