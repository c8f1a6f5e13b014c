"""What one value means for one person: the band, the advice level, the sentence's key.

Pure functions over the catalogue's data. The person's facts at the visit (age, sex,
pregnancy, fasting, diagnoses) choose which guideline's cut-offs apply; a value is
compared in the unit it was entered in when the guideline gives cut-offs in that unit,
so no conversion can move it across a boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal

from healthcamp.clinical import catalogue, children
from healthcamp.clinical.catalogue import BandSet, Measure

ADULT_YEARS = 18
FASTING_HOURS = 8  # WHO 2006: fasting is no caloric intake for at least 8 hours
RANK = {level: i for i, level in enumerate(catalogue.LEVELS)}
# Advice a diagnosis changes: already in care, so "continue your care", not "confirm".
IN_CARE = {"hypertension": ("8480-6", "8462-4", "85354-9"), "diabetes": ("14743-9", "4548-4")}


@dataclass(frozen=True)
class Person:
    """The facts about a person at one visit that the rules need, and nothing else."""

    sex: str
    age_months: int
    pregnant: bool | None = None  # None: not asked, or not known
    fasting_hours: float | None = None
    diagnosed: frozenset[str] = field(default_factory=frozenset)
    height_cm: float | None = None
    bp_symptoms: bool | None = None  # asked when a reading is >= 180/110
    # Fasting said but never confirmed (values recorded before fasting hours were asked):
    # a glucose is read on both the fasting and the random cut-offs.
    fasting_unconfirmed: bool = False

    @property
    def age_years(self) -> float:
        return self.age_months / 12

    @property
    def fasting(self) -> bool:
        return self.fasting_hours is not None and self.fasting_hours >= FASTING_HOURS


@dataclass(frozen=True)
class Finding:
    label: str
    level: str  # one of catalogue.LEVELS
    flag: str  # HL7 v3 ObservationInterpretation: N, L, H, LL, HH, A; "" unclassified
    advice: str  # the key of the sentence the person reads
    source: str
    reference: tuple[float | None, float | None] | None = None  # the healthy range
    reference_unit: str = ""


def rounded(value: float, places: int) -> float:
    """Half up, as people round: the value classified is the value shown."""
    step = Decimal(1).scaleb(-places)
    return float(Decimal(str(value)).quantize(step, rounding=ROUND_HALF_UP))


def matches(when: dict[str, object], person: Person) -> bool:
    """Whether a set of cut-offs is for this person. Not asked about pregnancy counts as
    not pregnant: the question is offered, never forced."""
    return all(_holds(key, value, person) for key, value in when.items())


def _holds(key: str, value: object, person: Person) -> bool:
    if key == "min_age":
        return person.age_years >= float(str(value))
    if key == "below_age":
        return person.age_years < float(str(value))
    if key == "sex":
        return person.sex == value
    if key == "pregnant":
        return (person.pregnant is True) == value
    if key == "fasting":
        return person.fasting == value
    raise ValueError(f"Unknown condition {key!r} in the catalogue.")


def _why_not(m: Measure, person: Person) -> str:
    """Which fact kept every set of cut-offs away: the sentence says so."""
    for reason, keys in (
        ("not_classified_pregnancy", ("pregnant",)),
        ("not_classified_child", ("min_age", "below_age")),
        ("not_classified_sex", ("sex",)),
    ):
        for bands in m.bands:
            relaxed = {k: v for k, v in bands.when.items() if k not in keys}
            if relaxed != bands.when and matches(relaxed, person):
                return reason
    return "not_classified"


def band_set(m: Measure, person: Person, unit: str) -> BandSet | None:
    """The guideline's cut-offs for this person: in the entered unit if it gives them."""
    fitting = [b for b in m.bands if matches(b.when, person)]
    return next((b for b in fitting if b.unit == unit), None) or next(
        (b for b in fitting if b.unit == m.unit), None
    )


def healthy_range(bands: BandSet) -> tuple[float | None, float | None] | None:
    lower: float | None = None
    for cut in bands.cuts:
        if cut.level == "fine":
            start = lower
            end = cut.bound
            # The healthy band may be split (optimal, normal): it ends with the last fine one.
            for later in bands.cuts[bands.cuts.index(cut) + 1 :]:
                if later.level != "fine":
                    break
                end = later.bound
            return start, end
        lower = cut.bound
    return None


