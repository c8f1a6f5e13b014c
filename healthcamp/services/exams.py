"""Encounters and measurements, each checked against the consent for its purpose.

Every measure belongs to one consent purpose (screening or blood tests) in the
catalogue; recording or reading it needs the participant's consent for that purpose
at that moment, and is audited either way.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from healthcamp.access.errors import InvalidInput, NotFound
from healthcamp.access.guard import (
    audit,
    check_consent,
    consented,
    deny,
    is_consented,
    require_role,
)
from healthcamp.access.identity_reads import limit_identity_reads
from healthcamp.access.policy import own_or
from healthcamp.access.roles import Action, Purpose
from healthcamp.access.staff import Actor
from healthcamp.clinical import catalogue
from healthcamp.consent.rules import age_on
from healthcamp.exams.models import Encounter, Observation
from healthcamp.registry.models import Participant, Site
from healthcamp.services import erasure, identity, referrals
from healthcamp.services.observations import (
    ObservationView,
    observation_view,
    per_visit,
    view_in,
)

ADULT_AGE = 18


def encounter_start(
    *, actor: Actor, participant_id: uuid.UUID, site_id: int, at: datetime | None = None
) -> uuid.UUID:
    """Open an encounter; the participant must have agreed to screening or blood tests.

    at: when it took place, for a paper record entered later (never in the future).
    """
    require_role(actor, Action.ENCOUNTER_START, Purpose.SCREENING, [participant_id])
    participant = Participant.objects.filter(pk=participant_id).first()
    if participant is None:
        raise NotFound(f"No participant with id {participant_id}. Check it and try again.")
    site = Site.objects.filter(pk=site_id).first()
    if site is None or site.programme_id != participant.programme_id:
        raise InvalidInput(
            {"site_id": f"Site {site_id} is not a site of this participant's programme."}
        )
    with transaction.atomic():
        # Checked inside the transaction that starts the visit (see guard.hold).
        decisions = [
            (p, check_consent(actor, Action.ENCOUNTER_START, p, participant_id))
            for p in (Purpose.SCREENING, Purpose.BLOOD_TESTS)
        ]
        purpose = next((p for p, d in decisions if d.allowed), None)
        if purpose is None:
            refusal = decisions[0][1].reason
        else:
            encounter = Encounter.objects.create(
                participant=participant,
                site=site,
                started_at=_when(at),
                started_by_id=actor.staff_id,
            )
            audit(
                actor,
                Action.ENCOUNTER_START,
                purpose,
                "allowed",
                [participant_id],
                f"encounter {encounter.id} at site {site_id}",
                site=site.name,
            )
    if purpose is None:
        raise deny(actor, Action.ENCOUNTER_START, Purpose.SCREENING, [participant_id], refusal)
    return encounter.id


def _bmi(encounter: Encounter) -> tuple[float, float] | None:
    latest: dict[str, float] = {}
    for code, value in (
        encounter.observations.filter(code__in=("8302-2", "29463-7"))
        .order_by("recorded_at")
        .values_list("code", "value")
    ):
        if value is not None:
            latest[code] = value
    if len(latest) < 2:
        return None
    metres = latest["8302-2"] / 100
    return round(latest["29463-7"] / (metres * metres), 1), metres


def _when(at: datetime | None) -> datetime:
    now = timezone.now()
    if at is not None and at > now:
        raise InvalidInput({"at": "A visit cannot take place in the future."})
    return at or now


def observation_record(
    *,
    actor: Actor,
    encounter_id: uuid.UUID,
    code: str,
    value: Any,
    unit: str,
    at: datetime | None = None,
) -> list[ObservationView]:
    """Record a value; returns it classified, and the BMI when height and weight are in."""
    try:
        m = catalogue.measure(code)
    except catalogue.MeasureError as error:
        raise InvalidInput({"code": str(error)}) from None
    if m.derived:
        raise InvalidInput(
            {"code": f"{m.name('en')} is computed from other measures; record those instead."}
        )
    purpose = Purpose(m.purpose)
    encounter = (
        Encounter.objects.select_related("participant", "site").filter(pk=encounter_id).first()
    )
    if encounter is None or encounter.participant is None:
        raise NotFound(f"There is no encounter {encounter_id}.")
    participant = encounter.participant
    require_role(actor, Action.OBSERVATION_RECORD, purpose, [participant.id])
    born = identity.open_identity(participant).date_of_birth
    adult = age_on(born, timezone.localdate()) >= ADULT_AGE
    try:
        reading = catalogue.read(m, value, unit, sex=participant.sex, adult=adult)
    except catalogue.MeasureError as error:
        raise InvalidInput({"value": str(error)}) from None
    now = _when(at)
    with consented(actor, Action.OBSERVATION_RECORD, purpose, participant.id):
        made = [_store(encounter, m, reading, actor, now)]
        if m.key in ("height", "weight") and (bmi := _bmi(encounter)) is not None:
            bmi_measure = catalogue.load()["39156-5"]
            derived = catalogue.read(bmi_measure, bmi[0], "kg/m2", sex=participant.sex, adult=adult)
            made.append(_store(encounter, bmi_measure, derived, actor, now))
        audit(
            actor,
            Action.OBSERVATION_RECORD,
            purpose,
            "allowed",
            [participant.id],
            # Which measures, never their values or classes: auditors read these bytes.
            f"{', '.join(o.code for o in made)} in encounter {encounter_id}",
            site=encounter.site.name,
        )
        for critical in (o for o in made if o.critical):
            # A critical value refers the person urgently, on the spot.
            referrals.refer(
                actor=actor,
                participant=participant,
                measure_code=critical.code,
                classification=critical.classification,
                urgency="urgent",
                clinic=None,
                purpose=purpose,
            )
    return [observation_view(o) for o in made]


def _store(
    encounter: Encounter,
    m: catalogue.Measure,
    reading: catalogue.Reading,
    actor: Actor,
    now: datetime,
) -> Observation:
    return Observation.objects.create(
        encounter=encounter,
        code=m.code,
        purpose=m.purpose,
        value=reading.value,
        code_value=reading.code_value,
        unit=reading.unit,
        original_value=reading.original_value,
        original_unit=reading.original_unit,
        classification=reading.classification,
        critical=reading.critical,
        recorded_by_id=actor.staff_id,
        recorded_at=now,
    )


def observations_of(
    *, actor: Actor, participant_id: uuid.UUID, purpose: Purpose
) -> list[ObservationView]:
    """A participant's measurements collected for one purpose, oldest first."""
    require_role(actor, Action.OBSERVATION_READ, purpose, [participant_id])
    if not Participant.objects.filter(pk=participant_id).exists():
        raise NotFound(f"No participant with id {participant_id}. Check it and try again.")
    collected = {"results_contact": ("screening", "blood_tests")}.get(
        purpose.value, (purpose.value,)
    )
    with consented(actor, Action.OBSERVATION_READ, purpose, participant_id):
        found = list(
            Observation.objects.filter(
                encounter__participant_id=participant_id, purpose__in=collected
            ).order_by("recorded_at", "pk")
        )
        audit(
            actor,
            Action.OBSERVATION_READ,
            purpose,
            "allowed",
            [participant_id],
            f"{len(found)} observation(s)",
        )
    return [observation_view(o) for o in found]


