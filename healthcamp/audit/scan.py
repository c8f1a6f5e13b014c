"""Reading the stored log for `audit verify`: streams, and the fast pass over the part of
the log that signed checkpoints cover.

Entries a signed checkpoint covers need no chain hash and no MAC of their own: the
checkpoint's root already commits to their exact bytes, and recomputing that root
proves them. So that part is checked in blocks of 4,096 aligned leaves — links compared
as lists, leaves and nodes hashed in comprehensions, the participant index in one query
a block — and only the tail after the newest checkpoint goes through the per-entry loop
(chain hash, MAC). The fast pass says only *whether* its part is intact; when it is
not, the caller reruns the exact per-entry scan, which names the first entry that does
not fit.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from django.db import connection

GENESIS = bytes(32)
BLOCK_LEVEL = 12
BLOCK = 1 << BLOCK_LEVEL  # leaves a block: a perfect subtree, so blocks join as one node
FETCH = 4096
_ONE_ID = re.compile("[0-9a-f]{32}")
_OFFSETS = [b"%d," % i for i in range(BLOCK)]  # a block's entries by place, as the index joins them


@dataclass
class Progress:
    """Where a scan stands: `size` entries checked, the stored chain hash of the last one,
    and the Merkle tree of those entries as its perfect subtrees, largest first."""

    size: int = 0
    last_hash: bytes = GENESIS
    stack: list[tuple[int, bytes]] = field(default_factory=list)
    scrub: int = 1  # where the next incremental run re-checks old entries (see `scrub`)

    def root(self) -> bytes:
        return fold(self.stack) if self.stack else hashlib.sha256(b"").digest()


def fold(stack: list[tuple[int, bytes]]) -> bytes:
    digest = stack[-1][1]
    for _, left in reversed(stack[:-1]):
        digest = hashlib.sha256(b"\x01" + left + digest).digest()
    return digest


def push(stack: list[tuple[int, bytes]], level: int, digest: bytes) -> None:
    """Add a perfect subtree on the right, joining equal neighbours (a binary counter)."""
    while stack and stack[-1][0] == level:
        digest = hashlib.sha256(b"\x01" + stack.pop()[1] + digest).digest()
        level += 1
    stack.append((level, digest))


@contextlib.contextmanager
def rows(sql: str, *, name: str) -> Iterator[Any]:
    """A driver cursor over `sql` that streams: a server-side cursor on PostgreSQL (the
    caller holds a transaction), SQLite's own lazy cursor otherwise. Memory stays flat
    however long the log is. `sql` takes no parameters (callers format integers in).
    PostgreSQL sends the rows in binary: bytea as its bytes rather than as hex text to
    decode, which halves what reading the log costs."""
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        cursor = raw.cursor(name=name, binary=True)
        cursor.itersize = FETCH
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(sql)
        yield cursor
    finally:
        cursor.close()


class Subjects:
    """The participant index streamed in entry order, for matching against each entry's
    subject line (the bytes before its first newline) without holding it in memory."""

    def __init__(self, cursor: Any) -> None:
        self._rows = iter(cursor)
        self._next = next(self._rows, None)
        self.orphan: int | None = None  # an indexed seq that no entry has

    def take(self, seq: int) -> bytes:
        ids: list[str] = []
        while self._next is not None and self._next[0] <= seq:
            at, value = self._next
            if at < seq and self.orphan is None:
                self.orphan = at
            elif at == seq:
                # One id per row (a row "id,id" would join to the same line); SQLite
                # keeps whatever text it is given, PostgreSQL's uuid column cannot.
                text = value if isinstance(value, str) else value.hex
                ids.append(text if _ONE_ID.fullmatch(text) else "\x00")
            self._next = next(self._rows, None)
        ids.sort()
        return ",".join(ids).encode("ascii")

    def rest(self) -> int | None:
        """The first indexed seq after the last entry taken, if any (also an orphan)."""
        if self.orphan is None and self._next is not None:
            self.orphan = self._next[0]
        return self.orphan


class SubjectLines:
    """The participant index as one line per entry ("id,id,..." as bytes, with how many
    rows it joins), grouped and sorted by the database along the (seq, participant)
    index, for the tail after the newest checkpoint. Same `take`/`rest` as Subjects; a
    line that does not match sends the caller to the exact scan, which reads the index
    row by row (so a database that groups in another order is slow, never wrong)."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor
        self._next = cursor.fetchone()
        self.orphan: int | None = None

    def take(self, seq: int) -> bytes:
        line = b""
        while self._next is not None and self._next[0] <= seq:
            at, joined, count = self._next
            if at < seq:
                if self.orphan is None:
                    self.orphan = at
            else:
                line = bytes(joined)
                # One id per row: a row holding "id,id" would join to the same line.
                if line.count(b",") + 1 != count:
                    line = b"\x00"
            self._next = self._cursor.fetchone()
        return line

    def rest(self) -> int | None:
        if self.orphan is None and self._next is not None:
            self.orphan = self._next[0]
        return self.orphan


