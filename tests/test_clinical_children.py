"""Children's BMI-for-age (WHO 2007) and blood pressure (ESH 2016 on the Fourth Report).

Expected values come from the published tables, not from the code under test.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import pytest

from healthcamp.clinical.children import (
    BmiForAge,
    bmi_for_age,
    bp_for_age,
    bp_thresholds,
    height_z_for_age,
)

# ----------------------------------------------------------------------------- BMI-for-age

# WHO Growth Reference 2007, BMI-for-age 5 to 19 years, expanded z-score tables
# (bmi_boys_z_WHO2007_exp.txt, bmi_girls_z_WHO2007_exp.txt: "BMI-for-age BOYS / GIRLS
# 5 to 19 years (z-scores)"): BMI (kg/m²) at -4 ... +4 SD. The simplified printed tables
# give the same values to 0.1 kg/m².
WHO_2007_BMI_Z_TABLE = {
    # (sex, months): SD4neg, SD3neg, SD2neg, SD1neg, SD0, SD1, SD2, SD3, SD4
    ("male", 61): (11.204, 12.118, 13.031, 14.071, 15.264, 16.645, 18.259, 20.166, 22.072),
    ("male", 120): (11.815, 12.775, 13.735, 14.923, 16.443, 18.48, 21.4, 26.073, 30.746),
    ("male", 192): (13.714, 15.109, 16.505, 18.247, 20.495, 23.525, 27.875, 34.754, 41.632),
    ("male", 228): (14.156, 15.855, 17.554, 19.622, 22.188, 25.449, 29.716, 35.516, 41.317),
    ("female", 61): (10.793, 11.77, 12.748, 13.891, 15.244, 16.87, 18.858, 21.34, 23.821),
    ("female", 120): (11.285, 12.378, 13.47, 14.838, 16.613, 19.032, 22.57, 28.378, 34.185),
    ("female", 192): (13.0, 14.586, 16.172, 18.153, 20.701, 24.101, 28.873, 36.066, 43.259),
    ("female", 228): (12.951, 14.724, 16.497, 18.681, 21.427, 24.965, 29.67, 36.179, 42.689),
}
SDS = (-4, -3, -2, -1, 0, 1, 2, 3, 4)


def _z(sex: str, age_months: float, bmi: float) -> float:
    result = bmi_for_age(sex=sex, age_months=age_months, bmi=bmi)
    assert result is not None
    return result.z


@pytest.mark.parametrize(("sex", "age_months"), list(WHO_2007_BMI_Z_TABLE))
def test_bmi_at_each_published_sd_value_has_that_z_score(sex: str, age_months: int) -> None:
    """5y1m, 10y0m, 16y0m and 19y0m, both sexes: a BMI equal to the published -4 ... +4 SD
    value (so +2 SD too) comes out at that z-score, beyond +/-3 SD by WHO's restricted
    method."""
    for sd, published in zip(SDS, WHO_2007_BMI_Z_TABLE[sex, age_months], strict=True):
        assert _z(sex, age_months, published) == pytest.approx(sd, abs=0.01), (sd, published)


def test_the_nineteen_year_cut_offs_quoted_by_de_onis_2007() -> None:
    """Bull World Health Organ 2007;85:660-667, abstract: at 19 years +1 SD is 25.4 kg/m²
    (boys) and 25.0 (girls), +2 SD 29.7 (both), given to 0.1 kg/m²."""
    assert _z("male", 228, 25.4) == pytest.approx(1.0, abs=0.05)
    assert _z("female", 228, 25.0) == pytest.approx(1.0, abs=0.05)
    assert _z("male", 228, 29.7) == pytest.approx(2.0, abs=0.05)
    assert _z("female", 228, 29.7) == pytest.approx(2.0, abs=0.05)


@pytest.mark.parametrize("sex", ["male", "female"])
def test_a_sixteen_year_old_with_bmi_13_8_is_thin(sex: str) -> None:
    result = bmi_for_age(sex=sex, age_months=192, bmi=13.8)
    assert result is not None
    assert result.z < -3  # below even the -3 SD line (15.109 boys, 14.586 girls)
    assert result.label == "thinness_severe"


def test_a_sixteen_year_old_boy_between_minus_three_and_minus_two_sd_is_thin() -> None:
    result = bmi_for_age(sex="male", age_months=192, bmi=16.0)
    assert result is not None
    assert -3 <= result.z < -2
    assert result.label == "thinness"


@pytest.mark.parametrize(("sex", "median"), [("male", 16.443), ("female", 16.613)])
def test_a_ten_year_old_at_the_median_is_normal(sex: str, median: float) -> None:
    result = bmi_for_age(sex=sex, age_months=120, bmi=median)
    assert result == BmiForAge(z=result.z, label="normal", source=result.source)
    assert result.z == 0.0


@pytest.mark.parametrize(
    ("sex", "bmi", "label"),
    [("female", 20.0, "overweight"), ("female", 24.0, "obesity"), ("male", 20.0, "overweight")],
)
def test_ten_year_olds_above_the_lines(sex: str, bmi: float, label: str) -> None:
    result = bmi_for_age(sex=sex, age_months=120, bmi=bmi)
    assert result is not None
    assert result.label == label


@pytest.mark.parametrize("age_months", [0, 24, 60, 60.99, 228.01, 229, 240, math.nan, math.inf])
def test_outside_61_to_228_months_bmi_for_age_is_not_used(age_months: float) -> None:
    assert bmi_for_age(sex="female", age_months=age_months, bmi=18.0) is None


def test_the_age_range_is_inclusive_at_both_ends() -> None:
    assert bmi_for_age(sex="male", age_months=61, bmi=15.3) is not None
    assert bmi_for_age(sex="male", age_months=228, bmi=22.2) is not None


@pytest.mark.parametrize("sex", ["", "other", "Male", "f"])
def test_an_unknown_sex_gives_none(sex: str) -> None:
    assert bmi_for_age(sex=sex, age_months=120, bmi=16.4) is None


def test_between_whole_months_the_reference_is_interpolated() -> None:
    """WHO (anthroplus) interpolates L, M, S linearly between whole months."""
    low, high = _z("female", 150, 18.4), _z("female", 151, 18.4)
    middle = _z("female", 150.5, 18.4)
    assert min(low, high) <= middle <= max(low, high)


def _bmi_at(sex: str, age_months: int, target_z: float) -> float:
    """The smallest BMI (to 1e-9) whose reported z-score reaches target_z."""
    low, high = 5.0, 80.0
    for _ in range(60):
        middle = (low + high) / 2
        if _z(sex, age_months, middle) < target_z:
            low = middle
        else:
            high = middle
    assert _z(sex, age_months, high) == target_z
    return high


@pytest.mark.parametrize(
    ("target_z", "label", "next_z", "next_label"),
    [
        (-3.0, "thinness", -3.01, "thinness_severe"),
        (-2.0, "normal", -2.01, "thinness"),
        (1.0, "normal", 1.01, "overweight"),
        (2.0, "overweight", 2.01, "obesity"),
    ],
)
def test_cut_off_boundaries_follow_who_wording(
    target_z: float, label: str, next_z: float, next_label: str
) -> None:
    """WHO: thinness < -2 SD, severe thinness < -3 SD, overweight > +1 SD, obesity > +2 SD;
    so exactly -3.00 is thinness, -2.00 and +1.00 normal, +2.00 overweight."""
    for z, expected in ((target_z, label), (next_z, next_label)):
        result = bmi_for_age(sex="female", age_months=144, bmi=_bmi_at("female", 144, z))
        assert result is not None
        assert (result.z, result.label) == (z, expected)


def test_beyond_three_sd_the_distance_is_measured_in_two_to_three_sd_gaps() -> None:
    """WHO's restricted z: above +3 SD, z = 3 + (BMI - SD3) / (SD3 - SD2)."""
    sd2, sd3 = WHO_2007_BMI_Z_TABLE["female", 120][6:8]
    assert _z("female", 120, sd3 + 1.5 * (sd3 - sd2)) == pytest.approx(4.5, abs=0.01)