@dataclass(frozen=True)
class Visit:
    id: uuid.UUID
    started_at: datetime
    site: str


def visits(participant_id: uuid.UUID) -> list[Visit]:
    """Inside a guarded operation: the person's visits, oldest first."""
    return [
        Visit(e.id, e.started_at, e.site.name)
        for e in Encounter.objects.filter(participant_id=participant_id)
        .select_related("site")
        .order_by("started_at")
    ]


def visits_of(*, actor: Actor, participant_id: uuid.UUID, purpose: Purpose) -> list[Visit]:
    """A participant's visits, newest first: where a lab or station adds results."""
    require_role(actor, Action.OBSERVATION_READ, purpose, [participant_id])
    with consented(actor, Action.OBSERVATION_READ, purpose, participant_id):
        found = visits(participant_id)[::-1]
        audit(
            actor,
            Action.OBSERVATION_READ,
            purpose,
            "allowed",
            [participant_id],
            f"{len(found)} visit(s)",
        )
    return found


def _erase_for(purpose: Purpose) -> erasure.Eraser:
    def eraser(participant_id: uuid.UUID) -> int:
        deleted, _ = Observation.objects.filter(
            encounter__participant_id=participant_id, purpose=purpose.value
        ).delete()
        return deleted

    return eraser


def keep_for_research(participant_id: uuid.UUID) -> int:
    """Before an erasure: move the observations to new encounters that lead nowhere.

    New random ids, no participant, no staff, and times cut to the day, so nothing
    (not even the audit log's times and encounter ids) links them back to the person.
    """
    kept = 0
    for encounter in Encounter.objects.filter(participant_id=participant_id):
        day = encounter.started_at.replace(hour=0, minute=0, second=0, microsecond=0)
        anonymous = Encounter.objects.create(
            participant=None, site_id=encounter.site_id, started_at=day, started_by=None
        )
        kept += encounter.observations.update(
            encounter=anonymous, recorded_by=None, recorded_at=day
        )
    return kept