def subject_lines_sql(*, after: int, upto: int | None = None) -> str:
    """Each indexed entry's participants as one line of bytes, in seq order, with how many
    rows it joins (see SubjectLines). The rows are read along the (seq, participant)
    index and joined in that order: PostgreSQL's documented way to order an aggregate's
    input from a sorted subquery, which (unlike an ORDER BY inside the aggregate, up to
    PostgreSQL 15) sorts no group again; SQLite's group_concat follows its covering
    index. A database that joins in another order sends the run to the exact scan."""
    bound = f" AND seq <= {int(upto)}" if upto is not None else ""
    where = f"WHERE seq > {int(after)}{bound}"
    if connection.vendor == "postgresql":
        return (
            "SELECT seq, convert_to(string_agg(encode(uuid_send(participant_id), 'hex'), ','),"  # noqa: S608 - ints only
            " 'UTF8'), count(*) FROM (SELECT seq, participant_id FROM audit_subject "
            f"{where} ORDER BY seq, participant_id) AS named GROUP BY seq ORDER BY seq"
        )
    return (
        "SELECT seq, CAST(group_concat(participant_id, ',') AS BLOB), count(*) "  # noqa: S608 - ints only
        f"FROM audit_subject {where} GROUP BY seq ORDER BY seq"
    )


def block_index_sql(*, first: int, last: int) -> str:
    """One row for the index of entries first..last, in (seq, participant) order: every
    participant joined by commas (on PostgreSQL, their 16 bytes joined), the seq of each
    (less `first`) joined by commas, and how many rows there are. The fast pass builds
    both strings from the bodies with a few joins, so neither side does work per entry
    that the database could do per block."""
    where = f"WHERE seq >= {int(first)} AND seq <= {int(last)}"
    if connection.vendor == "postgresql":  # the ids as their 16 bytes: hex costs more here
        return (
            "SELECT string_agg(uuid_send(participant_id), ''),"  # noqa: S608 - ints only
            f" convert_to(string_agg((seq - {int(first)})::text, ','), 'UTF8'), count(*) FROM"
            f" (SELECT seq, participant_id FROM audit_subject {where} ORDER BY seq, participant_id)"
            " AS named"
        )
    return (
        "SELECT CAST(group_concat(participant_id, ',') AS BLOB), CAST(group_concat(seq - "  # noqa: S608 - ints only
        f"{int(first)}, ',') AS BLOB), count(*) FROM audit_subject {where}"
    )


def subject_sql(*, after: int, upto: int | None = None) -> str:
    bound = f" AND seq <= {int(upto)}" if upto is not None else ""
    return (
        f"SELECT seq, participant_id FROM audit_subject WHERE seq > {int(after)}{bound} "  # noqa: S608
        "ORDER BY seq"
    )


def _levels(leaves: list[bytes]) -> list[list[bytes]]:
    """levels[k][i]: the root of leaves i*2^k .. (i+1)*2^k - 1, every complete one."""
    sha256 = hashlib.sha256
    levels = [leaves]
    current = leaves
    while len(current) > 1:
        current = [
            sha256(b"\x01" + current[i] + current[i + 1]).digest()
            for i in range(0, len(current) - 1, 2)
        ]
        levels.append(current)
    return levels


