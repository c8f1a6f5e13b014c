"""One decision per visit: what each result means, how soon to act, what to refer, and
what the station still has to ask. The station page, the critical alert, the referral,
the letter, the portal and the FHIR export all read this one decision, so they cannot
disagree.

ESH 2023's office protocol for blood pressure: at least two readings 1-2 minutes
apart, a third when the first two differ by more than 10 mmHg, the office value is the
mean of the last two, and the category is the higher of systolic and diastolic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, TypeVar

from healthcamp.clinical import catalogue, children, rules
from healthcamp.clinical.rules import Finding, Person

SYSTOLIC, DIASTOLIC, BP = "8480-6", "8462-4", "85354-9"
HEIGHT, WEIGHT, BMI = "8302-2", "29463-7", "39156-5"
BP_REPEAT_GAP = 10  # mmHg between the first two readings: take a third (ESH 2023)
SEVERE = (180, 110)  # a reading this high: repeat after rest and ask about symptoms
# Where asking about pregnancy makes sense (WHO: women of reproductive age, 15-49).
PREGNANCY_ASKED = (15, 50)


@dataclass(frozen=True)
class Recorded:
    """One stored value, as the rules need it."""

    id: Any
    code: str
    value: float | None
    code_value: str = ""
    original_value: str = ""
    original_unit: str = ""
    comparator: str = ""
    absent_reason: str = ""
    recorded_at: datetime | None = None

    def reading(self) -> catalogue.Reading:
        m = catalogue.measure(self.code)
        return catalogue.Reading(
            self.value,
            self.code_value,
            m.unit,
            self.original_value,
            self.original_unit or m.unit,
            self.comparator,
            self.absent_reason,
        )


@dataclass(frozen=True)
class Result:
    code: str
    key: str
    value: float | None  # canonical unit; for blood pressure the systolic
    components: tuple[tuple[str, float], ...]  # blood pressure: (code, office value)
    shown: str  # rounded, with the unit people read
    entered: str  # what was typed, when it was converted or is not the value shown
    finding: Finding
    from_ids: tuple[Any, ...]  # the stored values it was computed from
    note: str = ""  # e.g. "mean of the last 2 of 3 readings"
    final: bool = True  # False while the protocol still asks for more
    comparator: str = ""
    absent_reason: str = ""
    code_value: str = ""


@dataclass(frozen=True)
class Decision:
    person: Person
    results: tuple[Result, ...]  # what the person reads, in catalogue order
    context: tuple[Result, ...]  # what they told us: pregnancy, fasting, diagnoses
    level: str  # the most severe level of any result
    refer: tuple[tuple[str, str], ...]  # (measure code, urgency) the visit refers now
    prompts: tuple[str, ...]  # what the station still has to ask or measure

    def result(self, code: str) -> Result | None:
        return next((r for r in self.results if r.code == code), None)


def age_in_months(born: date, on: date) -> int:
    months = (on.year - born.year) * 12 + on.month - born.month
    return months - (1 if on.day < born.day else 0)


def _latest(rows: list[Recorded], code: str) -> Recorded | None:
    found = [r for r in rows if r.code == code]
    return found[-1] if found else None


def person_at_visit(*, sex: str, age_months: int, rows: list[Recorded]) -> Person:
    def answer(code: str) -> str:
        row = _latest(rows, code)
        return row.code_value if row is not None else ""

    fasting = _latest(rows, "87527-8")
    height = _latest(rows, HEIGHT)
    pregnancy = answer("82810-3")
    symptoms = answer("hc-bp-symptoms")
    return Person(
        sex=sex,
        age_months=age_months,
        pregnant={"pregnant": True, "not_pregnant": False}.get(pregnancy),
        fasting_hours=fasting.value if fasting is not None else None,
        fasting_unconfirmed=fasting is not None and fasting.absent_reason == "unconfirmed",
        diagnosed=frozenset(
            c
            for c, code in (("hypertension", "hc-dx-htn"), ("diabetes", "hc-dx-dm"))
            if answer(code) == "yes"
        ),
        height_cm=height.value if height is not None else None,
        bp_symptoms={"yes": True, "no": False}.get(symptoms),
    )


def _shown(m: catalogue.Measure, value: float) -> str:
    return f"{catalogue.shown_in(m, value)} {m.display_unit}".strip()


def _single(m: catalogue.Measure, row: Recorded, person: Person) -> Result:
    reading = row.reading()
    finding = rules.classify(m, reading, person)
    if row.absent_reason:
        return Result(
            m.code, m.key, None, (), "", "", finding, (row.id,), absent_reason=row.absent_reason
        )
    if m.kind == "coded":
        return Result(
            m.code,
            m.key,
            None,
            (),
            row.code_value,
            "",
            finding,
            (row.id,),
            code_value=row.code_value,
        )
    assert row.value is not None  # noqa: S101 - a number or a meter limit
    if row.comparator:
        shown = f"{row.original_value} ({row.comparator} {_shown(m, row.value)})"
        return Result(
            m.code, m.key, row.value, (), shown, "", finding, (row.id,), comparator=row.comparator
        )
    if m.kind == "acuity" and row.original_unit in catalogue.SNELLEN_UNITS:
        shown = _shown(m, row.value)
        return Result(m.code, m.key, row.value, (), shown, row.original_value, finding, (row.id,))
    # Shown in the unit its cut-offs were read in, rounded as they were read: a value typed
    # as 47 mmol/mol shows as 47 mmol/mol (below 48), never as "6.5 %".
    unit = finding.reference_unit or m.unit
    if unit != m.unit:
        number = catalogue.entered_number(m, row.original_value, row.original_unit)
        places = catalogue.precision_in(m, unit)
        shown = f"{rules.rounded(number, places):.{places}f} {unit}"
        entered = _shown(m, row.value)  # the same value in the unit stored and exported
    else:
        shown = _shown(m, rules.rounded(row.value, m.precision))
        converted = row.original_unit not in ("", m.unit)
        entered = f"{row.original_value} {row.original_unit}" if converted else ""
    return Result(m.code, m.key, row.value, (), shown, entered, finding, (row.id,))


R = TypeVar("R")


def bp_pairs(rows: Iterable[R], *, code: Callable[[R], str]) -> tuple[list[tuple[R, R]], int]:
    """Readings as taken: each diastolic with the systolic recorded just before it.

    A systolic followed by another systolic, or a diastolic with none before it, stands
    alone (returned as the count of lone numbers) and never shifts the later pairs.
    """
    pairs: list[tuple[R, R]] = []
    pending: R | None = None
    lone = 0
    for row in rows:
        if code(row) == SYSTOLIC:
            lone += pending is not None
            pending = row
        elif code(row) == DIASTOLIC:
            if pending is None:
                lone += 1
            else:
                pairs.append((pending, row))
                pending = None
    return pairs, lone + (pending is not None)


def _blood_pressure(rows: list[Recorded], person: Person) -> tuple[Result | None, list[str]]:
    valued = [r for r in rows if r.code in (SYSTOLIC, DIASTOLIC) and r.value is not None]
    pairs, lone = bp_pairs(valued, code=lambda r: r.code)
    prompts = []
    if lone:
        prompts.append("complete_bp_pair")  # a reading is its two numbers together
    if not pairs:
        return None, prompts
    if len(pairs) == 1:
        prompts.append("second_bp_reading")
    elif len(pairs) == 2:
        (s1, d1), (s2, d2) = pairs
        assert None not in (s1.value, s2.value, d1.value, d2.value)  # noqa: S101
        if abs(s1.value - s2.value) > BP_REPEAT_GAP or abs(d1.value - d2.value) > BP_REPEAT_GAP:  # type: ignore[operator]
            prompts.append("third_bp_reading")
    last = pairs[-2:]
    # Rounded as shown (whole mmHg, half up) before it is classified: 139.5 reads and
    # shows as 140, never "140" on the letter with the category of 139.
    sys_value = rules.rounded(sum(s.value for s, _ in last) / len(last), 0)  # type: ignore[misc]
    dia_value = rules.rounded(sum(d.value for _, d in last) / len(last), 0)  # type: ignore[misc]
    severe = any(
        s.value >= SEVERE[0] or d.value >= SEVERE[1]  # type: ignore[operator]
        for s, d in pairs
    )
    finding = _bp_finding(sys_value, dia_value, person)
    severe = severe or finding.label == "child_hypertension_stage_2"
    if severe and person.bp_symptoms is None:
        prompts.append("bp_symptom_check")
    if finding.label == "child_not_classified_no_height":
        prompts.append("measure_height")
    note = f"mean of the last 2 of {len(pairs)} readings" if len(pairs) > 1 else "one reading"
    m = catalogue.measure(BP)
    shown = f"{sys_value:.0f}/{dia_value:.0f} {m.display_unit}"
    ids = tuple(r.id for pair in pairs for r in pair)
    final = not any(
        p in prompts
        for p in ("second_bp_reading", "third_bp_reading", "bp_symptom_check", "complete_bp_pair")
    )
    result = Result(
        BP,
        "blood_pressure",
        sys_value,
        ((SYSTOLIC, sys_value), (DIASTOLIC, dia_value)),
        shown,
        "",
        finding,
        ids,
        note,
        final,
    )
    return result, prompts


def _bp_finding(systolic: float, diastolic: float, person: Person) -> Finding:
    if person.age_years < 16 and person.pregnant is not True:
        if person.sex not in children.SEXES:
            reason = "not_classified_sex"  # the percentiles are by sex
            return Finding(reason, "neutral", "", reason, "")
        try:
            child = children.bp_for_age(
                sex=person.sex,
                age_years=person.age_years,
                height_cm=person.height_cm,
                systolic=systolic,
                diastolic=diastolic,
            )
        except ValueError:  # a height far outside any child's: read as if not measured
            child = children.bp_for_age(
                sex=person.sex,
                age_years=person.age_years,
                height_cm=None,
                systolic=systolic,
                diastolic=diastolic,
            )
        level, flag = {
            "normal": ("fine", "N"),
            "high_normal": ("watch", "H"),
            "hypertension_stage_1": ("act", "H"),
            "hypertension_stage_2": ("soon", "HH"),
            "not_classified_no_height": ("act", ""),
            "not_classified_age": ("neutral", ""),
        }[child.label]
        if child.label == "hypertension_stage_2" and person.bp_symptoms is True:
            # Fourth Report, Table 5: stage 2 is referred "immediately if symptomatic".
            advice = "hypertension_grade_3_symptoms"
            return Finding(f"child_{child.label}", "urgent", flag, advice, child.source)
        return Finding(f"child_{child.label}", level, flag, f"child_bp_{child.label}", child.source)
    parts = [
        rules.classify(
            catalogue.measure(code),
            catalogue.Reading(value, "", "mm[Hg]", str(value), "mm[Hg]"),
            person,
        )
        for code, value in ((SYSTOLIC, systolic), (DIASTOLIC, diastolic))
    ]
    # ESH: the higher category of the two; the order of the bands breaks ties of level.
    finding = max(parts, key=severity)
    if finding.label == "hypertension_grade_3":
        if person.bp_symptoms is True:
            return replace(finding, level="urgent", advice="hypertension_grade_3_symptoms")
        return finding  # "soon": review within a week (ESH 2023, section 9.3)
    return rules.in_care(BP, finding, person)


def severity(finding: Finding) -> tuple[int, int]:
    """For blood pressure: the level, then the band's place (ESH: the higher category)."""
    order = [c.label for b in catalogue.measure(SYSTOLIC).bands for c in b.cuts]
    return rules.RANK[finding.level], order.index(finding.label) if finding.label in order else -1


