"""A visit's facts for reports, taken from the clinical rules' one decision for it.

Nothing here reads a value or a cut-off: every column is the label the rules gave
(healthcamp.clinical.visit.decide), sorted into what the indicators count. Written in
the transaction that changed the decision (see services/visit_facts.py), so a report
never disagrees with the letter the person holds.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from types import SimpleNamespace
from typing import Any

from django.db.models import Exists, Min, OuterRef
from django.utils import timezone

from healthcamp.clinical import catalogue
from healthcamp.clinical.visit import BMI, BP, Decision, Result
from healthcamp.exams.models import Encounter, Referral
from healthcamp.reports.models import CurrentConsent, VisitFact
from healthcamp.reports.statistics import age_band_of

ADULT_YEARS = 18
GLUCOSE, HBA1C, CHOLESTEROL = "14743-9", "4548-4", "35200-5"

# Office blood pressure at or above 140/90 mmHg, as the rules label it (ESH 2023 grades
# 1-3; NICE NG133 in pregnancy). Children's percentile labels are not 140/90: they count
# only through a diagnosis.
RAISED_BP = frozenset(
    {
        "hypertension_grade_1",
        "hypertension_grade_2",
        "hypertension_grade_3",
        "hypertension_pregnancy",
        "severe_hypertension_pregnancy",
    }
)
BELOW_140_90 = frozenset({"hypotension", "optimal", "normal", "high_normal", "normal_pregnancy"})
# Fasting glucose >= 7.0 mmol/L, random >= 11.1 mmol/L (WHO/IDF 2006), HbA1c >= 6.5 %
# (ADA 2024): the rules' "diabetes_range"; "very_high" and a meter's HI are above it.
DIABETES_RANGE = frozenset({"diabetes_range", "very_high", "meter_high"})
GLUCOSE_READ = frozenset(
    {
        "very_low",
        "low",
        "normal",
        "impaired_fasting_glucose",
        "needs_test",
        "gestational_diabetes_range",
        "prediabetes",
        "meter_low",
    }
)
# Adults: WHO BMI bands; from 5 to 18 years: WHO 2007 BMI-for-age.
OVERWEIGHT = frozenset(
    {"overweight", "obesity", "severe_obesity", "child_overweight", "child_obesity"}
)
OBESE = frozenset({"obesity", "severe_obesity", "child_obesity"})
BMI_READ = frozenset(
    {"severe_thinness", "underweight", "normal", "child_thinness_severe", "child_thinness"}
    | {"child_normal"}
)
# Total cholesterol >= 240 mg/dL (6.2 mmol/L), NCEP ATP III "high".
RAISED_CHOLESTEROL = frozenset({"high", "meter_high"})
CHOLESTEROL_READ = frozenset({"desirable", "borderline_high", "meter_low"})


@dataclass(frozen=True)
class Facts:
    """What one visit's decision means for the indicators."""

    age_band: str
    adult: bool
    measured_screening: bool
    measured_blood: bool
    bp_class: str
    raised_bp: bool | None
    diabetes_range: bool | None
    diabetes_diagnosed: bool
    bmi_class: str
    overweight: bool | None
    obese: bool | None
    cholesterol_class: str
    raised_cholesterol: bool | None
    critical: bool = False  # a value at the rules' urgent level

    @property
    def screened(self) -> bool:
        return self.measured_screening or self.measured_blood

    @property
    def diabetes(self) -> bool | None:
        return either(self.diabetes_range, self.diabetes_diagnosed)


def either(in_range: bool | None, diagnosed: bool) -> bool | None:
    """Diabetes: in the range or diagnosed; not known without a test or a diagnosis."""
    if in_range or diagnosed:
        return True
    return in_range


def _label(result: Result | None) -> str:
    return result.finding.label if result is not None else ""


def _read(label: str, yes: frozenset[str], no: frozenset[str]) -> bool | None:
    if label in yes:
        return True
    if label in no:
        return False
    return None  # not measured, or not classified (a child's cut-offs, pregnancy, ...)


def _measured(result: Result) -> bool:
    return not result.absent_reason and (result.value is not None or bool(result.code_value))


