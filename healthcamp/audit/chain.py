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
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from healthcamp.audit import scan, signing

log = logging.getLogger(__name__)

GENESIS = bytes(32)


@dataclass(frozen=True)
class Head:
    seq: int
    hash: bytes
    # The hash before this entry: lets the head file check that a new head continues
    # the one it holds without reading the database (None: unknown, check by reading).
    prev: bytes | None = None


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


def _body_parts(subject_ids: list[str], fields: dict[str, Any]) -> tuple[bytes, bytes]:
    """Split the canonical bytes around the sequence number, which the database may assign.

    Keys are sorted, so '"seq":' is followed by '"site"'; a JSON string value cannot
    contain an unescaped quote, so the marker occurs exactly once.
    """
    body = encode(subjects=subject_ids, fields={**fields, "seq": 0})
    before, marker, after = body.partition(b'"seq":0,')
    if not marker:
        raise ValueError("The audit entry fields must include 'site' after 'seq'.")
    return before + b'"seq":', b"," + after


@dataclass(frozen=True)
class Entry:
    """An entry about to be appended: its canonical bytes split around its sequence number,
    and a MAC of them under a key kept outside the database, so that no one who can only
    write to the database can add an entry the application did not write."""

    subjects: list[str]
    pre: bytes
    post: bytes
    mac: bytes

    def body(self, seq: int) -> bytes:
        return self.pre + str(seq).encode("ascii") + self.post


def entry(
    *,
    actor: str,
    role: str,
    action: str,
    purpose: str,
    outcome: str,
    subjects: Iterable[str] = (),
    detail: str = "",
    site: str = "",
) -> Entry:
    subject_ids = sorted(set(subjects))
    fields = {
        "v": 1,
        "at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "actor": actor,
        "role": role,
        "site": site,
        "action": action,
        "purpose": purpose,
        "outcome": outcome,
        "detail": detail,
    }
    pre, post = _body_parts(subject_ids, fields)
    return Entry(subject_ids, pre, post, signing.entry_mac(pre=pre, post=post))


def pg_append_sql(target_sql: str | None = None) -> str:
    """PostgreSQL: one statement that appends an entry, optionally while reading a target.

    The head row is locked and the next hash computed in the database; a concurrent
    appender waits on the row lock and then re-reads the new head (READ COMMITTED
    re-evaluates an updated row), so seq stays gap-free and fork-free. With a target
    query, the entry is written only if the target has rows, in the same statement
    and so the same transaction as the read; the target's columns are returned with
    audit_seq and audit_hash. Parameters: the target's, then pg_append_params().
    """
    target = f"target AS ({target_sql}),\n" if target_sql else ""
    condition = "AND EXISTS (SELECT 1 FROM target)" if target_sql else ""
    result = (
        "SELECT target.*, entry.seq AS audit_seq, entry.hash AS audit_hash, "
        "entry.prev_hash AS audit_prev FROM target LEFT JOIN entry ON TRUE"
        if target_sql
        else "SELECT seq, hash, prev_hash FROM entry"
    )
    # Only fixed text and the ORM's own compiled query are spliced in; values are parameters.
    return f"""
WITH {target}parts AS (SELECT %s::bytea AS pre, %s::bytea AS post, %s::bytea AS mac),
head AS (
    UPDATE audit_head
    SET seq = seq + 1,
        prev = hash,
        hash = sha256(hash || parts.pre || convert_to((seq + 1)::text, 'UTF8') || parts.post)
    FROM parts
    WHERE id = 1 {condition}
    RETURNING seq, prev, hash, parts.pre, parts.post, parts.mac
), entry AS (
    INSERT INTO audit_entry (seq, prev_hash, hash, body, mac)
    SELECT seq, prev, hash, pre || convert_to(seq::text, 'UTF8') || post, mac FROM head
    RETURNING seq, hash, prev_hash
), subjects AS (
    INSERT INTO audit_subject (seq, participant_id)
    SELECT entry.seq, s FROM entry, unnest(%s::uuid[]) AS s
)
{result}
"""  # noqa: S608


