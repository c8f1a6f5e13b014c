"""Issue 14's attacks on the audit log, by someone with write access to the database
(and, where said, to the head file): each is detected, and never turns back into a pass."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.db import connection, transaction

from healthcamp import cli
from healthcamp.audit import chain

pytestmark = pytest.mark.django_db(transaction=True)


def _append(n: int, *, outcome: str = "denied") -> None:
    for i in range(n):
        with transaction.atomic():
            chain.append(
                actor="staff:1:tester",
                role="clinician",
                action="participant.read",
                purpose="screening",
                outcome=outcome,
                subjects=("a" * 32,),
                detail=f"entry {i}",
            )


def _sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def _rows() -> list[tuple[int, bytes]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, body FROM audit_entry ORDER BY seq")
        return [(seq, bytes(body)) for seq, body in cursor.fetchall()]


def _rechain(rows: list[tuple[int, bytes]]) -> None:
    """What a forger does after changing bytes: recompute every hash (and the head row)."""
    prev = chain.GENESIS
    for seq, body in rows:
        digest = hashlib.sha256(prev + body).digest()
        _sql(
            "UPDATE audit_entry SET prev_hash = %s, hash = %s, body = %s WHERE seq = %s",
            [prev, digest, body, seq],
        )
        prev = digest
    if connection.vendor == "postgresql":
        _sql("UPDATE audit_head SET seq = %s, hash = %s WHERE id = 1", [rows[-1][0], prev])


def test_a_rewritten_entry_does_not_heal_with_the_next_request() -> None:
    """Edit entry 30 (denied -> allowed), recompute the hashes after it: verify fails, and
    still fails after ordinary work appends more (the head file refuses to follow)."""
    _append(62)
    rows = _rows()
    seq, body = rows[29]
    rows[29] = (seq, body.replace(b'"outcome":"denied"', b'"outcome":"allowed"'))
    _rechain(rows)
    assert not chain.verify().ok
    _append(3)
    result = chain.verify()
    assert not result.ok
    assert result.first_bad_seq == 30


def test_entries_forged_at_the_tail_are_found() -> None:
    """Reads a staff member never made, appended with correct hashes: no valid MAC."""
    _append(10, outcome="allowed")
    rows = _rows()
    forged = rows[-1][1].replace(b'"seq":10,', b'"seq":11,').replace(b"entry 9", b"entry 10")
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM audit_entry WHERE seq = 10")
        prev = bytes(cursor.fetchone()[0])
    _sql(
        "INSERT INTO audit_entry (seq, prev_hash, hash, body) VALUES (11, %s, %s, %s)",
        [prev, hashlib.sha256(prev + forged).digest(), forged],
    )
    _sql("INSERT INTO audit_subject (seq, participant_id) VALUES (11, %s)", ["a" * 32])
    if connection.vendor == "postgresql":
        _sql(
            "UPDATE audit_head SET seq = 11, hash = %s WHERE id = 1",
            [hashlib.sha256(prev + forged).digest()],
        )
    chain.write_head_file(chain.Head(11, hashlib.sha256(prev + forged).digest()))
    result = chain.verify()
    assert result.first_bad_seq == 11
    assert "not written by healthcamp" in result.problem


def test_deleting_the_head_file_fails_the_check(settings: Any, capsys: Any) -> None:
    _append(3)
    settings.AUDIT_HEAD_FILE.unlink()
    assert cli.audit_verify() == 1
    assert "missing" in capsys.readouterr().err


@pytest.mark.parametrize("damage", ["directory", "not ascii"])
def test_a_damaged_head_file_fails_cleanly(settings: Any, capsys: Any, damage: str) -> None:
    _append(2)
    path = settings.AUDIT_HEAD_FILE
    path.unlink()
    if damage == "directory":
        path.mkdir()
    else:
        path.write_bytes("٣ ٤".encode())
    assert cli.audit_verify() == 1
    err = capsys.readouterr().err
    assert err.startswith("FAILED")
    assert "Traceback" not in err


def test_a_body_rewritten_as_text_fails_cleanly(capsys: Any) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's bytea column refuses text itself")
    _append(3)
    _sql("UPDATE audit_entry SET body = CAST(body AS TEXT) WHERE seq = 2")
    assert cli.audit_verify() == 1
    err = capsys.readouterr().err
    assert "entry 2 is not stored as bytes" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("where", ["under a signed checkpoint", "in the unsigned tail"])
def test_two_index_rows_merged_into_one_are_found(where: str) -> None:
    """A person's own log finds an entry by its index row. An intruder who replaces the
    rows "a…" and "b…" of one entry by a single row "a…,b…" hides that entry from both
    people's logs, while the joined line still reads "a…,b…" as the body does."""
    if connection.vendor == "postgresql":
        pytest.skip("a uuid column cannot hold two ids; the rows are typed there")
    from healthcamp.audit import tree
    from tests.test_audit_tree import read_entry

    two = ("a" * 32, "b" * 32)
    for i in range(8):
        read_entry(two, f"entry {i}")
        if i == 5:
            tree.issue()  # entries 1-6 signed; 7 and 8 the tail
    seq = 3 if where == "under a signed checkpoint" else 7
    _sql("DELETE FROM audit_subject WHERE seq = %s", [seq])
    _sql("INSERT INTO audit_subject (seq, participant_id) VALUES (%s, %s)", [seq, ",".join(two)])
    for result in (chain.verify(), chain.verify(check_head_file=False)):
        assert not result.ok
        assert result.first_bad_seq == seq
        assert "indexed" in result.problem
