"""Reading what a station types: units, plausibility, a meter's HI/LO, absent values,
Snellen fractions and read-back confirmation (`catalogue.read`).

What a value means (bands, boundaries, monotonicity, waist by sex, children) is
tests/test_clinical_guideline_table.py, tests/test_clinical_properties.py and
tests/test_clinical_children.py; this file keeps only what happens before the rules.
"""

from __future__ import annotations

import pytest

from healthcamp.clinical import catalogue, rules

M = catalogue.load()
SYSTOLIC, HEIGHT, GLUCOSE, CHOLESTEROL, ABO = "8480-6", "8302-2", "14743-9", "35200-5", "883-9"
VA_RIGHT = "98499-7"


def test_every_set_of_cut_offs_cites_its_source() -> None:
    for m in M.values():
        for bands in m.bands:
            assert len(bands.source) > 10, (m.key, bands.when)


@pytest.mark.parametrize(
    ("code", "raw", "unit", "canonical", "stored_unit"),
    [
        (GLUCOSE, "99", "mg/dL", 5.5, "mmol/L"),
        (GLUCOSE, "5.5", "mmol/L", 5.5, "mmol/L"),
        (GLUCOSE, "5,5", "mmol/L", 5.5, "mmol/L"),  # a decimal comma, as many people type
        (CHOLESTEROL, "5.2", "mmol/L", 201.1, "mg/dL"),  # stored in mg/dL, mmol/L accepted
        (CHOLESTEROL, "200", "mg/dL", 200, "mg/dL"),
        (HEIGHT, "1.70", "m", 170, "cm"),
    ],
)
def test_a_value_is_kept_as_typed_and_converted(
    code: str, raw: str, unit: str, canonical: float, stored_unit: str
) -> None:
    reading = catalogue.read(M[code], raw, unit)
    assert reading.value == pytest.approx(canonical, abs=0.05)
    assert (reading.original_value, reading.original_unit, reading.unit) == (
        raw,
        unit,
        stored_unit,
    )


@pytest.mark.parametrize(
    ("code", "value", "unit", "fragment"),
    [
        (SYSTOLIC, 900, "mm[Hg]", "between 50 and 300 mm[Hg]"),
        (HEIGHT, 12, "m", "between 40 and 250 cm"),  # checked after conversion: 1200 cm
        (GLUCOSE, 99, "mmol/L", "check the unit"),  # mg/dL typed as mmol/L
        (GLUCOSE, 5, "g/L", "is measured in mmol/L, mg/dL"),
        (CHOLESTEROL, 5, "g/L", "is measured in mg/dL, mmol/L"),
        (ABO, "C", "", "one of A, B, AB, O"),
        (SYSTOLIC, "NaN", "mm[Hg]", "not a number"),
        (SYSTOLIC, "inf", "mm[Hg]", "not a number"),
        (SYSTOLIC, "twelve", "mm[Hg]", "not a number"),
        (SYSTOLIC, "HI", "mm[Hg]", "has no meter with a HI/LO display"),
        (VA_RIGHT, "6-12", "snellen", "a fraction such as 6/12 or 20/40"),
        (VA_RIGHT, "0/12", "snellen", "is not a Snellen fraction"),
        (VA_RIGHT, "6/12", "{logMAR}", "not a number"),  # a fraction is Snellen, not logMAR
        (SYSTOLIC, "120", "snellen", "is measured in mm[Hg]"),
    ],
)
def test_implausible_values_say_what_is_wrong(code: str, value, unit: str, fragment: str) -> None:
    with pytest.raises(
        catalogue.MeasureError, match=fragment.replace("[", r"\[").replace("]", r"\]")
    ):
        catalogue.read(M[code], value, unit)


def test_coded_answers_are_matched_whatever_the_case() -> None:
    reading = catalogue.read(M[ABO], "ab", "")
    assert (reading.value, reading.code_value, reading.original_value) == (None, "AB", "ab")


@pytest.mark.parametrize(
    ("typed", "unit", "value", "comparator"),
    [("HI", "mmol/L", 33.3, ">"), ("hi", "mg/dL", 33.3, ">"), ("LO", "mmol/L", 1.1, "<")],
)
def test_a_meters_hi_and_lo_are_its_limits_with_a_comparator(
    typed: str, unit: str, value: float, comparator: str
) -> None:
    """The meter's display beyond its range: the limit, marked "more than" or "less than"."""
    reading = catalogue.read(M[GLUCOSE], typed, unit)  # never asked to confirm: it is read
    assert (reading.value, reading.comparator, reading.original_value) == (
        value,
        comparator,
        typed.upper(),
    )
    assert reading.unit == "mmol/L"
    person = rules.Person("female", 40 * 12)
    finding = rules.classify(M[GLUCOSE], reading, person)
    assert (finding.level, finding.flag) == ("urgent", "HH" if comparator == ">" else "LL")


@pytest.mark.parametrize("reason", catalogue.ABSENT)
@pytest.mark.parametrize("code", [SYSTOLIC, GLUCOSE, ABO, VA_RIGHT])
def test_an_absent_value_is_its_reason_not_a_number(code: str, reason: str) -> None:
    """Refused, not done, unable: recorded as the reason, whatever unit the form sent."""
    reading = catalogue.read(M[code], reason.upper(), "furlongs")
    assert (reading.value, reading.code_value, reading.absent_reason) == (None, "", reason)
    finding = rules.classify(M[code], reading, rules.Person("male", 40 * 12))
    assert (finding.label, finding.level, finding.advice) == (
        "absent",
        "neutral",
        f"absent_{reason}",
    )


@pytest.mark.parametrize(
    ("typed", "logmar"),
    [("6/6", 0.0), ("6/12", 0.3), ("20/40", 0.3), ("6,0/9", 0.18), ("20/200", 1.0), ("3/60", 1.3)],
)
def test_snellen_fractions_are_read_as_logmar(typed: str, logmar: float) -> None:
    reading = catalogue.read(M[VA_RIGHT], typed, "snellen")
    assert reading.value == pytest.approx(logmar)
    assert (reading.unit, reading.original_value, reading.original_unit) == (
        "{logMAR}",
        typed,
        "snellen",
    )


def test_an_extreme_glucose_is_asked_again_with_words_that_say_why() -> None:
    """Above the meter's range (33.3 mmol/L) a value is a crisis or a slip; at it, not."""
    m = M[GLUCOSE]
    assert catalogue.read(m, "33.3", "mmol/L").value == 33.3
    with pytest.raises(catalogue.NeedsConfirmation, match="If you read it right, confirm it"):
        catalogue.read(m, "34", "mmol/L")
    with pytest.raises(catalogue.MeasureError):  # a station that ignores it refuses the value
        catalogue.read(m, "700", "mg/dL")
    assert catalogue.read(m, "700", "mg/dL", confirmed=True).value == pytest.approx(38.9, abs=0.05)
    with pytest.raises(catalogue.MeasureError, match="not plausible"):  # confirming is no cure
        catalogue.read(m, "99", "mmol/L", confirmed=True)
