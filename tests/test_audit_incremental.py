"""`audit verify` checks only what is new since it last ran, yet a rewritten history still
fails it at once; the signed part of a long log is checked in blocks (and in worker
processes), and a failure there is still named entry by entry."""

from __future__ import annotations

import hashlib
import math
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from healthcamp.audit import chain, merkle, scan, tree, verified_state
from tests.test_audit_tree import _append, _sql, read_entry

pytestmark = pytest.mark.django_db(transaction=True)


def _body(seq: int) -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM audit_entry WHERE seq = %s", [seq])
        return bytes(cursor.fetchone()[0])


def _rewrite_from(seq: int, new_body: bytes) -> None:
    """What an intruder with the database does: change one body and recompute every
    later chain hash (and the head row and head file), so the chain itself is whole."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, body, prev_hash FROM audit_entry WHERE seq >= %s", [seq])
        rows = sorted((s, bytes(b), bytes(p)) for s, b, p in cursor.fetchall())
    prev = rows[0][2]
    for s, stored, _ in rows:
        body = new_body if s == seq else stored
        digest = hashlib.sha256(prev + body).digest()
        _sql(
            "UPDATE audit_entry SET body = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [body, prev, digest, s],
        )
        prev = digest
    if connection.vendor == "postgresql":
        _sql("UPDATE audit_head SET hash = %s WHERE id = 1", [prev])
    chain.replace_head_file(chain.Head(rows[-1][0], prev))


def _incremental() -> chain.Verification:
    return chain.verify(incremental=True, remember=True)


def test_the_second_run_checks_only_the_new_entries() -> None:
    _append(30)
    first = _incremental()
    assert (first.ok, first.entries, first.new) == (True, 30, 30)
    _append(5)
    second = _incremental()
    assert (second.ok, second.entries, second.new) == (True, 35, 5)
    assert verified_state.load() is not None
    assert verified_state.load().size == 35  # type: ignore[union-attr]


def test_a_history_rewritten_with_its_hashes_fails_at_once() -> None:
    _append(30)
    assert _incremental().ok
    _rewrite_from(10, _body(10).replace(b'"allowed"', b'"denied"'))
    result = _incremental()
    assert not result.ok
    assert result.first_bad_seq == 30
    assert "not the one the last verification checked" in result.problem
    assert chain.verify().first_bad_seq == 10  # and `--full` names the entry (its MAC)


def test_a_log_cut_below_the_verified_size_fails() -> None:
    _append(30)
    assert _incremental().ok
    _sql("DELETE FROM audit_subject WHERE seq > 20")
    _sql("DELETE FROM audit_entry WHERE seq > 20")
    if connection.vendor == "postgresql":
        _sql("UPDATE audit_head SET seq = 20, hash = (SELECT hash FROM audit_entry WHERE seq = 20)")
    result = _incremental()
    assert not result.ok
    assert "no longer holds entry 30" in result.problem


def test_an_old_entry_edited_in_place_comes_round_in_the_scrub(settings: Any) -> None:
    """A body changed where it lies (hashes untouched) among entries already verified is
    not on the path of the new entries; each run re-checks a slice of the old ones, so it
    is found, by name, within size/slice runs."""
    settings.AUDIT_VERIFY_SCRUB = 10
    _append(50)
    assert _incremental().ok
    body = _body(37)
    _sql("UPDATE audit_entry SET body = %s WHERE seq = 37", [body.replace(b"read", b"READ")])
    runs = []
    for _ in range(math.ceil(50 / 10)):
        runs.append(_incremental())
        if not runs[-1].ok:
            break
    assert not runs[-1].ok
    assert runs[-1].first_bad_seq == 37
    assert all(run.ok for run in runs[:-1])
    assert not chain.verify().ok  # a full check finds it at once


def test_a_damaged_or_foreign_state_file_asks_for_a_full_check(settings: Any) -> None:
    _append(12)
    assert _incremental().ok
    state = verified_state.path()
    text = state.read_text()
    state.write_text(text.replace("\n12\n", "\n11\n", 1))
    result = _incremental()
    assert not result.ok
    assert "audit verify --full" in result.problem
    full = chain.verify(remember=True)  # what `audit verify --full` does
    assert full.ok
    assert _incremental().ok
    settings.AUDIT_ORIGIN = "another.example/audit"
    assert "not this log's" in _incremental().problem


def test_a_rewrite_under_a_signed_checkpoint_is_named_by_entry() -> None:
    """The signed part is checked in blocks, without chain hashes or MACs; when a block
    does not fit, the exact scan says which entry."""
    _append(40)
    tree.issue()
    _append(5)
    assert chain.verify().ok
    original = _body(12)
    _sql(
        "UPDATE audit_entry SET body = %s WHERE seq = 12",
        [original.replace(b"read 11", b"read 99")],
    )
    result = chain.verify()
    assert not result.ok
    assert result.first_bad_seq == 12
    _sql("UPDATE audit_entry SET body = %s WHERE seq = 12", [original])
    assert chain.verify().ok
    _sql("DELETE FROM audit_subject WHERE seq = 20")  # the index, under the checkpoint
    result = chain.verify()
    assert (result.ok, result.first_bad_seq) == (False, 20)


def test_the_parallel_pass_agrees_and_finds_a_rewrite(settings: Any, monkeypatch: Any) -> None:
    """Worker processes hash block-aligned ranges; the joined tree must give every signed
    root, and a rewrite inside a worker's range is still named. Blocks are shrunk to 8
    leaves so a small log spans several (forked workers inherit the patch). Runs where a
    worker can see the data: PostgreSQL (committed rows); SQLite's test database is in
    memory, so there the file-based command test below covers it."""
    if connection.vendor != "postgresql":
        pytest.skip("the SQLite test database is in memory; see the command test")
    monkeypatch.setattr(scan, "BLOCK", 8)
    monkeypatch.setattr(scan, "BLOCK_LEVEL", 3)
    settings.AUDIT_VERIFY_PARALLEL_FROM = 1
    settings.AUDIT_VERIFY_WORKERS = 2
    for size in (13, 30, 47):
        _append(size - chain.database_head().seq if chain.database_head() else size)
        tree.issue()
    _append(3)
    result = chain.verify()
    assert (result.ok, result.parallel, result.entries) == (True, True, 50)
    _sql(
        "UPDATE audit_entry SET body = %s WHERE seq = 33",
        [_body(33).replace(b"allowed", b"denied!")],
    )
    result = chain.verify()
    assert (result.ok, result.first_bad_seq) == (False, 33)


def _feed(
    stack: list[tuple[int, bytes]],
    size: int,
    end: int,
    leaves: list[bytes],
    roots: dict[int, bytes],
) -> bool:
    """Leaves size..end into `_grow` in the batches the fast pass fetches: leaf by leaf up
    to a block boundary, whole blocks after."""
    wanted = sorted(n for n in roots if size < n <= end)
    while size < end:
        step = (scan.BLOCK - size % scan.BLOCK) if size % scan.BLOCK else scan.BLOCK
        batch = leaves[size : min(end, size + step)]
        if not scan._grow(stack, size, batch, roots, wanted):
            return False
        size += len(batch)
    return True


@settings(max_examples=60, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=6),
    block_level=st.integers(min_value=1, max_value=3),
    data=st.data(),
)
def test_blocks_give_the_rfc_9162_root_at_every_size(
    sizes: list[int], block_level: int, data: Any
) -> None:
    """`_grow`, fed as the fast pass feeds it and resumed at arbitrary sizes, gives the
    RFC 9162 root at every size, and refuses a wrong root wherever it is."""
    original = scan.BLOCK, scan.BLOCK_LEVEL
    scan.BLOCK, scan.BLOCK_LEVEL = 1 << block_level, block_level
    try:
        total = sum(sizes)
        leaves = [hashlib.sha256(b"%d" % i).digest() for i in range(total)]
        reader = merkle.MemoryReader(leaves)
        roots = {n: merkle.root(size=n, reader=reader) for n in range(1, total + 1)}
        stack: list[tuple[int, bytes]] = []
        size = 0
        for chunk in sizes:  # each chunk: one resumed run
            assert _feed(stack, size, size + chunk, leaves, roots)
            size += chunk
            assert scan.fold(stack) == roots[size]
        wrong_at = data.draw(st.integers(min_value=1, max_value=total))
        wrong = {**roots, wrong_at: bytes(32)}
        assert not _feed([], 0, total, leaves, wrong)
    finally:
        scan.BLOCK, scan.BLOCK_LEVEL = original


@pytest.mark.skipif(bool(os.environ.get("HEALTHCAMP_DATABASE_URL")), reason="SQLite file")
def test_the_command_verifies_in_parallel_and_incrementally(tmp_path: Path) -> None:
    """On an SQLite file, as an operator runs it: `--full` hashes the signed part in
    worker processes, the next run checks only the new entries, and an entry changed
    under the checkpoint fails `--full` with its number."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "HEALTHCAMP_DATABASE_URL"},
        "HEALTHCAMP_HOME": str(tmp_path),
        "HEALTHCAMP_AUDIT_VERIFY_PARALLEL_FROM": "1",
        "HEALTHCAMP_AUDIT_VERIFY_WORKERS": "2",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "healthcamp.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    assert run("demo", "--no-serve", "--participants", "3").returncode == 0
    assert run("audit", "checkpoint").returncode == 0
    full = run("audit", "verify", "--full")
    assert full.returncode == 0, full.stderr
    assert "every one checked, in parallel" in full.stdout
    again = run("audit", "verify")
    assert again.returncode == 0, again.stderr
    assert "new since the last verification" in again.stdout
    with sqlite3.connect(tmp_path / "healthcamp.sqlite3") as db:
        (body,) = db.execute("SELECT body FROM audit_entry WHERE seq = 5").fetchone()
        db.execute("UPDATE audit_entry SET body = ? WHERE seq = 5", [body + b" "])
    broken = run("audit", "verify", "--full")
    assert broken.returncode == 1
    assert "FAILED at entry 5" in broken.stderr


