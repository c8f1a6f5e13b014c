"""An SQLite database as a stream of rows, and back again, in bounded memory.

dump() reads the database in one read transaction (under WAL, writers go on and the
snapshot stays the database as it was at the first read) and yields records, each a
UTF-8 JSON line:

    {"snapshot": "sqlite-rows-1", "pragmas": {...}, "schema": [[type, name, table, sql]]}
    {"table": NAME, "columns": [...]}     then that table's rows, a few a record:
    [[value, ...], ...]                   text, numbers and null as JSON; a blob as
                                          {"blob": LENGTH}, its bytes after the line
    {"end": ROWS}

(Blobs travel as they are: JSON-escaping or base64 of a large blob cost more than the
rest of a backup together, and a third more bytes.)

load() builds a new database from such lines: tables first, their rows, then indexes,
triggers and views, AUTOINCREMENT counters and planner statistics last; with a hook that
may change a row of a given table before it is written (an erased person's data key is
blanked there, so it never reaches the file).

A page image (SQLite's backup API, serialize()) would be exact too, but is either held
in memory whole or written out as a plaintext file; rows stream. Floats go through
JSON's shortest exact repr, so values come back bit for bit; implicit rowids are kept.
Pure: sqlite3 and the standard library only.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Generator, Iterable, Iterator
from pathlib import Path
from typing import Any

FORMAT = "sqlite-rows-1"
PRAGMAS = ("page_size", "auto_vacuum", "user_version", "application_id")
BATCH, BATCH_BYTES = 500, 256 << 10  # rows held at once: at most so many, or so many bytes
ROWS_A_RECORD = 64
Row = list[Any]
RowHook = Callable[[Row], Row]


class RowsError(Exception):
    """The row stream does not describe a database this code can build."""


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class _Encoder:
    """Rows to records: one JSON line for a few rows at a time (a JSON call per row
    cost more than the row), then the bytes of their blobs in order."""

    def __init__(self) -> None:
        self.blobs: list[bytes] = []
        self.encode = json.JSONEncoder(
            separators=(",", ":"), ensure_ascii=False, default=self._blob
        ).encode

    def _blob(self, value: object) -> object:
        if isinstance(value, bytes | bytearray | memoryview):
            self.blobs.append(bytes(value))
            return {"blob": len(self.blobs[-1])}
        raise TypeError(f"an SQLite value of type {type(value).__name__}")

    def record(self, rows: list[tuple[Any, ...]]) -> bytes:
        line = self.encode(rows).encode() + b"\n"
        blobs, self.blobs = self.blobs, []
        return line + b"".join(blobs)


def _line(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode() + b"\n"


def _is_internal(name: str) -> bool:
    return name.startswith("sqlite_")


def _has_rowid(db: sqlite3.Connection, table: str) -> bool:
    try:
        db.execute(f"SELECT rowid FROM {_quote(table)} LIMIT 0")  # noqa: S608 - a quoted name
    except sqlite3.OperationalError:  # WITHOUT ROWID
        return False
    return True


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    # table_xinfo: hidden 2 and 3 are generated columns, which are never inserted.
    rows = db.execute(f"PRAGMA table_xinfo({_quote(table)})").fetchall()
    return [row[1] for row in rows if row[6] in (0, 1)]


def dump(path: Path | str) -> Generator[bytes, None, None]:
    """The database file at path as lines (each ending in a newline), from one snapshot."""
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        db.execute("PRAGMA query_only=ON")
        yield from dump_connection(db)
    finally:
        db.close()


def dump_connection(db: sqlite3.Connection) -> Iterator[bytes]:
    """The database open on db (in autocommit: isolation_level None) as lines."""
    db.execute("BEGIN")  # deferred: the snapshot is taken by the first read below
    try:
        pragmas = {name: db.execute(f"PRAGMA {name}").fetchone()[0] for name in PRAGMAS}
        schema = db.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid"
        ).fetchall()
        yield _line({"snapshot": FORMAT, "pragmas": pragmas, "schema": schema})
        tables = [name for kind, name, _, _ in schema if kind == "table"]
        # AUTOINCREMENT counters and statistics after the rows that would move them.
        tables.sort(key=_is_internal)
        rows = 0
        for table in tables:
            columns = _columns(db, table)
            selected = (["rowid"] if _has_rowid(db, table) else []) + columns
            yield _line({"table": table, "columns": selected})
            cursor = db.execute(
                f"SELECT {', '.join(_quote(c) for c in selected)} FROM {_quote(table)}"  # noqa: S608
            )
            encoder, out, size = _Encoder(), [], 0
            # A record of up to ROWS_A_RECORD rows (a few blobs in memory at most), given
            # out once they make BATCH_BYTES.
            while batch := cursor.fetchmany(ROWS_A_RECORD):
                rows += len(batch)
                out.append(encoder.record(batch))
                size += len(out[-1])
                if size >= BATCH_BYTES:
                    yield b"".join(out)
                    out, size = [], 0
            if out:
                yield b"".join(out)
        yield _line({"end": rows})
    finally:
        db.execute("ROLLBACK")  # a read transaction: nothing to keep


class _Blob:
    __slots__ = ("size",)

    def __init__(self, size: int) -> None:
        self.size = size


def _placeholder(found: dict[str, Any]) -> Any:
    return _Blob(int(found["blob"])) if "blob" in found else found


class _Bytes:
    """A stream that arrives in chunks of any size, read as lines and counted bytes."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = iter(chunks)
        self.buffer = bytearray()
        self.at = 0

    def _more(self) -> bool:
        chunk = next(self.chunks, None)
        if chunk is None:
            return False
        if self.at > (1 << 20):  # what was read already goes, now and then
            del self.buffer[: self.at]
            self.at = 0
        self.buffer += chunk
        return True

    def line(self) -> bytes | None:
        while (end := self.buffer.find(b"\n", self.at)) < 0:
            if not self._more():
                if self.at < len(self.buffer):
                    raise RowsError("it ends inside a record")
                return None
        found = bytes(self.buffer[self.at : end])
        self.at = end + 1
        return found

    def take(self, size: int) -> bytes:
        while len(self.buffer) - self.at < size:
            if not self._more():
                raise RowsError("it ends inside a blob")
        found = bytes(self.buffer[self.at : self.at + size])
        self.at += size
        return found


