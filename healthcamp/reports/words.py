"""The report's codes as people read them, in the active language: dimension names, the
coded groups (sex, referral urgency, consent answer) and what a table counts.

The group words are healthcamp.lib.code_words' own (one translation for the pages, the
letters and the reports)."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise, lazy
from django.utils.text import capfirst
from django.utils.translation import gettext, pgettext_lazy

from healthcamp.lib import code_words
from healthcamp.lib.figures import written

StrOrPromise = str | Promise

# Lower case: they sit inside sentences ("Raised blood pressure by age band"); a column
# header is capfirst of it.
DIMENSIONS: dict[str, Promise] = {
    "site": pgettext_lazy("report dimension", "site"),
    "sex": pgettext_lazy("report dimension", "sex"),
    "age_band": pgettext_lazy("report dimension", "age band"),
    "month": pgettext_lazy("report dimension", "month"),
    "day": pgettext_lazy("report dimension", "day"),
    "urgency": pgettext_lazy("report dimension", "referral urgency"),
    "answer": pgettext_lazy("report dimension", "answer"),
}
SEX = code_words.SEX
URGENCY = code_words.URGENCY
PURPOSES = code_words.PURPOSES
# The report's consent answers are the consent statuses ("granted" is counted as "yes").
ANSWER: dict[str, Promise] = {
    "yes": code_words.CONSENT_STATUS["granted"],
    "no": code_words.CONSENT_STATUS["refused"],
    "withdrawn": code_words.CONSENT_STATUS["withdrawn"],
}
GROUPS: dict[str, dict[str, Promise]] = {"sex": SEX, "urgency": URGENCY, "answer": ANSWER}
UNITS: dict[str, Promise] = {
    "people": pgettext_lazy("report unit", "people"),
    "visits": pgettext_lazy("report unit", "visits"),
    "referrals": pgettext_lazy("report unit", "referrals"),
}


def dimension(code: str) -> str:
    """A dimension's name in words, lower case ("age band")."""
    words = DIMENSIONS.get(code)
    return str(words) if words is not None else code.replace("_", " ")


def header(code: str) -> str:
    """A dimension's name as a column header ("Age band")."""
    return capfirst(dimension(code)) or ""


def label(dim: str, value: str) -> str:
    """A group's value in words (a sex, an urgency, an answer); sites, bands, months and
    days are already what people read."""
    words = GROUPS.get(dim, {}).get(value)
    return str(words) if words is not None else value


def group_name(group: Mapping[str, str]) -> str:
    """A cell's groups in words, "all" for the total."""
    return " · ".join(label(d, v) for d, v in group.items()) or gettext("all")


def unit(code: str) -> str:
    words = UNITS.get(code)
    return str(words) if words is not None else code


def _fill(template: StrOrPromise, capital: bool, values: dict[str, StrOrPromise]) -> str:
    said = str(template) % {name: str(v) for name, v in values.items()}
    return capfirst(said) if capital else said


_lazy_fill = lazy(_fill, str)


# A threshold as the reader writes numbers ("6,5" on a French page), kept as the
# guideline prints it ("7.0", not "7").
number = lazy(written, str)


def fill(template: StrOrPromise, *, capital: bool = False, **values: StrOrPromise) -> str:
    """One translated sentence with its %(name)s places filled, when it is shown (in the
    language active then); its pieces are translated then too."""
    return _lazy_fill(template, capital, values)
