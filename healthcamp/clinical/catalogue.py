"""The exam catalogue as data: measures, units, plausible ranges, cut-offs with sources.

A programme adds a measure by adding it to a catalogue file; no code changes. The
rules here are plain functions: convert a value to the measure's unit, refuse the
implausible, and classify against the cited cut-offs.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

CATALOGUES = Path(__file__).resolve().parent / "catalogues"
DEFAULT = "default-v1"


class MeasureError(ValueError):
    """A value that cannot be right for this measure; the message says why and what is."""


@dataclass(frozen=True)
class Band:
    below: float | None  # upper bound, exclusive; None: no upper bound
    label: str


@dataclass(frozen=True)
class Measure:
    code: str
    key: str
    purpose: str
    unit: str
    names: dict[str, str]
    conversions: dict[str, float]
    plausible: tuple[float, float] | None
    bands: tuple[Band, ...]
    bands_by_sex: dict[str, tuple[Band, ...]]
    critical_below: float | None
    critical_at_or_above: float | None
    coded: tuple[str, ...]
    adults_only: bool
    derived: bool
    source: str

    def name(self, language: str) -> str:
        return self.names.get(language.partition("-")[0]) or self.names["en"]


@dataclass(frozen=True)
class Reading:
    value: float | None
    code_value: str
    unit: str
    original_value: str
    original_unit: str
    classification: str
    critical: bool
    source: str


def _bands(raw: list[dict[str, Any]]) -> tuple[Band, ...]:
    bands = tuple(Band(b["below"], b["label"]) for b in raw)
    bounds = [b.below for b in bands if b.below is not None]
    if bounds != sorted(bounds) or (bands and bands[-1].below is not None):
        raise ValueError("Bands must rise and end open-ended.")
    return bands


@functools.cache
def load(catalogue_id: str = DEFAULT) -> dict[str, Measure]:
    data = json.loads((CATALOGUES / f"{catalogue_id}.json").read_text(encoding="utf-8"))
    measures = {}
    for m in data["measures"]:
        critical = m.get("critical", {})
        measures[m["code"]] = Measure(
            code=m["code"],
            key=m["key"],
            purpose=m["purpose"],
            unit=m.get("unit", ""),
            names=m["names"],
            conversions=m.get("conversions", {}),
            plausible=(m["plausible"][0], m["plausible"][1]) if "plausible" in m else None,
            bands=_bands(m.get("bands", [])),
            bands_by_sex={sex: _bands(b) for sex, b in m.get("bands_by_sex", {}).items()},
            critical_below=critical.get("below"),
            critical_at_or_above=critical.get("at_or_above"),
            coded=tuple(m.get("coded", ())),
            adults_only=m.get("adults_only", False),
            derived=m.get("derived", False),
            source=m.get("source", ""),
        )
    return measures


def measure(code: str, catalogue_id: str = DEFAULT) -> Measure:
    try:
        return load(catalogue_id)[code]
    except KeyError:
        known = ", ".join(f"{m.code} ({m.key})" for m in load(catalogue_id).values())
        raise MeasureError(
            f"{code!r} is not a measure of this programme; use one of: {known}."
        ) from None


def bands_for(m: Measure, sex: str) -> tuple[Band, ...]:
    """The cut-offs that apply: by sex where the guideline says so (none when unknown)."""
    return m.bands_by_sex.get(sex, ()) if m.bands_by_sex else m.bands


def classify(m: Measure, value: float, *, sex: str, adult: bool) -> tuple[str, bool]:
    """(label, critical) for a value already in the measure's unit."""
    bands = bands_for(m, sex)
    if m.adults_only and not adult:
        label = "not_classified_child"  # children's BMI is read on WHO growth charts
    elif not bands:
        label = "not_classified" if not m.bands_by_sex else "not_classified_sex"
    else:
        label = next(b.label for b in bands if b.below is None or value < b.below)
    critical = (m.critical_below is not None and value < m.critical_below) or (
        m.critical_at_or_above is not None and value >= m.critical_at_or_above
    )
    return label, critical


def read(m: Measure, raw_value: str | float, unit: str, *, sex: str, adult: bool) -> Reading:
    """Check, convert and classify one recorded value."""
    if m.coded:
        value = str(raw_value).strip()
        match = next((c for c in m.coded if c.lower() == value.lower()), None)
        if match is None:
            raise MeasureError(f"{m.name('en')} is one of {', '.join(m.coded)}, not {value!r}.")
        return Reading(None, match, "", value, unit, match, False, m.source)
    try:
        number = float(Decimal(str(raw_value)))
    except ArithmeticError:
        raise MeasureError(f"{raw_value!r} is not a number.") from None
    if math.isnan(number) or math.isinf(number):
        raise MeasureError(f"{raw_value!r} is not a number.")
    if unit == m.unit:
        converted = number
    elif unit in m.conversions:
        converted = round(number * m.conversions[unit], 4)
    else:
        units = ", ".join([m.unit, *m.conversions])
        raise MeasureError(f"{m.name('en')} is measured in {units}; {unit!r} is not one of them.")
    if m.plausible is not None and not m.plausible[0] <= converted <= m.plausible[1]:
        low, high = m.plausible
        raise MeasureError(
            f"{m.name('en')} of {raw_value} {unit} is not plausible: a real value lies between "
            f"{low:g} and {high:g} {m.unit}. Measure again, and check the unit."
        )
    label, critical = classify(m, converted, sex=sex, adult=adult)
    return Reading(converted, "", m.unit, str(raw_value), unit, label, critical, m.source)