# Withdrawal with erasure deletes what these purposes collected.
for _purpose in (Purpose.SCREENING, Purpose.BLOOD_TESTS):
    erasure.register(_purpose, _erase_for(_purpose))
erasure.register_research_keeper(keep_for_research)


@dataclass(frozen=True)
class LetterData:
    given_name: str
    family_name: str
    language: str
    sex: str
    card_code: str
    observations: list[ObservationView]
    not_consented: list[str]


def letter_data(*, actor: Actor, participant_id: uuid.UUID) -> LetterData:
    """Everything a results letter shows: the person's name and their latest values.

    Only what each purpose's consent allows; the letter says what was not measured.
    """
    from healthcamp.services import participants

    person = participants.participant_read(
        actor=actor, purpose=Purpose.SCREENING, participant_id=participant_id
    )
    shown: list[ObservationView] = []
    skipped: list[str] = []
    for purpose in (Purpose.SCREENING, Purpose.BLOOD_TESTS):
        if is_consented(actor, Action.OBSERVATION_READ, purpose, participant_id):
            shown += observations_of(actor=actor, participant_id=participant_id, purpose=purpose)
        else:
            skipped.append(purpose.value)
    latest: dict[str, ObservationView] = {}
    for observation in per_visit(shown, sex=person.sex):  # oldest first: the newest wins
        latest[observation.code] = observation
    return LetterData(
        given_name=person.given_name,
        family_name=person.family_name,
        language=person.preferred_language,
        sex=person.sex,
        card_code=person.card_code,
        observations=[view_in(o, person.preferred_language) for o in latest.values()],
        not_consented=skipped,
    )


def own_record_export(*, actor: Actor, participant_id: uuid.UUID) -> dict[str, Any]:
    """A participant's request for a copy of their record, carried out by a coordinator:
    everything held about them, as a FHIR R4 Bundle, for them to take."""
    from healthcamp.exams.models import Referral
    from healthcamp.interop.fhir_bundle import record_bundle
    from healthcamp.services import consent

    purpose = own_or(actor.role, Purpose.REGISTRATION)
    require_role(actor, Action.EXPORT_OWN_RECORD, purpose, [participant_id])
    limit_identity_reads(actor, purpose, [participant_id], Action.EXPORT_OWN_RECORD)
    with transaction.atomic():
        participant = Participant.objects.filter(pk=participant_id).first()
        if participant is None:
            raise NotFound(f"No participant with id {participant_id}. Check it and try again.")
        born = identity.open_identity(participant).date_of_birth
        encounters = [
            (str(e.id), e.started_at, e.site.name)
            for e in Encounter.objects.filter(participant=participant).select_related("site")
        ]
        observations = [
            observation_view(o)
            for o in Observation.objects.filter(encounter__participant=participant).order_by(
                "recorded_at", "pk"
            )
        ]
        referral_rows = list(
            Referral.objects.filter(participant=participant).select_related("clinic")
        )
        audit(
            actor,
            Action.EXPORT_OWN_RECORD,
            purpose,
            "allowed",
            [participant_id],
            "copy of the record for the participant (FHIR Bundle)",
        )
    consents = consent.consents_of(actor=actor, participant_id=participant_id)
    return record_bundle(
        participant_id=str(participant_id),
        sex=participant.sex,
        born=born,
        encounters=encounters,
        observations=observations,
        referrals=[referrals.referral_view(r) for r in referral_rows],
        consents=consents,
    )
