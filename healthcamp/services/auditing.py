"""The auditor's window on the log, and the log's record of failed staff sign-ins.

An auditor checks that the history is whole: entries as stored (ids, roles,
purposes, hashes), and the verification result. Entries carry no participant's name
or health value, so this is all an auditor ever sees.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.db import transaction

from healthcamp.access.errors import InvalidInput
from healthcamp.access.guard import audit, require_role
from healthcamp.access.roles import Action, Purpose, Role
from healthcamp.access.staff import Actor
from healthcamp.audit import chain
from healthcamp.audit.models import AuditEntry

MAX_ENTRIES = 1_000
_NOBODY = Actor(None, "unauthenticated", Role.VISITOR)


@dataclass(frozen=True)
class EntryView:
    seq: int
    prev_hash: str  # hex
    hash: str  # hex
    body: str  # base64 of the exact bytes hashed


def audit_entries(*, actor: Actor, after: int = 0, limit: int = 100) -> list[EntryView]:
    """Entries with seq > after, oldest first, at most `limit` (1 to 1,000)."""
    if after < 0:
        raise InvalidInput({"after": "after is a sequence number, 0 or more."})
    if not 1 <= limit <= MAX_ENTRIES:
        raise InvalidInput({"limit": f"limit is a whole number from 1 to {MAX_ENTRIES}."})
    require_role(actor, Action.AUDIT_READ, Purpose.AUDIT)
    with transaction.atomic():
        rows = list(
            AuditEntry.objects.filter(seq__gt=after)
            .order_by("seq")
            .values_list("seq", "prev_hash", "hash", "body")[:limit]
        )
        audit(
            actor,
            Action.AUDIT_READ,
            Purpose.AUDIT,
            "allowed",
            detail=f"entries after {after}: {len(rows)}",
        )
    return [
        EntryView(seq, bytes(prev).hex(), bytes(digest).hex(), base64.b64encode(body).decode())
        for seq, prev, digest, body in rows
    ]


def audit_verification(*, actor: Actor) -> chain.Verification:
    """Recompute the chain and its index, as `healthcamp audit verify` does."""
    require_role(actor, Action.AUDIT_READ, Purpose.AUDIT)
    result = chain.verify()
    with transaction.atomic():
        outcome = "intact" if result.ok else f"broken at {result.first_bad_seq}"
        audit(actor, Action.AUDIT_READ, Purpose.AUDIT, "allowed", detail=f"verify: {outcome}")
    return result


def record_unauthenticated(*, what: str) -> None:
    """A request without a valid staff token: logged (never the token it carried)."""
    with transaction.atomic():
        audit(_NOBODY, Action.AUTHENTICATE, Purpose.AUDIT, "denied", detail=what[:200])
