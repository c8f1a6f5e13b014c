"""The auditor's window on the log, and the log's record of failed staff sign-ins.

An auditor checks that the history is whole: entries as stored (ids, roles,
purposes, hashes), and the verification result. Entries carry no participant's name
or health value, so this is all an auditor ever sees.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass

from django.db import transaction

from healthcamp.access.errors import InvalidInput, NotFound
from healthcamp.access.guard import audit, require_role
from healthcamp.access.roles import Action, Purpose, Role
from healthcamp.access.staff import Actor
from healthcamp.audit import chain
from healthcamp.audit.models import AuditEntry

logger = logging.getLogger(__name__)

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


# ---- witnesses ------------------------------------------------------------------------

# A witness hands its cosignatures in without a staff token: its signature is what
# identifies it. In the log as "api:witness", with the witness's name in the detail.
_WITNESS = Actor(None, "witness", Role.VISITOR)


@dataclass(frozen=True)
class CosignaturesTaken:
    size: int
    witnesses: list[str]


def _cosignature_refused(reason: str) -> None:
    # Its own transaction: the refusal stays on the record though the request fails.
    with transaction.atomic():
        audit(
            _WITNESS,
            Action.AUDIT_READ,
            Purpose.AUDIT,
            "denied",
            detail=f"cosignature refused: {reason}"[:200],
        )


def audit_cosignatures_add(*, checkpoint: str) -> CosignaturesTaken:
    """Public: a witness hands in one of the log's checkpoints with its cosignature.

    The note must carry this log's signature and a valid cosignature by a witness the
    log knows (HEALTHCAMP_AUDIT_WITNESSES), on a checkpoint this log issued (the same
    text: origin, size, root). Each witness's first cosignature of a checkpoint is kept
    (replaced only if it was made with another key of that witness). Raises
    InvalidInput (422), NotFound (404: no checkpoint of that size), Conflict (409: the
    log's key signed a different root at that size), or witness.WitnessConfigError
    when the setting itself is broken (the server's fault).
    """
    from django.db import IntegrityError
    from django.utils import timezone

    from healthcamp.access.errors import Conflict
    from healthcamp.audit import note, tree, witness
    from healthcamp.audit.models import AuditCheckpoint, AuditCosignature

    witnesses = witness.configured_witnesses()
    try:
        opened, signatures = note.open_checkpoint(
            note=checkpoint, verifier=tree.signer().verifier, witnesses=witnesses
        )
        body, lines = note.split_note(note=checkpoint)
    except note.NoteError as error:
        _cosignature_refused(f"the note does not verify ({error})")
        raise InvalidInput({"checkpoint": f"The note does not verify: {error}."}) from None
    if not signatures:
        _cosignature_refused(f"no known witness on the checkpoint at {opened.size}")
        raise InvalidInput(
            {
                "checkpoint": "The note carries no cosignature by a witness this log knows: "
                "the log's operator adds the witness's verifier key to "
                f"{witness.WITNESSES_ENV}."
            }
        )
    if any(len(s.name) > 200 for s in signatures):
        raise InvalidInput({"checkpoint": "A witness's name here is at most 200 characters."})
    held = AuditCheckpoint.objects.filter(size=opened.size).values_list("note", flat=True).first()
    if held is None:
        _cosignature_refused(f"no checkpoint at {opened.size}")
        raise NotFound(f"This log has no checkpoint at {opened.size} entries.")
    if note.split_note(note=held)[0] != body:
        _cosignature_refused(f"a different checkpoint at {opened.size}: evidence of a fork")
        raise Conflict(
            f"This log's checkpoint at {opened.size} entries is not the one cosigned: two "
            "checkpoints of the same size signed by the log's key are evidence of a fork."
        )
    by_key: dict[tuple[str, bytes], str] = {}
    for line in lines:
        by_key.setdefault(witness.line_key(line), line.rstrip("\n"))
    names = sorted({s.name for s in signatures})
    with transaction.atomic():
        for signature in signatures:
            line = by_key[(signature.name, signature.key_id)]
            kept = (
                AuditCosignature.objects.select_for_update()
                .filter(checkpoint_id=opened.size, witness=signature.name)
                .first()
            )
            if kept is None:
                try:
                    with transaction.atomic():
                        AuditCosignature.objects.create(
                            checkpoint_id=opened.size,
                            witness=signature.name,
                            line=line,
                            received_at=timezone.now(),
                        )
                except IntegrityError:
                    pass  # the same witness's other request stored it a moment ago
            elif witness.line_key(kept.line)[1] != signature.key_id:
                kept.line, kept.received_at = line, timezone.now()
                kept.save(update_fields=["line", "received_at"])
        audit(
            _WITNESS,
            Action.AUDIT_READ,
            Purpose.AUDIT,
            "allowed",
            detail=f"cosigned checkpoint {opened.size}: {', '.join(names)}"[:200],
        )
        taken = {s.name: by_key[(s.name, s.key_id)] for s in signatures}
        transaction.on_commit(lambda: _remember(opened.size, taken))
    return CosignaturesTaken(opened.size, names)


def _remember(size: int, lines: dict[str, str]) -> None:
    from healthcamp.audit import witness

    if problem := witness.remember_cosigned(size=size, lines=lines):
        logger.warning("Witness cosignatures not kept outside the database: %s", problem)


def audit_checkpoint_cosigned() -> str:
    """Public: the newest checkpoint with every witness cosignature the log holds for it
    (one note: the log's signature line first, then the witnesses' lines)."""
    from healthcamp.audit import note, tree
    from healthcamp.audit.models import AuditCosignature

    newest = tree.latest() or tree.issue()
    body, own = note.split_note(note=newest.note)
    theirs = AuditCosignature.objects.filter(checkpoint_id=newest.size).order_by("witness")
    lines = [line.rstrip("\n") + "\n" for line in theirs.values_list("line", flat=True)]
    return note.join_note(body=body, lines=[*own, *lines[: note.MAX_SIGNATURES - len(own)]])


def cosigned_history_problems() -> str:
    """Empty if every stored witness cosignature is on history the log still holds, else
    why not (see audit/witness.py; `audit verify` calls it there)."""
    from healthcamp.audit import witness

    return witness.cosigned_history_problems()