def _peak_of(work: Any) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        assert work().ok
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_verify_memory_does_not_grow_with_the_log() -> None:
    """Issue 15: rows stream in batches and the index is matched as it streams, so a log
    eight times longer needs about the same memory (the index held as a dict grew with
    every entry). Entries are written straight into the tables by the benchmark's filler,
    with a signed checkpoint every 500, so both the block pass and the tail run."""
    from bench.audit_verify import Filler

    filler = Filler(checkpoint_every=500)
    filler.add(8_000, batch=4_000)
    small = _peak_of(chain.verify)
    filler.add(32_000, batch=4_000)
    large = _peak_of(chain.verify)
    assert large < small * 1.5, (small, large)


def test_an_old_index_row_removed_is_found_by_the_scrub(settings: Any) -> None:
    """Each person's own log reads the participant index: a row deleted from it among old
    entries (hiding an access from that person) is found by the scrub, like a body."""
    settings.AUDIT_VERIFY_SCRUB = 10
    _append(30)
    assert _incremental().ok
    _sql("DELETE FROM audit_subject WHERE seq = 17")
    runs = [_incremental() for _ in range(3)]
    failed = [run for run in runs if not run.ok]
    assert failed, runs
    assert failed[0].first_bad_seq == 17
    assert "indexed for entry 17" in failed[0].problem


