"""Referrals: a result that needs care goes to a named clinic, and is followed up.

A critical value refers the person urgently on the spot (see services/exams.py). The
reason is coded - the measure and its classification - so no free text can carry
anything the programme does not collect.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from healthcamp.access.errors import Conflict, InvalidInput, NotFound
from healthcamp.access.guard import (
    audit,
    check_consent,
    consent_statuses,
    consented,
    require_role,
)
from healthcamp.access.roles import Action, Purpose
from healthcamp.access.staff import Actor
from healthcamp.clinical import catalogue
from healthcamp.clinical.visit import BP, DIASTOLIC, SYSTOLIC
from healthcamp.consent.rules import ConsentStatus
from healthcamp.exams.models import Clinic, Encounter, Observation, Referral
from healthcamp.registry.models import Participant, Programme
from healthcamp.services import visit_facts
from healthcamp.services.programmes import clean_name

URGENCIES = {u.value for u in Referral.Urgency}
STATUSES = {s.value for s in Referral.Status}


@dataclass(frozen=True)
class ReferralView:
    id: uuid.UUID
    participant_id: uuid.UUID
    clinic: str
    urgency: str
    measure_code: str
    measure: str
    classification: str
    status: str
    created_at: datetime
    updated_at: datetime


def referral_view(r: Referral, language: str = "en") -> ReferralView:
    return ReferralView(
        id=r.id,
        participant_id=r.participant_id,
        clinic=r.clinic.name if r.clinic else "",
        urgency=r.urgency,
        measure_code=r.measure_code,
        measure=catalogue.measure(r.measure_code).name(language),
        classification=r.classification,
        status=r.status,
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def clinic_create(*, actor: Actor, programme_id: int, name: str) -> tuple[int, str]:
    require_role(actor, Action.CLINIC_CREATE, Purpose.PROGRAMME_SETUP, programme_id=programme_id)
    cleaned = clean_name(name, "clinic")
    with transaction.atomic():
        if not Programme.objects.filter(pk=programme_id).exists():
            raise NotFound(
                gettext("There is no programme %(id)s; check the programme id.")
                % {"id": programme_id}
            )
        if Clinic.objects.filter(programme_id=programme_id, name=cleaned).exists():
            raise Conflict(
                gettext("Programme %(id)s already refers to %(name)s.")
                % {"id": programme_id, "name": repr(cleaned)}
            )
        clinic = Clinic.objects.create(programme_id=programme_id, name=cleaned)
        audit(
            actor,
            Action.CLINIC_CREATE,
            Purpose.PROGRAMME_SETUP,
            "allowed",
            detail=f"clinic {clinic.pk} in programme {programme_id}",
        )
    return clinic.pk, clinic.name


PRESSING = {"routine": 0, "soon": 1, "urgent": 2}


def refer(
    *,
    actor: Actor,
    participant: Participant,
    measure_code: str,
    classification: str,
    urgency: str,
    clinic: Clinic | None,
    purpose: Purpose,
    encounter: Encounter | None = None,
    by_rules: bool = False,
) -> Referral:
    """Inside the caller's transaction: one open referral per person and measure.

    An open referral is made more pressing when asked; one the visit's decision made
    (by_rules) follows that decision both ways, while a clinician's is never lowered.
    """
    existing = Referral.objects.filter(
        participant=participant, measure_code=measure_code, status=Referral.Status.OPEN
    ).first()
    if existing is not None:
        follows = (
            by_rules
            and existing.by_rules
            and existing.encounter_id == getattr(encounter, "pk", None)
        )
        if urgency != existing.urgency and (
            follows or PRESSING[urgency] > PRESSING[existing.urgency]
        ):
            existing.urgency = urgency
            existing.classification = classification or existing.classification
            existing.updated_at = timezone.now()
            existing.save(update_fields=["urgency", "classification", "updated_at"])
            _audit_change(actor, existing, purpose, f"now {urgency}")
        return existing
    now = timezone.now()
    clinic = (
        clinic
        or Clinic.objects.filter(programme_id=participant.programme_id).order_by("pk").first()
    )
    referral = Referral.objects.create(
        participant=participant,
        clinic=clinic,
        urgency=urgency,
        measure_code=measure_code,
        classification=classification,
        created_at=now,
        updated_at=now,
        encounter=encounter,
        by_rules=by_rules,
    )
    audit(
        actor,
        Action.REFERRAL_CREATE,
        purpose,
        "allowed",
        [participant.id],
        f"referral {referral.id}: {measure_code}",  # no class or urgency: not health data
    )
    return referral


def settle(
    *,
    actor: Actor,
    participant: Participant,
    encounter: Encounter,
    wanted: set[str],
    purpose: Purpose,
) -> list[str]:
    """Inside the caller's transaction: close the referrals this visit's decision made
    that it no longer warrants (a calmer repeat reading, a recheck). Returns their codes."""
    closed = []
    for referral in Referral.objects.filter(
        encounter=encounter, by_rules=True, status=Referral.Status.OPEN
    ).exclude(measure_code__in=wanted):
        if catalogue.measure(referral.measure_code).purpose != purpose.value:
            continue
        referral.status = Referral.Status.CLOSED
        referral.updated_at = timezone.now()
        referral.save(update_fields=["status", "updated_at"])
        _audit_change(actor, referral, purpose, "closed: the visit's values no longer need it")
        closed.append(referral.measure_code)
    return closed


def _audit_change(actor: Actor, referral: Referral, purpose: Purpose, what: str) -> None:
    audit(
        actor,
        Action.REFERRAL_CREATE,
        purpose,
        "allowed",
        [referral.participant_id],
        f"referral {referral.id}: {referral.measure_code} {what}",
    )


def open_for_letter(
    *,
    participant_id: uuid.UUID,
    purposes: list[str],
    since: datetime | None,
    until: datetime | None,
    language: str,
) -> list[ReferralView]:
    """Inside the letter's guarded read: the open referrals the letter names, for measures
    whose purpose it may show: every open one on the newest visit's letter (one may have
    been opened at an earlier visit and still stand), those opened in its time on an older
    visit's. A letter names a referral only when one exists."""
    found = Referral.objects.filter(
        participant_id=participant_id, status=Referral.Status.OPEN
    ).select_related("clinic")
    if since is not None:
        found = found.filter(created_at__gte=since)
    if until is not None:
        found = found.filter(created_at__lt=until)
    return [
        referral_view(r, language)
        for r in found.order_by("created_at")
        if catalogue.measure(r.measure_code).purpose in purposes
    ]