def test_bmi_source_names_the_reference_and_the_cut_offs() -> None:
    result = bmi_for_age(sex="male", age_months=120, bmi=16.4)
    assert result is not None
    assert "WHO Growth Reference 2007" in result.source
    assert "Bull World Health Organ 2007;85:660-667" in result.source
    assert "obesity > +2 SD" in result.source
    assert "severe thinness < -3 SD" in result.source


@pytest.mark.parametrize("bmi", [0.0, -3.0, math.nan])
def test_an_impossible_bmi_is_refused_with_a_message(bmi: float) -> None:
    with pytest.raises(ValueError, match="BMI"):
        bmi_for_age(sex="male", age_months=120, bmi=bmi)


# ------------------------------------------------------------------- height z (CDC 2000)

# CDC 2000 growth charts, percentile data files with LMS values: stature-for-age (statage)
# at 120.5 months and recumbent length-for-age (lenageinf) at 12.5 months, in cm.
Z05, Z95 = NormalDist().inv_cdf(0.05), NormalDist().inv_cdf(0.95)
CDC_2000_HEIGHTS = [
    ("male", 120.5, 128.1625, Z05),
    ("male", 120.5, 138.8234, 0.0),
    ("male", 120.5, 149.9053, Z95),
    ("female", 120.5, 127.4524, Z05),
    ("female", 120.5, 138.2112, 0.0),
    ("female", 120.5, 149.6044, Z95),
    ("male", 12.5, 76.11838, 0.0),
    ("male", 12.5, 81.2499, Z95),
    ("female", 12.5, 74.39564, 0.0),
]