def records(chunks: Iterable[bytes]) -> Iterator[tuple[Any, int]]:
    """The records of dump()'s stream, arriving in chunks of any size, each with its
    length in bytes: a dict for the schema, a table's start and the end; a list of rows
    (lists of values) for rows."""
    stream = _Bytes(chunks)
    while (line := stream.line()) is not None:
        try:
            value = json.loads(line, object_hook=_placeholder)
        except ValueError:
            raise RowsError("a record is not JSON") from None
        size = len(line) + 1
        if isinstance(value, list):
            for row in value:
                for place, item in enumerate(row):
                    if isinstance(item, _Blob):
                        row[place] = stream.take(item.size)
                        size += item.size
        yield value, size


class _Loader:
    def __init__(self, db: sqlite3.Connection, hooks: dict[str, Callable[[list[str]], RowHook]]):
        self.db, self.hooks = db, hooks
        self.statement = ""
        self.hook: RowHook | None = None
        self.batch: list[Row] = []
        self.rows = self.size = 0

    def flush(self) -> None:
        if self.batch:
            self.db.executemany(self.statement, self.batch)
            self.rows += len(self.batch)
            self.batch.clear()
            self.size = 0

    def table(self, name: str, columns: list[str]) -> None:
        self.flush()
        if name == "sqlite_sequence":
            self.db.execute("DELETE FROM sqlite_sequence")
        elif name.startswith("sqlite_stat"):
            self.db.execute("ANALYZE sqlite_schema")  # makes the statistics tables
            self.db.execute(f"DELETE FROM {_quote(name)}")  # noqa: S608
        elif _is_internal(name):
            raise RowsError(f"the table {name} cannot be restored")
        marks = ", ".join("?" * len(columns))
        quoted = ", ".join(_quote(c) for c in columns)
        self.statement = f"INSERT INTO {_quote(name)} ({quoted}) VALUES ({marks})"  # noqa: S608
        make = self.hooks.get(name)
        self.hook = make(columns) if make else None

    def rows_of(self, rows: list[Row], size: int) -> None:
        self.batch.extend(map(self.hook, rows) if self.hook else rows)
        self.size += size
        if len(self.batch) >= BATCH or self.size >= BATCH_BYTES:
            self.flush()

    def run(self, stream: Iterator[tuple[Any, int]]) -> None:
        """Every table's rows, up to the end record, which must count them all."""
        ended = None
        for value, size in stream:
            if isinstance(value, list):
                self.rows_of(value, size)
            elif "table" in value:
                self.table(value["table"], value["columns"])
            elif "end" in value:
                ended = int(value["end"])
                break
        self.flush()
        if ended is None:
            raise RowsError(f"it ends after {self.rows} rows, without its end record")
        if ended != self.rows:
            raise RowsError(f"it holds {self.rows} rows, but says it holds {ended}")


def _opening(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or value.get("snapshot") != FORMAT:
        raise RowsError(f"it is not a row snapshot of format {FORMAT}")
    return value


def load(
    target: Path,
    source: Iterable[bytes],
    *,
    hooks: dict[str, Callable[[list[str]], RowHook]] | None = None,
) -> int:
    """Build a new database at target (which must not exist) from dump()'s stream, in
    chunks of any size.

    hooks: table name -> a function of its columns giving the change made to each of its
    rows before it is written. No journal is kept while loading: a load that fails or is
    killed leaves a file to delete, never one to use. Returns how many rows went in."""
    stream = records(source)
    opening = _opening(next(stream, (None, 0))[0])
    pragmas, schema = opening["pragmas"], opening["schema"]
    try:  # made here, readable by its owner alone: it becomes the database
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise RowsError(f"{target} exists already") from None
    db = sqlite3.connect(target, isolation_level=None)
    try:
        db.execute(f"PRAGMA page_size={int(pragmas['page_size'])}")
        db.execute(f"PRAGMA auto_vacuum={int(pragmas['auto_vacuum'])}")
        db.execute("PRAGMA journal_mode=OFF")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("BEGIN")
        for kind, name, _, sql in schema:
            if kind == "table" and not _is_internal(name):
                db.execute(sql)
        loader = _Loader(db, hooks or {})
        loader.run(stream)
        # Indexes after the rows: built once, in order, rather than row by row.
        for kind, _, _, sql in schema:
            if kind != "table" and sql is not None:  # an automatic index has no SQL
                db.execute(sql)
        db.execute(f"PRAGMA user_version={int(pragmas['user_version'])}")
        db.execute(f"PRAGMA application_id={int(pragmas['application_id'])}")
        db.execute("COMMIT")
    finally:
        db.close()
    return loader.rows