def facts_of(decision: Decision) -> Facts:
    """The indicators' reading of one visit's decision."""
    person = decision.person
    measured = [r for r in decision.results if _measured(r)]
    purposes = {catalogue.measure(r.code).purpose for r in measured}
    bp = _label(decision.result(BP))
    raised_bp = _read(bp, RAISED_BP, BELOW_140_90)
    if "hypertension" in person.diagnosed:
        raised_bp = True  # on treatment counts, whatever today's reading
    sugars = [
        _read(_label(decision.result(c)), DIABETES_RANGE, GLUCOSE_READ) for c in (GLUCOSE, HBA1C)
    ]
    in_range = True if True in sugars else False if False in sugars else None
    bmi = _label(decision.result(BMI))
    known_bmi = bmi in OVERWEIGHT or bmi in BMI_READ
    cholesterol = _label(decision.result(CHOLESTEROL))
    years = person.age_months // 12
    return Facts(
        age_band=age_band_of(years),
        adult=years >= ADULT_YEARS,
        measured_screening="screening" in purposes,
        measured_blood="blood_tests" in purposes,
        bp_class=bp,
        raised_bp=raised_bp,
        diabetes_range=in_range,
        diabetes_diagnosed="diabetes" in person.diagnosed,
        bmi_class=bmi,
        overweight=(bmi in OVERWEIGHT) if known_bmi else None,
        obese=(bmi in OBESE) if known_bmi else None,
        cholesterol_class=cholesterol,
        raised_cholesterol=_read(cholesterol, RAISED_CHOLESTEROL, CHOLESTEROL_READ),
        critical=decision.level == "urgent",
    )


# ---- writing, inside the act's transaction --------------------------------------------


def store(*, encounter: Encounter, sex: str, programme_id: int, decision: Decision) -> None:
    """Write (or rewrite) the visit's facts from its decision, with its follow-up so far."""
    facts = facts_of(decision)
    day = timezone.localdate(encounter.started_at)
    assert encounter.participant_id is not None  # noqa: S101 - only a person's visit is decided
    values = {
        **asdict(facts),
        "screened": facts.screened,
        "diabetes": facts.diabetes,
        "participant_id": encounter.participant_id,
        "programme_id": programme_id,
        "site_id": encounter.site_id,
        "visit_date": day,
        "month": day.strftime("%Y-%m"),
        "sex": sex,
        **_referral_state(encounter.pk, day),
    }
    VisitFact.objects.update_or_create(encounter_id=encounter.pk, defaults=values)
    mark(encounter.participant_id)


def _days(at: datetime, since: date) -> int:
    return (timezone.localdate(at) - since).days


def _referral_state(encounter_id: uuid.UUID, day: date) -> dict[str, object]:
    """The most pressing referral the visit's decision made and still stands by, and
    when it was first marked attended."""
    found = Referral.objects.filter(encounter_id=encounter_id).exclude(
        status=Referral.Status.CLOSED, by_rules=True
    )
    urgencies = set(found.values_list("urgency", flat=True))
    urgency = next((u for u in ("urgent", "soon", "routine") if u in urgencies), "")
    attended = found.filter(status=Referral.Status.ATTENDED).aggregate(at=Min("updated_at"))["at"]
    return {
        "referral_urgency": urgency,
        "referral_attended_at": attended,
        "referral_attended_days": _days(attended, day) if attended else None,
    }


def returned(*, encounter_ids: Iterable[uuid.UUID], at: datetime) -> None:
    """The visits' results reached the person (handed, printed, sent or declined)."""
    for fact in VisitFact.objects.filter(encounter_id__in=list(encounter_ids), returned_at=None):
        fact.returned_at = at
        fact.days_to_return = _days(at, fact.visit_date)
        fact.save(update_fields=["returned_at", "days_to_return"])


def referral_changed(*, encounter_id: uuid.UUID | None) -> None:
    """A referral of the visit was followed up: attended or closed."""
    if encounter_id is None:
        return
    fact = VisitFact.objects.filter(encounter_id=encounter_id).first()
    if fact is None:
        return
    for field, value in _referral_state(encounter_id, fact.visit_date).items():
        setattr(fact, field, value)
    fact.save(update_fields=["referral_urgency", "referral_attended_at", "referral_attended_days"])


# What each purpose's values set, forgotten when they are erased (withdrawal with erasure).
# A critical value may have been either purpose's: without re-deciding the visit it is
# forgotten with either, so an erased value is never counted.
_BY_PURPOSE: dict[str, dict[str, object]] = {
    "screening": {
        "critical": False,
        "measured_screening": False,
        "bp_class": "",
        "raised_bp": None,
        "diabetes_diagnosed": False,
        "bmi_class": "",
        "overweight": None,
        "obese": None,
    },
    "blood_tests": {
        "critical": False,
        "measured_blood": False,
        "diabetes_range": None,
        "cholesterol_class": "",
        "raised_cholesterol": None,
    },
}


def forget(*, participant_id: uuid.UUID, purpose: str) -> int:
    """What the person's erased values had decided goes from every visit of theirs."""
    changed = 0
    for fact in VisitFact.objects.filter(participant_id=participant_id):
        for field, value in _BY_PURPOSE[purpose].items():
            setattr(fact, field, value)
        fact.screened = fact.measured_screening or fact.measured_blood
        fact.diabetes = either(fact.diabetes_range, fact.diabetes_diagnosed)
        fact.save()
        changed += 1
    if changed:
        mark(participant_id)
    return changed


_LATEST = {
    "latest_bp": "raised_bp",
    "latest_diabetes": "diabetes",
    "latest_bmi": "overweight",
    "latest_cholesterol": "raised_cholesterol",
}


