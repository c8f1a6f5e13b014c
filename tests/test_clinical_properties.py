"""Properties of the visit decision over random visits.

Random people (0-90 years, every sex registration offers, pregnant or not or not asked,
fasting hours or not, diagnoses, symptoms) with any subset of measures, each typed in any
unit the catalogue accepts, across its whole plausible range, or refused, or a meter's
HI/LO. Examples are kept modest (the file runs in a few seconds).
"""

from __future__ import annotations

import math
from decimal import Decimal

from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from healthcamp.clinical import catalogue, rules, visit
from healthcamp.clinical.rules import Person
from healthcamp.clinical.visit import Recorded

CAT = catalogue.load()
SYS, DIA, BP, BMI = "8480-6", "8462-4", "85354-9", "39156-5"
HEIGHT, WEIGHT, WAIST, GLUCOSE, HBA1C, CHOL = (
    "8302-2",
    "29463-7",
    "56115-9",
    "14743-9",
    "4548-4",
    "35200-5",
)
ABO, RH = "883-9", "10331-7"
SEXES = ("female", "male", "other", "not_stated")  # healthcamp.registry.choices.Sex
TYPED = [  # measured values a station types (the panel's parts come in pairs below)
    m
    for m in CAT.values()
    if m.kind in ("number", "acuity") and m.role == "result" and not m.derived and not m.part_of
]
CODED = [m for m in CAT.values() if m.kind == "coded" and m.role == "result"]
CHILD_BMI_ORDER = ("thinness_severe", "thinness", "normal", "overweight", "obesity")
CHILD_BP_ORDER = ("normal", "high_normal", "hypertension_stage_1", "hypertension_stage_2")

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
VISIT_SETTINGS = settings(  # a whole visit, children's references included: fewer
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def row(i: int, m: catalogue.Measure, raw: str, unit: str) -> Recorded:
    reading = catalogue.read(m, raw, unit, confirmed=True)
    return Recorded(
        id=i,
        code=m.code,
        value=reading.value,
        code_value=reading.code_value,
        original_value=reading.original_value,
        original_unit=reading.original_unit,
        comparator=reading.comparator,
        absent_reason=reading.absent_reason,
    )


@st.composite
def typed_value(draw: st.DrawFn, m: catalogue.Measure) -> tuple[str, str]:
    """A value as typed: in any accepted unit, anywhere in the plausible range."""
    kind = draw(st.sampled_from(["value"] * 10 + ["absent"] + (["meter"] if m.meter else [])))
    if kind == "absent":
        return draw(st.sampled_from(catalogue.ABSENT)), ""
    if kind == "meter":
        return draw(st.sampled_from(catalogue.METER)), m.unit
    assert m.plausible is not None
    low, high = m.plausible
    span = high - low
    canonical = draw(st.floats(low + span * 0.001, high - span * 0.001))
    units = list(m.units) + (list(catalogue.SNELLEN_UNITS) if m.kind == "acuity" else [])
    unit = draw(st.sampled_from(units))
    if unit in catalogue.SNELLEN_UNITS:
        metres = draw(st.sampled_from([6, 20, 3]))
        return f"{metres}/{metres * 10**canonical:.1f}", unit
    entered = m.conversions[unit].from_canonical(canonical) if unit in m.conversions else canonical
    return f"{entered:.{draw(st.integers(0, 3))}f}", unit


@st.composite
def visits(draw: st.DrawFn) -> tuple[str, int, list[Recorded]]:
    sex = draw(st.sampled_from(SEXES))
    # Half the visits are children's: their rules (growth references, centiles) are the
    # more intricate ones.
    age_months = draw(st.integers(0, 19 * 12) | st.integers(0, 90 * 12))
    rows: list[Recorded] = []

    def add(code: str, raw: str, unit: str = "") -> None:
        m = CAT[code]
        rows.append(row(len(rows), m, raw, unit or m.unit))

    for code, answers in [
        ("82810-3", ("pregnant", "not_pregnant", "unknown")),
        ("hc-dx-htn", ("yes", "no", "unknown")),
        ("hc-dx-dm", ("yes", "no", "unknown")),
        ("hc-bp-symptoms", ("yes", "no")),
        ("hc-va-glasses", ("yes", "no")),
    ]:
        answer = draw(st.none() | st.sampled_from(answers))
        if answer is not None:
            add(code, answer)
    hours = draw(st.none() | st.floats(0, 72))
    if hours is not None:
        add("87527-8", f"{hours:.2f}", "h")
    for _ in range(draw(st.integers(0, 3))):  # blood pressure: pairs of readings
        add(SYS, str(draw(st.integers(50, 300))), "mm[Hg]")
        add(DIA, str(draw(st.integers(30, 200))), "mm[Hg]")
    for m in draw(st.lists(st.sampled_from(TYPED), unique_by=lambda m: m.code)):
        raw, unit = draw(typed_value(m))
        try:
            add(m.code, raw, unit)
        except catalogue.MeasureError:
            assume(False)  # rounding put it just outside the plausible range
    for m in draw(st.lists(st.sampled_from(CODED), unique_by=lambda m: m.code)):
        add(m.code, draw(st.sampled_from(m.coded)))
    return sex, age_months, rows


def describe(sex: str, age_months: int, rows: list[Recorded]) -> None:
    typed = [
        (r.code, r.original_value or r.code_value or r.absent_reason, r.original_unit) for r in rows
    ]
    note(f"sex={sex!r} age_months={age_months} typed={typed}")


def decided(sex: str, age_months: int, rows: list[Recorded]) -> visit.Decision:
    """The decision; where `decide` raises, test_decide_never_raises says so."""
    describe(sex, age_months, rows)
    try:
        return visit.decide(sex=sex, age_months=age_months, rows=rows)
    except ValueError:
        assume(False)
        raise


@VISIT_SETTINGS
@given(visits())
def test_decide_never_raises(v: tuple[str, int, list[Recorded]]) -> None:
    sex, age_months, rows = v
    describe(sex, age_months, rows)
    visit.decide(sex=sex, age_months=age_months, rows=rows)


@VISIT_SETTINGS
@given(visits())
def test_levels_and_referrals_are_consistent(v: tuple[str, int, list[Recorded]]) -> None:
    """The visit's level is its most severe result's; only soon/urgent results are
    referred, at their own urgency; an urgent result is always referred."""
    d = decided(*v)
    levels = [r.finding.level for r in d.results]
    assert all(level in catalogue.LEVELS for level in levels)
    assert all(r.finding.flag in catalogue.FLAGS for r in d.results)
    assert d.level == max(levels, key=catalogue.LEVELS.index, default="neutral")
    for code, urgency in d.refer:
        result = d.result(code)
        assert result is not None
        assert result.finding.level in ("soon", "urgent")
        assert urgency == result.finding.level
    for r in d.results:
        if r.finding.level == "urgent":
            assert (r.code, "urgent") in d.refer


@VISIT_SETTINGS
@given(visits())
def test_who_gets_which_bands(v: tuple[str, int, list[Recorded]]) -> None:
    """Blood group never leads anywhere; children never get adult waist, cholesterol, BMI
    or blood pressure bands; pregnancy gets no BMI or waist band."""
    d = decided(*v)
    person = d.person

    def adult_labels(code: str) -> set[str]:
        return {c.label for b in CAT[code].bands for c in b.cuts}

    for code in (ABO, RH):
        result = d.result(code)
        if result is None:
            continue
        # The one exception by design: Rh negative in pregnancy is "care" (tell the
        # midwife, NICE NG201 1.2.21); it is never referred.
        exception = code == RH and result.code_value == "negative" and person.pregnant is True
        assert result.finding.level == ("care" if exception else "neutral")
        assert code not in dict(d.refer)
    for code in (WAIST, CHOL):
        result = d.result(code)
        if result is not None and person.age_years < 18:
            assert result.finding.label not in adult_labels(code)
            assert result.finding.level in ("neutral", "urgent")  # "urgent": a meter's HI/LO
    bmi = d.result(BMI)
    if bmi is not None and person.age_years < 19:
        assert bmi.finding.label not in adult_labels(BMI)
    bp = d.result(BP)
    if bp is not None and person.age_years < 16 and person.pregnant is not True:
        assert bp.finding.label.startswith(("child_", "not_classified"))
    if person.pregnant is True:
        for code in (BMI, WAIST):
            result = d.result(code)
            if result is not None:
                assert result.finding.label.startswith(
                    "not_classified"
                ) or result.finding.label in (
                    "absent",
                    "meter_high",
                    "meter_low",
                )


# -------------------------------------------------------------------------- monotonicity

people = st.builds(
    Person,
    sex=st.sampled_from(("female", "male")),
    age_months=st.integers(61, 90 * 12),
    pregnant=st.sampled_from((None, True, False)),
    fasting_hours=st.none() | st.floats(0, 72),
    diagnosed=st.sampled_from((frozenset(), frozenset({"hypertension", "diabetes"}))),
)
BANDED = [m for m in CAT.values() if m.bands and m.kind in ("number", "acuity")]


def rank(m: catalogue.Measure, finding: rules.Finding, bands: catalogue.BandSet | None) -> int:
    if finding.label.startswith("child_"):
        return CHILD_BMI_ORDER.index(finding.label.removeprefix("child_"))
    assert bands is not None, finding
    return [c.label for c in bands.cuts].index(finding.label)


@SETTINGS
@given(st.data())
def test_a_higher_value_never_gets_a_lower_band(data: st.DataObject) -> None:
    """For a fixed person and set of cut-offs (one unit), order of values is kept."""
    m = data.draw(st.sampled_from(BANDED))
    person = data.draw(people)
    unit = data.draw(st.sampled_from(list(dict.fromkeys(b.unit for b in m.bands))))
    bands = rules.band_set(m, person, unit)
    child_bmi = m.code == BMI and person.age_years < 19 and person.pregnant is not True
    assume(bands is not None or child_bmi)
    assert m.plausible is not None
    low, high = m.plausible
    if unit in m.conversions:
        low, high = sorted(m.conversions[unit].from_canonical(x) for x in (low, high))
    a, b = sorted(data.draw(st.floats(low, high)) for _ in range(2))

    def finding(x: float) -> rules.Finding:
        typed = f"{x:.4f}"
        try:
            reading = catalogue.read(m, typed, unit, confirmed=True)
        except catalogue.MeasureError:
            assume(False)
            raise
        return rules.classify(m, reading, person)

    first, second = finding(a), finding(b)
    assert rank(m, first, bands) <= rank(m, second, bands), (a, first.label, b, second.label)


@SETTINGS
@given(
    st.sampled_from(("female", "male")),
    st.integers(2 * 12, 16 * 12 - 1),
    st.floats(-2.5, 2.5),
    st.integers(60, 200),
    st.integers(60, 200),
    st.integers(30, 120),
)
def test_a_childs_higher_pressure_never_gets_a_lower_category(
    sex: str, months: int, height_z: float, s1: int, s2: int, diastolic: int
) -> None:
    from healthcamp.clinical import children

    height = _height_for_z(sex, months / 12, height_z)
    low, high = sorted((s1, s2))
    first = children.bp_for_age(
        sex=sex, age_years=months / 12, height_cm=height, systolic=low, diastolic=diastolic
    )
    second = children.bp_for_age(
        sex=sex, age_years=months / 12, height_cm=height, systolic=high, diastolic=diastolic
    )
    assert CHILD_BP_ORDER.index(first.label) <= CHILD_BP_ORDER.index(second.label)


def _height_for_z(sex: str, years: float, z: float) -> float:
    """The CDC 2000 height (the Fourth Report's reference) at this z-score."""
    import rcpchgrowth  # type: ignore[import-untyped]

    height = rcpchgrowth.measurement_from_sds(
        reference="cdc", requested_sds=z, measurement_method="height", sex=sex, age=years
    )
    return round(float(height), 1)


@SETTINGS
@given(st.integers(90, 300), st.integers(30, 200), st.integers(0, 40), st.integers(0, 40), people)
def test_an_adults_higher_office_pressure_never_gets_a_lower_category(
    s: int, d: int, ds: int, dd: int, person: Person
) -> None:
    """Adults (from 16): raising systolic or diastolic never lowers the ESH (or NICE) band.
    Systolic from 90: below it 'hypotension' ranks by severity, not by value."""
    assume(person.age_years >= 16)
    order = [c.label for b in CAT[SYS].bands for c in b.cuts]
    order = list(
        dict.fromkeys(
            [
                "hypotension",
                "normal_pregnancy",
                "hypertension_pregnancy",
                "severe_hypertension_pregnancy",
            ]
            if person.pregnant is True
            else order
        )
    )

    def label(systolic: int, diastolic: int) -> str:
        rows = [
            row(0, CAT[SYS], str(systolic), "mm[Hg]"),
            row(1, CAT[DIA], str(diastolic), "mm[Hg]"),
        ]
        rows += [
            row(2, CAT[SYS], str(systolic), "mm[Hg]"),
            row(3, CAT[DIA], str(diastolic), "mm[Hg]"),
        ]
        if person.pregnant is True:
            rows.append(row(4, CAT["82810-3"], "pregnant", ""))
        result = visit.decide(sex=person.sex, age_months=person.age_months, rows=rows).result(BP)
        assert result is not None
        return result.finding.label

    s2, d2 = min(s + ds, 300), min(d + dd, 200)
    assert order.index(label(s, d)) <= order.index(label(s2, d2))


# ------------------------------------------------------------------ units must agree
# Guidelines print each cut-off in both units, each rounded to its unit's reporting step
# (glucose 7.8 mmol/L and 140 mg/dL = 7.77 mmol/L; cholesterol 5.2 mmol/L = 201 mg/dL and
# 200 mg/dL; HbA1c 48 mmol/mol = 6.54 % and 6.5 %). The rules compare a value in the unit
# it was typed in, against the cut-off printed in that unit, so a value lying between the
# two printed versions of one cut-off is classified differently in each unit - by design.
# The tolerance is half a reporting step of the coarser unit: 0.05 mmol/L for glucose
# (0.9 mg/dL), 0.05 mmol/L for cholesterol (1.9 mg/dL), 0.05 % for HbA1c (0.55 mmol/mol).
# Every pair of printed cut-offs lies within it; outside it the two units must agree,
# and inside it they may differ by one band at most.

UNIT_PAIRS = {  # measure: (unit A, unit B, tolerance in the canonical unit)
    GLUCOSE: ("mg/dL", "mmol/L", 0.05),
    CHOL: ("mg/dL", "mmol/L", 0.05 * 38.67),
    HBA1C: ("mmol/mol", "%", 0.05),
}


def _bounds(m: catalogue.Measure, person: Person) -> list[float]:
    """Every cut-off that applies to the person, in the canonical unit."""
    found = []
    for unit in {b.unit for b in m.bands}:
        bands = rules.band_set(m, person, unit)
        for cut in bands.cuts if bands else ():
            if cut.bound is not None:
                conv = m.conversions.get(unit)
                found.append(conv.to_canonical(cut.bound) if conv else cut.bound)
    return found


@SETTINGS
@given(st.sampled_from(sorted(UNIT_PAIRS)), people, st.data())
def test_the_same_value_in_either_unit_gets_the_same_band(
    code: str, person: Person, data: st.DataObject
) -> None:
    m = CAT[code]
    unit_a, unit_b, tolerance = UNIT_PAIRS[code]
    assert m.plausible is not None
    low, high = m.plausible
    canonical = data.draw(st.floats(low + 0.01, high - 0.01))

    def entered(unit: str) -> str:
        conv = m.conversions.get(unit)
        value = conv.from_canonical(canonical) if conv else canonical
        return str(Decimal(repr(value)).quantize(Decimal("0.000001")))

    a = rules.classify(m, catalogue.read(m, entered(unit_a), unit_a, confirmed=True), person)
    b = rules.classify(m, catalogue.read(m, entered(unit_b), unit_b, confirmed=True), person)
    near = any(math.isclose(canonical, x, abs_tol=tolerance) for x in _bounds(m, person))
    if not near:
        assert a.label == b.label, (canonical, a.label, b.label)
    elif a.label != b.label:
        bands = rules.band_set(m, person, unit_a)
        assert bands is not None
        labels = [c.label for c in bands.cuts]
        assert abs(labels.index(a.label) - labels.index(b.label)) == 1
