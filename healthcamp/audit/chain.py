"""Appending to and verifying the hash-chained audit log.

Canonical entry bytes: the comma-joined, sorted participant ids the entry
names, a newline, then the other fields as compact sorted-key UTF-8 JSON.
The subjects come first so that verification can check the subject index
against the hashed bytes without parsing JSON.

hash(n) = SHA-256(hash(n-1) || body(n)), with 32 zero bytes before entry 1.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import groupby
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction

GENESIS = bytes(32)
# Arbitrary constant naming the PostgreSQL advisory lock that serialises appends.
_PG_APPEND_LOCK = 0x6863_6175_6474  # "hcaudt"


@dataclass(frozen=True)
class Head:
    seq: int
    hash: bytes


def encode(*, subjects: Iterable[str], fields: dict[str, Any]) -> bytes:
    ids = sorted(set(subjects))
    for pid in ids:
        if not pid or "," in pid or "\n" in pid:
            raise ValueError(f"Participant id {pid!r} cannot be named in the audit log.")
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return ",".join(ids).encode("ascii") + b"\n" + text.encode("utf-8")


def decode(body: bytes | memoryview) -> tuple[list[str], dict[str, Any]]:
    subjects, _, text = bytes(body).partition(b"\n")
    ids = subjects.decode("ascii").split(",") if subjects else []
    fields: dict[str, Any] = json.loads(text)
    return ids, fields


def append(
    *,
    actor: str,
    role: str,
    action: str,
    purpose: str,
    outcome: str,
    subjects: Iterable[str] = (),
    detail: str = "",
    site: str = "",
) -> Head:
    """Append one entry inside the caller's transaction; the head file follows on commit."""
    if not connection.in_atomic_block:
        raise RuntimeError("Audit entries are written inside the transaction of what they record.")
    subject_ids = sorted(set(subjects))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Two writers must never read the same head: serialise appends.
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_APPEND_LOCK])
        # On SQLite every write transaction is BEGIN IMMEDIATE (see settings), which
        # already serialises writers.
        cursor.execute("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1")
        row = cursor.fetchone()
        last_seq, last_hash = (row[0], bytes(row[1])) if row else (0, GENESIS)
        seq = last_seq + 1
        body = encode(
            subjects=subject_ids,
            fields={
                "v": 1,
                "seq": seq,
                "at": datetime.now(UTC).isoformat(timespec="microseconds"),
                "actor": actor,
                "role": role,
                "site": site,
                "action": action,
                "purpose": purpose,
                "outcome": outcome,
                "detail": detail,
            },
        )
        digest = hashlib.sha256(last_hash + body).digest()
        cursor.execute(
            "INSERT INTO audit_entry (seq, prev_hash, hash, body) VALUES (%s, %s, %s, %s)",
            [seq, last_hash, digest, body],
        )
        if subject_ids:
            cursor.executemany(
                "INSERT INTO audit_subject (seq, participant_id) VALUES (%s, %s)",
                [(seq, pid) for pid in subject_ids],
            )
    head = Head(seq=seq, hash=digest)
    transaction.on_commit(lambda: write_head_file(head))
    return head


def head_file() -> Path:
    return Path(settings.AUDIT_HEAD_FILE)


def read_head_file(path: Path | None = None) -> Head | None:
    path = path or head_file()
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    try:
        seq_text, hash_text = text.split()
        return Head(seq=int(seq_text), hash=bytes.fromhex(hash_text))
    except ValueError:
        raise AuditHeadFileError(
            f"The audit head file {path} is not 'SEQUENCE HASH'; it may have been tampered with."
        ) from None


class AuditHeadFileError(Exception):
    pass


def write_head_file(head: Head) -> None:
    """Record the newest head outside the database; never move it backwards."""
    path = head_file()
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    with os.fdopen(fd, "r+", encoding="ascii") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        current = handle.read().split()
        if current and current[0].isdigit() and int(current[0]) >= head.seq:
            return
        handle.seek(0)
        handle.truncate()
        handle.write(f"{head.seq} {head.hash.hex()}\n")


@dataclass(frozen=True)
class Verification:
    entries: int
    first_bad_seq: int | None = None
    problem: str = ""
    warning: str = ""

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def _subject_index() -> Iterator[tuple[int, bytes]]:
    """(seq, comma-joined subjects) from the index, in seq order."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, participant_id FROM audit_subject ORDER BY seq, participant_id")
        for seq, rows in groupby(cursor, key=lambda row: row[0]):
            yield seq, ",".join(pid for _, pid in rows).encode("ascii")


def verify(  # noqa: PLR0912 - one flat list of the ways a log can be wrong
    *, head: Head | None = None, check_head_file: bool = True
) -> Verification:
    """Recompute the chain from the stored bytes; name the first entry that does not fit."""
    if check_head_file and head is None:
        head = read_head_file()
    index = _subject_index()
    next_indexed = next(index, None)
    expected = 1
    prev = GENESIS
    hash_at_head: bytes | None = None
    sha256 = hashlib.sha256
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, prev_hash, hash, body FROM audit_entry ORDER BY seq")
        for seq, prev_hash, stored, stored_body in cursor:
            if seq != expected:
                what = "is missing" if seq > expected else "is out of order"
                return Verification(expected - 1, expected, f"entry {expected} {what}")
            body = bytes(stored_body)
            stored_hash = bytes(stored)
            if bytes(prev_hash) != prev or sha256(prev + body).digest() != stored_hash:
                return Verification(
                    expected - 1, seq, f"entry {seq} was altered, inserted or moved"
                )
            subjects = body[: body.index(b"\n")]
            if next_indexed is not None and next_indexed[0] == seq:
                indexed = next_indexed[1]
                next_indexed = next(index, None)
            else:
                indexed = b""
            if indexed != subjects:
                return Verification(
                    expected - 1, seq, f"the participants indexed for entry {seq} were changed"
                )
            if head is not None and seq == head.seq:
                hash_at_head = stored_hash
            prev = stored_hash
            expected += 1
    count = expected - 1
    if next_indexed is not None:
        return Verification(
            count, next_indexed[0], f"the index names entry {next_indexed[0]}, which is not there"
        )
    if head is not None:
        if count < head.seq:
            return Verification(
                count,
                count + 1,
                f"entries {count + 1} to {head.seq} are missing: the log was cut short "
                f"(the head kept outside the database is at entry {head.seq})",
            )
        if hash_at_head != head.hash:
            return Verification(
                count,
                head.seq,
                f"entry {head.seq} does not match the head kept outside the database",
            )
    elif check_head_file and count:
        return Verification(
            count,
            warning=f"No head file at {head_file()}: a log cut short could not be detected.",
        )
    return Verification(count)