def test_the_grouped_index_lines_read_as_the_bodies_say() -> None:
    """The fast passes read the index one line per entry, grouped by the database; on a
    log nobody touched every line is the body's own subject line (a line that differed
    would send each run to the slow exact scan)."""
    import uuid

    from django.db import transaction

    people = sorted((uuid.uuid4().hex for _ in range(5)), reverse=True)
    named = [(), people[:1], people[:3], people, (), people[2:4]]
    for subjects in named:
        read_entry(subjects)
    with transaction.atomic(), scan.rows(scan.subject_lines_sql(after=0), name="t") as cursor:
        lines = scan.SubjectLines(cursor)
        for seq in range(1, len(named) + 1):
            body = _body(seq)
            assert lines.take(seq) == body[: body.index(b"\n")]
        assert lines.rest() is None
    assert ",".join(sorted(people[:3])).encode() == _body(3)[: _body(3).index(b"\n")]


def _fast_pass_with_index() -> scan.Progress | None:
    from django.db import transaction

    roots, _, problem = chain._signed_roots(check_file=False)
    assert not problem
    with transaction.atomic():
        return scan.covered(scan.Progress(), upto=max(roots), roots=roots, check_index=True)


def test_the_fast_pass_matches_whole_blocks_of_index_lines(monkeypatch: Any) -> None:
    """The fast pass compares a block's index with its bodies in one query: on an intact
    log it succeeds by itself (a mismatch would only cost the slow exact scan, so nothing
    else would notice), and a participant swapped, added, moved or removed in the index
    makes it give up."""
    import uuid

    monkeypatch.setattr(scan, "BLOCK", 8)
    monkeypatch.setattr(scan, "BLOCK_LEVEL", 3)
    people = sorted((uuid.uuid4().hex for _ in range(6)), reverse=True)
    named = [(), people[:1], people[:3], people, (), people[2:4], people[5:], ()] * 3
    for subjects in named:
        read_entry(subjects)
    tree.issue()
    reached = _fast_pass_with_index()
    assert reached is not None
    assert reached.size == len(named)
    stranger = uuid.uuid4().hex
    swap = "UPDATE audit_subject SET participant_id = %s WHERE seq = 11 AND participant_id = %s"
    add = "INSERT INTO audit_subject (seq, participant_id) VALUES (%s, %s)"
    remove = "DELETE FROM audit_subject WHERE seq = %s AND participant_id = %s"
    changes = [  # (the change, its undoing)
        ((swap, [stranger, people[2]]), (swap, [people[2], stranger])),
        ((add, [13, stranger]), (remove, [13, stranger])),  # an entry naming nobody
        ((add, [21, stranger]), (remove, [21, stranger])),  # the last block
        ((remove, [20, people[0]]), (add, [20, people[0]])),
        # moved to the next entry: the same participants in the same order, one seq on
        (
            ("UPDATE audit_subject SET seq = 13 WHERE seq = 12", []),
            ("UPDATE audit_subject SET seq = 12 WHERE seq = 13", []),
        ),
    ]
    for (sql, params), (undo, undo_params) in changes:
        _sql(sql, params)
        assert _fast_pass_with_index() is None, (sql, params)
        _sql(undo, undo_params)
        assert _fast_pass_with_index() is not None, (undo, undo_params)


