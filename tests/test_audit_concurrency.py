"""Two writers appending at once on PostgreSQL: no gap, no fork, chain intact."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from healthcamp.audit import chain

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]

WRITERS = 4
PER_WRITER = 60


def _writer(name: str, barrier: threading.Barrier, errors: list[BaseException]) -> None:
    try:
        barrier.wait()
        for i in range(PER_WRITER):
            with transaction.atomic():
                chain.append(
                    actor=name,
                    role="registrar",
                    action="participant.read",
                    purpose="registration",
                    outcome="allowed",
                    subjects=[f"{i:032x}"],
                )
    except BaseException as error:
        errors.append(error)
    finally:
        connections.close_all()


def test_concurrent_appends_stay_gap_free_and_fork_free() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer by design")
    barrier = threading.Barrier(WRITERS)
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_writer, args=(f"writer-{n}", barrier, errors))
        for n in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT seq, prev_hash FROM audit_entry ORDER BY seq")
        rows = cursor.fetchall()
    assert [seq for seq, _ in rows] == list(range(1, WRITERS * PER_WRITER + 1))
    assert len({bytes(prev) for _, prev in rows}) == len(rows)  # no two entries share a parent
    result = chain.verify()
    assert (result.ok, result.entries) == (True, WRITERS * PER_WRITER)
    assert chain.read_head_file() == chain.Head(len(rows), _last_hash())


def _last_hash() -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("SELECT hash FROM audit_entry ORDER BY seq DESC LIMIT 1")
        return bytes(cursor.fetchone()[0])
