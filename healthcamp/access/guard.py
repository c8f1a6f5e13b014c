"""The checks every guarded operation makes, and the audit entries they leave.

A denial is written to the audit log in its own transaction, then raised: the
attempt stays on record even though nothing else happens.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from healthcamp.access.errors import AccessDenied
from healthcamp.access.policy import Decision as PolicyDecision
from healthcamp.access.policy import decide, needs_consent, permitted
from healthcamp.access.roles import Action, Purpose
from healthcamp.access.staff import Actor
from healthcamp.audit import chain
from healthcamp.consent.models import Consent, Decision
from healthcamp.consent.rules import ConsentStatus, DecisionFact, status_of


def audit(
    actor: Actor,
    action: Action,
    purpose: Purpose,
    outcome: str,
    subjects: Iterable[uuid.UUID] = (),
    detail: str = "",
) -> None:
    chain.append(
        actor=actor.audit_name,
        role=actor.role.value,
        action=action.value,
        purpose=purpose.value,
        outcome=outcome,
        subjects=[s.hex for s in subjects],
        detail=detail,
    )


def deny(
    actor: Actor, action: Action, purpose: Purpose, subjects: Sequence[uuid.UUID], reason: str
) -> AccessDenied:
    with transaction.atomic():
        audit(actor, action, purpose, "denied", subjects, reason)
    return AccessDenied(reason)


def require_role(
    actor: Actor, action: Action, purpose: Purpose, subjects: Sequence[uuid.UUID] = ()
) -> None:
    decision = permitted(role=actor.role, action=action, purpose=purpose)
    if not decision.allowed:
        raise deny(actor, action, purpose, subjects, decision.reason)


def consent_statuses(
    participant_ids: Sequence[uuid.UUID], purpose: Purpose
) -> dict[uuid.UUID, ConsentStatus]:
    """Each participant's status for one purpose, under their newest consent, right now."""
    newest: dict[uuid.UUID, int] = {}
    for consent_id, participant_id in (
        Consent.objects.filter(participant_id__in=participant_ids)
        .order_by("recorded_at", "id")
        .values_list("id", "participant_id")
    ):
        newest[participant_id] = consent_id  # later rows replace earlier ones
    facts: dict[int, list[DecisionFact]] = {cid: [] for cid in newest.values()}
    for consent_id, granted, withdrawn_at in Decision.objects.filter(
        consent_id__in=newest.values(), purpose=purpose.value
    ).values_list("consent_id", "granted", "withdrawn_at"):
        facts[consent_id].append(DecisionFact(purpose.value, granted, withdrawn_at))
    now = timezone.now()
    return {
        pid: status_of(facts[newest[pid]] if pid in newest else None, purpose.value, at=now)
        for pid in participant_ids
    }


_NO_CONSENT_NEEDED = ConsentStatus.NOT_ASKED  # ignored by decide() for such purposes


def check_consent(
    actor: Actor, action: Action, purpose: Purpose, participant_id: uuid.UUID
) -> PolicyDecision:
    """The whole policy decision for one participant, with their consent at this moment."""
    status = (
        consent_statuses([participant_id], purpose)[participant_id]
        if needs_consent(purpose)
        else _NO_CONSENT_NEEDED
    )
    return decide(role=actor.role, action=action, purpose=purpose, consent=status)


def require_consent(
    actor: Actor, action: Action, purpose: Purpose, participant_id: uuid.UUID
) -> None:
    decision = check_consent(actor, action, purpose, participant_id)
    if not decision.allowed:
        raise deny(actor, action, purpose, [participant_id], decision.reason)


def split_by_consent(
    actor: Actor, action: Action, purpose: Purpose, participant_ids: Sequence[uuid.UUID]
) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
    """(allowed, refused) for a many-participant act; refusals are audited in one entry."""
    if not needs_consent(purpose):
        return list(participant_ids), []
    statuses = consent_statuses(participant_ids, purpose)
    allowed = [pid for pid in participant_ids if statuses[pid] == ConsentStatus.GRANTED]
    refused = [pid for pid in participant_ids if statuses[pid] != ConsentStatus.GRANTED]
    if refused:
        with transaction.atomic():
            audit(
                actor,
                action,
                purpose,
                "denied",
                refused,
                f"no current consent to {purpose.value} for {len(refused)} participant(s)",
            )
    return allowed, refused
