"""The guideline table: each case is a visit and what its guideline says it means.

The cases live in tests/clinical_cases.py, each with the guideline and table it comes
from. A case asserts the result's label and advice level, the visit's overall level and
what the visit refers. The values are typed as a station types them (through
`catalogue.read`, in the unit typed), so the whole path is tested, not a band table.

When a case fails, the case is right: it quotes its source; the rule is what changes.
"""

from __future__ import annotations

import pytest

from healthcamp.clinical import catalogue, rules, visit
from healthcamp.clinical.visit import Recorded
from tests import clinical_cases
from tests.clinical_cases import BP, CASES, DIA, GLUCOSE, SYS, Case, Entry


def recorded(entries: tuple[Entry, ...]) -> list[Recorded]:
    """What the station stores for these typed values (confirmed where it must ask)."""
    rows = []
    for i, (code, raw, unit) in enumerate(entries):
        m = catalogue.measure(code)
        reading = catalogue.read(m, raw, unit or m.unit, confirmed=True)
        rows.append(
            Recorded(
                id=i,
                code=code,
                value=reading.value,
                code_value=reading.code_value,
                original_value=reading.original_value,
                original_unit=reading.original_unit,
                comparator=reading.comparator,
                absent_reason=reading.absent_reason,
            )
        )
    return rows


def decide(c: Case) -> visit.Decision:
    return visit.decide(sex=c.sex, age_months=c.age_months, rows=recorded(c.entries))


@pytest.mark.parametrize("c", [pytest.param(c, id=c.id) for c in CASES])
def test_guideline_case(c: Case) -> None:
    decision = decide(c)
    result = decision.result(c.code)
    assert result is not None, f"no result for {c.code}"
    why = f"\nsource: {c.source}" + (f"\nnote: {c.note}" if c.note else "")
    assert (result.finding.label, result.finding.level) == (c.label, c.level), why
    if c.advice is not None:
        assert result.finding.advice == c.advice, why
    assert decision.level == c.expected_overall, why
    assert decision.refer == c.expected_refer, why


# --------------------------------------------------------------------- the table itself


def test_the_table_has_at_least_150_cases_with_unique_ids_and_sources() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) >= 150
    assert len(set(ids)) == len(ids)
    assert all(len(c.source) > 20 for c in CASES)
    assert all(c.level in catalogue.LEVELS for c in CASES)


STEP = {  # one reporting step in each unit: "each side of a boundary"
    "mm[Hg]": 1,
    "/min": 1,
    "mg/dL": 1,
    "mmol/mol": 1,
    "mmol/L": 0.1,
    "%": 0.1,
    "cm": 0.1,
    "kg/m2": 0.1,
    "{logMAR}": 0.02,
}


def _observed() -> list[tuple[str, rules.Person, str, float]]:
    """(code, person, unit, value in that unit) for every classified number in the table."""
    seen = []
    for c in CASES:
        rows = recorded(c.entries)
        person = visit.person_at_visit(sex=c.sex, age_months=c.age_months, rows=rows)
        if c.code == BP:
            result = visit.decide(sex=c.sex, age_months=c.age_months, rows=rows).result(BP)
            assert result is not None
            seen += [(code, person, "mm[Hg]", value) for code, value in result.components]
            continue
        if c.code == clinical_cases.BMI:
            result = visit.decide(sex=c.sex, age_months=c.age_months, rows=rows).result(c.code)
            assert result is not None
            assert result.value is not None
            seen.append((c.code, person, "kg/m2", result.value))
            continue
        row = next(r for r in reversed(rows) if r.code == c.code)
        m = catalogue.measure(c.code)
        if row.value is None or row.comparator or m.kind not in ("number", "acuity"):
            continue
        unit = row.original_unit
        seen.append((c.code, person, unit, catalogue.entered_number(m, row.original_value, unit)))
    return seen


def test_every_boundary_of_every_band_set_is_tested_on_both_sides() -> None:
    """Each cut-off of each guideline, in each unit it is given in: on it and one step out."""
    seen = _observed()
    missing = []
    for m in catalogue.load().values():
        for bands in m.bands:
            values = {
                v
                for code, person, unit, v in seen
                if code == m.code
                and unit == bands.unit
                and rules.band_set(m, person, unit) is bands
            }
            step = STEP[bands.unit]
            for cut in bands.cuts:
                if cut.bound is None:
                    continue
                x = cut.bound
                on = any(abs(v - x) < 1e-9 for v in values)
                if cut.inclusive:  # "at most x": the next band starts just above
                    side = any(x < v <= x + step + 1e-9 for v in values)
                else:  # "below x": the band ends just under
                    side = any(x - step - 1e-9 <= v < x for v in values)
                if not (on and side):
                    missing.append(f"{m.key} {bands.when} {x} {bands.unit} (on={on}, side={side})")
    assert not missing, "\n".join(missing)