@pytest.mark.parametrize(("sex", "age_months", "height_cm", "z"), CDC_2000_HEIGHTS)
def test_height_z_is_against_cdc_2000(
    sex: str, age_months: float, height_cm: float, z: float
) -> None:
    got = height_z_for_age(sex=sex, age_years=age_months / 12, height_cm=height_cm)
    assert got == pytest.approx(z, abs=0.01)


# ------------------------------------------------------------------------ blood pressure

# The Fourth Report (Pediatrics 2004;114(2 Suppl):555-576), Table 3 "BP Levels for Boys by
# Age and Height Percentile" and Table 4 (girls): 90th, 95th and 99th percentile SBP and
# DBP (mmHg) at the 5th, 10th, 25th, 50th, 75th, 90th and 95th height percentiles.
HEIGHT_PERCENTILES = (5, 10, 25, 50, 75, 90, 95)
FOURTH_REPORT = {
    # (sex, age): {bp percentile: (SBP x 7 height percentiles, DBP x 7 height percentiles)}
    ("male", 3): {
        90: ((100, 101, 103, 105, 107, 108, 109), (59, 59, 60, 61, 62, 63, 63)),
        95: ((104, 105, 107, 109, 110, 112, 113), (63, 63, 64, 65, 66, 67, 67)),
        99: ((111, 112, 114, 116, 118, 119, 120), (71, 71, 72, 73, 74, 75, 75)),
    },
    ("male", 10): {
        90: ((111, 112, 114, 115, 117, 119, 119), (73, 73, 74, 75, 76, 77, 78)),
        95: ((115, 116, 117, 119, 121, 122, 123), (77, 78, 79, 80, 81, 81, 82)),
        99: ((122, 123, 125, 127, 128, 130, 130), (85, 86, 86, 88, 88, 89, 90)),
    },
    ("male", 15): {
        90: ((122, 124, 125, 127, 129, 130, 131), (76, 77, 78, 79, 80, 80, 81)),
        95: ((126, 127, 129, 131, 133, 134, 135), (81, 81, 82, 83, 84, 85, 85)),
        99: ((134, 135, 136, 138, 140, 142, 142), (88, 89, 90, 91, 92, 93, 93)),
    },
    ("female", 3): {
        90: ((100, 100, 102, 103, 104, 106, 106), (61, 62, 62, 63, 64, 64, 65)),
        95: ((104, 104, 105, 107, 108, 109, 110), (65, 66, 66, 67, 68, 68, 69)),
        99: ((111, 111, 113, 114, 115, 116, 117), (73, 73, 74, 74, 75, 76, 76)),
    },
    ("female", 10): {
        90: ((112, 112, 114, 115, 116, 118, 118), (73, 73, 73, 74, 75, 76, 76)),
        95: ((116, 116, 117, 119, 120, 121, 122), (77, 77, 77, 78, 79, 80, 80)),
        99: ((123, 123, 125, 126, 127, 129, 129), (84, 84, 85, 86, 86, 87, 88)),
    },
    ("female", 15): {
        90: ((120, 121, 122, 123, 125, 126, 127), (78, 78, 78, 79, 80, 81, 81)),
        95: ((124, 125, 126, 127, 129, 130, 131), (82, 82, 82, 83, 84, 85, 85)),
        99: ((131, 132, 133, 134, 136, 137, 138), (89, 89, 90, 91, 91, 92, 93)),
    },
}
TABLE_CASES = [
    (sex, age, column) for (sex, age) in FOURTH_REPORT for column in range(len(HEIGHT_PERCENTILES))
]


