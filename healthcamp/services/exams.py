"""Encounters and measurements, each checked against the consent for its purpose.

Every measure belongs to one consent purpose (screening or blood tests) in the
catalogue; recording or reading it needs the participant's consent for that purpose
at that moment, and is audited either way.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from healthcamp.access.errors import InvalidInput, NotFound
from healthcamp.access.guard import (
    audit,
    check_consent,
    consented,
    deny,
    hold,
    is_consented,
    require_role,
)
from healthcamp.access.identity_reads import limit_identity_reads
from healthcamp.access.policy import own_or, permitted
from healthcamp.access.roles import Action, Purpose
from healthcamp.access.staff import Actor
from healthcamp.clinical import catalogue, rules, visit
from healthcamp.clinical.visit import Decision
from healthcamp.exams.models import Encounter, Observation
from healthcamp.registry.models import Participant, Site
from healthcamp.services import erasure, identity, referrals, visit_facts
from healthcamp.services.observations import (
    ObservationView,
    Visit,
    VisitResults,
    by_visit,
    consented_purposes,
    decide_visit,
    observation_view,
    view_in,
)


def _open_visit(
    actor: Actor, participant: Participant, site: Site, purpose: Purpose, at: datetime | None
) -> Encounter:
    """A new visit and its audit entry, inside the caller's checked transaction."""
    encounter = Encounter.objects.create(
        participant=participant, site=site, started_at=_when(at), started_by_id=actor.staff_id
    )
    audit(
        actor,
        Action.ENCOUNTER_START,
        purpose,
        "allowed",
        [participant.pk],
        f"encounter {encounter.id} at site {site.pk}",
        site=site.name,
    )
    return encounter


def encounter_start(
    *, actor: Actor, participant_id: uuid.UUID, site_id: int, at: datetime | None = None
) -> uuid.UUID:
    """Open an encounter; the participant must have agreed to screening or blood tests.

    at: when it took place, for a paper record entered later (never in the future).
    """
    require_role(actor, Action.ENCOUNTER_START, Purpose.SCREENING, [participant_id])
    participant, site = _person_at(participant_id, site_id)
    with transaction.atomic():
        # Checked inside the transaction that starts the visit (see guard.hold).
        decisions = [
            (p, check_consent(actor, Action.ENCOUNTER_START, p, participant_id))
            for p in (Purpose.SCREENING, Purpose.BLOOD_TESTS)
        ]
        purpose = next((p for p, d in decisions if d.allowed), None)
        if purpose is None:
            refusal = decisions[0][1]
        else:
            encounter = _open_visit(actor, participant, site, purpose, at)
    if purpose is None:
        raise deny(
            actor,
            Action.ENCOUNTER_START,
            Purpose.SCREENING,
            [participant_id],
            refusal.reason,
            refusal.said,
        )
    return encounter.id


def _person_at(participant_id: uuid.UUID, site_id: int) -> tuple[Participant, Site]:
    participant = Participant.objects.filter(pk=participant_id).first()
    if participant is None:
        raise NotFound(
            gettext("No participant with id %(id)s. Check it and try again.")
            % {"id": participant_id}
        )
    site = Site.objects.filter(pk=site_id).first()
    if site is None or site.programme_id != participant.programme_id:
        raise InvalidInput(
            {
                "site_id": gettext("Site %(id)s is not a site of this participant's programme.")
                % {"id": site_id}
            }
        )
    return participant, site


def encounter_today(
    *, actor: Actor, participant_id: uuid.UUID, site_id: int, purpose: Purpose
) -> uuid.UUID:
    """Today's visit of this person at this site, started when there is none yet: what a
    card scanned at a station opens. The person must have agreed to the station's purpose
    (checked inside the transaction that finds or starts the visit)."""
    require_role(actor, Action.ENCOUNTER_START, purpose, [participant_id])
    participant, site = _person_at(participant_id, site_id)
    with transaction.atomic():
        # The person's row held exclusively before looking: two devices scanning the same
        # card at once take turns, and the second finds the visit the first started.
        hold([participant_id], exclusive=True)
        decision = check_consent(actor, Action.ENCOUNTER_START, purpose, participant_id)
        if decision.allowed:
            found = (
                Encounter.objects.filter(
                    participant=participant, site=site, started_at__date=timezone.localdate()
                )
                .order_by("-started_at")
                .values_list("id", flat=True)
                .first()
            )
            if found is not None:
                return found  # resumed: reading it is audited by the page that shows it
            encounter = _open_visit(actor, participant, site, purpose, None)
    if not decision.allowed:
        raise deny(
            actor, Action.ENCOUNTER_START, purpose, [participant_id], decision.reason, decision.said
        )
    return encounter.id


def _when(at: datetime | None) -> datetime:
    now = timezone.now()
    if at is not None and at > now:
        raise InvalidInput({"at": gettext("A visit cannot take place in the future.")})
    return at or now