def pg_append_params(new: Entry) -> list[Any]:
    return [new.pre, new.post, new.mac, new.subjects]


def pg_start_head() -> None:
    """Create the head row of a new (or flushed) PostgreSQL database, from its last entry."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO audit_head (id, seq, prev, hash)
            SELECT 1, COALESCE(MAX(seq), 0), %s,
                   COALESCE((SELECT hash FROM audit_entry ORDER BY seq DESC LIMIT 1), %s)
            FROM audit_entry
            ON CONFLICT (id) DO NOTHING
            """,
            [GENESIS, GENESIS],
        )


_PG_APPEND = pg_append_sql()


def appended(head: Head) -> Head:
    """Mirror a new head to the head file once its transaction has committed, and sign a
    checkpoint of the tree when one is due."""
    from healthcamp.audit import tree

    def after_commit() -> None:
        write_head_file(head)
        tree.maybe_issue(head.seq)

    transaction.on_commit(after_commit)
    return head


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
    new = entry(
        actor=actor,
        role=role,
        action=action,
        purpose=purpose,
        outcome=outcome,
        subjects=subjects,
        detail=detail,
        site=site,
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_PG_APPEND, pg_append_params(new))
            row = cursor.fetchone()
            if row is None:  # no head row yet (new or flushed database): start it, once
                pg_start_head()
                cursor.execute(_PG_APPEND, pg_append_params(new))
                row = cursor.fetchone()
            seq, digest, prev = row[0], bytes(row[1]), bytes(row[2])
        else:
            # Every SQLite write transaction is BEGIN IMMEDIATE (see settings): writers
            # are already serialised, so reading the newest entry is safe.
            cursor.execute("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1")
            row = cursor.fetchone()
            last_seq, last_hash = (row[0], bytes(row[1])) if row else (0, GENESIS)
            seq = last_seq + 1
            body = new.body(seq)
            digest = hashlib.sha256(last_hash + body).digest()
            prev = last_hash
            cursor.execute(
                "INSERT INTO audit_entry (seq, prev_hash, hash, body, mac) "
                "VALUES (%s, %s, %s, %s, %s)",
                [seq, last_hash, digest, body, new.mac],
            )
            if len(new.subjects) == 1:  # the common case: one statement, not a batch
                cursor.execute(
                    "INSERT INTO audit_subject (seq, participant_id) VALUES (%s, %s)",
                    [seq, new.subjects[0]],
                )
            elif new.subjects:
                cursor.executemany(
                    "INSERT INTO audit_subject (seq, participant_id) VALUES (%s, %s)",
                    [(seq, pid) for pid in new.subjects],
                )
    return appended(Head(seq=seq, hash=digest, prev=prev))


def head_file() -> Path:
    return Path(settings.AUDIT_HEAD_FILE)


def read_head_file(path: Path | None = None) -> Head | None:
    path = path or head_file()
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        reason = "is not ASCII text" if isinstance(error, UnicodeDecodeError) else str(error)
        raise AuditHeadFileError(
            f"The audit head file {path} cannot be read ({reason}); it may have been tampered with."
        ) from None
    try:
        seq_text, hash_text = text.split()
        return Head(seq=int(seq_text), hash=bytes.fromhex(hash_text))
    except ValueError:
        raise AuditHeadFileError(
            f"The audit head file {path} is not 'SEQUENCE HASH'; it may have been tampered with."
        ) from None


class AuditHeadFileError(Exception):
    pass


# One open descriptor per process and path; reopened when the file is replaced or removed.
_head_fds: dict[tuple[int, Path], tuple[int, int, int]] = {}
_HEAD_RECORD = "{seq:020d} {hash}\n"  # fixed width: rewritten in place, never truncated


def _head_fd(path: Path) -> int:
    key = (os.getpid(), path)
    cached = _head_fds.get(key)
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        stat = None
    if cached and stat and (stat.st_dev, stat.st_ino) == cached[1:]:
        return cached[0]
    if cached:
        os.close(cached[0])
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    stat = os.fstat(fd)
    _head_fds[key] = (fd, stat.st_dev, stat.st_ino)
    return fd


