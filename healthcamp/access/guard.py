"""The checks every guarded operation makes, and the audit entries they leave.

A denial is written to the audit log in its own transaction, then raised: the
attempt stays on record even though nothing else happens.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from healthcamp.access.errors import AccessDenied
from healthcamp.access.models import ProgrammeMembership
from healthcamp.access.policy import Decision as PolicyDecision
from healthcamp.access.policy import decide, needs_consent, permitted
from healthcamp.access.roles import Action, Purpose, Role
from healthcamp.access.staff import Actor
from healthcamp.audit import chain
from healthcamp.consent.rules import ConsentStatus, DecisionFact, status_of
from healthcamp.registry.models import Programme


def audit(
    actor: Actor,
    action: Action,
    purpose: Purpose,
    outcome: str,
    subjects: Iterable[uuid.UUID] = (),
    detail: str = "",
    site: str = "",
) -> None:
    """site: where it happened, when the act belongs to a visit (the person's log shows it)."""
    chain.append(
        actor=actor.audit_name,
        role=actor.role.value,
        action=action.value,
        purpose=purpose.value,
        outcome=outcome,
        subjects=[s.hex for s in subjects],
        detail=detail,
        site=site,
    )


def deny(
    actor: Actor,
    action: Action,
    purpose: Purpose,
    subjects: Sequence[uuid.UUID],
    reason: str,
    said: str = "",
) -> AccessDenied:
    """reason: for the audit log, in English like every entry; said: the same for the
    reader, in the active language (the reason itself when not given)."""
    with transaction.atomic():
        audit(actor, action, purpose, "denied", subjects, reason)
    return AccessDenied(said or reason, reason)


def require_role(
    actor: Actor,
    action: Action,
    purpose: Purpose,
    subjects: Sequence[uuid.UUID] = (),
    *,
    programme_id: int | None = None,
    membership_in_hold: bool = False,
) -> None:
    """The role's half of the decision, and the actor's reach: their own record for a
    participant, their programmes (programme_id, and the subjects') for staff.

    membership_in_hold: the caller checks the subjects' programmes with hold_as_member()."""
    decision = permitted(role=actor.role, action=action, purpose=purpose)
    if not decision.allowed:
        raise deny(actor, action, purpose, subjects, decision.reason, decision.said)
    if actor.role is Role.PARTICIPANT:
        if list(subjects) != [actor.participant_id]:
            # A participant's role covers one record: their own.
            raise deny(
                actor,
                action,
                purpose,
                subjects,
                "A participant may see only their own record.",
                gettext("A participant may see only their own record."),
            )
        return
    if not membership_in_hold:
        require_member(actor, action, purpose, subjects, programme_id=programme_id)


def member_programmes(actor: Actor) -> set[int]:
    """The programmes a staff member works for, read afresh."""
    if actor.staff_id is None:
        return set()
    return set(
        ProgrammeMembership.objects.filter(staff_id=actor.staff_id).values_list(
            "programme_id", flat=True
        )
    )


# The subjects' programmes the staff member does not belong to. Plain SQL, like the
# consent check below: it runs before every act on a person, and compiling the ORM
# query cost more than running it.
_OUTSIDE = """
SELECT DISTINCT p.programme_id FROM registry_participant p
WHERE p.id IN ({placeholders}) AND NOT EXISTS (
  SELECT 1 FROM access_programmemembership m
  WHERE m.staff_id = %s AND m.programme_id = p.programme_id)
"""


def _outside_programmes(staff_id: int, subjects: Sequence[uuid.UUID]) -> set[int]:
    native = connection.features.has_native_uuid_field
    ids: list[Any] = list(subjects) if native else [s.hex for s in subjects]
    with connection.cursor() as cursor:
        cursor.execute(_OUTSIDE.format(placeholders=", ".join(["%s"] * len(ids))), [*ids, staff_id])
        return {row[0] for row in cursor.fetchall()}


def member_denial(
    actor: Actor,
    action: Action,
    purpose: Purpose,
    subjects: Sequence[uuid.UUID],
    outside: set[int],
) -> AccessDenied:
    """The refusal of an act on people of programmes the staff member is not in (audited)."""
    named = ", ".join(map(str, sorted(outside)))
    return deny(
        actor,
        action,
        purpose,
        subjects,
        f"{actor.username} is not a member of programme {named}; "
        "a coordinator of that programme can add them.",
        gettext(
            "%(name)s is not a member of programme %(programmes)s; a coordinator of that "
            "programme can add them."
        )
        % {"name": actor.username, "programmes": named},
    )


def require_member(
    actor: Actor,
    action: Action,
    purpose: Purpose,
    subjects: Sequence[uuid.UUID] = (),
    *,
    programme_id: int | None = None,
) -> None:
    """Staff act only within the programmes they belong to; anything else is refused
    and audited (a programme that does not exist is left to the act's own not-found)."""
    if actor.staff_id is None:
        return
    # Read afresh at each act: a member removed, or a programme just created, counts now.
    outside: set[int] = set()
    if subjects:
        outside |= _outside_programmes(actor.staff_id, subjects)
    if programme_id is not None:
        theirs = ProgrammeMembership.objects.filter(staff_id=actor.staff_id).values("programme_id")
        outside |= set(
            Programme.objects.filter(pk=programme_id)
            .exclude(pk__in=theirs)
            .values_list("pk", flat=True)
        )
    if outside:
        raise member_denial(actor, action, purpose, subjects, outside)


# Every consent of the given participants, with its decision for one purpose (if it has
# one). Plain SQL: this runs before every consent-purpose read, and compiling the ORM
# query cost more than running it.
_CONSENTS_WITH_DECISION = """
SELECT c.participant_id, c.recorded_at, c.id, d.granted, d.withdrawn_at IS NOT NULL
FROM consent_consent c
LEFT JOIN consent_decision d ON d.consent_id = c.id AND d.purpose = %s
WHERE c.participant_id IN ({placeholders})
"""
_LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)  # withdrawals take effect when written