_MARKERS = ("first_screening", "latest_visit", "latest_reading", *_LATEST)
_READS = ("screened", "bp_class", *_LATEST.values())
_MANY = 2000  # people marked per query
_FETCHED = 2000  # facts fetched from the database at a time while marking them


def _wanted(facts: list[Any]) -> dict[uuid.UUID, dict[str, bool]]:
    """One person's markers, by fact: `facts` ordered by visit date, then start."""
    first = next((f for f in facts if f.screened), None)
    last = facts[-1] if facts else None
    wanted: dict[uuid.UUID, dict[str, bool]] = {
        f.pk: {
            "first_screening": f is first,
            "latest_visit": f is last,
            "latest_reading": False,
            **dict.fromkeys(_LATEST, False),
        }
        for f in facts
    }
    reading = next((f for f in reversed(facts) if f.bp_class), None)
    if reading is not None:
        wanted[reading.pk]["latest_reading"] = True
    for marker, field in _LATEST.items():
        latest = next((f for f in reversed(facts) if getattr(f, field) is not None), None)
        if latest is not None:
            wanted[latest.pk][marker] = True
    return wanted


def _in_visit_order(participant_ids: list[uuid.UUID]) -> Iterable[VisitFact]:
    # Ties broken by pk, so the one-by-one and the batch marking pick the same visit.
    return (
        VisitFact.objects.filter(participant_id__in=participant_ids)
        .only("pk", "participant_id", *_READS, *_MARKERS)
        .order_by("participant_id", "visit_date", "encounter__started_at", "pk")
    )


def counted_now(*, participant_id: uuid.UUID, counted: bool) -> None:
    """Inside a consent change's transaction: the person's visits are counted in reports
    exactly while their current consent grants programme statistics."""
    VisitFact.objects.filter(participant_id=participant_id).exclude(counted=counted).update(
        counted=counted
    )


def recount(participant_ids: list[uuid.UUID] | None = None) -> None:
    """`counted` as the kept answers say, for these people's visits (everyone's: None)."""
    found = VisitFact.objects.all()
    if participant_ids is not None:
        found = found.filter(participant_id__in=participant_ids)
    says_yes = Exists(
        CurrentConsent.objects.filter(
            participant_id=OuterRef("participant_id"), programme_statistics="yes"
        )
    )
    found.filter(says_yes, counted=False).update(counted=True)
    found.filter(~says_yes, counted=True).update(counted=False)


def mark(participant_id: uuid.UUID) -> None:
    """Which of the person's visits each person-level indicator reads: the first one
    with a measurement (reach), the latest that decided each condition (prevalence), and
    the latest of all and the latest with a blood pressure reading (BP controlled)."""
    facts = list(_in_visit_order([participant_id]))
    wanted = _wanted(facts)
    for fact in facts:
        now = wanted[fact.pk]
        if any(getattr(fact, k) != v for k, v in now.items()):
            for k, v in now.items():
                setattr(fact, k, v)
            fact.save(update_fields=list(now))
    recount([participant_id])


def mark_many(participant_ids: Iterable[uuid.UUID]) -> None:
    """`mark` for many people (a bulk import): one read per 2,000 people, and one update
    per distinct set of markers among the facts that change, not a save per fact; and
    whether their visits are counted."""
    pids = sorted(set(participant_ids))
    changes: dict[tuple[bool, ...], list[uuid.UUID]] = {}
    fields = ("pk", "participant_id", *_READS, *_MARKERS)
    for start in range(0, len(pids), _MANY):
        recount(pids[start : start + _MANY])
        # Plain rows, not model instances: the same order and fields as _in_visit_order.
        # Streamed and taken one person at a time: a lab file of many visits for the same
        # people held every visit's facts at once (about 1 KB each). Only the ids of the
        # facts to change are kept; the updates wait until the rows are read (SQLite reads
        # a table being written inconsistently).
        rows = (
            VisitFact.objects.filter(participant_id__in=pids[start : start + _MANY])
            .order_by("participant_id", "visit_date", "encounter__started_at", "pk")
            .values_list(*fields)
            .iterator(chunk_size=_FETCHED)
        )
        for _person, values in groupby(rows, key=itemgetter(1)):
            facts = [SimpleNamespace(**dict(zip(fields, v, strict=True))) for v in values]
            wanted = _wanted(facts)
            for fact in facts:
                now = tuple(wanted[fact.pk][k] for k in _MARKERS)
                if now != tuple(getattr(fact, k) for k in _MARKERS):
                    changes.setdefault(now, []).append(fact.pk)
            del facts, wanted  # before the next person's are built
    for now, fact_ids in changes.items():
        for start in range(0, len(fact_ids), _MANY):
            VisitFact.objects.filter(pk__in=fact_ids[start : start + _MANY]).update(
                **dict(zip(_MARKERS, now, strict=True))
            )