def _bmi(rows: list[Recorded], person: Person) -> Result | None:
    height, weight = _latest(rows, HEIGHT), _latest(rows, WEIGHT)
    if height is None or weight is None or height.value is None or weight.value is None:
        return None
    m = catalogue.measure(BMI)
    value = round(weight.value / (height.value / 100) ** 2, 1)
    finding = rules.classify(m, catalogue.Reading(value, "", m.unit, f"{value}", m.unit), person)
    return Result(BMI, "bmi", value, (), _shown(m, value), "", finding, (height.id, weight.id))


def decide(*, sex: str, age_months: int, rows: list[Recorded]) -> Decision:
    """rows: one visit's stored values, oldest first."""
    person = person_at_visit(sex=sex, age_months=age_months, rows=rows)
    results: list[Result] = []
    context: list[Result] = []
    prompts: list[str] = []
    for m in catalogue.load().values():
        if m.code == BP:
            bp, bp_prompts = _blood_pressure(rows, person)
            prompts += bp_prompts
            if bp is not None:
                results.append(bp)
            continue
        if m.code == BMI:
            bmi = _bmi(rows, person)
            if bmi is not None:
                results.append(bmi)
            continue
        if m.part_of or m.derived:
            continue  # shown inside their panel, or computed here
        row = _latest(rows, m.code)
        if row is None:
            continue
        (context if m.role == "context" else results).append(_single(m, row, person))
    prompts += _questions(rows, person)
    level = max((r.finding.level for r in results), key=rules.RANK.__getitem__, default="neutral")
    refer = tuple(
        (r.code, "urgent" if r.finding.level == "urgent" else "soon")
        for r in results
        if r.finding.level in ("urgent", "soon") and (r.final or r.finding.level == "urgent")
    )
    return Decision(person, tuple(results), tuple(context), level, refer, tuple(prompts))


def _questions(rows: list[Recorded], person: Person) -> list[str]:
    asked = []
    codes = {r.code for r in rows}
    if "14743-9" in codes and "87527-8" not in codes:
        asked.append("ask_fasting_hours")
    low, high = PREGNANCY_ASKED
    if person.sex == "female" and low <= person.age_years < high and "82810-3" not in codes:
        asked.append("ask_pregnancy")
    return asked