class ConsentOutsideTransaction(RuntimeError):
    """A consent check made outside the act's transaction could be stale by the time the
    act runs (a withdrawal committed in between): a programming error, never shown."""


def _in_own_transaction() -> bool:
    # Django's test cases wrap each test in a transaction of their own (marked
    # _from_testcase); only a block opened by healthcamp's code counts.
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def hold(participant_ids: Sequence[uuid.UUID], *, exclusive: bool = False) -> None:
    """Inside an act's transaction: serialise it with consent changes to these people.

    Acts hold the rows shared, consent changes exclusively, so a withdrawal waits for
    acts already checked, and an act checked after it sees it. On SQLite every
    transaction already holds the database's write lock from BEGIN (IMMEDIATE mode).
    """
    if not _in_own_transaction():
        raise ConsentOutsideTransaction("hold() must run inside the act's transaction")
    if connection.vendor != "postgresql" or not participant_ids:
        return
    mode = "UPDATE" if exclusive else "SHARE"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM registry_participant WHERE id = ANY(%s) "  # noqa: S608 - fixed text
            f"ORDER BY id FOR {mode}",
            [sorted(participant_ids)],
        )


# hold() and the membership check in one round trip (PostgreSQL): the people's rows are
# held shared, and each row says whether the staff member works for its programme.
_HOLD_AS_MEMBER = """
SELECT p.programme_id, EXISTS (
  SELECT 1 FROM access_programmemembership m
  WHERE m.staff_id = %s AND m.programme_id = p.programme_id)
FROM registry_participant p WHERE p.id = ANY(%s) ORDER BY p.id FOR SHARE OF p
"""


