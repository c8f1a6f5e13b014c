"""Classification: monotonic in the value, boundaries exactly as the cited guideline."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthcamp.clinical import catalogue

M = catalogue.load()
ORDERED = [m for m in M.values() if m.bands and not m.coded]


@pytest.mark.parametrize("m", ORDERED, ids=lambda m: m.key)
def test_every_classified_measure_cites_its_source(m: catalogue.Measure) -> None:
    assert m.source


@given(data=st.data())
@pytest.mark.parametrize("m", ORDERED, ids=lambda m: m.key)
def test_classification_is_monotonic(m: catalogue.Measure, data) -> None:
    """A higher value never lands in a lower band."""
    low, high = m.plausible or (0, 1000)
    a = data.draw(st.floats(low, high, allow_nan=False))
    b = data.draw(st.floats(a, high, allow_nan=False))
    labels = [band.label for band in m.bands]
    first = catalogue.classify(m, a, sex="female", adult=True)[0]
    second = catalogue.classify(m, b, sex="female", adult=True)[0]
    assert labels.index(first) <= labels.index(second)


@pytest.mark.parametrize(
    ("code", "value", "label", "critical"),
    [
        # ESH 2023 office blood pressure, systolic: <120, 120-129, 130-139, 140-159, 160-179, >=180
        ("8480-6", 119.9, "optimal", False),
        ("8480-6", 120, "normal", False),
        ("8480-6", 130, "high_normal", False),
        ("8480-6", 140, "hypertension_grade_1", False),
        ("8480-6", 160, "hypertension_grade_2", False),
        ("8480-6", 179.9, "hypertension_grade_2", False),
        ("8480-6", 180, "hypertension_grade_3", True),
        # diastolic: <80, 80-84, 85-89, 90-99, 100-109, >=110; critical from 120
        ("8462-4", 79, "optimal", False),
        ("8462-4", 85, "high_normal", False),
        ("8462-4", 110, "hypertension_grade_3", False),
        ("8462-4", 120, "hypertension_grade_3", True),
        # WHO adult BMI: <18.5, 18.5-24.9, 25-29.9, >=30
        ("39156-5", 18.49, "underweight", False),
        ("39156-5", 18.5, "normal", False),
        ("39156-5", 25, "overweight", False),
        ("39156-5", 30, "obesity", False),
        # fasting glucose (WHO 2006): <6.1 normal, 6.1-6.9 IFG, >=7.0; critical <3.0 or >=16.7
        ("1558-6", 6.09, "normal", False),
        ("1558-6", 6.1, "impaired_fasting_glucose", False),
        ("1558-6", 7.0, "diabetes_range", False),
        ("1558-6", 2.9, "low", True),
        ("1558-6", 16.7, "diabetes_range", True),
        # HbA1c (ADA 2024): <5.7, 5.7-6.4, >=6.5
        ("4548-4", 5.69, "normal", False),
        ("4548-4", 5.7, "prediabetes", False),
        ("4548-4", 6.5, "diabetes_range", False),
    ],
)
def test_boundaries_are_the_guidelines(code: str, value: float, label: str, critical: bool) -> None:
    assert catalogue.classify(M[code], value, sex="female", adult=True) == (label, critical)


@pytest.mark.parametrize(
    ("sex", "value", "label"),
    [
        ("male", 93.9, "normal"),
        ("male", 94, "increased_risk"),
        ("male", 102, "substantially_increased_risk"),
        ("female", 79.9, "normal"),
        ("female", 80, "increased_risk"),
        ("female", 88, "substantially_increased_risk"),
        ("other", 90, "not_classified_sex"),
    ],
)
def test_waist_cut_offs_depend_on_sex(sex: str, value: float, label: str) -> None:
    assert catalogue.classify(M["8280-0"], value, sex=sex, adult=True)[0] == label


def test_children_bmi_is_not_read_on_adult_cut_offs() -> None:
    assert (
        catalogue.classify(M["39156-5"], 31, sex="male", adult=False)[0] == "not_classified_child"
    )


@pytest.mark.parametrize(
    ("raw", "unit", "converted"),
    [
        ("99", "mg/dL", 5.5),
        ("5.5", "mmol/L", 5.5),
    ],
)
def test_glucose_in_either_unit_is_kept_as_given_and_converted(
    raw: str, unit: str, converted: float
) -> None:
    reading = catalogue.read(M["1558-6"], raw, unit, sex="female", adult=True)
    assert reading.value == pytest.approx(converted)
    assert (reading.original_value, reading.original_unit, reading.unit) == (raw, unit, "mmol/L")


@pytest.mark.parametrize(
    ("code", "value", "unit", "fragment"),
    [
        ("8480-6", 900, "mm[Hg]", "between 50 and 300 mm[Hg]"),
        ("8302-2", 12, "m", "between 40 and 250 cm"),
        ("1558-6", 99, "mmol/L", "check the unit"),  # mg/dL typed as mmol/L
        ("1558-6", 5, "g/L", "is measured in mmol/L, mg/dL"),
        ("883-9", "C", "", "one of A, B, AB, O"),
        ("8480-6", "NaN", "mm[Hg]", "not a number"),
        ("8480-6", "twelve", "mm[Hg]", "not a number"),
    ],
)
def test_implausible_values_say_what_is_wrong(code: str, value, unit: str, fragment: str) -> None:
    with pytest.raises(
        catalogue.MeasureError, match=fragment.replace("[", r"\[").replace("]", r"\]")
    ):
        catalogue.read(M[code], value, unit, sex="female", adult=True)
