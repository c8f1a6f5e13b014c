"""A limit on opening people's identities one after another.

Registration reads by id need no consent (the desk must identify the person), so
lists that carry participant ids (results owed, referrals to follow) could become a
road to many identities. Each staff member may open a bounded number of distinct
records this way per hour; beyond it the read is refused, and the refusal is an
alert in the audit log ("opened N distinct records in the last hour").
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from healthcamp.access.guard import deny
from healthcamp.access.models import IdentityRead, StaffMember
from healthcamp.access.roles import Action, Purpose
from healthcamp.access.staff import Actor

WINDOW = timedelta(hours=1)


def over_limit(actor: Actor, participant_id: uuid.UUID) -> int | None:
    """Inside the read's transaction: note the read; the count if it is one too many."""
    limit = settings.IDENTITY_READS_PER_HOUR
    if actor.staff_id is None or not limit:
        return None
    # Parallel requests of one member count one after another, not all against the
    # same stale count (PostgreSQL; SQLite's write lock already serialises them).
    if connection.vendor == "postgresql":
        StaffMember.objects.select_for_update().filter(pk=actor.staff_id).exists()
    now = timezone.now()
    since = now - WINDOW
    mine = IdentityRead.objects.filter(staff_id=actor.staff_id)
    if mine.filter(participant_id=participant_id, at__gt=since).exists():
        return None  # the same person again: not a new identity
    opened = mine.filter(at__gt=since).count()
    if opened >= limit:
        return opened
    IdentityRead.objects.update_or_create(
        staff_id=actor.staff_id, participant_id=participant_id, defaults={"at": now}
    )
    if opened % 100 == 0:
        mine.filter(at__lte=since).delete()  # now and then, forget what is out of the window
    return None


def limit_identity_reads(
    actor: Actor,
    purpose: Purpose,
    participant_ids: Sequence[uuid.UUID],
    action: Action = Action.READ,
) -> None:
    """Registration reads need no consent: bounded per staff member and hour. Refused
    beyond the limit, and the refusal is an alert in the audit log."""
    if purpose is not Purpose.REGISTRATION:
        return
    with transaction.atomic():
        opened = next(
            (n for pid in participant_ids if (n := over_limit(actor, pid))),
            None,
        )
    if opened is not None:
        raise deny(
            actor,
            action,
            purpose,
            participant_ids,
            f"alert: {actor.username} opened {opened} distinct records in the last hour "
            "without a card or a consented purpose; open a record by its card, or ask a "
            "coordinator to raise HEALTHCAMP_IDENTITY_READS_PER_HOUR.",
        )