@dataclass(frozen=True)
class Recording:
    """What recording a value did: the rows stored, and the visit's decision after it."""

    made: list[ObservationView]
    decision: Decision
    referred: list[str]  # measure codes referred now, by the visit's decision

    @property
    def critical(self) -> bool:
        return self.decision.level == "urgent"


def observation_record(
    *,
    actor: Actor,
    encounter_id: uuid.UUID,
    code: str,
    value: Any,
    unit: str,
    at: datetime | None = None,
    confirmed: bool = False,
) -> Recording:
    """Record a value; the visit's decision (classification, urgency, referral) follows.

    confirmed: the station read back a rare, extreme value and it stands.
    """
    return observations_record(
        actor=actor,
        encounter_id=encounter_id,
        values=[Typed(code, value, unit, confirmed)],
        at=at,
    )


@dataclass(frozen=True)
class Typed:
    """One value as typed, for observations_record."""

    code: str
    value: Any
    unit: str
    confirmed: bool = False


def observations_record(
    *,
    actor: Actor,
    encounter_id: uuid.UUID,
    values: Sequence[Typed],
    at: datetime | None = None,
) -> Recording:
    """Record values of one purpose together (a blood pressure reading's two numbers):
    all or none, one consent check, and the visit decided once after them.

    The first value that cannot be read raises InvalidInput, and nothing is stored."""
    if not values:
        raise InvalidInput({"value": gettext("Nothing to record.")})
    measures = []
    for typed in values:
        try:
            m = catalogue.measure(typed.code)
        except catalogue.MeasureError as error:
            raise InvalidInput({"code": str(error)}) from None
        if m.derived:
            raise InvalidInput(
                {
                    "code": gettext(
                        "%(measure)s is computed from other measures; record those instead."
                    )
                    % {"measure": m.name(translation.get_language() or "en")}
                }
            )
        measures.append(m)
    purpose = Purpose(measures[0].purpose)
    if any(m.purpose != purpose.value for m in measures):
        raise InvalidInput({"code": gettext("Values recorded together must share one purpose.")})
    encounter = (
        Encounter.objects.select_related("participant", "site").filter(pk=encounter_id).first()
    )
    if encounter is None or encounter.participant is None:
        raise NotFound(gettext("There is no encounter %(id)s.") % {"id": encounter_id})
    participant = encounter.participant
    require_role(actor, Action.OBSERVATION_RECORD, purpose, [participant.id])
    born = identity.open_identity(participant).date_of_birth
    readings = []
    for m, typed in zip(measures, values, strict=True):
        try:
            readings.append(catalogue.read(m, typed.value, typed.unit, confirmed=typed.confirmed))
        except catalogue.NeedsConfirmation as question:
            # Raised from the catalogue's error, so a page can say it in its language.
            raise InvalidInput({"value": str(question), "confirm": "required"}) from question
        except catalogue.MeasureError as error:
            raise InvalidInput({"value": str(error)}) from error
    now = _when(at)
    with consented(actor, Action.OBSERVATION_RECORD, purpose, participant.id):
        stored = [
            _store(encounter, m, r, actor, now) for m, r in zip(measures, readings, strict=True)
        ]
        decision = _decision_now(actor, encounter, participant, born)
        sources = [_label(row, decision) for row in stored]
        for m in measures:
            audit(
                actor,
                Action.OBSERVATION_RECORD,
                purpose,
                "allowed",
                [participant.id],
                # Which measure, never its value or class: auditors read these bytes.
                f"{m.code} in encounter {encounter_id}",
                site=encounter.site.name,
            )
        referred = []
        for measure_code, urgency in decision.refer:
            if catalogue.measure(measure_code).purpose != purpose.value:
                continue  # referred when its own purpose's values are recorded
            result = decision.result(measure_code)
            referrals.refer(
                actor=actor,
                participant=participant,
                measure_code=measure_code,
                classification=result.finding.label if result else "",
                urgency=urgency,
                clinic=None,
                purpose=purpose,
                encounter=encounter,
                by_rules=True,
            )
            referred.append(measure_code)
        # A calmer repeat reading or a recheck: what this visit referred and no longer
        # warrants is closed, so the letter never names a referral its values contradict.
        referrals.settle(
            actor=actor,
            participant=participant,
            encounter=encounter,
            wanted={code for code, _ in decision.refer},
            purpose=purpose,
        )
        # The reports' facts follow the decision in the same transaction.
        visit_facts.record(encounter=encounter, participant=participant, decision=decision)
        readable = _readable(actor, participant.id)
    seen = _as_seen(decision, readable)
    made = [
        replace(observation_view(row), source=src) for row, src in zip(stored, sources, strict=True)
    ]
    return Recording(made, seen, referred)