def _prefix(levels: list[list[bytes]], count: int) -> list[tuple[int, bytes]]:
    """The perfect subtrees covering the first `count` leaves of a block, largest first."""
    out, offset = [], 0
    for level in range(len(levels) - 1, -1, -1):
        if count >> level & 1:
            out.append((level, levels[level][offset >> level]))
            offset += 1 << level
    return out


def _indexed_as_written(index: Any, seqs: tuple[int, ...], bodies: tuple[Any, ...]) -> bool:
    """Whether the index of a block of entries holds exactly the participants their bodies
    name (each body's subject line): one query, and a few joins on this side. Raises
    _Broken for a body that is not the bytes healthcamp writes (text, no subject line)."""
    try:
        lines = [body[: body.index(b"\n")] for body in bodies]
    except (TypeError, ValueError):
        raise _Broken from None
    named = b",".join([line for line in lines if line])
    placed = zip(_OFFSETS[: len(lines)], lines, strict=True)  # a batch is at most a block
    at = b"".join([o * (line.count(b",") + 1) for o, line in placed if line])
    index.execute(block_index_sql(first=seqs[0], last=seqs[-1]))
    joined, joined_at, count = index.fetchone()
    if not named:
        return bool(count == 0)
    if connection.vendor == "postgresql":  # the uuid column's bytes, one id a row by type
        try:
            named_as_stored = bytes.fromhex(named.replace(b",", b"").decode("ascii"))
        except ValueError:
            return False
    else:
        named_as_stored = named
    # Both strings match and each row holds one id (a row "id,id" would join the same).
    return (
        bytes(joined) == named_as_stored
        and bytes(joined_at) + b"," == at
        and count == named.count(b",") + 1
    )


def _grow(
    stack: list[tuple[int, bytes]],
    size: int,
    leaves: list[bytes],
    roots: dict[int, bytes],
    wanted: list[int],
) -> bool:
    """Add leaves after `size` to the tree, checking the signed roots among them: leaf by
    leaf until a block boundary, a block at a time from there."""
    if size % BLOCK:
        for leaf in leaves:
            size += 1
            push(stack, 0, leaf)
            if size in roots and fold(stack) != roots[size]:
                return False
        return True
    levels = _levels(leaves)
    while wanted and wanted[0] <= size + len(leaves):
        at = wanted.pop(0)
        if at > size and fold(stack + _prefix(levels, at - size)) != roots[at]:
            return False
    for level, digest in _prefix(levels, len(leaves)):
        push(stack, level, digest)
    return True


@contextlib.contextmanager
def _index_cursor(wanted: bool) -> Iterator[Any]:
    """A plain driver cursor for the per-block index queries (binary on PostgreSQL, like
    `rows`), or None when the index is not checked."""
    if not wanted:
        yield None
        return
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        import psycopg

        # Django's cursors bind parameters on the client, and such a cursor cannot read
        # binary results; this query takes none, so psycopg's own cursor serves.
        cursor = psycopg.Cursor(raw)
        cursor.format = psycopg.pq.Format.BINARY
    else:
        cursor = raw.cursor()
    try:
        yield cursor
    finally:
        cursor.close()


class _Broken(Exception):
    """Something in the fast pass does not fit; the exact scan will say what."""


def _batches(
    size: int, last: bytes, upto: int, check_index: bool, name: str
) -> Iterator[tuple[int, list[bytes], bytes]]:
    """Entries size+1 .. upto in batches that end on block boundaries, each checked for
    contiguity, links and index: yields (size before the batch, its leaf hashes, the
    stored hash of its last entry)."""
    sha256 = hashlib.sha256
    sql = (
        "SELECT seq, prev_hash, hash, body FROM audit_entry "  # noqa: S608 - ints only
        f"WHERE seq > {int(size)} AND seq <= {int(upto)} ORDER BY seq"
    )
    with rows(sql, name=name) as cursor, _index_cursor(check_index) as index:
        while size < upto:
            # Leaf by leaf up to a block boundary (after a resume), then whole blocks.
            step = (BLOCK - size % BLOCK) if size % BLOCK else BLOCK
            batch = cursor.fetchmany(min(step, upto - size))
            if not batch:
                raise _Broken
            seqs, prevs, hashes, bodies = zip(*batch, strict=True)
            count = len(batch)
            if seqs[0] != size + 1 or seqs[-1] != size + count or prevs[0] != last:
                raise _Broken
            if prevs[1:] != hashes[:-1]:
                raise _Broken
            if index is not None and not _indexed_as_written(index, seqs, bodies):
                raise _Broken
            try:
                leaves = [sha256(b"\x00" + body).digest() for body in bodies]
            except TypeError:  # a body rewritten as text
                raise _Broken from None
            yield size, leaves, hashes[-1]
            size, last = size + count, hashes[-1]
            del batch, seqs, prevs, hashes, bodies, leaves  # one batch in memory at a time


