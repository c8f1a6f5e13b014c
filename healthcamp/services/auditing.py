"""The auditor's window on the log, and the log's record of failed staff sign-ins.

An auditor checks that the history is whole: entries as stored (ids, roles,
purposes, hashes), and the verification result. Entries carry no participant's name
or health value, so this is all an auditor ever sees.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.db import transaction

from healthcamp.access.errors import InvalidInput, NotFound
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


def audit_checkpoint() -> str:
    """The newest signed checkpoint (public: a size and a hash name no one). The first is
    signed on demand; after that they follow the log (audit/tree.py)."""
    from healthcamp.audit import tree

    newest = tree.latest()
    return (newest or tree.issue()).note


def audit_consistency(*, first: int, second: int) -> dict[str, object]:
    """Public: the proof that the checkpoint at `second` extends the one at `first`."""
    from healthcamp.audit import tree

    if first < 1:
        raise InvalidInput({"first": "first is the size of a checkpoint, at least 1."})
    if second < first:
        raise InvalidInput({"second": "second is at least first."})
    try:
        return tree.consistency_of(first=first, second=second)
    except LookupError as error:
        raise NotFound(str(error)) from None


def audit_proof(*, actor: Actor, seq: int) -> dict[str, object]:
    """The auditor: an entry's bytes and its inclusion proof in the newest checkpoint."""
    from healthcamp.audit import tree

    require_role(actor, Action.AUDIT_READ, Purpose.AUDIT)
    with transaction.atomic():
        try:
            proof = tree.proof_of(seq=seq)
        except LookupError as error:
            raise NotFound(str(error)) from None
        audit(actor, Action.AUDIT_READ, Purpose.AUDIT, "allowed", detail=f"proof of entry {seq}")
    return proof
