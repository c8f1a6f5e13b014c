"""The exam catalogue as data: measures, units, plausible ranges, and the cut-offs each
guideline gives, in the units the guideline gives them.

A programme adds a measure by adding it to a catalogue file; no code changes. This
module only reads the file and checks a typed value (unit, plausibility, the meter's
HI/LO); what a value means is decided in `rules.py` and `visit.py`.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

CATALOGUES = Path(__file__).resolve().parent / "catalogues"
DEFAULT = "default-v2"
LEVELS = ("neutral", "fine", "watch", "care", "act", "soon", "urgent")
FLAGS = ("N", "L", "H", "LL", "HH", "A", "")
ABSENT = ("refused", "not_done", "unable")  # per measure, instead of a value
METER = ("HI", "LO")  # a meter's display beyond its range


def gettext_noop(message: str) -> str:
    """Marks a message for the translation catalogues (makemessages finds it) without
    Django here: whoever shows the message translates it (MeasureError.said)."""
    return message


class MeasureError(ValueError):
    """A value that cannot be right for this measure; the message says why and what is.

    Kept as a template and its values, so a page can say it in its own language with the
    measure's name and the units as people read them; str() is the English, for the API,
    the command line and the logs."""

    def __init__(self, template: str, *, measure: Measure | None = None, **values: Any) -> None:
        self.template, self.measure, self.values = template, measure, values
        super().__init__(self.said())

    def __reduce__(self) -> tuple[Any, ...]:
        # Copied or pickled with its template, not rebuilt from the English sentence.
        return (_rebuilt, (type(self), self.template, self.measure, self.values))

    def said(
        self,
        translate: Callable[[str], str] = str,
        *,
        language: str = "en",
        unit: Callable[[str], str] = str,
        number: Callable[[str], str] = str,
    ) -> str:
        """The message in a language: `translate` its template (gettext), the measure's
        name in `language`, each unit as `unit` words it (UCUM codes by default), and the
        range's numbers as `number` writes them (a decimal comma where the page uses one)."""
        values = dict(self.values)
        for key in ("low", "high"):
            if key in values:
                values[key] = number(values[key])
        if self.measure is not None:
            values["name"] = self.measure.name(language)
        for key in ("unit", "canonical"):
            if key in values:
                values[key] = unit(values[key])
        if "units" in values:
            values["units"] = ", ".join(unit(u) for u in values["units"])
        return translate(self.template) % values


class NeedsConfirmation(MeasureError):
    """A value possible but rare enough to be a typing slip: the station asks again."""


def _rebuilt(
    cls: type[MeasureError], template: str, measure: Measure | None, values: dict[str, Any]
) -> MeasureError:
    return cls(template, measure=measure, **values)


@dataclass(frozen=True)
class Cut:
    bound: float | None  # None: the open-ended top band
    inclusive: bool  # the bound belongs to this band ("at most") or the next ("below")
    label: str
    level: str
    flag: str  # HL7 v3 ObservationInterpretation code

    def holds(self, value: float) -> bool:
        if self.bound is None:
            return True
        return value <= self.bound if self.inclusive else value < self.bound


@dataclass(frozen=True)
class BandSet:
    """Cut-offs from one source, for the people and the unit it names."""

    conditions: tuple[tuple[str, Any], ...]  # hashable: a band set keys a cached picture
    unit: str
    source: str
    cuts: tuple[Cut, ...]
    # Whether a reviewer has read the cited table and page in the published text itself
    # (not a summary of it); docs/clinical-rules.md lists the ones still to check.
    citation_checked: bool = False

    @property
    def when(self) -> dict[str, Any]:
        return dict(self.conditions)

    def label_of(self, value: float) -> Cut:
        return next(c for c in self.cuts if c.holds(value))


@dataclass(frozen=True)
class Answer:
    code: str
    loinc: str
    display: str


@dataclass(frozen=True)
class Conversion:
    """canonical = (entered * factor) + offset; the inverse gives the entered unit back."""

    factor: float
    offset: float = 0.0

    def to_canonical(self, value: float) -> float:
        return value * self.factor + self.offset

    def from_canonical(self, value: float) -> float:
        return (value - self.offset) / self.factor