def covered(
    progress: Progress,
    *,
    upto: int,
    roots: dict[int, bytes],
    check_index: bool,
) -> Progress | None:
    """Check entries progress.size+1 .. upto (all under a signed checkpoint) in blocks:
    contiguous, linked, indexed as their bytes say, and hashing to every signed root in
    that range. Returns the progress at `upto`, or None when anything does not fit."""
    size, last, stack = progress.size, progress.last_hash, list(progress.stack)
    wanted = sorted(s for s in roots if size < s <= upto)
    gc_was = gc.isenabled()
    gc.disable()  # millions of short-lived bytes, no cycles: collections only cost time
    try:
        batches = _batches(size, last, upto, check_index, "audit_verify_covered")
        for before, leaves, batch_last in batches:
            if not _grow(stack, before, leaves, roots, wanted):
                return None
            size, last = before + len(leaves), batch_last
    except _Broken:
        return None
    finally:
        if gc_was:
            gc.enable()
    return Progress(size, bytes(last), stack)


@dataclass
class Share:
    """One worker's part of a parallel pass: the block roots of its range and, for each
    signed size inside it, the subtrees of that size's block up to it."""

    first: int
    upto: int
    first_prev: bytes = GENESIS
    last_hash: bytes = GENESIS
    blocks: list[bytes] = field(default_factory=list)
    prefixes: dict[int, list[tuple[int, bytes]]] = field(default_factory=dict)
    broken: bool = False


def _share(job: tuple[int, int, list[int], bool]) -> Share:
    """In a worker process: hash one block-aligned range of the covered log."""
    first, upto, wanted, check_index = job
    share = Share(first, upto)
    connection.close()  # the parent's was closed before the fork: open one of our own
    try:
        with contextlib.ExitStack() as stack:
            if connection.vendor == "postgresql":
                from django.db import transaction

                stack.enter_context(transaction.atomic())
            share.first_prev = _first_prev(first)
            gc.disable()
            batches = _batches(first, share.first_prev, upto, check_index, "audit_share")
            for before, leaves, last in batches:
                levels = _levels(leaves)
                for at in (n for n in wanted if before < n <= before + len(leaves)):
                    share.prefixes[at] = _prefix(levels, at - before)
                if len(leaves) == BLOCK:
                    share.blocks.append(levels[-1][0])
                else:  # the last, partial block of the covered part
                    share.prefixes[upto] = _prefix(levels, len(leaves))
                share.last_hash = bytes(last)
    except _Broken:
        share.broken = True
    finally:
        connection.close()
    return share


def _first_prev(after: int) -> bytes:
    """The stored hash of entry `after` (the link the range's first entry must carry)."""
    if after == 0:
        return GENESIS
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM audit_entry WHERE seq = %s", [after])
        row = cursor.fetchone()
    if row is None:
        raise _Broken
    return bytes(row[0])