def referral_create(
    *,
    actor: Actor,
    participant_id: uuid.UUID,
    measure_code: str,
    urgency: str,
    clinic_id: int | None = None,
) -> ReferralView:
    """A clinician refers the person for a measure recorded today."""
    try:
        # A blood pressure is referred as its panel, never as one of its two numbers.
        m = catalogue.measure(BP if measure_code in (SYSTOLIC, DIASTOLIC) else measure_code)
    except catalogue.MeasureError as error:
        raise InvalidInput({"measure_code": str(error)}) from None
    purpose = Purpose(m.purpose)
    require_role(actor, Action.REFERRAL_CREATE, purpose, [participant_id])
    if urgency not in URGENCIES:
        raise InvalidInput(
            {
                # The codes a request sends (the follow-up page offers them in words).
                "urgency": gettext("Urgency is one of %(codes)s.")
                % {"codes": ", ".join(sorted(URGENCIES))}
            }
        )
    participant = Participant.objects.filter(pk=participant_id).first()
    if participant is None:
        raise NotFound(
            gettext("No participant with id %(id)s. Check it and try again.")
            % {"id": participant_id}
        )
    with consented(actor, Action.REFERRAL_CREATE, purpose, participant_id):
        referral = _refer_for_latest(
            actor=actor,
            participant=participant,
            measure=m,
            urgency=urgency,
            clinic_id=clinic_id,
            purpose=purpose,
        )
    return referral_view(referral)


