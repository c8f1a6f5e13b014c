"""One visit's values and decision as FHIR R4 Observations.

Every stored value is exported; the visit's decision (the one the letter shows) adds its
meaning to the value it was made from: interpretation (HL7 v3 flag) and the healthy range.
Blood pressure follows R4's vital-signs BP profile: each reading is its own 85354-9 panel
with systolic and diastolic components, and the office value (the mean of the last two
readings, ESH 2023) is one more panel derived from those readings. BMI is derived from the
height and weight it was computed from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from healthcamp.clinical import catalogue, rules
from healthcamp.clinical.catalogue import Measure
from healthcamp.clinical.rules import Finding
from healthcamp.clinical.visit import BMI, BP, DIASTOLIC, SYSTOLIC, Decision, Result, bp_pairs
from healthcamp.interop import fhir_terms as t


class Row(Protocol):
    """One stored value (services.observations.ObservationView)."""

    @property
    def id(self) -> Any: ...
    @property
    def code(self) -> str: ...
    @property
    def value(self) -> float | None: ...
    @property
    def code_value(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def original_value(self) -> str: ...
    @property
    def original_unit(self) -> str: ...
    @property
    def recorded_at(self) -> datetime: ...
    @property
    def comparator(self) -> str: ...
    @property
    def absent_reason(self) -> str: ...


class VisitLike(Protocol):
    @property
    def id(self) -> Any: ...
    @property
    def started_at(self) -> datetime: ...
    @property
    def site(self) -> str: ...


class VisitResultsLike(Protocol):
    """One visit, its decision and the values it was decided from (VisitResults)."""

    @property
    def visit(self) -> VisitLike: ...
    @property
    def decision(self) -> Decision: ...
    @property
    def observations(self) -> Sequence[Row]: ...


Entry = tuple[str, dict[str, Any]]  # fullUrl, resource
MMHG = "mm[Hg]"
CATEGORIES = {
    "vital-signs": "Vital Signs",
    "laboratory": "Laboratory",
    "exam": "Exam",
    "survey": "Survey",
    "social-history": "Social History",
}


def _measure(code: str) -> Measure | None:
    return catalogue.load().get(code)


def category(code: str) -> str:
    """vital-signs (R4's vital-signs set and waist), laboratory (blood tests), exam
    (eyesight, anything else measured), social-history (pregnancy), survey (answers)."""
    if code in t.VITAL_SIGNS:
        return "vital-signs"
    if code == t.PREGNANCY:
        return "social-history"
    m = _measure(code)
    if m is None:
        return "exam"
    if m.role == "context":
        return "survey"  # what the person told the station
    if m.kind == "acuity":
        return "exam"
    if m.purpose == "blood_tests":
        return "laboratory"
    return "exam"


def _code(code: str, *extra: dict[str, Any]) -> dict[str, Any]:
    m = _measure(code)
    return t.concept(t.coding(t.code_system(code), code), *extra, text=m.name("en") if m else code)


def _base(code: str, at: datetime, ctx: _Visit, *extra: dict[str, Any]) -> dict[str, Any]:
    kind = category(code)
    resource: dict[str, Any] = {"resourceType": "Observation"}
    if kind == "vital-signs":
        profile = t.VITAL_PROFILES.get(code, "vitalsigns")
        resource["meta"] = {"profile": [t.PROFILE + profile]}
    return resource | {
        "status": "final",
        "category": [t.concept(t.coding(t.OBSERVATION_CATEGORY, kind, CATEGORIES[kind]))],
        "code": _code(code, *extra),
        "subject": ctx.patient,
        "encounter": ctx.encounter,
        "effectiveDateTime": t.instant(at),
    }


def quantity(value: float, unit: str, comparator: str = "", shown: str = "") -> dict[str, Any]:
    """A UCUM quantity; `shown` is the unit as people read it (Quantity.unit)."""
    found: dict[str, Any] = {"value": value}
    if comparator:
        found["comparator"] = comparator
    return found | {"unit": shown or unit.strip("{}"), "system": t.UCUM, "code": unit}


def _absent(reason: str) -> dict[str, Any]:
    code, display = t.DATA_ABSENT_REASONS.get(reason, ("unknown", "Unknown"))
    return t.concept(t.coding(t.DATA_ABSENT, code, display), text=t.words(reason))


def _answer(code: str, answer: str) -> dict[str, Any]:
    m = _measure(code)
    found = m.answer(answer) if m is not None else None
    if found is None:
        return t.concept(text=t.words(answer))
    return t.concept(t.coding(t.LOINC, found.loinc, found.display), text=found.display)


def interpretation(finding: Finding) -> list[dict[str, Any]] | None:
    if finding.flag not in t.INTERPRETATIONS:
        return None
    flag = t.coding(t.INTERPRETATION, finding.flag, t.INTERPRETATIONS[finding.flag])
    return [t.concept(flag, text=t.words(finding.label))]


def reference_range(finding: Finding, m: Measure) -> list[dict[str, Any]] | None:
    """The healthy range, in the unit of the value (the guideline may give it in another)."""
    if finding.reference is None:
        return None
    unit = finding.reference_unit or m.unit
    if unit != m.unit and unit not in m.conversions:
        return None

    def canonical(bound: float) -> float:
        if unit == m.unit:
            return bound
        return round(m.conversions[unit].to_canonical(bound), m.precision + 1)

    found: dict[str, Any] = {}
    low, high = finding.reference
    if low is not None:
        found["low"] = quantity(canonical(low), m.unit, shown=m.display_unit)
    if high is not None:
        found["high"] = quantity(canonical(high), m.unit, shown=m.display_unit)
    if not found:
        return None
    found["type"] = t.concept(t.coding(t.REFERENCE_MEANING, "normal", "Normal Range"))
    found["text"] = f"healthy range ({finding.source})" if finding.source else "healthy range"
    return [found]


def _meaning(resource: dict[str, Any], result: Result, m: Measure | None) -> None:
    found = interpretation(result.finding)
    if found:
        resource["interpretation"] = found
    ranges = reference_range(result.finding, m) if m is not None else None
    if ranges:
        resource["referenceRange"] = ranges


class _Visit:
    def __init__(self, results: VisitResultsLike, ids: t.Ids, patient: dict[str, Any]) -> None:
        self.ids = ids
        self.patient = patient
        self.decision = results.decision
        self.visit_id = results.visit.id
        self.encounter = ids.ref("encounter", results.visit.id, "Encounter")
        self.rows = sorted(results.observations, key=lambda o: (o.recorded_at, o.id))


def _row(o: Row, ctx: _Visit, result: Result | None) -> dict[str, Any]:
    m = _measure(o.code)
    extra = []
    if o.code == t.GLUCOSE and ctx.decision.person.fasting:
        extra.append(t.coding(t.LOINC, t.FASTING_GLUCOSE))
    resource = _base(o.code, o.recorded_at, ctx, *extra)
    if o.absent_reason:
        resource["dataAbsentReason"] = _absent(o.absent_reason)
    elif o.code_value:
        resource["valueCodeableConcept"] = _answer(o.code, o.code_value)
    elif o.value is not None:
        unit = (m.unit if m is not None else "") or o.unit
        shown = m.display_unit if m is not None else ""
        resource["valueQuantity"] = quantity(o.value, unit, o.comparator, shown)
        if o.original_unit and o.original_unit != unit and not o.comparator:
            resource["note"] = [{"text": f"entered as {o.original_value} {o.original_unit}"}]
    else:
        resource["dataAbsentReason"] = _absent("unknown")
    if result is not None:
        _meaning(resource, result, m)
    return resource


def _component(o: Row) -> dict[str, Any]:
    component: dict[str, Any] = {"code": _code(o.code)}
    if o.value is not None:
        component["valueQuantity"] = quantity(o.value, MMHG, shown="mmHg")
    else:
        component["dataAbsentReason"] = _absent(o.absent_reason or "unknown")
    return component


def _reading(pair: tuple[Row, Row], ctx: _Visit) -> dict[str, Any]:
    systolic, diastolic = pair
    resource = _base(BP, max(systolic.recorded_at, diastolic.recorded_at), ctx)
    resource["component"] = [_component(systolic), _component(diastolic)]
    return resource


def _office(
    result: Result, readings: list[tuple[tuple[Row, Row], str]], ctx: _Visit
) -> dict[str, Any]:
    """The office value the letter shows: the mean of the last two readings (ESH 2023)."""
    used = [
        (pair, url) for pair, url in readings if {pair[0].id, pair[1].id} <= set(result.from_ids)
    ]
    last = (used or readings)[-2:]
    at = max(max(s.recorded_at, d.recorded_at) for (s, d), _ in last)
    resource = _base(BP, at, ctx)
    resource["status"] = "final" if result.final else "preliminary"
    if len(last) == 2:
        method = "office blood pressure: mean of the last two readings (ESH 2023)"
    else:
        method = "office blood pressure: one reading so far; ESH 2023 asks for two"
    resource["method"] = t.concept(text=method)
    if result.note:
        resource["note"] = [{"text": result.note}]
    interpreted = interpretation(result.finding)
    if interpreted:
        resource["interpretation"] = interpreted
    resource["derivedFrom"] = [{"reference": url, "type": "Observation"} for _, url in last]
    components = []
    for code, value in result.components:
        component: dict[str, Any] = {
            "code": _code(code),
            "valueQuantity": quantity(value, MMHG, shown="mmHg"),
        }
        if not result.finding.label.startswith("child_"):
            # Adults: each part's own healthy range, from the same rules the decision used
            # (a child's office value is placed on percentile tables, which give none).
            m = catalogue.measure(code)
            reading = catalogue.Reading(value, "", m.unit, str(value), m.unit)
            ranges = reference_range(rules.classify(m, reading, ctx.decision.person), m)
            if ranges:
                component["referenceRange"] = ranges
        components.append(component)
    resource["component"] = components
    return resource


def _blood_pressure(ctx: _Visit, results: dict[str, str]) -> list[Entry]:
    systolic = [o for o in ctx.rows if o.code == SYSTOLIC]
    diastolic = [o for o in ctx.rows if o.code == DIASTOLIC]
    # Paired as the decision pairs them (clinical.visit.bp_pairs); refused or skipped
    # ones pair among themselves, the rest stand alone.
    both = [o for o in ctx.rows if o.code in (SYSTOLIC, DIASTOLIC)]
    valued = bp_pairs([o for o in both if o.value is not None], code=lambda o: o.code)[0]
    absent = bp_pairs([o for o in both if o.value is None], code=lambda o: o.code)[0]
    paired = {o.id for pair in valued + absent for o in pair}
    entries: list[Entry] = []
    readings: list[tuple[tuple[Row, Row], str]] = []
    for n, pair in enumerate(valued + absent):
        url = ctx.ids.url("bp-reading", f"{pair[0].id}/{pair[1].id}")
        entries.append((url, _reading(pair, ctx)))
        if n < len(valued):
            readings.append((pair, url))
    for o in systolic + diastolic:
        if o.id not in paired:
            entries.append((ctx.ids.url("observation", o.id), _row(o, ctx, None)))
    result = ctx.decision.result(BP)
    if result is not None and readings:
        url = ctx.ids.url("bp-office", ctx.visit_id)
        entries.append((url, _office(result, readings, ctx)))
        results[BP] = url
    return entries


def _bmi(ctx: _Visit, results: dict[str, str]) -> list[Entry]:
    result = ctx.decision.result(BMI)
    by_id = {o.id: o for o in ctx.rows}
    sources = [by_id[i] for i in result.from_ids if i in by_id] if result else []
    if result is None or result.value is None or not sources:
        return []
    m = catalogue.measure(BMI)
    resource = _base(BMI, max(o.recorded_at for o in sources), ctx)
    resource["valueQuantity"] = quantity(result.value, m.unit, shown=m.display_unit)
    _meaning(resource, result, m)
    resource["derivedFrom"] = [
        {"reference": ctx.ids.url("observation", o.id), "type": "Observation"} for o in sources
    ]
    url = ctx.ids.url("bmi", ctx.visit_id)
    results[BMI] = url
    return [(url, resource)]


def visit_observations(
    visit: VisitResultsLike, *, ids: t.Ids, patient: dict[str, Any]
) -> tuple[list[Entry], dict[str, str]]:
    """The visit's Observations, and the fullUrl of each result's Observation by code."""
    ctx = _Visit(visit, ids, patient)
    results: dict[str, str] = {}
    single = {
        r.from_ids[0]: r
        for r in (*ctx.decision.results, *ctx.decision.context)
        if r.code not in (BP, BMI) and len(r.from_ids) == 1
    }
    entries: list[Entry] = []
    for o in ctx.rows:
        if o.code in (SYSTOLIC, DIASTOLIC):
            continue
        url = ids.url("observation", o.id)
        result = single.get(o.id)
        entries.append((url, _row(o, ctx, result)))
        if result is not None:
            results[result.code] = url
    entries += _blood_pressure(ctx, results)
    entries += _bmi(ctx, results)
    return entries, results