def classify(m: Measure, reading: catalogue.Reading, person: Person) -> Finding:
    """The meaning of one checked value for this person."""
    if reading.absent_reason:
        return Finding("absent", "neutral", "", f"absent_{reading.absent_reason}", "")
    if reading.comparator:
        high = reading.comparator == ">"
        label = "meter_high" if high else "meter_low"
        return Finding(
            label, "urgent", "HH" if high else "LL", label, m.sources[0] if m.sources else ""
        )
    if m.kind == "coded":
        return _coded(m, reading.code_value, person)
    assert reading.value is not None  # noqa: S101 - a number reading always has one
    if m.key == "bmi":
        child = _child_bmi(reading.value, person)
        if child is not None:
            return child
    bands = band_set(m, person, reading.original_unit)
    if bands is None:
        reason = _why_not(m, person) if m.bands else "not_classified"
        return Finding(reason, "neutral", "", reason if m.bands else "", "")
    if person.fasting_unconfirmed and any("fasting" in b.when for b in m.bands):
        return _fasting_unconfirmed(m, reading, person)
    value = (
        catalogue.entered_number(m, reading.original_value, reading.original_unit)
        if bands.unit == reading.original_unit and bands.unit != m.unit
        else reading.value
    )
    cut = bands.label_of(rounded(value, catalogue.precision_in(m, bands.unit)))
    finding = Finding(
        cut.label,
        cut.level,
        cut.flag,
        cut.label,
        bands.source,
        healthy_range(bands),
        bands.unit,
    )
    return in_care(m.code, finding, person)


def _fasting_unconfirmed(m: Measure, reading: catalogue.Reading, person: Person) -> Finding:
    """Read on both sets of cut-offs; where they disagree, the honest answer is a test."""
    fasting = classify(m, reading, replace(person, fasting_unconfirmed=False, fasting_hours=24))
    random = classify(m, reading, replace(person, fasting_unconfirmed=False, fasting_hours=0))
    if fasting.label == random.label:
        return random
    return replace(random, label="needs_test", level="act", flag="H", advice="needs_test")


def in_care(code: str, finding: Finding, person: Person) -> Finding:
    """Someone already diagnosed or treated is told to continue their care, not to confirm."""
    condition = next((c for c, codes in IN_CARE.items() if code in codes), None)
    if condition in person.diagnosed and finding.level == "act":
        return Finding(
            finding.label,
            "care",
            finding.flag,
            f"continue_care_{condition}",
            finding.source,
            finding.reference,
            finding.reference_unit,
        )
    return finding


def _coded(m: Measure, answer: str, person: Person) -> Finding:
    # Blood group is a fact for the person's records: never a reason to go anywhere.
    if m.key == "rh" and answer == "negative" and person.pregnant is True:
        # "care": tell the midwife at the next antenatal visit, as the next step says.
        return Finding("rh_negative_pregnant", "care", "", "rh_negative_pregnant", m.source)
    return Finding("recorded", "neutral", "", "", "")


def _child_bmi(bmi: float, person: Person) -> Finding | None:
    """Under 19: the WHO growth references, never the adult bands."""
    if person.age_years >= 19:
        return None
    if person.pregnant is True:
        reason = "not_classified_pregnancy"
        return Finding(reason, "neutral", "", reason, "")
    if person.age_months < 61:
        return Finding("not_classified_under_5", "neutral", "", "not_classified_under_5", "")
    found = children.bmi_for_age(sex=person.sex, age_months=person.age_months, bmi=bmi)
    if found is None:
        return Finding("not_classified_sex", "neutral", "", "not_classified_sex", "")
    level, flag = {
        "thinness_severe": ("act", "LL"),
        "thinness": ("act", "L"),
        "normal": ("fine", "N"),
        "overweight": ("watch", "H"),
        "obesity": ("act", "HH"),
    }[found.label]
    return Finding(f"child_{found.label}", level, flag, f"child_{found.label}", found.source)