def _refer_for_latest(
    *,
    actor: Actor,
    participant: Participant,
    measure: catalogue.Measure,
    urgency: str,
    clinic_id: int | None,
    purpose: Purpose,
) -> Referral:
    """The referral for the measure's latest result (inside the consented transaction)."""
    m, measure_code, participant_id = measure, measure.code, participant.id
    codes = (SYSTOLIC, DIASTOLIC) if measure_code == BP else (measure_code,)
    observation = (
        Observation.objects.filter(encounter__participant_id=participant_id, code__in=codes)
        .order_by("-recorded_at")
        .first()
    )
    if observation is None:
        raise InvalidInput(
            {
                "measure_code": gettext(
                    "No %(measure)s was recorded for this person; a referral names a result."
                )
                % {"measure": m.name(translation.get_language() or "en")}
            }
        )
    clinic = None
    if clinic_id is not None:
        clinic = Clinic.objects.filter(pk=clinic_id, programme_id=participant.programme_id).first()
        if clinic is None:
            raise InvalidInput(
                {
                    "clinic_id": gettext("Clinic %(id)s is not one of this programme's.")
                    % {"id": clinic_id}
                }
            )
    return refer(
        actor=actor,
        participant=participant,
        measure_code=measure_code,
        classification=observation.classification,  # the visit's label when it was recorded
        urgency=urgency,
        clinic=clinic,
        purpose=purpose,
    )


def referral_update(*, actor: Actor, referral_id: uuid.UUID, status: str) -> ReferralView:
    """A coordinator follows up: attended, or closed."""
    subject = Referral.objects.filter(pk=referral_id).values_list("participant_id", flat=True)
    require_role(actor, Action.REFERRAL_MANAGE, Purpose.REGISTRATION, list(subject))
    if status not in STATUSES:
        raise InvalidInput(
            {
                "status": gettext("Status is one of %(codes)s.")
                % {"codes": ", ".join(sorted(STATUSES))}
            }
        )
    with transaction.atomic():
        referral = Referral.objects.select_for_update().filter(pk=referral_id).first()
        if referral is None:
            raise NotFound(gettext("There is no referral %(id)s.") % {"id": referral_id})
        referral.status = status
        referral.updated_at = timezone.now()
        referral.save(update_fields=["status", "updated_at"])
        visit_facts.referral_changed(encounter_id=referral.encounter_id)
        audit(
            actor,
            Action.REFERRAL_MANAGE,
            Purpose.REGISTRATION,
            "allowed",
            [referral.participant_id],
            f"referral {referral_id}: {status}",
        )
    return referral_view(referral)


def referrals_to_follow(*, actor: Actor, programme_id: int, status: str) -> list[ReferralView]:
    """The coordinator's follow-up list: ids, clinics and statuses; no names."""
    require_role(actor, Action.REFERRAL_MANAGE, Purpose.REGISTRATION, programme_id=programme_id)
    if status not in STATUSES:
        raise InvalidInput(
            {
                "status": gettext("Status is one of %(codes)s.")
                % {"codes": ", ".join(sorted(STATUSES))}
            }
        )
    found = list(
        Referral.objects.filter(participant__programme_id=programme_id, status=status)
        .select_related("clinic")
        .order_by("-urgency", "created_at")
    )
    with transaction.atomic():
        sharing = consent_statuses([r.participant_id for r in found], Purpose.REFERRAL_SHARING)
        audit(
            actor,
            Action.REFERRAL_MANAGE,
            Purpose.REGISTRATION,
            "allowed",
            [r.participant_id for r in found],
            f"follow-up list: {len(found)} {status}",
        )
    # What a referral is for is a health fact: shown only while the person consents to
    # sharing it for their referral.
    return [
        referral_view(r)
        if sharing[r.participant_id] is ConsentStatus.GRANTED
        else replace(referral_view(r), measure_code="", measure="", classification="")
        for r in found
    ]