@pytest.mark.parametrize(("sex", "age", "column"), TABLE_CASES)
def test_thresholds_match_the_fourth_report_tables(sex: str, age: int, column: int) -> None:
    """Within 1 mmHg; the printed tables truncate to whole mmHg, so they never exceed the
    computed value (beyond float noise)."""
    height_z = NormalDist().inv_cdf(HEIGHT_PERCENTILES[column] / 100)
    limits = bp_thresholds(sex=sex, age_years=age, height_z=height_z)
    computed = {
        90: (limits.systolic_p90, limits.diastolic_p90),
        95: (limits.systolic_p95, limits.diastolic_p95),
        99: (limits.systolic_p99, limits.diastolic_p99),
    }
    for percentile, (sbp_row, dbp_row) in FOURTH_REPORT[sex, age].items():
        for value, printed in zip(
            computed[percentile], (sbp_row[column], dbp_row[column]), strict=True
        ):
            assert printed - 0.05 <= value <= printed + 1.0, (percentile, value, printed)


def test_a_ten_year_old_girl_140_cm_at_124_over_81_is_not_normal() -> None:
    result = bp_for_age(sex="female", age_years=10, height_cm=140, systolic=124, diastolic=81)
    assert result.label == "hypertension_stage_1"
    assert result.systolic_percentile is not None
    assert result.systolic_percentile >= 95
    assert result.diastolic_percentile is not None
    assert result.diastolic_percentile >= 95


@pytest.mark.parametrize("sex", ["male", "female"])
def test_an_eleven_year_old_at_185_over_97_is_stage_2(sex: str) -> None:
    result = bp_for_age(sex=sex, age_years=11, height_cm=145, systolic=185, diastolic=97)
    assert result.label == "hypertension_stage_2"


def test_without_height_a_class_that_differs_by_height_is_not_placed() -> None:
    # Boys 10 y, Table 3: SBP 95th is 115 at the 5th height centile, 123 at the 95th.
    result = bp_for_age(sex="male", age_years=10, height_cm=None, systolic=119, diastolic=60)
    assert result.label == "not_classified_no_height"
    assert (result.systolic_percentile, result.diastolic_percentile) == (None, None)


@pytest.mark.parametrize(
    ("systolic", "diastolic", "label"),
    [
        (95, 55, "normal"),  # below the 90th even for the shortest boys (111/73)
        (140, 95, "hypertension_stage_2"),  # above 99th + 5 even for the tallest (130/90 + 5)
    ],
)
def test_without_height_a_class_that_holds_at_every_height_is_given(
    systolic: int, diastolic: int, label: str
) -> None:
    result = bp_for_age(
        sex="male", age_years=10, height_cm=None, systolic=systolic, diastolic=diastolic
    )
    assert result.label == label


@pytest.mark.parametrize("age_years", [0.0, 0.99, 16.0, 17.5])
def test_outside_1_to_15_years_the_child_rules_do_not_apply(age_years: float) -> None:
    result = bp_for_age(
        sex="female", age_years=age_years, height_cm=None, systolic=120, diastolic=80
    )
    assert result.label == "not_classified_age"
    assert result.systolic_percentile is None


@pytest.mark.parametrize(("age_years", "height_cm"), [(1.0, 76.0), (15.99, 170.0)])
def test_the_first_and_last_classified_ages(age_years: float, height_cm: float) -> None:
    result = bp_for_age(
        sex="male", age_years=age_years, height_cm=height_cm, systolic=80, diastolic=40
    )
    assert result.label == "normal"