def _checkpointed(entries: int, *, every: int) -> None:
    for _ in range(entries // every):
        _append(every)
        tree.issue()


def test_an_incremental_run_opens_only_new_checkpoints_and_its_slices(
    settings: Any, monkeypatch: Any
) -> None:
    """Opening every signed checkpoint each run would make `audit verify` grow with the
    log (10,000 signatures at 10 M entries): a run opens those issued since the last one
    (and the one kept outside the database), plus the old ones its scrub slice spans."""
    settings.AUDIT_VERIFY_SCRUB = 10
    _checkpointed(100, every=5)
    opened: list[int] = []
    real = chain._opened_checkpoints

    def spy(sizes: Any) -> tuple[dict[int, bytes], str]:
        roots, problem = real(sizes)
        opened.extend(roots)
        return roots, problem

    monkeypatch.setattr(chain, "_opened_checkpoints", spy)
    assert _incremental().ok
    assert sorted(opened) == list(range(5, 101, 5))  # the first run opens them all
    opened.clear()
    _checkpointed(5, every=5)
    assert _incremental().ok
    assert sorted(opened) == [5, 10, 105]  # the slice 1..10, and the new one
    opened.clear()
    assert _incremental().ok
    assert sorted(opened) == [15, 20, 105]  # the next slice; 105 is the one outside


def test_an_old_checkpoint_tampered_with_comes_round_in_the_slices(settings: Any) -> None:
    """A stored checkpoint among those already verified, no longer signed by the log, is
    found by a later incremental run (as an old entry is), and at once by a full run."""
    settings.AUDIT_VERIFY_SCRUB = 10
    _checkpointed(60, every=5)
    assert _incremental().ok
    _sql("UPDATE audit_checkpoint SET note = replace(note, '\n35\n', '\n36\n') WHERE size = 35")
    runs = []
    for _ in range(math.ceil(60 / 10)):
        runs.append(_incremental())
        if not runs[-1].ok:
            break
    assert all(run.ok for run in runs[:-1])
    assert not runs[-1].ok
    assert "checkpoint at 35" in runs[-1].problem
    full = chain.verify()
    assert not full.ok
    assert "checkpoint at 35" in full.problem
