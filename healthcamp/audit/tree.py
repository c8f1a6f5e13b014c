"""The audit log as a Merkle tree in the database (C2SP tlog-tiles), and its signed
checkpoints.

Appending an entry costs nothing more than before: the tree's tiles are brought up to
date when a checkpoint is issued (every AUDIT_CHECKPOINT_EVERY entries, at most
AUDIT_CHECKPOINT_SECONDS apart, and on `healthcamp audit checkpoint`). The newest
checkpoint is also kept outside the database (HEALTHCAMP_HOME/audit-checkpoint, never
moved backwards, never past a history that does not extend it), and is what a witness
cosigns and a programme publishes.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from healthcamp.audit import merkle, note, signing
from healthcamp.audit.models import AuditCheckpoint, AuditEntry, AuditTile

log = logging.getLogger(__name__)
TILE_BYTES = merkle.TILE_WIDTH * merkle.HASH_SIZE


class Tiles:
    """The stored tiles, as merkle.TiledReader reads them (one query per batch)."""

    def tiles(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        if not keys:
            return {}
        found: dict[tuple[int, int], bytes] = {}
        by_level: dict[int, list[int]] = {}
        for level, index in keys:
            by_level.setdefault(level, []).append(index)
        for level, indexes in by_level.items():
            for index, hashes in AuditTile.objects.filter(
                level=level, index__in=indexes
            ).values_list("index", "hashes"):
                found[(level, index)] = bytes(hashes)
        return found


def reader() -> merkle.TiledReader:
    return merkle.TiledReader(Tiles())


def stored_size() -> int:
    """How many leaves the tiles hold: the last level-0 tile tells."""
    last = AuditTile.objects.filter(level=0).order_by("-index").values_list("index", "hashes")[:1]
    for index, hashes in last:
        return int(index) * merkle.TILE_WIDTH + len(bytes(hashes)) // merkle.HASH_SIZE
    return 0


def extend(*, to_size: int) -> int:
    """Inside a transaction: hash the entries up to to_size into the tiles. Returns the
    size the tiles now hold (entries are read from the database, in order)."""
    start = stored_size()
    if to_size <= start:
        return start
    bodies = AuditEntry.objects.filter(seq__gt=start, seq__lte=to_size).order_by("seq")
    leaves = []
    expected = start + 1
    for seq, body in bodies.values_list("seq", "body").iterator(chunk_size=2000):
        if seq != expected:
            raise merkle_error(f"entry {expected} is missing from the log")
        leaves.append(merkle.leaf_hash(bytes(body)))
        expected += 1
    if len(leaves) != to_size - start:
        raise merkle_error(f"the log holds {start + len(leaves)} entries, not {to_size}")
    nodes = merkle.completed_nodes(old_size=start, new_leaves=leaves, reader=reader())
    _store(nodes)
    return to_size


def merkle_error(reason: str) -> ValueError:
    return ValueError(f"The audit log cannot be hashed into its tree: {reason}.")


def _store(nodes: dict[tuple[int, int], bytes]) -> None:
    """Append the new nodes kept in tiles (every 8th level) to their tiles, in order."""
    by_tile: dict[tuple[int, int], list[tuple[int, bytes]]] = {}
    for (level, index), digest in nodes.items():
        if level % merkle.TILE_HEIGHT:
            continue  # levels between stored ones are hashed up from the tile below
        key = (level // merkle.TILE_HEIGHT, index // merkle.TILE_WIDTH)
        by_tile.setdefault(key, []).append((index % merkle.TILE_WIDTH, digest))
    for (level, index), new in by_tile.items():
        tile = AuditTile.objects.select_for_update().filter(level=level, index=index).first()
        held = bytes(tile.hashes) if tile is not None else b""
        for position, digest in sorted(new):
            if position * merkle.HASH_SIZE != len(held):
                raise merkle_error(f"tile {level}/{index} would get a hole at {position}")
            held += digest
        if tile is None:
            AuditTile.objects.create(level=level, index=index, hashes=held)
        else:
            AuditTile.objects.filter(level=level, index=index).update(hashes=held)


# ---- keys and checkpoints ---------------------------------------------------------------


def origin() -> str:
    return str(settings.AUDIT_ORIGIN)


def signer() -> note.Signer:
    key = signing.load()
    private = key.private
    raw = private.public_key().public_bytes_raw()
    name = origin()
    kid = note.key_id(name=name, key_type=note.ED25519, public_key=raw)
    return note.Signer(name, kid, note.ED25519, private)


def public_key() -> str:
    """The verifier key a programme publishes, in the signed-note format."""
    return signer().verifier.text


@dataclass(frozen=True)
class Issued:
    size: int
    root: bytes
    note: str


def issue() -> Issued:
    """Sign a checkpoint of the log as it is now (or return the newest if nothing new)."""
    with transaction.atomic():
        size = AuditEntry.objects.count()
        newest = AuditCheckpoint.objects.order_by("-size").first()
        if newest is not None and newest.size == size:
            return Issued(newest.size, bytes(newest.root), newest.note)
        extend(to_size=size)
        root = merkle.root(size=size, reader=reader())
        body = note.checkpoint_body(origin=origin(), size=size, root=root)
        signed = note.sign(body=body, signer=signer())
        try:
            with transaction.atomic():
                AuditCheckpoint.objects.create(
                    size=size, root=root, note=signed, issued_at=datetime.now(UTC)
                )
        except IntegrityError:  # another process signed this size a moment ago
            other = AuditCheckpoint.objects.get(size=size)
            return Issued(other.size, bytes(other.root), other.note)
    publish(Issued(size, root, signed))
    return Issued(size, root, signed)


def latest() -> Issued | None:
    newest = AuditCheckpoint.objects.order_by("-size").first()
    return Issued(newest.size, bytes(newest.root), newest.note) if newest else None


def checkpoint_file() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_FILE)


def read_checkpoint_file() -> note.Checkpoint | None:
    """The checkpoint kept outside the database, its signature checked."""
    path = checkpoint_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        raise note.NoteError(f"The checkpoint file {path} cannot be read: {error}") from None
    checkpoint, _ = note.open_checkpoint(note=text, verifier=signer().verifier)
    return checkpoint


def publish(issued: Issued) -> None:
    """Keep the newest checkpoint outside the database: never backwards, and never past
    a history that does not extend the one it holds (the file is then left as evidence)."""
    path = checkpoint_file()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        held_text = os.pread(fd, 1 << 16, 0).decode("utf-8", errors="replace")
        if held_text.strip():
            try:
                held, _ = note.open_checkpoint(note=held_text, verifier=signer().verifier)
            except note.NoteError:
                log.error("The audit checkpoint file %s is damaged; left as evidence.", path)
                return
            if held.size >= issued.size:
                return
            if held.size and not _extends(held, issued):
                log.error(
                    "The audit log at %s entries no longer extends the checkpoint at %s kept "
                    "in %s: left as evidence; run `healthcamp audit verify`.",
                    issued.size,
                    held.size,
                    path,
                )
                return
        data = issued.note.encode("utf-8")
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
        os.fsync(fd)
    finally:
        os.close(fd)


def _extends(held: note.Checkpoint, issued: Issued) -> bool:
    proof = merkle.consistency_proof(old_size=held.size, new_size=issued.size, reader=reader())
    return merkle.verify_consistency(
        old_size=held.size,
        new_size=issued.size,
        old_root=held.root,
        new_root=issued.root,
        proof=proof,
    )


# ---- issuing as the log grows -----------------------------------------------------------

_last = {"size": -1, "at": 0.0}
_lock = threading.Lock()


def forget_last_checkpoint() -> None:
    """The next append reads the newest checkpoint again (a new database, in tests)."""
    with _lock:
        _last["size"], _last["at"] = -1, 0.0


def maybe_issue(seq: int) -> None:
    """After a commit: issue a checkpoint when N entries or T seconds have passed."""
    every, seconds = settings.AUDIT_CHECKPOINT_EVERY, settings.AUDIT_CHECKPOINT_SECONDS
    with _lock:
        if _last["size"] < 0:
            newest = latest()
            _last["size"], _last["at"] = (newest.size if newest else 0), time.monotonic()
        due = seq - _last["size"] >= every or (
            seq > _last["size"] and time.monotonic() - _last["at"] >= seconds
        )
        if not due:
            return
        _last["size"], _last["at"] = seq, time.monotonic()
    try:
        issue()
    except Exception:  # a checkpoint is retried with the next append; the act stands
        log.exception("Issuing an audit checkpoint failed; it is retried later.")


def proof_of(*, seq: int, size: int | None = None) -> dict[str, object]:
    """An entry's inclusion proof in the newest checkpoint (or one of the given size)."""
    import base64

    checkpoint = (
        AuditCheckpoint.objects.filter(size=size).first()
        if size is not None
        else AuditCheckpoint.objects.order_by("-size").first()
    )
    if checkpoint is None or not 1 <= seq <= checkpoint.size:
        raise LookupError(f"No checkpoint covers entry {seq} yet.")
    body = AuditEntry.objects.filter(seq=seq).values_list("body", flat=True).first()
    if body is None:
        raise LookupError(f"There is no entry {seq}.")
    proof = merkle.inclusion_proof(index=seq - 1, size=checkpoint.size, reader=reader())
    return {
        "entry": base64.b64encode(bytes(body)).decode("ascii"),
        "index": seq - 1,
        "tree_size": checkpoint.size,
        "proof": [base64.b64encode(h).decode("ascii") for h in proof],
        "checkpoint": checkpoint.note,
    }


def consistency_of(*, first: int, second: int) -> dict[str, object]:
    import base64

    old = AuditCheckpoint.objects.filter(size=first).first()
    new = AuditCheckpoint.objects.filter(size=second).first()
    if old is None or new is None:
        raise LookupError("Both sizes must be those of issued checkpoints.")
    if not 0 < first <= second:
        raise ValueError("first must be at least 1 and at most second.")
    proof = merkle.consistency_proof(old_size=first, new_size=second, reader=reader())
    return {
        "first": first,
        "second": second,
        "proof": [base64.b64encode(h).decode("ascii") for h in proof],
        "first_checkpoint": old.note,
        "second_checkpoint": new.note,
    }


def on_commit_issue(seq: int) -> None:
    if connection.in_atomic_block:
        transaction.on_commit(lambda: maybe_issue(seq))
    else:
        maybe_issue(seq)