def _limits(sex: str = "male", age: float = 9.0, height_cm: float = 133.0) -> tuple[float, ...]:
    result = bp_for_age(sex=sex, age_years=age, height_cm=height_cm, systolic=80, diastolic=40)
    assert result.thresholds is not None
    t = result.thresholds
    return (
        t.systolic_p90,
        t.systolic_p95,
        t.systolic_p99,
        t.diastolic_p90,
        t.diastolic_p95,
        t.diastolic_p99,
    )


def _label(systolic: float, diastolic: float) -> str:
    return bp_for_age(
        sex="male", age_years=9.0, height_cm=133.0, systolic=systolic, diastolic=diastolic
    ).label


def test_systolic_boundaries_follow_the_esh_2016_wording() -> None:
    """normal < 90th; high-normal >= 90th to < 95th; stage 1 95th to 99th + 5 mmHg;
    stage 2 > 99th + 5 mmHg."""
    s90, s95, s99, *_ = _limits()
    low_dbp = 40.0
    assert _label(math.nextafter(s90, 0), low_dbp) == "normal"
    assert _label(s90, low_dbp) == "high_normal"
    assert _label(math.nextafter(s95, 0), low_dbp) == "high_normal"
    assert _label(s95, low_dbp) == "hypertension_stage_1"
    assert _label(s99 + 5, low_dbp) == "hypertension_stage_1"
    assert _label(math.nextafter(s99 + 5, math.inf), low_dbp) == "hypertension_stage_2"


def test_diastolic_boundaries_follow_the_esh_2016_wording() -> None:
    *_, d90, d95, d99 = _limits()
    low_sbp = 80.0
    assert _label(low_sbp, math.nextafter(d90, 0)) == "normal"
    assert _label(low_sbp, d90) == "high_normal"
    assert _label(low_sbp, d95) == "hypertension_stage_1"
    assert _label(low_sbp, d99 + 5) == "hypertension_stage_1"
    assert _label(low_sbp, d99 + 5.01) == "hypertension_stage_2"


def test_the_label_is_the_worse_of_systolic_and_diastolic() -> None:
    s90, s95, _s99, d90, _d95, d99 = _limits()
    assert _label(s95 + 1, d90 - 1) == "hypertension_stage_1"
    assert _label(s90 - 1, d99 + 6) == "hypertension_stage_2"
    assert _label(s90, d90 - 1) == "high_normal"


def test_percentiles_are_reported_for_both_pressures() -> None:
    s90, _s95, _s99, d90, _d95, _d99 = _limits()
    result = bp_for_age(sex="male", age_years=9.0, height_cm=133.0, systolic=s90, diastolic=d90)
    assert result.systolic_percentile == pytest.approx(90.0, abs=0.05)
    assert result.diastolic_percentile == pytest.approx(90.0, abs=0.05)


def test_a_taller_child_has_higher_cut_offs() -> None:
    assert _limits(height_cm=145.0)[0] > _limits(height_cm=125.0)[0]


def test_bp_source_cites_the_guideline_and_the_tables() -> None:
    result = bp_for_age(sex="female", age_years=8, height_cm=128, systolic=100, diastolic=60)
    assert "J Hypertens 2016;34(10):1887-1920" in result.source
    assert "Pediatrics 2004;114" in result.source
    assert "Appendix B" in result.source
    assert "Tables 3 (boys) and 4 (girls)" in result.source
    assert "> 99th percentile plus 5 mmHg" in result.source


def test_an_unknown_sex_is_refused_with_a_message() -> None:
    with pytest.raises(ValueError, match="sex must be 'male' or 'female'"):
        bp_for_age(sex="x", age_years=8, height_cm=128, systolic=100, diastolic=60)


@pytest.mark.parametrize("height_cm", [500.0, 12.0, 0.0, math.nan])
def test_an_impossible_height_is_refused_with_a_message(height_cm: float) -> None:
    with pytest.raises(ValueError, match="height"):
        bp_for_age(sex="male", age_years=10, height_cm=height_cm, systolic=100, diastolic=60)
