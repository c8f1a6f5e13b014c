"""Erasure: crypto-shredding a participant, and erasing what a purpose collected.

Each kind of data collected for a purpose registers one eraser here (exam observations
do, in services/exams.py); withdrawal with erase runs them inside the withdrawal's
transaction.

A full erasure first keeps, de-identified, the observations of someone who agreed to
de-identified research (research keepers), then deletes the participant's row - their
sealed identity and the only copy of their data key - their consent and the rest,
appends a pseudonymous record to the erasure ledger (in the database and in
HEALTHCAMP_HOME/erasure-ledger), and writes an audit entry. The audit log keeps its
entries: they hold no names.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext

from healthcamp.access.errors import InvalidInput, NotFound
from healthcamp.access.guard import audit, consent_statuses, require_role
from healthcamp.access.policy import own_or
from healthcamp.access.roles import Action
from healthcamp.access.staff import Actor
from healthcamp.consent.models import Consent, ErasedForm
from healthcamp.consent.rules import ConsentStatus
from healthcamp.purposes import Purpose
from healthcamp.registry.models import ErasureRecord, Participant
from healthcamp.services import identity

Eraser = Callable[[uuid.UUID], int]
_ERASERS: dict[Purpose, list[Eraser]] = {}
REASONS = ("participant_request", "consent_withdrawn", "reapplied")


def register(purpose: Purpose, eraser: Eraser) -> None:
    _ERASERS.setdefault(purpose, []).append(eraser)


_KEEPERS: list[Eraser] = []


def register_research_keeper(keeper: Eraser) -> None:
    """Run before a full erasure of someone who agreed to de-identified research."""
    _KEEPERS.append(keeper)


def erase(*, participant_id: uuid.UUID, purpose: Purpose) -> int:
    """Delete the participant's records kept for this purpose; return how many went."""
    return sum(eraser(participant_id) for eraser in _ERASERS.get(purpose, ()))


def ledger_file() -> Path:
    return Path(settings.HOME) / "erasure-ledger"


def _mirror(record: dict[str, str]) -> None:
    """Append to the ledger kept outside the database (it outlives a restore)."""
    fd = os.open(ledger_file(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="ascii") as handle:
        handle.write(json.dumps(record, sort_keys=True) + "\n")


log = logging.getLogger(__name__)


def purge_erased_bytes() -> None:
    """After an erasure commits, drop the copies of the deleted rows the engine keeps.

    SQLite (secure_delete on) zeroes the rows in the pages it writes, but the pages as
    they were stay in the write-ahead log until a checkpoint: wal_checkpoint(TRUNCATE)
    copies the new pages home and empties the WAL file. PostgreSQL keeps deleted rows
    as dead tuples until VACUUM; the README says what VACUUM leaves behind.
    """
    if connection.in_atomic_block:  # only ever after the commit, never inside a transaction
        return
    try:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                busy = cursor.fetchone()[0]
                if busy:
                    log.warning(
                        "After an erasure the WAL could not be emptied (a reader held it); "
                        "the next checkpoint will."
                    )
            elif connection.vendor == "postgresql":
                for table in _erased_tables():
                    cursor.execute(f"VACUUM (INDEX_CLEANUP ON) {connection.ops.quote_name(table)}")
    except DatabaseError as error:  # the erasure stands; only the clean-up is late
        log.warning("Clean-up after an erasure failed: %s", error)


def _erased_tables() -> list[str]:
    """The participant table and every table whose rows are deleted with a participant
    (cascade, transitively)."""
    tables: list[str] = []
    todo: list[type[Model]] = [Participant]
    while todo:
        model = todo.pop()
        if model._meta.db_table in tables:
            continue
        tables.append(model._meta.db_table)
        todo.extend(
            relation.related_model
            for relation in model._meta.related_objects
            if isinstance(relation.related_model, type)
        )
    return tables


def _purge_after_commit() -> None:
    """Schedule purge_erased_bytes once per transaction, however many people it erases."""
    pending = getattr(connection, "run_on_commit", [])
    if not any(entry[1] is purge_erased_bytes for entry in pending):
        transaction.on_commit(purge_erased_bytes)


@dataclass(frozen=True)
class Erased:
    pseudonym: str
    erased_at: str


def shred(*, actor: Actor, participant_id: uuid.UUID, reason: str) -> Erased:
    """Erase one participant for good, in one transaction (the caller has authorised it)."""
    if reason not in REASONS:
        raise InvalidInput(
            {"reason": gettext("The reason is one of %(codes)s.") % {"codes": ", ".join(REASONS)}}
        )
    with transaction.atomic():
        participant = Participant.objects.select_for_update().filter(pk=participant_id).first()
        if participant is None:
            raise NotFound(
                gettext("No participant with id %(id)s; they may be erased already.")
                % {"id": participant_id}
            )
        name = identity.pseudonym(participant_id)
        research = consent_statuses([participant_id], Purpose.DEIDENTIFIED_RESEARCH)
        kept_for_research = (
            sum(keep(participant_id) for keep in _KEEPERS)
            if research[participant_id] == ConsentStatus.GRANTED
            else 0
        )
        for purpose in Purpose:
            erase(participant_id=participant_id, purpose=purpose)
        # Their paper forms' keyed indexes outlive them, so no old file registers them again.
        forms = list(
            Consent.objects.filter(
                participant_id=participant_id, form_index__isnull=False
            ).values_list("form_index", flat=True)
        )
        participant.delete()  # sealed identity, wrapped data key, consents
        now = timezone.now()
        ErasedForm.objects.bulk_create(
            [ErasedForm(form_index=bytes(f), erased_at=now) for f in forms if f is not None],
            ignore_conflicts=True,  # reapplied after a restore: already kept
        )
        ErasureRecord.objects.create(pseudonym=name, erased_at=now, reason=reason)
        audit(
            actor,
            Action.ERASE,
            own_or(actor.role, Purpose.REGISTRATION),
            "allowed",
            [participant_id],
            f"erased ({reason}); data key destroyed; {kept_for_research} de-identified "
            "observation(s) kept for research",
        )
        record = {"pseudonym": name, "erased_at": now.isoformat(), "reason": reason}
        transaction.on_commit(lambda: _mirror(record))
        _purge_after_commit()
    return Erased(name, now.isoformat())


def participant_erase(*, actor: Actor, participant_id: uuid.UUID) -> Erased:
    """A coordinator carries out a participant's request to be erased."""
    require_role(actor, Action.ERASE, Purpose.REGISTRATION, [participant_id])
    return shred(actor=actor, participant_id=participant_id, reason="participant_request")