def _as_seen(decision: Decision, readable: list[str]) -> Decision:
    """The decision as this actor may see it: only results of purposes it may read (a
    lab never sees a visit's blood pressure)."""
    seen = tuple(r for r in decision.results if catalogue.measure(r.code).purpose in readable)
    return replace(
        decision,
        results=seen,
        context=tuple(r for r in decision.context if catalogue.measure(r.code).purpose in readable),
        level=max((r.finding.level for r in seen), key=rules.RANK.__getitem__, default="neutral"),
    )


def _decision_now(
    actor: Actor, encounter: Encounter, participant: Participant, born: date
) -> Decision:
    """The visit's decision from every value the person's consent lets the rules use."""
    rows = [
        observation_view(o)
        for o in encounter.observations.filter(
            purpose__in=consented_purposes(participant.id)
        ).order_by("recorded_at", "pk")
    ]
    return decide_visit(
        found=rows, sex=participant.sex, born=born, on=timezone.localdate(encounter.started_at)
    )


def _label(stored: Observation, decision: Decision) -> str:
    """Keep the label and alarm the value had when recorded, for the record; returns the
    source of the cut-offs it was read on."""
    code = visit.BP if stored.code in (visit.SYSTOLIC, visit.DIASTOLIC) else stored.code
    result = decision.result(code) or next((r for r in decision.context if r.code == code), None)
    if result is not None:
        stored.classification = result.finding.label[:40]
        stored.critical = result.finding.level == "urgent"
        stored.save(update_fields=["classification", "critical"])
        return result.finding.source
    return ""


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
        original_value=reading.original_value[:32],
        original_unit=reading.original_unit,
        classification="recorded",
        critical=False,
        comparator=reading.comparator,
        absent_reason=reading.absent_reason,
        recorded_by_id=actor.staff_id,
        recorded_at=now,
    )


def observations_of(
    *,
    actor: Actor,
    participant_id: uuid.UUID,
    purpose: Purpose,
    action: Action = Action.OBSERVATION_READ,
) -> list[ObservationView]:
    """A participant's measurements collected for one purpose, oldest first.

    action: what the read is for (a station's read, or the results letter)."""
    require_role(actor, action, purpose, [participant_id])
    if not Participant.objects.filter(pk=participant_id).exists():
        raise NotFound(
            gettext("No participant with id %(id)s. Check it and try again.")
            % {"id": participant_id}
        )
    collected = {"results_contact": ("screening", "blood_tests")}.get(
        purpose.value, (purpose.value,)
    )
    with consented(actor, action, purpose, participant_id):
        found = list(
            Observation.objects.filter(
                encounter__participant_id=participant_id, purpose__in=collected
            ).order_by("recorded_at", "pk")
        )
        audit(
            actor,
            action,
            purpose,
            "allowed",
            [participant_id],
            f"{len(found)} observation(s)",
        )
    return [observation_view(o) for o in found]


def visit_results(
    *,
    actor: Actor,
    encounter_id: uuid.UUID,
    purpose: Purpose,
    participant_id: uuid.UUID | None = None,
) -> VisitResults:
    """One visit's values and decision, as the station shows them when it is reopened.

    The decision reads every value the person's consent allows (pregnancy changes how a
    glucose is read, whoever looks); the page shows only what this role may see.
    participant_id: the person the page names, who must be the visit's.
    """
    encounter = (
        Encounter.objects.select_related("participant", "site").filter(pk=encounter_id).first()
    )
    if (
        encounter is None
        or encounter.participant is None
        or (participant_id is not None and encounter.participant_id != participant_id)
    ):
        raise NotFound(
            gettext("There is no encounter %(id)s for this person.") % {"id": encounter_id}
        )
    participant = encounter.participant
    require_role(actor, Action.OBSERVATION_READ, purpose, [participant.id])
    born = identity.open_identity(participant).date_of_birth
    with consented(actor, Action.OBSERVATION_READ, purpose, participant.id):
        decision = _decision_now(actor, encounter, participant, born)
        readable = _readable(actor, participant.id)
        decision = _as_seen(decision, readable)
        rows = [
            observation_view(o)
            for o in encounter.observations.filter(purpose__in=readable).order_by(
                "recorded_at", "pk"
            )
        ]
        audit(
            actor,
            Action.OBSERVATION_READ,
            purpose,
            "allowed",
            [participant.id],
            f"{len(rows)} observation(s) of encounter {encounter_id}",
            site=encounter.site.name,
        )
    return VisitResults(
        Visit(encounter.id, encounter.started_at, encounter.site.name), decision, tuple(rows)
    )