# ------------------------------------------------------------- what the table can't say


@pytest.mark.parametrize(("raw", "unit"), [("45", "mmol/L"), ("800", "mg/dL"), ("33.4", "mmol/L")])
def test_very_high_glucose_is_asked_again_then_accepted(raw: str, unit: str) -> None:
    """Above the meter's range a value is a crisis or a slip: the station confirms it."""
    m = catalogue.measure(GLUCOSE)
    with pytest.raises(catalogue.NeedsConfirmation):
        catalogue.read(m, raw, unit)
    reading = catalogue.read(m, raw, unit, confirmed=True)
    assert reading.value is not None
    assert reading.value > 33.3


def test_office_bp_is_the_mean_of_the_last_two_readings() -> None:
    """ESH 2023: 186/112 then 162/102 is office BP 174/107 (grade 2), a third is asked."""
    rows = recorded(clinical_cases.bp("186/112", "162/102"))
    decision = visit.decide(sex="male", age_months=50 * 12, rows=rows)
    result = decision.result(BP)
    assert result is not None
    assert dict(result.components) == {SYS: 174.0, DIA: 107.0}
    assert result.shown == "174/107 mmHg"
    assert result.finding.label == "hypertension_grade_2"
    assert "third_bp_reading" in decision.prompts
    assert "bp_symptom_check" in decision.prompts  # a reading was >= 180/110
    assert decision.refer == ()


def test_a_third_reading_settles_the_protocol() -> None:
    rows = recorded(clinical_cases.bp("186/112", "162/102", "160/100"))
    decision = visit.decide(sex="male", age_months=50 * 12, rows=rows)
    result = decision.result(BP)
    assert result is not None
    assert dict(result.components) == {SYS: 161.0, DIA: 101.0}
    assert "third_bp_reading" not in decision.prompts
    assert result.note == "mean of the last 2 of 3 readings"


def test_one_reading_asks_for_a_second() -> None:
    decision = visit.decide(
        sex="female", age_months=30 * 12, rows=recorded(clinical_cases.bp("128/82"))
    )
    result = decision.result(BP)
    assert result is not None
    assert not result.final
    assert "second_bp_reading" in decision.prompts


def test_glucose_without_fasting_hours_asks_for_them() -> None:
    rows = recorded(((GLUCOSE, "6.5", "mmol/L"),))
    assert "ask_fasting_hours" in visit.decide(sex="male", age_months=480, rows=rows).prompts


@pytest.mark.parametrize(("years", "asked"), [(14, False), (15, True), (49, True), (50, False)])
def test_pregnancy_is_asked_of_women_15_to_49(years: int, asked: bool) -> None:
    rows = recorded(((GLUCOSE, "5.0", "mmol/L"),))
    prompts = visit.decide(sex="female", age_months=years * 12, rows=rows).prompts
    assert ("ask_pregnancy" in prompts) is asked


@pytest.mark.parametrize("sex", ["other", "not_stated"])
def test_a_child_whose_sex_the_tables_lack_still_gets_a_decision(sex: str) -> None:
    """Registration offers 'other' and 'prefers not to say' (registry.choices.Sex); the
    children's tables are by sex, but the visit must still be decided, not crash."""
    rows = recorded(clinical_cases.office("124/81", (clinical_cases.HEIGHT, "140", "cm")))
    decision = visit.decide(sex=sex, age_months=10 * 12, rows=rows)
    assert decision.result(BP) is not None


def test_a_height_typed_wrong_does_not_stop_the_visit_being_decided() -> None:
    """200 cm at 5 years is within the catalogue's plausible heights (40-250 cm) but not a
    5-year-old's: the blood pressure cannot be placed, the rest of the visit still is."""
    rows = recorded(
        (
            *clinical_cases.office("100/60", (clinical_cases.HEIGHT, "200", "cm")),
            (GLUCOSE, "2.5", "mmol/L"),
        )
    )
    decision = visit.decide(sex="male", age_months=5 * 12, rows=rows)
    glucose = decision.result(GLUCOSE)
    assert glucose is not None
    assert glucose.finding.level == "urgent"