def write_head_file(head: Head) -> None:
    """Record the newest head outside the database; never move it backwards, and never
    past a history that does not continue the one it holds: an entry rewritten in the
    database (and the hashes after it recomputed) keeps the file where it was, so
    `audit verify` goes on failing instead of healing with the next request."""
    fd = _head_fd(head_file())
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        current = os.pread(fd, 128, 0).split()
        if current and current[0].isdigit():
            held = int(current[0])
            if held >= head.seq:
                return
            if not _continues(held, current[1:2], head):
                log.error(
                    "The audit log no longer continues entry %s recorded in %s: the head "
                    "file is left there as evidence; run `healthcamp audit verify`.",
                    held,
                    head_file(),
                )
                return
        os.pwrite(fd, _HEAD_RECORD.format(seq=head.seq, hash=head.hash.hex()).encode("ascii"), 0)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _continues(held: int, held_hash: list[bytes], head: Head) -> bool:
    """Whether the database still holds the entry the head file names, unchanged."""
    if not held_hash:
        return False
    try:
        expected = bytes.fromhex(held_hash[0].decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return False
    if held == head.seq - 1 and head.prev is not None:
        return head.prev == expected  # the common case: no read needed
    if held == 0:
        return True
    return _hash_at(held) == expected


def replace_head_file(head: Head) -> None:
    """Point the head file at this head, even backwards: only after a restore."""
    path = head_file()
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(_HEAD_RECORD.format(seq=head.seq, hash=head.hash.hex()))
    partial.replace(path)


def database_head() -> Head | None:
    """The newest entry in the database (not the head file's view of it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1")
        row = cursor.fetchone()
    return Head(row[0], bytes(row[1])) if row else None


@dataclass(frozen=True)
class Verification:
    entries: int
    first_bad_seq: int | None = None
    problem: str = ""
    warning: str = ""
    new: int = 0  # entries checked by this run (all of them, unless incremental)
    parallel: bool = False  # the signed part was hashed by worker processes

    @property
    def ok(self) -> bool:
        return self.first_bad_seq is None


def _database_head() -> Head | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, hash FROM audit_head WHERE id = 1")
        row = cursor.fetchone()
    return Head(row[0], bytes(row[1])) if row else None


def _stored_as_bytes(*columns: object) -> bool:
    # A column rewritten as text (SQLite keeps what it is given) is tampering, not a crash.
    return all(isinstance(c, (bytes, memoryview)) for c in columns)


def _scan_chain(
    subjects: scan.Subjects | scan.SubjectLines | None,
    roots: dict[int, bytes] | None = None,
    start: scan.Progress | None = None,
) -> tuple[scan.Progress, Verification | None]:
    """The exact per-entry loop, from `start` to the end: stored bytes in, chain hashes and
    MACs compared, the Merkle root checked at each signed size; (progress, failure).

    With `subjects` (the participant index streamed in order), each entry's subject line
    must match it, and every indexed seq must be an entry that names those subjects.
    """
    sha256 = hashlib.sha256
    start = start or scan.Progress()
    expected = start.size + 1
    prev = start.last_hash
    mac_ok = signing.mac_check()
    # The Merkle tree, as a stack of perfect subtrees (a binary counter): its root is
    # checked at each size a signed checkpoint names.
    roots = roots or {}
    stack = list(start.stack)
    leaf_prefix, node_prefix = b"\x00", b"\x01"

    def stop(seq: int, problem: str, done: int | None = None) -> tuple[scan.Progress, Verification]:
        count = expected - 1 if done is None else done
        return scan.Progress(count, prev, stack), Verification(count, seq, problem)

    sql = (
        "SELECT seq, prev_hash, hash, body, mac FROM audit_entry "  # noqa: S608 - ints only
        f"WHERE seq > {int(start.size)} ORDER BY seq"
    )
    with scan.rows(sql, name="audit_verify_exact") as cursor:
        for seq, prev_hash, stored, body, mac in cursor:
            if not _stored_as_bytes(body, mac):
                return stop(seq, f"entry {seq} is not stored as bytes: it was rewritten")
            if seq != expected or prev_hash != prev or sha256(prev + body).digest() != stored:
                if seq != expected:
                    what = "is missing" if seq > expected else "is out of order"
                    return stop(expected, f"entry {expected} {what}")
                return stop(seq, f"entry {seq} was altered, inserted or moved")
            if not mac_ok(bytes(body), seq, bytes(mac)):
                return stop(
                    seq, f"entry {seq} was not written by healthcamp (its MAC does not match)"
                )
            if subjects is not None and subjects.take(seq) != body[: body.index(b"\n")]:
                return stop(seq, f"the participants indexed for entry {seq} were changed")
            prev = bytes(stored)
            level, digest = 0, sha256(leaf_prefix + body).digest()
            while stack and stack[-1][0] == level:
                digest = sha256(node_prefix + stack.pop()[1] + digest).digest()
                level += 1
            stack.append((level, digest))
            if roots:
                want = roots.get(seq)
                if want is not None and scan.fold(stack) != want:
                    return stop(
                        seq,
                        f"the first {seq} entries no longer hash to the root of the signed "
                        "checkpoint at that size: history was rewritten",
                        done=seq,
                    )
            expected += 1
    orphan = subjects.rest() if subjects is not None else None
    if orphan is not None:
        return stop(orphan, f"the participant index names entry {orphan}, which is not there")
    return scan.Progress(expected - 1, prev, stack), None


def _opened_checkpoints(sizes: Any) -> tuple[dict[int, bytes], str]:
    """The roots the stored checkpoints of `sizes` (a queryset) name, each signature
    checked: (roots by size, a problem)."""
    from healthcamp.audit import note, tree

    verifier = tree.signer().verifier
    roots: dict[int, bytes] = {}
    for size, text in sizes.values_list("size", "note"):
        try:
            checkpoint, _ = note.open_checkpoint(note=text, verifier=verifier)
        except note.NoteError:
            return {}, f"the checkpoint at {size} in the database is not signed by this log"
        if checkpoint.size != size:
            return {}, f"the checkpoint stored at {size} names size {checkpoint.size}"
        roots[size] = checkpoint.root
    return roots, ""


def _signed_roots(*, check_file: bool, after: int = 0) -> tuple[dict[int, bytes], Any, str]:
    """The roots the signed checkpoints name (the database's and the one kept outside it),
    each signature checked: (roots by size, the outside checkpoint, a problem). An
    incremental run (`after`, the size it resumes from) opens only the newer checkpoints,
    and the one the file outside names; the old ones come round in the scrub slices, so
    its cost follows the new entries, not the log's length."""
    from django.db.models import Q

    from healthcamp.audit import note, tree
    from healthcamp.audit.models import AuditCheckpoint

    outside = None
    if check_file:
        try:
            outside = tree.read_checkpoint_file()
        except note.NoteError as error:
            return {}, None, str(error)
        if outside is None and AuditCheckpoint.objects.exists():
            return (
                {},
                None,
                (
                    f"the checkpoint file {tree.checkpoint_file()} is missing: restore it from a "
                    "copy, or compare with a published checkpoint"
                ),
            )
    wanted = Q(size__gt=after)
    if outside is not None:
        wanted |= Q(size=outside.size)
    roots, problem = _opened_checkpoints(AuditCheckpoint.objects.filter(wanted))
    if problem:
        return {}, None, problem
    if outside is not None:
        if roots.get(outside.size, outside.root) != outside.root:
            return (
                {},
                None,
                (
                    f"the database's checkpoint at {outside.size} differs from the one kept "
                    "outside it: the log forked"
                ),
            )
        roots[outside.size] = outside.root
    return roots, outside, ""


def _hash_at(seq: int) -> bytes | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM audit_entry WHERE seq = %s", [seq])
        row = cursor.fetchone()
    return bytes(row[0]) if row else None


def verify(
    *,
    head: Head | None = None,
    check_head_file: bool = True,
    check_index: bool = True,
    incremental: bool = False,
    remember: bool = False,
) -> Verification:
    """Recompute the log from the stored bytes; name the first entry that does not fit.

    check_index also proves the per-participant index (what each person's own log
    view reads) agrees with the hashed bytes. incremental starts where the last
    remembered verification stopped (`verified_state`), after checking that the log
    still continues it; remember saves where this one stopped.
    """
    from healthcamp.audit import verified_state

    if check_head_file and head is None:
        head = read_head_file()
    start, failure = _resume() if incremental else (scan.Progress(), None)
    if failure is not None:
        return failure
    roots, outside, problem = _signed_roots(check_file=check_head_file, after=start.size)
    if problem:
        return Verification(0, 1, problem)
    ahead = _in_parallel(start, roots, check_index=check_index)
    with _reading():
        progress, failure = _scan(start, roots, check_index=check_index, ahead=ahead)
        scrub_next, scrubbed = _scrub(start, progress.size) if failure is None else (1, None)
    if (failure := failure or scrubbed) is not None:
        return failure
    count, last_hash = progress.size, progress.last_hash
    if outside is not None and count < outside.size:
        return Verification(
            count,
            count + 1,
            f"entries {count + 1} to {outside.size} are missing: the log was cut short below "
            "the signed checkpoint kept outside the database",
        )
    from healthcamp.audit import witness

    # A history a witness cosigned must still be the log's. A full scan has checked each
    # checkpoint's root against the entries; an incremental one has not seen the old
    # entries, so cosigned roots are also compared with the stored tiles.
    if problem := witness.cosigned_history_problems(entries=count, against_tiles=start.size > 0):
        return Verification(count, count + 1, problem)
    db_head = _database_head()
    if db_head is not None and (db_head.seq, db_head.hash) != (count, last_hash):
        first = min(db_head.seq, count) + 1 if db_head.seq != count else count
        return Verification(
            count,
            first,
            f"the database's head row is at entry {db_head.seq} but the log holds {count} "
            "entries: entries were removed or added outside the audit layer",
        )
    if head is not None:
        if count < head.seq:
            return Verification(
                count,
                count + 1,
                f"entries {count + 1} to {head.seq} are missing: the log was cut short "
                f"(the head kept outside the database is at entry {head.seq})",
            )
        if _hash_at(head.seq) != head.hash:
            return Verification(
                count,
                head.seq,
                f"entry {head.seq} does not match the head kept outside the database",
            )
    elif check_head_file and count:
        return Verification(
            count,
            count,
            f"the head file {head_file()} is missing: a log cut short could not be detected "
            "(restore it from a copy, or compare with a published checkpoint)",
        )
    if remember:
        progress.scrub = scrub_next
        verified_state.save(progress)
    return Verification(count, new=count - start.size, parallel=isinstance(ahead, scan.Progress))


def _resume() -> tuple[scan.Progress, Verification | None]:
    """Where the last remembered verification stopped, once the log is shown to continue
    it: (start, failure)."""
    from healthcamp.audit import verified_state

    try:
        saved = verified_state.load()
    except verified_state.StateError as error:
        return scan.Progress(), Verification(0, 1, str(error))
    if saved is None:
        return scan.Progress(), None
    if problem := _continues_verified(saved):
        return saved, Verification(0, saved.size, problem)
    return saved, None


def _scrub(start: scan.Progress, count: int) -> tuple[int, Verification | None]:
    """After an incremental scan: re-check a slice of the old entries, as many as were new
    (at least AUDIT_VERIFY_SCRUB), continuing where the last slice stopped; so the cost
    stays proportional to what was added, and every old entry comes round again."""
    if not start.size:
        return 1, None
    from healthcamp.audit.models import AuditCheckpoint

    limit = max(int(settings.AUDIT_VERIFY_SCRUB), count - start.size)
    scrub_next, bad, problem = scan.scrub(start=start.scrub, verified=start.size, limit=limit)
    if bad:
        return 1, Verification(bad - 1, bad, problem)
    # The old checkpoints the slice spans were not opened this run: open them now.
    first, last = scan.scrub_slice(start=start.scrub, verified=start.size, limit=limit)
    spanned = AuditCheckpoint.objects.filter(size__gte=first, size__lte=last)
    if problem := _opened_checkpoints(spanned)[1]:
        return 1, Verification(0, 1, problem)
    return scrub_next, None


def _reading() -> Any:
    """One snapshot for the whole scan on PostgreSQL (its streaming cursors need a
    transaction); SQLite's reads need none."""
    import contextlib

    if connection.vendor == "postgresql":
        return transaction.atomic()
    return contextlib.nullcontext()


def _in_parallel(
    start: scan.Progress, roots: dict[int, bytes], *, check_index: bool
) -> scan.Progress | bool:
    """The covered part of a full verification over worker processes, when it is worth it
    and safe: from the start of the log, outside any transaction (the connection is
    closed before the fork), on PostgreSQL or an SQLite file. The progress it reached,
    False if it found something wrong, True if it did not run."""
    covered_upto = max(roots, default=0)
    workers = min(os.cpu_count() or 1, int(settings.AUDIT_VERIFY_WORKERS))
    sqlite_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()  # type: ignore[attr-defined]
    if (
        start.size
        or workers < 2
        or covered_upto < settings.AUDIT_VERIFY_PARALLEL_FROM
        or connection.in_atomic_block
        or sqlite_memory
    ):
        return True
    reached = scan.covered_in_parallel(
        upto=covered_upto, roots=roots, check_index=check_index, workers=workers
    )
    return reached if reached is not None else False


def _scan(
    start: scan.Progress,
    roots: dict[int, bytes],
    *,
    check_index: bool,
    ahead: scan.Progress | bool = True,
) -> tuple[scan.Progress, Verification | None]:
    """The part signed checkpoints cover in fast blocks (or `ahead`, what the parallel
    pass reached), the rest entry by entry. If a fast pass finds anything wrong, the
    exact scan runs over everything from `start`, so the failure names its entry."""

    def subjects(after: int, name: str, *, lines: bool) -> Any:
        if not check_index:
            import contextlib

            return contextlib.nullcontext(None)
        sql = scan.subject_lines_sql if lines else scan.subject_sql
        return scan.rows(sql(after=after), name=name)

    if ahead is not False:
        resume = ahead if isinstance(ahead, scan.Progress) else start
        covered_upto = max((size for size in roots if size > resume.size), default=resume.size)
        fast = scan.covered(resume, upto=covered_upto, roots=roots, check_index=check_index)
        if fast is not None:
            with subjects(fast.size, "audit_verify_subjects", lines=True) as cursor:
                stream = scan.SubjectLines(cursor) if cursor is not None else None
                done, failure = _scan_chain(stream, roots, fast)
            if failure is None:
                return done, None
            start = fast  # the tail again, exactly; the covered part is proven
    # The exact scan reads the index row by row, so what it says does not depend on how
    # the database joined the index above.
    with subjects(start.size, "audit_verify_subjects_exact", lines=False) as cursor:
        return _scan_chain(scan.Subjects(cursor) if cursor is not None else None, roots, start)


def _continues_verified(saved: scan.Progress) -> str:
    """ "" if the log still holds the verified prefix as remembered, else why not."""
    from healthcamp.audit import merkle, tree

    redo = "run `healthcamp audit verify --full` to find where"
    if saved.size == 0:
        return ""
    held = _hash_at(saved.size)
    if held is None:
        return (
            f"the log no longer holds entry {saved.size}, which the last verification "
            f"checked: it was cut short ({redo})"
        )
    if held != saved.last_hash:
        return (
            f"entry {saved.size} is not the one the last verification checked: the history "
            f"before it was rewritten ({redo})"
        )
    if tree.stored_size() >= saved.size:
        try:
            stored_root = merkle.root(size=saved.size, reader=tree.reader())
        except LookupError:
            stored_root = b""
        if stored_root != saved.root():
            return (
                f"the stored Merkle tree of the first {saved.size} entries is not the one "
                f"the last verification computed ({redo})"
            )
    return ""