@dataclass(frozen=True)
class Measure:
    code: str
    key: str
    purpose: str
    kind: str  # number, coded, acuity, panel
    role: str  # result (shown with a meaning) or context (what the rules need to know)
    unit: str  # UCUM, as stored and exported
    display_unit: str  # as people read it
    precision: int
    names: dict[str, str]
    conversions: dict[str, Conversion]
    plausible: tuple[float, float] | None
    confirm_above: float | None
    meter: tuple[float, float] | None  # the meter's range: LO below it, HI above it
    bands: tuple[BandSet, ...]
    answers: tuple[Answer, ...]
    asked: dict[str, Any]
    derived: bool
    part_of: str
    unit_precision: dict[str, int] = field(default_factory=dict)
    source: str = ""
    sources: tuple[str, ...] = field(default=())

    def name(self, language: str) -> str:
        return self.names.get(language.partition("-")[0]) or self.names["en"]

    @property
    def units(self) -> tuple[str, ...]:
        return (self.unit, *self.conversions)

    @property
    def coded(self) -> tuple[str, ...]:
        return tuple(a.code for a in self.answers)

    def answer(self, code: str) -> Answer | None:
        return next((a for a in self.answers if a.code == code), None)


@dataclass(frozen=True)
class Reading:
    """A checked value: canonical number or coded answer, and what was typed."""

    value: float | None
    code_value: str
    unit: str
    original_value: str
    original_unit: str
    comparator: str = ""  # ">" for a meter's HI, "<" for its LO
    absent_reason: str = ""


def _cut(raw: dict[str, Any]) -> Cut:
    if raw.get("level") not in LEVELS or raw.get("flag") not in FLAGS:
        raise ValueError(f"Band {raw} has no known level or flag.")
    if "at_most" in raw:
        return Cut(raw["at_most"], True, raw["label"], raw["level"], raw["flag"])
    return Cut(raw.get("below"), False, raw["label"], raw["level"], raw["flag"])


def _band_set(raw: dict[str, Any]) -> BandSet:
    cuts = tuple(_cut(c) for c in raw["cuts"])
    bounds = [c.bound for c in cuts if c.bound is not None]
    if bounds != sorted(bounds) or len(set(bounds)) != len(bounds) or cuts[-1].bound is not None:
        raise ValueError(f"Bands of {raw.get('source')!r} must rise and end open-ended.")
    if not raw.get("source"):
        raise ValueError("Every set of cut-offs names its source.")
    return BandSet(
        tuple(raw.get("when", {}).items()),
        raw["unit"],
        raw["source"],
        cuts,
        bool(raw.get("citation_checked", False)),
    )


def _measure(m: dict[str, Any]) -> Measure:
    bands = tuple(_band_set(b) for b in m.get("bands", ()))
    sources = tuple(
        dict.fromkeys([b.source for b in bands] + ([m["source"]] if "source" in m else []))
    )
    return Measure(
        code=m["code"],
        key=m["key"],
        purpose=m["purpose"],
        kind=m["kind"],
        role=m["role"],
        unit=m.get("unit", ""),
        display_unit=m.get("display_unit", ""),
        precision=m.get("precision", 1),
        names=m["names"],
        conversions={u: Conversion(**c) for u, c in m.get("conversions", {}).items()},
        plausible=(m["plausible"][0], m["plausible"][1]) if "plausible" in m else None,
        confirm_above=m.get("confirm_above"),
        meter=(m["meter"]["low"], m["meter"]["high"]) if "meter" in m else None,
        bands=bands,
        answers=tuple(Answer(**a) for a in m.get("answers", ())),
        asked=m.get("asked", {}),
        derived=m.get("derived", False),
        part_of=m.get("part_of", ""),
        unit_precision=m.get("unit_precision", {}),
        source=m.get("source", ""),
        sources=sources,
    )