def covered_in_parallel(
    *, upto: int, roots: dict[int, bytes], check_index: bool, workers: int
) -> Progress | None:
    """`covered` from the start of the log, split over worker processes: each hashes a
    block-aligned range; this process joins the block roots (one hash per 4,096 entries)
    and checks every signed root. The caller holds no transaction and no cursor (the
    connection is closed before the fork); PostgreSQL or an SQLite file only."""
    import multiprocessing

    from django.db import connections

    blocks = -(-upto // BLOCK)
    cuts = sorted({min(upto, round(blocks * i / workers) * BLOCK) for i in range(workers + 1)})
    wanted = sorted(s for s in roots if 0 < s <= upto)
    jobs = [(a, b, [n for n in wanted if a < n <= b], check_index) for a, b in pairwise(cuts)]
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(len(jobs)) as pool:
        shares = pool.map(_share, jobs, chunksize=1)
    stack: list[tuple[int, bytes]] = []
    last = GENESIS
    for share in shares:
        if share.broken or share.first_prev != last:
            return None
        in_block: dict[int, list[int]] = {}
        for n in share.prefixes:
            in_block.setdefault((n - 1 - share.first) // BLOCK, []).append(n)
        for i in range(len(share.blocks) + 1):
            for n in in_block.get(i, []):  # the tree so far, then this block up to n
                if n in roots and fold(stack + share.prefixes[n]) != roots[n]:
                    return None
            if i < len(share.blocks):
                push(stack, BLOCK_LEVEL, share.blocks[i])
        if upto % BLOCK and share.upto == upto:  # the covered part ends inside a block
            for level, digest in share.prefixes[upto]:
                push(stack, level, digest)
        last = share.last_hash
    return Progress(upto, last, stack)


def scrub_slice(*, start: int, verified: int, limit: int) -> tuple[int, int]:
    """The old entries a scrub re-checks: up to `limit` from `start`, wrapping to 1 after
    `verified` (first, last)."""
    first = start if 1 <= start <= verified else 1
    return first, min(verified, first + limit - 1)


def scrub(*, start: int, verified: int, limit: int) -> tuple[int, int, str]:
    """Re-check up to `limit` already-verified entries from `start` (wrapping to 1 after
    `verified`): each one's chain hash from its stored predecessor and its MAC. An
    incremental run checks the new entries and one such slice, so a body edited in place
    among old entries is found within verified/limit runs, while a rewrite that recomputes
    the hashes is found at once (the remembered last hash no longer matches).
    Returns (where the next slice starts, the first bad seq or 0, why)."""
    from healthcamp.audit import signing

    if verified <= 0 or limit <= 0:
        return 1, 0, ""
    first, last = scrub_slice(start=start, verified=verified, limit=limit)
    sha256 = hashlib.sha256
    mac_ok = signing.mac_check()
    sql = (
        "SELECT seq, prev_hash, hash, body, mac FROM audit_entry "  # noqa: S608 - ints only
        f"WHERE seq >= {max(first - 1, 1)} AND seq <= {int(last)} ORDER BY seq"
    )
    expected, prev = (first - 1, None) if first > 1 else (1, GENESIS)
    index = subject_sql(after=first - 1, upto=last)
    with (
        rows(sql, name="audit_verify_scrub") as cursor,
        rows(index, name="audit_verify_scrub_subjects") as indexed,
    ):
        subjects = Subjects(indexed)
        for seq, prev_hash, stored, stored_body, mac in cursor:
            if seq != expected:
                return first, expected, f"entry {expected} is missing"
            if prev is None:  # the stored predecessor of the slice: only its hash is used
                prev, expected = bytes(stored), expected + 1
                continue
            if not all(isinstance(c, bytes | memoryview) for c in (stored_body, mac)):
                return first, seq, f"entry {seq} is not stored as bytes: it was rewritten"
            body = bytes(stored_body)
            if bytes(prev_hash) != prev or sha256(prev + body).digest() != bytes(stored):
                return first, seq, f"entry {seq} was altered, inserted or moved"
            if not mac_ok(body, seq, bytes(mac)):
                return (
                    first,
                    seq,
                    (f"entry {seq} was not written by healthcamp (its MAC does not match)"),
                )
            # Each person's own log reads the index: it must still say what the bytes say.
            if subjects.take(seq) != body[: body.index(b"\n")]:
                return first, seq, f"the participants indexed for entry {seq} were changed"
            prev, expected = bytes(stored), expected + 1
        if (orphan := subjects.rest()) is not None:
            return first, orphan, f"the participant index names entry {orphan}, which is not there"
    if expected <= last:
        return first, expected, f"entry {expected} is missing"
    return (last + 1 if last < verified else 1), 0, ""
