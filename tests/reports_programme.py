"""A small synthetic programme for the report tests, written straight into the tables
(participants with placeholder ciphertext, consents, visits and their decided facts), so
each indicator can be computed by hand without running the stations."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import transaction

from healthcamp.consent.models import Consent, Decision
from healthcamp.exams.models import Encounter
from healthcamp.purposes import CONSENT_PURPOSES
from healthcamp.registry.models import Participant, Site
from healthcamp.reports import consents, facts
from healthcamp.reports.models import VisitFact

_cards = itertools.count(1)


@dataclass
class Visit:
    site: str
    day: date
    raised_bp: bool | None = None
    diabetes_range: bool | None = None
    diabetes_diagnosed: bool = False
    overweight: bool | None = None
    obese: bool | None = None
    raised_cholesterol: bool | None = None
    age_band: str | None = None  # the person's band unless given
    adult: bool = True
    screened: bool = True
    returned_days: int | None = None
    referral: str = ""
    attended_days: int | None = None


@dataclass
class Person:
    sex: str
    age_band: str
    visits: list[Visit] = field(default_factory=list)
    statistics: bool = True  # their consent grants programme statistics
    answers: dict[str, str] = field(default_factory=dict)  # purpose -> yes / no / withdrawn
    registered: datetime = datetime(2026, 3, 2, 9, tzinfo=UTC)


def card() -> str:
    return f"T{next(_cards):010d}"


def add_person(programme_id: int, document_id: int, staff_id: int, person: Person) -> uuid.UUID:
    p = Participant.objects.create(
        programme_id=programme_id,
        card_code=card(),
        given_name_sealed=b"-",
        family_name_sealed=b"-",
        date_of_birth_sealed=b"-",
        phone_sealed=b"-",
        wrapped_key=b"-",
        kek_id="test",
        name_index=b"-",
        tolerant_index=b"-",
        age_band=person.age_band,
        sex=person.sex,
        preferred_language="en",
    )
    Participant.objects.filter(pk=p.pk).update(registered_at=person.registered)
    consent = Consent.objects.create(
        participant=p,
        document_id=document_id,
        method="on_screen",
        recorded_by_id=staff_id,
        recorded_at=person.registered,
    )
    for purpose in CONSENT_PURPOSES:
        answer = person.answers.get(purpose.value, "yes")
        if purpose.value == "programme_statistics" and not person.statistics:
            answer = person.answers.get(purpose.value, "no")
        Decision.objects.create(
            consent=consent,
            purpose=purpose.value,
            granted=answer != "no",
            withdrawn_at=person.registered + timedelta(days=1) if answer == "withdrawn" else None,
        )
    with transaction.atomic():  # as recording a consent does
        consents.sync(p.pk)
    sites = dict(Site.objects.filter(programme_id=programme_id).values_list("name", "pk"))
    for v in person.visits:
        started = datetime(v.day.year, v.day.month, v.day.day, 10, tzinfo=UTC)
        encounter = Encounter.objects.create(
            participant=p, site_id=sites[v.site], started_at=started
        )
        values: dict[str, Any] = {
            "participant_id": p.pk,
            "programme_id": programme_id,
            "site_id": sites[v.site],
            "visit_date": v.day,
            "month": v.day.strftime("%Y-%m"),
            "sex": person.sex,
            "age_band": v.age_band or person.age_band,
            "adult": v.adult,
            "measured_screening": v.screened,
            "screened": v.screened,
            "raised_bp": v.raised_bp,
            # The rules' label behind it, as a reading would leave (none: no reading).
            "bp_class": {True: "hypertension_grade_1", False: "normal", None: ""}[v.raised_bp],
            "diabetes_range": v.diabetes_range,
            "diabetes_diagnosed": v.diabetes_diagnosed,
            "diabetes": facts.either(v.diabetes_range, v.diabetes_diagnosed),
            "overweight": v.overweight,
            "obese": v.obese,
            "raised_cholesterol": v.raised_cholesterol,
            "referral_urgency": v.referral,
        }
        if v.returned_days is not None:
            values["returned_at"] = started + timedelta(days=v.returned_days)
            values["days_to_return"] = v.returned_days
        if v.attended_days is not None:
            values["referral_attended_at"] = started + timedelta(days=v.attended_days)
            values["referral_attended_days"] = v.attended_days
        VisitFact.objects.create(encounter=encounter, **values)
    facts.mark(p.pk)
    return p.pk


def build(
    programme_id: int, document_id: int, staff_id: int, people: list[Person]
) -> list[uuid.UUID]:
    return [add_person(programme_id, document_id, staff_id, p) for p in people]