@functools.cache
def load(catalogue_id: str = DEFAULT) -> dict[str, Measure]:
    data = json.loads((CATALOGUES / f"{catalogue_id}.json").read_text(encoding="utf-8"))
    return {m["code"]: _measure(m) for m in data["measures"]}


def by_key(key: str, catalogue_id: str = DEFAULT) -> Measure:
    return next(m for m in load(catalogue_id).values() if m.key == key)


def measure(code: str, catalogue_id: str = DEFAULT) -> Measure:
    try:
        return load(catalogue_id)[code]
    except KeyError:
        known = ", ".join(f"{m.code} ({m.key})" for m in load(catalogue_id).values())
        raise MeasureError(
            gettext_noop("%(code)s is not a measure of this programme; use one of: %(known)s."),
            code=repr(code),
            known=known,
        ) from None


_SNELLEN = re.compile(r"^\s*(\d+(?:[.,\u066b]\d+)?)\s*/\s*(\d+(?:[.,\u066b]\d+)?)\s*$")
SNELLEN_UNITS = ("snellen",)  # 6/12, 20/40: any numerator/denominator pair


ARABIC_DECIMAL, ARABIC_THOUSANDS = "\u066b", "\u066c"  # as Arabic and Urdu keyboards type


_TYPED = re.compile(r"[+-]?\d*[.,]?\d*")  # digits with at most one mark: no exponent


def _ascii_digits(text: str) -> str:
    """Arabic-Indic, Devanagari, full-width... digits as 0-9."""
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def marks_error(raw: str) -> MeasureError | None:
    """Why a newly typed number cannot be read one way only (None when it can).

    "1,500" is 1500 in English and 1.5 in French: a factor of a thousand is a wrong result
    told to a person, so it is asked about, never guessed. "6," is a 6 or a 6,5 whose last
    key was missed; "1e3" is a slip on a keypad, not how anyone writes a result. Values
    already stored are read leniently (_number): they were accepted under the rules of
    their day and must still be read."""
    text = _ascii_digits(raw.strip()).replace(ARABIC_DECIMAL, ".")
    if ARABIC_THOUSANDS in text:
        return MeasureError(
            gettext_noop("%(raw)s has a thousands mark: write the number without it, as in 1500."),
            raw=repr(raw),
        )
    marks = [c for c in text if c in ",."]
    if len(marks) > 1:
        return MeasureError(
            gettext_noop(
                "%(raw)s has more than one mark: write it with one decimal point and no "
                "thousands mark, as in 6.5."
            ),
            raw=repr(raw),
        )
    if not _TYPED.fullmatch(text) or not any(c.isdigit() for c in text):
        return MeasureError(gettext_noop("%(raw)s is not a number."), raw=repr(raw))
    if not marks:
        return None
    whole, _, after = text.partition(marks[0])
    if not after:
        return MeasureError(
            gettext_noop(
                "%(raw)s ends with a decimal mark: type the digits after it, or leave it out."
            ),
            raw=repr(raw),
        )
    sign, digits = ("-" if whole.startswith("-") else ""), whole.lstrip("+-")
    # A comma before three digits is a thousands mark in English; after a whole part of 0
    # (or none) it cannot be one, so "0,500" is a half.
    if marks[0] == "," and len(after) == 3 and digits.strip("0"):
        return MeasureError(
            gettext_noop(
                "%(raw)s could be %(decimal)s or %(thousands)s: write it with a decimal point "
                "and no thousands mark, as in 6.5 or 1500."
            ),
            raw=repr(raw),
            decimal=sign + f"{int(digits)}.{after}".rstrip("0").rstrip("."),
            thousands=sign + str(int(digits + after)),
        )
    return None


def _number(raw: str) -> float:
    def not_a_number() -> MeasureError:  # made only when raised: imports read millions
        return MeasureError(gettext_noop("%(raw)s is not a number."), raw=repr(raw))

    if "_" in raw:  # Decimal reads "1_000" as 1000: a typing slip, not a value
        raise not_a_number()
    try:
        number = float(Decimal(raw.strip().replace(",", ".").replace(ARABIC_DECIMAL, ".")))
    except (InvalidOperation, ValueError):
        raise not_a_number() from None
    if math.isnan(number) or math.isinf(number):
        raise not_a_number()
    return number