@dataclass(frozen=True)
class NoteReferral:
    """The referral as the clinic sees it; what it is for only with consent to share."""

    id: uuid.UUID
    clinic: str
    urgency: str
    status: str
    created_at: datetime
    measure: str = ""
    classification: str = ""


@dataclass(frozen=True)
class NoteResult:
    """The referred measure at one visit, as the visit's decision reads it."""

    when: datetime
    name: str
    shown: str
    note: str  # e.g. the mean of the last two readings
    label: str
    level: str
    source: str


@dataclass(frozen=True)
class ClinicNote:
    """What the named clinic receives. Without referral_sharing consent: the referral
    alone - no name, no result, not even what it is for - and the person decides what
    to show."""

    referral: NoteReferral
    shared: bool
    given_name: str = ""
    family_name: str = ""
    date_of_birth: date | None = None
    sex: str = ""
    results: tuple[NoteResult, ...] = ()  # the referred measure at each visit, oldest first


def referral_note(*, actor: Actor, referral_id: uuid.UUID, language: str = "en") -> ClinicNote:
    """The note for the clinic: the relevant results only with referral_sharing consent.

    language: the measures' names as the note's reader reads them (the page's language).

    Relevant: the referred measure's values, one per visit (blood pressure as its
    systolic/diastolic pair, each the visit's ESH mean, as the person's letter reads).
    """
    from healthcamp.services import identity, observations

    purpose = Purpose.REFERRAL_SHARING
    referral = (
        Referral.objects.select_related("clinic", "participant").filter(pk=referral_id).first()
    )
    if referral is None:
        raise NotFound(gettext("There is no referral %(id)s.") % {"id": referral_id})
    pid = referral.participant_id
    require_role(actor, Action.REFERRAL_SHARE, purpose, [pid])
    view = referral_view(referral, language)
    bare = NoteReferral(view.id, view.clinic, view.urgency, view.status, view.created_at)
    with transaction.atomic():
        decision = check_consent(actor, Action.REFERRAL_SHARE, purpose, pid)
        if not decision.allowed:
            audit(actor, Action.REFERRAL_SHARE, purpose, "denied", [pid], decision.reason)
            return ClinicNote(referral=bare, shared=False)
        person = identity.open_identity(referral.participant)
        # Every value the person's consent lets the rules use, so the decision reads each
        # visit as the letter does (fasting, pregnancy); the note shows the referred measure.
        found = [
            observations.observation_view(o)
            for o in Observation.objects.filter(
                encounter__participant_id=pid,
                purpose__in=observations.consented_purposes(pid),
            ).order_by("recorded_at", "pk")
        ]
        visits = [
            observations.Visit(e.id, e.started_at, e.site.name)
            for e in Encounter.objects.filter(participant_id=pid).select_related("site")
        ]
        name = catalogue.measure(referral.measure_code).name(language)
        results = tuple(
            NoteResult(
                v.visit.started_at,
                name,
                r.shown,
                r.note,
                r.finding.label,
                r.finding.level,
                r.finding.source,
            )
            for v in observations.by_visit(
                found, visits=visits, sex=referral.participant.sex, born=person.date_of_birth
            )
            for r in v.decision.results
            if r.code == referral.measure_code
        )
        audit(
            actor,
            Action.REFERRAL_SHARE,
            purpose,
            "allowed",
            [pid],
            f"referral {referral_id}: {len(results)} result(s) for {view.clinic or 'the clinic'}",
        )
    return ClinicNote(
        referral=replace(bare, measure=view.measure, classification=view.classification),
        shared=True,
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        sex=referral.participant.sex,
        results=results,
    )
