"""Each person's current answers, kept for reports (CurrentConsent).

`sync` runs inside the transaction that records or withdraws a consent, with the person
held (access.guard.hold), and reads the answers the way the door does
(guard.consent_statuses), so the reports count exactly the people the door would let
programme statistics use. `rebuild` writes them all afresh from the consent records
(after an upgrade, or to check them)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from django.db import connection, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from healthcamp.access.guard import consent_statuses
from healthcamp.consent.models import Consent, Decision
from healthcamp.consent.rules import ConsentStatus, DecisionFact, status_of
from healthcamp.lib.bulk_rows import db_uuid, insert_rows
from healthcamp.purposes import CONSENT_PURPOSES, Purpose
from healthcamp.registry.models import Participant
from healthcamp.reports import facts
from healthcamp.reports.models import CurrentConsent

WORD = {
    ConsentStatus.GRANTED: "yes",
    ConsentStatus.REFUSED: "no",
    ConsentStatus.WITHDRAWN: "withdrawn",
    ConsentStatus.NOT_ASKED: "",
}


def sync(participant_id: uuid.UUID) -> None:
    """Inside the consent change's transaction: the person's answers as of now."""
    programme_id = (
        Participant.objects.filter(pk=participant_id).values_list("programme_id", flat=True).first()
    )
    if programme_id is None:
        return  # erased: the row went with them
    answers = {
        p.value: WORD[consent_statuses([participant_id], p)[participant_id]]
        for p in CONSENT_PURPOSES
    }
    if not any(answers.values()):
        CurrentConsent.objects.filter(participant_id=participant_id).delete()
        facts.counted_now(participant_id=participant_id, counted=False)
        return
    CurrentConsent.objects.update_or_create(
        participant_id=participant_id, defaults={"programme_id": programme_id, **answers}
    )
    facts.counted_now(
        participant_id=participant_id, counted=answers[Purpose.PROGRAMME_STATISTICS.value] == "yes"
    )


def sync_new(*, answered: Mapping[uuid.UUID, Sequence[DecisionFact]], programme_id: int) -> None:
    """`sync` for people registered in this transaction, with the decisions of the one
    consent each gave (no row here yet, no visit facts): the rule the door applies
    (consent.rules.status_of) read off those decisions, and one insert for the lot."""
    now = timezone.now()
    rows = []
    for pid, decisions in answered.items():
        answers = [WORD[status_of(decisions, p.value, at=now)] for p in CONSENT_PURPOSES]
        if any(answers):  # as sync keeps no row for someone asked nothing
            rows.append((db_uuid(pid), programme_id, *answers))
    insert_rows(
        table=CurrentConsent._meta.db_table,
        columns=["participant_id", "programme_id", *(p.value for p in CONSENT_PURPOSES)],
        rows=rows,
    )


def current_decisions(*, purpose: str) -> QuerySet[Decision]:
    """Each person's decision on one purpose under their newest consent (newest by time,
    then id), straight from the consent records: what `sync` keeps, found the slow way."""
    newest = (
        Consent.objects.filter(participant_id=OuterRef("consent__participant_id"))
        .order_by("-recorded_at", "-id")
        .values("id")[:1]
    )
    return Decision.objects.filter(purpose=purpose, consent_id=Subquery(newest))


def from_records() -> dict[uuid.UUID, dict[str, str]]:
    """Every person's answers, read from the consent records in one query per purpose."""
    found: dict[uuid.UUID, dict[str, str]] = {}
    for purpose in CONSENT_PURPOSES:
        rows = current_decisions(purpose=purpose.value).values_list(
            "consent__participant_id", "granted", "withdrawn_at"
        )
        for participant_id, granted, withdrawn_at in rows:
            answer = "no" if not granted else "withdrawn" if withdrawn_at else "yes"
            found.setdefault(participant_id, {})[purpose.value] = answer
    return found


def rebuild(*, batch: int = 5000) -> int:
    """Every person's row written afresh from the consent records (after an upgrade, or a
    repair); returns how many people have one.

    One transaction that first locks out consent changes, then reads the records and
    writes: a change still under way holds its person until it commits, so the rebuild
    reads after it; one that comes later waits for the rebuild, and its `sync` writes over
    the rebuilt row. Either way no withdrawal is overwritten by an older answer. (SQLite:
    the transaction holds the database's write lock from BEGIN.)"""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # In the order a consent change takes them (guard.hold: the person, then
                # their row here), so the two wait for each other and never deadlock: every
                # person (a change under way holds its person until it commits), then the
                # table (EXCLUSIVE: reports still read the old rows; writers wait).
                cursor.execute("SELECT 1 FROM registry_participant ORDER BY id FOR KEY SHARE")
                cursor.execute("LOCK TABLE reports_currentconsent IN EXCLUSIVE MODE")
        answers = from_records()
        programmes = dict(
            Participant.objects.filter(pk__in=list(answers)).values_list("pk", "programme_id")
        )
        rows = [
            CurrentConsent(participant_id=pid, programme_id=programmes[pid], **given)
            for pid, given in answers.items()
            if pid in programmes
        ]
        CurrentConsent.objects.all().delete()
        CurrentConsent.objects.bulk_create(rows, batch_size=batch)
        facts.recount()
    return len(rows)
