"""The audit chain: appends link up, and every kind of tampering is named."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.db import connection, transaction

from healthcamp import cli
from healthcamp.audit import chain


def _append(n: int, subjects: tuple[str, ...] = ("a" * 32,)) -> None:
    for i in range(n):
        with transaction.atomic():
            chain.append(
                actor="staff:1:tester",
                role="registrar",
                action="participant.read",
                purpose="registration",
                outcome="allowed",
                subjects=subjects if i % 2 == 0 else (),
                detail=f"entry {i}",
            )


def _sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def _row(seq: int) -> tuple[bytes, bytes, bytes]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT prev_hash, hash, body FROM audit_entry WHERE seq = %s", [seq])
        prev, digest, body = cursor.fetchone()
    return bytes(prev), bytes(digest), bytes(body)


pytestmark = pytest.mark.django_db(transaction=True)


def test_intact_chain_verifies_against_its_head_file() -> None:
    """Each entry's hash is SHA-256 of the previous hash and its stored bytes."""
    _append(10)
    result = chain.verify()
    assert (result.ok, result.entries, result.warning) == (True, 10, "")
    prev, digest, body = _row(4)
    assert digest == hashlib.sha256(_row(3)[1] + body).digest()
    assert prev == _row(3)[1]
    assert chain.read_head_file() == chain.Head(10, _row(10)[1])


def test_append_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside the transaction"):
        chain.append(actor="x", role="r", action="a", purpose="p", outcome="allowed")


def test_rolled_back_work_leaves_no_entry_and_no_head() -> None:
    """An entry is part of the transaction it records."""
    _append(2)

    def fails_after_append() -> None:
        with transaction.atomic():
            chain.append(actor="x", role="r", action="a", purpose="p", outcome="allowed")
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        fails_after_append()
    assert chain.verify().entries == 2
    assert chain.read_head_file() is not None
    assert chain.read_head_file().seq == 2  # type: ignore[union-attr]


@pytest.mark.parametrize("column", ["prev_hash", "hash", "body"])
@pytest.mark.parametrize("offset", [0, 5, -1])
def test_altering_one_byte_of_any_field_is_caught(column: str, offset: int) -> None:
    _append(8)
    values = dict(zip(("prev_hash", "hash", "body"), _row(5), strict=True))
    changed = bytearray(values[column])
    changed[offset] ^= 0x01
    _sql(f"UPDATE audit_entry SET {column} = %s WHERE seq = 5", [bytes(changed)])  # noqa: S608
    result = chain.verify()
    assert not result.ok
    # Altering the stored hash of entry 5 breaks the link from entry 6 at the latest.
    assert result.first_bad_seq in (5, 6) if column == "hash" else result.first_bad_seq == 5


def test_deleting_an_entry_is_caught() -> None:
    _append(8)
    _sql("DELETE FROM audit_subject WHERE seq = 4")
    _sql("DELETE FROM audit_entry WHERE seq = 4")
    result = chain.verify()
    assert (result.first_bad_seq, result.problem) == (4, "entry 4 is missing")


def test_swapping_two_entries_is_caught() -> None:
    _append(8, subjects=())
    _sql("UPDATE audit_entry SET seq = 100 WHERE seq = 3")
    _sql("UPDATE audit_entry SET seq = 3 WHERE seq = 4")
    _sql("UPDATE audit_entry SET seq = 4 WHERE seq = 100")
    assert chain.verify().first_bad_seq == 3


def test_inserting_an_entry_is_caught() -> None:
    """A forged entry in the middle carries no MAC (the key is outside the database), and
    cannot carry the hash the next entry points to: it is named itself."""
    _append(6, subjects=())
    for seq in range(6, 3, -1):
        _sql("UPDATE audit_entry SET seq = %s WHERE seq = %s", [seq + 1, seq])
    prev = _row(3)[1]
    body = b"\n" + b'{"forged":true}'
    _sql(
        "INSERT INTO audit_entry (seq, prev_hash, hash, body) VALUES (4, %s, %s, %s)",
        [prev, hashlib.sha256(prev + body).digest(), body],
    )
    assert chain.verify().first_bad_seq == 4


def test_truncating_the_newest_entries_is_caught_by_the_head_file() -> None:
    _append(8)
    _sql("DELETE FROM audit_subject WHERE seq > 6")
    _sql("DELETE FROM audit_entry WHERE seq > 6")
    _sql("DELETE FROM audit_head")  # a careful attacker removes the database's own head too
    result = chain.verify()
    assert result.first_bad_seq == 7
    assert "cut short" in result.problem


def test_rewriting_the_tail_is_caught_by_the_head_file() -> None:
    """An attacker who recomputes every hash after a change still misses the outside head."""
    _append(5, subjects=())
    _sql("DELETE FROM audit_entry WHERE seq >= 3")
    _sql("DELETE FROM audit_head")  # the forger resets the database's own head row too
    with transaction.atomic():
        for _ in range(3):
            chain.append(actor="forger", role="r", action="a", purpose="p", outcome="allowed")
    # append() moves the head file forward only, so the real head (5) is kept.
    result = chain.verify()
    assert (result.first_bad_seq, result.entries) == (5, 5)
    assert "head kept outside" in result.problem


def test_database_head_row_catches_truncation_without_the_head_file(settings: Any) -> None:
    """On PostgreSQL the head row, updated with every append, must match the last entry."""
    if connection.vendor != "postgresql":
        pytest.skip("the head row is how PostgreSQL serialises appends")
    _append(6)
    settings.AUDIT_HEAD_FILE.unlink()
    _sql("DELETE FROM audit_subject WHERE seq > 4")
    _sql("DELETE FROM audit_entry WHERE seq > 4")
    result = chain.verify()
    assert result.first_bad_seq == 5
    assert "head row" in result.problem


def test_changing_who_an_entry_names_is_caught() -> None:
    """The subject index is checked against the hashed bytes: hiding an entry fails."""
    _append(4)
    _sql("DELETE FROM audit_subject WHERE seq = 3")
    result = chain.verify()
    assert result.first_bad_seq == 3
    assert "participants indexed" in result.problem


def test_missing_head_file_fails_verification(settings: Any) -> None:
    """Deleting the head file must not turn a check into a pass (issue 14)."""
    _append(3)
    settings.AUDIT_HEAD_FILE.unlink()
    result = chain.verify()
    assert not result.ok
    assert "is missing" in result.problem


def test_garbled_head_file_is_reported(settings: Any) -> None:
    _append(1)
    settings.AUDIT_HEAD_FILE.write_text("nonsense")
    with pytest.raises(chain.AuditHeadFileError, match="not 'SEQUENCE HASH'"):
        chain.verify()


def test_cli_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    _append(5)
    assert cli.audit_verify() == 0
    assert "OK: 5 audit entries verified" in capsys.readouterr().out
    _sql("UPDATE audit_entry SET body = %s WHERE seq = 2", [b"\n{}"])
    assert cli.audit_verify() == 1
    assert "FAILED at entry 2" in capsys.readouterr().err


def test_encode_refuses_ids_that_would_break_the_format() -> None:
    with pytest.raises(ValueError, match="cannot be named"):
        chain.encode(subjects=["a,b"], fields={})