def entered_number(m: Measure, raw_value: str | float, unit: str) -> float:
    """The typed value as a number in the unit it was typed in (Snellen as logMAR)."""
    text = str(raw_value)
    if m.kind == "acuity" and unit in SNELLEN_UNITS:
        match = _SNELLEN.match(text)
        if match is None:
            raise MeasureError(
                gettext_noop(
                    "Write Snellen eyesight as a fraction such as 6/12 or 20/40, not %(text)s."
                ),
                text=repr(text),
            )
        distance, letters = (_number(g) for g in match.groups())
        if distance <= 0 or letters <= 0:
            raise MeasureError(gettext_noop("%(text)s is not a Snellen fraction."), text=repr(text))
        return round(math.log10(letters / distance), 2)
    return _number(text)


def read(m: Measure, raw_value: str | float, unit: str, *, confirmed: bool = False) -> Reading:
    """Check and convert one typed value; its meaning is decided by the rules."""
    text = str(raw_value).strip()
    if text.lower() in ABSENT:
        return Reading(None, "", m.unit, "", "", absent_reason=text.lower())
    if m.kind == "coded":
        match = next((a.code for a in m.answers if a.code.lower() == text.lower()), None)
        if match is None:
            raise MeasureError(
                gettext_noop("%(name)s is one of %(answers)s, not %(text)s."),
                measure=m,
                answers=", ".join(m.coded),
                text=repr(text),
            )
        return Reading(None, match, "", text, unit)
    if text.upper() in METER and unit in m.units:
        if m.meter is None:
            raise MeasureError(
                gettext_noop("%(name)s has no meter with a HI/LO display; type the value."),
                measure=m,
            )
        low, high = m.meter
        if text.upper() == "HI":
            return Reading(high, "", m.unit, "HI", unit, comparator=">")
        return Reading(low, "", m.unit, "LO", unit, comparator="<")
    units = (*m.units, *(SNELLEN_UNITS if m.kind == "acuity" else ()))
    if unit not in units:
        raise MeasureError(
            gettext_noop("%(name)s is measured in %(units)s; '%(unit)s' is not one of them."),
            measure=m,
            units=list(units),
            unit=unit,
        )
    if isinstance(raw_value, str) and not (m.kind == "acuity" and unit in SNELLEN_UNITS):
        problem = marks_error(text)
        if problem is not None:
            raise problem
    number = entered_number(m, text, unit)
    converted = m.conversions[unit].to_canonical(number) if unit in m.conversions else number
    if m.plausible is not None and not m.plausible[0] <= converted <= m.plausible[1]:
        low, high = m.plausible
        raise MeasureError(
            gettext_noop(
                "%(name)s of %(text)s %(unit)s is not plausible: a real value lies between "
                "%(low)s and %(high)s %(canonical)s. Measure again, and check the unit."
            ),
            measure=m,
            text=text,
            unit=unit,
            low=f"{low:g}",
            high=f"{high:g}",
            canonical=m.unit,
        )
    if m.confirm_above is not None and converted > m.confirm_above and not confirmed:
        raise NeedsConfirmation(
            gettext_noop(
                "%(name)s of %(text)s %(unit)s is very high, above what most meters show. If "
                "you read it right, confirm it: it is a crisis value and the person needs "
                "care today."
            ),
            measure=m,
            text=text,
            unit=unit,
        )
    return Reading(round(converted, 4), "", m.unit, text, unit)


def precision_in(m: Measure, unit: str) -> int:
    """Decimals a value is read and shown with in a unit: the catalogue's per-unit
    precision, else the measure's own."""
    return m.unit_precision.get(unit, m.precision)


def shown_in(m: Measure, value: float) -> str:
    """A canonical value rounded to the measure's display precision."""
    return f"{value:.{m.precision}f}"