def _readable(actor: Actor, participant_id: uuid.UUID) -> list[str]:
    """The purposes whose values this actor may see now (role and consent)."""
    return [
        p.value
        for p in (Purpose.SCREENING, Purpose.BLOOD_TESTS)
        if is_consented(actor, Action.OBSERVATION_READ, p, participant_id)
    ]


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
    results: VisitResults  # the visit the letter is about
    earlier: list[VisitResults]  # older visits, oldest first: shown only as a trend
    referrals: list[referrals.ReferralView]  # open ones from this visit on, of shown purposes
    not_consented: list[str]  # purposes whose values are not shown


def letter_data(
    *, actor: Actor, participant_id: uuid.UUID, visit_id: uuid.UUID | None = None
) -> LetterData:
    """Everything a results letter shows for one visit (the newest by default).

    Each purpose's values only while its consent holds: withdrawing one purpose hides
    that purpose's values and nothing else, and the letter says what is not shown.
    """
    from healthcamp.services import participants

    action = Action.RESULTS_LETTER
    shown = [
        p
        for p in (Purpose.SCREENING, Purpose.BLOOD_TESTS)
        if is_consented(actor, action, p, participant_id)
    ]
    # Refused, audited and explained when no section may be shown at all.
    require_role(actor, action, (shown or [Purpose.SCREENING])[0], [participant_id])
    if not shown:
        raise deny(
            actor,
            action,
            Purpose.SCREENING,
            [participant_id],
            "The person agrees to neither measurements nor blood tests now: no results to show.",
            gettext(
                "The person agrees to neither measurements nor blood tests now: no results to show."
            ),
        )
    # The name on the letter is read as the desk reads it (registration), or as the
    # station does for a clinician.
    naming = (
        Purpose.REGISTRATION
        if permitted(role=actor.role, action=Action.READ, purpose=Purpose.REGISTRATION).allowed
        else shown[0]
    )
    person = participants.participant_read(
        actor=actor, purpose=naming, participant_id=participant_id
    )
    found: list[ObservationView] = []
    for purpose in shown:
        found += observations_of(
            actor=actor, participant_id=participant_id, purpose=purpose, action=action
        )
    language = person.preferred_language
    every = by_visit(
        [view_in(o, language) for o in found],
        visits=visits(participant_id),
        sex=person.sex,
        born=person.date_of_birth,
    )
    if visit_id is not None:
        chosen = next((i for i, v in enumerate(every) if v.visit.id == visit_id), None)
        if chosen is None:
            raise NotFound(
                gettext("Visit %(id)s has no results this letter may show.") % {"id": visit_id}
            )
    elif every:
        chosen = len(every) - 1
    else:
        raise NotFound(gettext("No results yet: record a measurement before printing the letter."))
    results = every[chosen]
    until = every[chosen + 1].visit.started_at if chosen + 1 < len(every) else None
    return LetterData(
        given_name=person.given_name,
        family_name=person.family_name,
        language=language,
        sex=person.sex,
        card_code=person.card_code,
        results=results,
        earlier=every[:chosen],
        referrals=referrals.open_for_letter(
            participant_id=participant_id,
            purposes=[p.value for p in shown],
            since=None if until is None else results.visit.started_at,
            until=until,
            language=language,
        ),
        not_consented=[p.value for p in (Purpose.SCREENING, Purpose.BLOOD_TESTS) if p not in shown],
    )


def own_record_export(*, actor: Actor, participant_id: uuid.UUID) -> dict[str, Any]:
    """A participant's request for a copy of their record, carried out by a coordinator:
    everything held about them, as a FHIR R4 Bundle, for them to take."""
    from healthcamp.audit.selectors import log_for_participant
    from healthcamp.exams.models import Referral
    from healthcamp.interop.fhir_bundle import record_bundle
    from healthcamp.services import consent

    purpose = own_or(actor.role, Purpose.REGISTRATION)
    require_role(actor, Action.EXPORT_OWN_RECORD, purpose, [participant_id])
    limit_identity_reads(actor, purpose, [participant_id], Action.EXPORT_OWN_RECORD)
    with transaction.atomic():
        participant = (
            Participant.objects.select_related("programme").filter(pk=participant_id).first()
        )
        if participant is None:
            raise NotFound(
                gettext("No participant with id %(id)s. Check it and try again.")
                % {"id": participant_id}
            )
        born = identity.open_identity(participant).date_of_birth
        found_visits = [
            Visit(e.id, e.started_at, e.site.name)
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
        log = log_for_participant(participant_id=participant_id.hex)
    consents = consent.consents_of(actor=actor, participant_id=participant_id)
    return record_bundle(
        participant_id=str(participant_id),
        sex=participant.sex,
        born=born,
        programme=participant.programme.name,
        visits=by_visit(observations, visits=found_visits, sex=participant.sex, born=born),
        visits_without_values=[
            v for v in found_visits if v.id not in {o.encounter_id for o in observations}
        ],
        referrals=[referrals.referral_view(r) for r in referral_rows],
        consents=consents,
        log=log,
    )
