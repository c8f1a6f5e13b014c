"""One moment for all of a report's queries, so its tables and its counted figure agree
even while people register, consent or withdraw.

PostgreSQL: a REPEATABLE READ, READ ONLY transaction (one snapshot, taken at its first
query, and no lock on anything). SQLite: one deferred transaction, which reads one
version of the database and does not take the write lock (healthcamp's own transactions
begin IMMEDIATE, to write). Inside a transaction already (a caller's, or a test's), that
transaction is the snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def snapshot() -> Iterator[None]:
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
        return
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("BEGIN DEFERRED")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("COMMIT")  # nothing was written: only ends the read