def hold_as_member(actor: Actor, participant_ids: Sequence[uuid.UUID]) -> set[int]:
    """PostgreSQL, inside the act's transaction: hold() these people for a staff member
    and return the programmes among theirs that the staff member is not in. The caller
    ends its transaction and raises member_denial() when that is not empty."""
    if not _in_own_transaction():
        raise ConsentOutsideTransaction("hold_as_member() must run inside the act's transaction")
    if connection.vendor != "postgresql" or actor.staff_id is None:
        raise ValueError("hold_as_member() is for staff members on PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute(_HOLD_AS_MEMBER, [actor.staff_id, sorted(participant_ids)])
        return {programme for programme, member in cursor.fetchall() if not member}


def consent_statuses(
    participant_ids: Sequence[uuid.UUID], purpose: Purpose
) -> dict[uuid.UUID, ConsentStatus]:
    """Each participant's status for one purpose, under their newest consent, right now.

    Only inside the act's transaction, with the people held (see hold()).
    """
    if not participant_ids:
        return {}
    hold(participant_ids)
    # How Django's UUIDField stores ids: native uuid on PostgreSQL, 32 hex digits on SQLite.
    native = connection.features.has_native_uuid_field
    db_ids: list[Any] = list(participant_ids) if native else [pid.hex for pid in participant_ids]
    by_key = {_key(db_id): pid for db_id, pid in zip(db_ids, participant_ids, strict=True)}
    newest: dict[uuid.UUID, tuple[Any, int, list[DecisionFact]]] = {}
    sql = _CONSENTS_WITH_DECISION.format(placeholders=", ".join(["%s"] * len(db_ids)))
    with connection.cursor() as cursor:
        cursor.execute(sql, [purpose.value, *db_ids])
        for key, recorded_at, consent_id, granted, withdrawn in cursor.fetchall():
            pid = by_key[_key(key)]
            facts = (
                []
                if granted is None
                else [DecisionFact(purpose.value, bool(granted), _LONG_AGO if withdrawn else None)]
            )
            if pid not in newest or (recorded_at, consent_id) > newest[pid][:2]:
                newest[pid] = (recorded_at, consent_id, facts)
    now = timezone.now()
    return {
        pid: status_of(newest[pid][2] if pid in newest else None, purpose.value, at=now)
        for pid in participant_ids
    }


def _key(value: object) -> str:
    # SQLite gives the id back as 32 hex characters, PostgreSQL as a UUID.
    return value.hex if isinstance(value, uuid.UUID) else str(value)


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


class consented:  # a context manager, named for how it reads: `with consented(...):`
    """The act's transaction, entered only with the participant's consent at this moment.

        with consented(actor, action, purpose, participant_id):
            ... read or write, and audit ...

    The check runs inside the transaction, with the person held, so no withdrawal can
    commit between the check and the act. A refusal ends the (empty) transaction, is
    audited in its own, and raises AccessDenied.
    """

    def __init__(
        self, actor: Actor, action: Action, purpose: Purpose, participant_id: uuid.UUID
    ) -> None:
        self.actor, self.action, self.purpose = actor, action, purpose
        self.participant_id = participant_id
        self.atomic = transaction.atomic()

    def __enter__(self) -> None:
        self.atomic.__enter__()
        try:
            decision = check_consent(self.actor, self.action, self.purpose, self.participant_id)
        except BaseException as error:
            self.atomic.__exit__(type(error), error, error.__traceback__)
            raise
        if not decision.allowed:
            self.atomic.__exit__(None, None, None)
            raise deny(
                self.actor,
                self.action,
                self.purpose,
                [self.participant_id],
                decision.reason,
                decision.said,
            )

    def __exit__(self, *exc: Any) -> None:
        self.atomic.__exit__(*exc)


def is_consented(actor: Actor, action: Action, purpose: Purpose, participant_id: uuid.UUID) -> bool:
    """A hint for what to offer (a letter's sections): the act itself checks again."""
    with transaction.atomic():
        return check_consent(actor, action, purpose, participant_id).allowed


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
