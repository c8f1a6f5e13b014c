"""Backups that cannot bring an erased person back, of any size, in bounded memory.

A backup file is one JSON header line, then the database snapshot sealed in chunks
(lib/sealed_stream: AES-256-GCM under a key derived from the vault's key-encryption key
and the file's own salt; each chunk authenticated with its place and the header, the
last one marked, so a file cut short, reordered or spliced from two backups is refused).
The snapshot is SQLite's rows read in one read transaction (lib/sqlite_rows), or
pg_dump's custom format as it comes out of pg_dump; either streams through encryption
a chunk at a time: memory stays flat in the size of the database, and no plaintext
copy of it is ever written to a file. The snapshot holds participants' data keys only
wrapped by the vault key, so the file alone opens nothing.

Restoring reads the whole file once to authenticate every chunk before anything is
touched, then streams it again (each chunk authenticated again as it comes) into the
new database. It never swaps in a database that still holds someone the erasure ledger
(the live database's and HEALTHCAMP_HOME/erasure-ledger) says was erased: as the rows
stream in, the data key and sealed identity of everyone the ledger lists are blanked
before they are written, so their key never reaches a file; then they are erased again
in one transaction:

- SQLite: the rows are loaded into a staging file beside the database, the erasures run
  there, and only then is it renamed over the database.
- PostgreSQL: pg_restore's SQL (streamed, with the same blanking of COPY rows) and the
  erasures run in one transaction.

A process killed at any point leaves either the old database or the restored and
re-erased one. Restore refuses while a server holds the database (server_lock). The
audit head file is pointed at the restored chain; a journal file finishes that step if
the process dies between the swap and it. A server re-applies the ledger each time it
starts (reapply_at_start), so a database put back any other way cannot serve an erased
person either.

Files of formats 1 and 2 (one AES-GCM stream over an SQLite page image or a pg_dump)
are still read, a chunk at a time; an SQLite page image is as large in memory on restore
as it was when it was taken.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import secrets
import sqlite3
import subprocess
import threading
import uuid
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings as django_settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction

from healthcamp.access.roles import Role
from healthcamp.access.staff import Actor
from healthcamp.audit import chain
from healthcamp.lib import sealed_stream, sqlite_rows
from healthcamp.lib.durable import fsync_dir
from healthcamp.registry.models import ErasureRecord, Participant
from healthcamp.services import erasure, identity, server_lock

FORMAT = "healthcamp-backup-3"
FORMAT_STREAM = "healthcamp-backup-2"  # one AES-GCM stream and a SHA-256: still restored
FORMAT_ONE_SHOT = "healthcamp-backup-1"  # one AES-GCM block: still restored
SYSTEM = Actor(staff_id=0, username="restore", role=Role.COORDINATOR)
AT_START = Actor(staff_id=0, username="server-start", role=Role.COORDINATOR)
CHUNK = 1 << 20  # plaintext bytes a chunk: two of them in memory at a time
TAG, DIGEST = 16, 32
HEADER_LIMIT = 64 << 10
# What a snapshot is: SQLite rows, an SQLite page image (formats 1 and 2), a pg_dump.
ROWS, IMAGE, PG_DUMP = sqlite_rows.FORMAT, "sqlite-image", "pg_dump-custom"


class BackupError(Exception):
    """The backup cannot be written or read; the message says why and what to do."""


def _backup_key(salt: bytes, kek_id: str | None = None) -> tuple[bytes, str]:
    """The file key: HKDF of the current vault key, or of the (possibly retired) key
    with kek_id."""
    ring = identity.keyring()
    kek = ring.kek if kek_id is None else ring.kek_for(kek_id)
    if kek is None:
        raise BackupError(
            f"was sealed with vault key id {kek_id}, but the vault key loaded has id "
            f"{ring.kek.key_id} and no retired key file vault-kek.retired-{kek_id} is in "
            "HEALTHCAMP_HOME: put that file back (or set HEALTHCAMP_VAULT_KEK to the key of "
            "that time) to restore it."
        )
    raw = getattr(kek, "key", None)
    if raw is None:
        raise BackupError("Backups need a local vault key; this key encryption key has none.")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"healthcamp backup").derive(
        raw
    )
    return key, kek.key_id


# ---- taking a backup ---------------------------------------------------------------


def _pg_command(program: str, *extra: str) -> tuple[list[str], dict[str, str]]:
    config = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": config.get("PASSWORD") or ""}
    command = [
        program, "-h", config.get("HOST") or "127.0.0.1", "-p", str(config.get("PORT") or 5432),
        "-U", config.get("USER") or "postgres", *extra,
    ]  # fmt: skip
    return command, env


def _sqlite_file() -> Path:
    name = str(connection.settings_dict["NAME"])
    path = Path(name)
    if name.startswith("file:") or ":memory:" in name or not path.is_file():
        raise BackupError(f"The SQLite database {name} is not a file; only a file is backed up.")
    return path


@contextlib.contextmanager
def _snapshot_stream() -> Iterator[tuple[str, Iterator[bytes]]]:
    """(what the snapshot is, its bytes as they come), never touching a file with the
    plaintext."""
    if connection.vendor == "sqlite":
        rows = sqlite_rows.dump(_sqlite_file())
        try:
            yield ROWS, rows
        finally:
            rows.close()  # ends the read transaction if the backup stops early
        return
    command, env = _pg_command(
        "pg_dump", "--format=custom", "--no-owner", connection.settings_dict["NAME"]
    )
    dump = subprocess.Popen(  # noqa: S603
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    output, errors = cast(IO[bytes], dump.stdout), cast(IO[bytes], dump.stderr)
    messages: list[bytes] = []  # pg_dump's messages, read as they come (never a file)
    reader = threading.Thread(target=lambda: messages.append(errors.read()), daemon=True)
    reader.start()

    def chunks() -> Iterator[bytes]:
        while chunk := output.read(CHUNK):
            yield chunk
        reader.join()
        if dump.wait() != 0:
            message = b"".join(messages).decode(errors="replace").strip()
            raise BackupError(f"pg_dump failed: {message}")

    try:
        yield PG_DUMP, chunks()
    finally:
        if dump.poll() is None:
            dump.kill()
        dump.wait()
        reader.join()
        output.close()
        errors.close()


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    taken_at: str
    erasures: int


def backup(*, path: Path, chunk: int = CHUNK) -> BackupInfo:
    """Write an encrypted snapshot of the database to path (a new file), chunk bytes of
    plaintext a frame."""
    if path.exists():
        raise BackupError(f"{path} exists already; choose a new file name (nothing overwritten).")
    if not 1 <= chunk <= sealed_stream.MAX_CHUNK:
        raise BackupError(f"A backup chunk is 1 to {sealed_stream.MAX_CHUNK} bytes, not {chunk}.")
    salt = secrets.token_bytes(16)
    key, key_id = _backup_key(salt)
    partial = path.with_name(path.name + ".partial")
    try:
        # A new file only, never through a link: whatever already sits at this name (a
        # backup running, one killed, or a link planted to overwrite another file) stays.
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise BackupError(
            f"{partial} exists: another backup to this name is running, or one was cut "
            "short; remove that file if none is running, or choose a new name."
        ) from None
    try:
        with os.fdopen(fd, "wb") as out:
            erasures = ErasureRecord.objects.count()
            with _snapshot_stream() as (snapshot, pieces):
                header: dict[str, Any] = {
                    "format": FORMAT,
                    "engine": connection.vendor,
                    "snapshot": snapshot,
                    "taken_at": datetime.now(UTC).isoformat(),
                    "kek_id": key_id,
                    "salt": salt.hex(),
                    "chunk": chunk,
                    "erasures": erasures,
                }
                line = json.dumps(header, sort_keys=True).encode()
                out.write(line + b"\n")
                sealed_stream.seal(out, key=key, header=line, pieces=pieces, chunk=chunk)
            out.flush()
            os.fsync(out.fileno())
        os.link(partial, path)  # never a half-written backup under the real name
    except FileExistsError:
        raise BackupError(
            f"{path} exists already; choose a new file name (nothing overwritten)."
        ) from None
    except sqlite3.Error as error:
        raise BackupError(
            f"The database could not be read ({error}); nothing was written."
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return BackupInfo(path, path.stat().st_size, header["taken_at"], header["erasures"])


# ---- reading one -------------------------------------------------------------------


@dataclass(frozen=True)
class Sealed:
    """A backup file's header, checked, and the key that opens it."""

    path: Path
    header: dict[str, Any]
    line: bytes  # the header line as written (chunks authenticate it byte for byte)
    key: bytes

    @property
    def snapshot(self) -> str:
        if self.header["format"] == FORMAT:
            return str(self.header.get("snapshot", ""))
        return IMAGE if self.header.get("engine") == "sqlite" else PG_DUMP


def _header(path: Path) -> Sealed:
    try:
        with path.open("rb") as source:
            first = source.readline(HEADER_LIMIT)
    except FileNotFoundError:
        raise BackupError(f"There is no backup file {path}.") from None
    except IsADirectoryError:
        raise BackupError(f"{path} is a folder, not a backup file.") from None
    try:
        header = json.loads(first)
    except ValueError:
        raise BackupError(f"{path} is not a healthcamp backup (no header).") from None
    known = (FORMAT, FORMAT_STREAM, FORMAT_ONE_SHOT)
    if not isinstance(header, dict) or header.get("format") not in known:
        raise BackupError(f"{path} is not a healthcamp backup of format {FORMAT}.")
    try:
        key, _ = _backup_key(bytes.fromhex(header["salt"]), header["kek_id"])
    except BackupError as error:
        raise BackupError(f"{path} {error}") from None
    except (KeyError, ValueError, TypeError):
        raise BackupError(f"{path} is damaged: its header lacks its salt or key id.") from None
    sealed = Sealed(path, header, first.rstrip(b"\n"), key)
    if sealed.snapshot not in (ROWS, IMAGE, PG_DUMP):
        raise BackupError(f"{path} holds a snapshot this healthcamp cannot read; use a newer one.")
    return sealed


def _plaintext(sealed: Sealed) -> Generator[bytes, None, None]:
    """The snapshot's bytes, a chunk at a time, each authenticated before it is given.
    A file of format 1 or 2 is authenticated at its end: its last chunk raises."""
    with sealed.path.open("rb") as source:
        source.seek(len(sealed.line) + 1)
        if sealed.header["format"] != FORMAT:
            yield from _legacy_plaintext(sealed, source)
            return
        chunk = sealed.header.get("chunk")
        try:
            yield from sealed_stream.unseal(
                source,
                key=sealed.key,
                header=sealed.line,
                chunk=chunk if isinstance(chunk, int) else 0,
            )
        except sealed_stream.StreamError as error:
            raise BackupError(f"{sealed.path} is damaged: {error}. Use another copy.") from None


def _legacy_plaintext(sealed: Sealed, source: IO[bytes]) -> Iterator[bytes]:
    """Formats 1 and 2: one AES-GCM stream, its tag, and (2) a SHA-256 of both."""
    header, path = sealed.header, sealed.path
    body = os.fstat(source.fileno()).st_size - len(sealed.line) - 1
    if header["format"] == FORMAT_STREAM:
        aad, trailer = sealed.line, DIGEST
    else:
        signed = {k: v for k, v in header.items() if k != "sha256"}
        aad, trailer = json.dumps(signed, sort_keys=True).encode(), 0
    length = body - trailer - TAG
    damaged = BackupError(f"{path} is damaged: its checksum does not match. Use another copy.")
    try:
        nonce = bytes.fromhex(str(header["nonce"]))
        expected = b"" if trailer else bytes.fromhex(str(header["sha256"]))
    except (KeyError, ValueError):
        raise damaged from None
    if length < 0 or len(nonce) < 8:
        raise damaged
    decryptor = Cipher(algorithms.AES(sealed.key), modes.GCM(nonce)).decryptor()
    decryptor.authenticate_additional_data(aad)
    digest = hashlib.sha256()
    left = length
    while left:
        piece = source.read(min(CHUNK, left))
        if not piece:
            break
        left -= len(piece)
        digest.update(piece)
        yield decryptor.update(piece)
    tag = source.read(TAG)
    digest.update(tag)
    if trailer:
        expected = source.read(trailer)
    if left or digest.digest() != expected:
        raise damaged
    try:
        yield decryptor.finalize_with_tag(tag)
    except InvalidTag:
        raise BackupError(
            f"{path} does not decrypt: it was altered after it was written."
        ) from None


def _read(path: Path) -> Sealed:
    """Authenticate the whole file, a chunk at a time, keeping nothing: nothing is
    changed before this succeeds."""
    sealed = _header(path)
    for _ in _plaintext(sealed):
        pass
    return sealed


def _as_uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


# ---- the erasure ledger ------------------------------------------------------------


def _ledger() -> set[str]:
    """Every pseudonym ever erased: the live database's ledger and the file beside it."""
    names: set[str] = set()
    try:
        names.update(ErasureRecord.objects.values_list("pseudonym", flat=True))
    except DatabaseError:
        connection.close()
    try:
        lines = erasure.ledger_file().read_text(encoding="ascii").splitlines()
    except FileNotFoundError:
        lines = []
    for line in lines:
        with contextlib.suppress(ValueError, KeyError, TypeError):
            names.add(json.loads(line)["pseudonym"])  # a torn last line is skipped
    return names


def _reapply(erased: set[str], *, actor: Actor, found: Iterable[uuid.UUID] | None = None) -> int:
    """Erase again, in the caller's transaction, everyone the ledger lists.

    found: those of them in the database, when the caller saw them go in (a restore);
    otherwise every participant is looked at, a batch at a time."""
    if not erased:
        return 0
    if found is None:
        ids = Participant.objects.values_list("id", flat=True).iterator(chunk_size=2000)
        found = (pid for pid in map(_as_uuid, ids) if identity.pseudonym(pid) in erased)
    again = list(found)
    # A record already in this database stays as it was (its date and reason); shred
    # writes its own, so the old one steps aside while it runs.
    names = [identity.pseudonym(pid) for pid in again]
    kept = list(ErasureRecord.objects.filter(pseudonym__in=names).values())
    ErasureRecord.objects.filter(pseudonym__in=names).delete()
    for pid in again:
        erasure.shred(actor=actor, participant_id=pid, reason="reapplied")
    for record in kept:
        ErasureRecord.objects.filter(pseudonym=record["pseudonym"]).update(
            erased_at=record["erased_at"], reason=record["reason"]
        )
    known = set(ErasureRecord.objects.values_list("pseudonym", flat=True))
    now = datetime.now(UTC)
    ErasureRecord.objects.bulk_create(
        ErasureRecord(pseudonym=name, erased_at=now, reason="reapplied")
        for name in sorted(erased - known)
    )
    return len(again)


# ---- restoring ---------------------------------------------------------------------


def _journal() -> Path:
    return Path(django_settings.HOME) / "restore-journal"


def _staging() -> Path | None:
    if connection.vendor != "sqlite":
        return None
    target = Path(connection.settings_dict["NAME"])
    return target.with_name(target.name + ".restoring")


def _drop_staging(staging: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(str(staging) + suffix).unlink(missing_ok=True)


@dataclass(frozen=True)
class _Recording:
    """What the restore's own log entry says (which backup, when the old files went
    aside), kept in the journal so that a restore killed before it was recorded is
    recorded at the next start."""

    taken_at: str
    stamp: str


def _write_journal(head: chain.Head | None, recording: _Recording) -> None:
    """Written before the swap: what the audit head must be once the new database is in,
    and what recording the restore needs."""
    record: dict[str, object] = {"taken_at": recording.taken_at, "stamp": recording.stamp}
    if head:
        record.update(seq=head.seq, hash=head.hash.hex())
    path = _journal()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(json.dumps(record))
        handle.flush()
        os.fsync(handle.fileno())
    fsync_dir(path.parent)


def _finish_interrupted_restore() -> None:
    """Clean up after a restore that was killed: drop its staging copy (it never became
    the database), and if the restored database did go in, finish what the restore would
    have done: point the audit head file at its chain and record the restore in the log
    (the entry, the old checkpoint set aside, a new one signed), each step once."""
    staging = _staging()
    if staging is not None:
        _drop_staging(staging)
    journal = _journal()
    try:
        record = json.loads(journal.read_text(encoding="ascii") or "{}")
    except FileNotFoundError:
        return
    except ValueError:
        record = {}
    if "seq" in record:
        expected = chain.Head(int(record["seq"]), bytes.fromhex(record["hash"]))
        try:
            held = chain.database_head()
            swapped = held == expected or _restore_entry_after(expected) is not None
        except DatabaseError:  # no audit table: not the restored database
            held, swapped = None, False
        if swapped and held is not None:
            chain.replace_head_file(held)
            recording = _Recording(str(record.get("taken_at", "")), str(record.get("stamp", "")))
            _record_restore(recording, expected)
    journal.unlink(missing_ok=True)


# An erased person's row is blanked in these before it is written anywhere: the data key
# (the only copy that opens the rest) and the sealed fields it opens.
_BLANKED = {
    "wrapped_key",
    "given_name_sealed",
    "family_name_sealed",
    "date_of_birth_sealed",
    "phone_sealed",
}


class _Blanker:
    """Spots, as participant rows stream in, those the ledger lists; blanks their key."""

    def __init__(self, erased: set[str]) -> None:
        self.erased = erased
        self.found: list[uuid.UUID] = []
        meta = Participant._meta
        self.table = meta.db_table
        self.id_column = next(str(f.column) for f in meta.concrete_fields if f.primary_key)
        self.columns = [str(f.column) for f in meta.concrete_fields if f.name in _BLANKED]
        assert len(self.columns) == len(_BLANKED)  # noqa: S101 - the model names them all

    def _places(self, columns: list[str]) -> tuple[int, list[int]]:
        if self.id_column not in columns:
            raise BackupError("The backup's participants come without their ids.")
        return columns.index(self.id_column), [columns.index(c) for c in self.columns]

    def _listed(self, value: str) -> bool:
        pid = uuid.UUID(value)
        if identity.pseudonym(pid) not in self.erased:
            return False
        self.found.append(pid)
        return True

    def row_hook(self, columns: list[str]) -> sqlite_rows.RowHook:
        at, blanks = self._places(columns)

        def hook(row: sqlite_rows.Row) -> sqlite_rows.Row:
            if self.erased and self._listed(str(row[at])):
                for place in blanks:
                    row[place] = b""
            return row

        return hook

    def copy_hook(self, columns: list[str]) -> Callable[[str], str]:
        at, blanks = self._places(columns)

        def hook(line: str) -> str:
            values = line.split("\t")  # a tab inside a value is written as \t
            if not (self.erased and self._listed(values[at])):
                return line
            for place in blanks:
                values[place] = "\\\\x"  # an empty bytea in COPY's text format
            return "\t".join(values)

        return hook


def _sqlite_source(sealed: Sealed, plain: Iterator[bytes]) -> Iterator[bytes]:
    """The snapshot as a row stream: as stored, or read out of a page image (formats 1-2)."""
    if sealed.snapshot == ROWS:
        yield from plain
        return
    image = bytearray(b"".join(plain))
    if bytes(image[:16]) != b"SQLite format 3\x00":
        raise BackupError("This backup does not hold an SQLite database.")
    image[18] = image[19] = 1  # a page image in WAL mode does not open in memory
    with contextlib.closing(sqlite3.connect(":memory:", isolation_level=None)) as db:
        db.deserialize(bytes(image))
        del image
        yield from sqlite_rows.dump_connection(db)


def _erase_in_staging(
    staging: Path, erased: set[str], found: list[uuid.UUID]
) -> tuple[int, chain.Head | None]:
    """Erase again, in the staging database and in one transaction, everyone the ledger
    lists. The live database's settings are put back afterwards, whatever happens."""
    connections.close_all()
    config = connections[DEFAULT_DB_ALIAS].settings_dict
    live = config["NAME"], config.get("OPTIONS", {})
    head_file = django_settings.AUDIT_HEAD_FILE
    live_checkpoint = django_settings.AUDIT_CHECKPOINT_FILE
    # The erasures' audit entries are the restored chain's; the real head file is pointed
    # at it only once that chain is the database (and no checkpoint of the scratch copy
    # reaches the real checkpoint file). The staging file keeps no journal beside it: a
    # restore killed here leaves a file the next start deletes, never one it uses.
    scratch = Path(django_settings.HOME) / f".restore-head-{secrets.token_hex(4)}"
    config["NAME"] = str(staging)
    config["OPTIONS"] = {
        **live[1],
        "init_command": (
            "PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF; PRAGMA secure_delete=ON;"
        ),
    }
    django_settings.AUDIT_HEAD_FILE = scratch
    django_settings.AUDIT_CHECKPOINT_FILE = scratch.with_suffix(".checkpoint")
    try:
        with transaction.atomic():
            reerased = _reapply(erased, actor=SYSTEM, found=found)
        head = chain.database_head()
        with connection.cursor() as cursor:
            # In WAL mode before it goes in, as the live database is: the first connection
            # to it then rewrites no header through a rollback journal, which a kill would
            # leave beside the live database (a copy of its pages).
            cursor.execute("PRAGMA journal_mode=WAL")
    except DatabaseError as error:
        raise BackupError(
            f"The backup's database could not be erased again ({error}); a backup made "
            "by an older healthcamp is restored with that version, then upgraded."
        ) from None
    finally:
        connection.close()
        config["NAME"], config["OPTIONS"] = live
        django_settings.AUDIT_HEAD_FILE = head_file
        scratch.unlink(missing_ok=True)
        Path(django_settings.AUDIT_CHECKPOINT_FILE).unlink(missing_ok=True)
        django_settings.AUDIT_CHECKPOINT_FILE = live_checkpoint
    return reerased, head


def _restore_sqlite(
    sealed: Sealed, plain: Iterator[bytes], erased: set[str], recording: _Recording
) -> tuple[int, chain.Head | None]:
    target = Path(connection.settings_dict["NAME"])
    staging = target.with_name(target.name + ".restoring")
    _drop_staging(staging)
    blanker = _Blanker(erased)
    swapped = False
    try:
        try:
            sqlite_rows.load(
                staging, _sqlite_source(sealed, plain), hooks={blanker.table: blanker.row_hook}
            )
        except (sqlite_rows.RowsError, sqlite3.Error, ValueError) as error:
            raise BackupError(f"{sealed.path} could not be loaded: {error}.") from None
        reerased, head = _erase_in_staging(staging, erased, blanker.found)
        fd = os.open(staging, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        _write_journal(head, recording)
        if target.exists():
            # Everything the live database's WAL holds goes into its main file, and the
            # WAL is emptied: no frame of the old database can ever be read into the new.
            with contextlib.closing(sqlite3.connect(target, timeout=30)) as db:
                busy = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if busy:
                raise BackupError(
                    f"Another process keeps {target} open; stop it and run the restore again."
                )
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        os.replace(staging, target)
        swapped = True
        fsync_dir(target.parent)
    finally:
        if not swapped:
            _drop_staging(staging)
            _journal().unlink(missing_ok=True)
    return reerased, head


_COPY = re.compile(r"COPY (?P<table>\S+) \((?P<columns>.*)\) FROM stdin;")


def _copy_hook(line: str, blanker: _Blanker) -> Callable[[str], str] | None:
    """The blanking of a COPY into the participant table; None for any other table."""
    match = _COPY.fullmatch(line)
    if match is None or match["table"].rsplit(".", 1)[-1].strip('"') != blanker.table:
        return None
    return blanker.copy_hook([c.strip().strip('"') for c in match["columns"].split(",")])


def _restore_sql(lines: Iterator[str], blanker: _Blanker) -> None:
    """Run pg_restore's SQL on this connection (inside the caller's transaction) as it
    comes: plain statements between the tables' rows, each table's rows through COPY, a
    batch at a time."""
    raw = connection.connection
    statements: list[str] = []
    with raw.cursor() as cursor:

        def flush() -> None:
            text = "\n".join(statements).strip()
            statements.clear()
            if text:
                cursor.execute(text)

        for line in lines:
            if line.startswith("\\"):  # psql meta-commands (\restrict ...): not SQL
                continue
            if line.startswith("COPY ") and line.rstrip().endswith(" FROM stdin;"):
                flush()
                hook = _copy_hook(line.rstrip(), blanker)
                with cursor.copy(line.rstrip()[: -len(" FROM stdin;")] + " FROM STDIN") as copy:
                    batch: list[str] = []
                    size = 0
                    for row in lines:
                        if row == "\\.":
                            break
                        batch.append((hook(row) if hook else row) + "\n")
                        size += len(row)
                        if size >= CHUNK:
                            copy.write("".join(batch))
                            batch, size = [], 0
                    if batch:
                        copy.write("".join(batch))
                continue
            statements.append(line)
        flush()


class _PgRestore:
    """pg_restore turning the dump into SQL as the decrypted chunks are fed to it (by a
    thread: it reads and writes at once), its SQL read line by line."""

    def __init__(self, plain: Iterator[bytes]) -> None:
        command, env = _pg_command("pg_restore", "--clean", "--if-exists", "--no-owner", "--file=-")
        self.process = subprocess.Popen(  # noqa: S603
            command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.plain = plain
        self.failures: list[BaseException] = []
        self.messages: list[bytes] = []
        errors = cast(IO[bytes], self.process.stderr)
        self.feeder = threading.Thread(target=self._feed, daemon=True)
        self.reader = threading.Thread(
            target=lambda: self.messages.append(errors.read()), daemon=True
        )
        self.feeder.start()
        self.reader.start()

    def _feed(self) -> None:
        given = cast(IO[bytes], self.process.stdin)
        try:
            for chunk in self.plain:
                given.write(chunk)
        except BrokenPipeError:  # pg_restore stopped; its message says why
            pass
        except BaseException as error:
            self.failures.append(error)  # for the main thread to raise
        finally:
            with contextlib.suppress(OSError):
                given.close()

    def lines(self) -> Iterator[str]:
        output = cast(IO[bytes], self.process.stdout)
        for line in io.TextIOWrapper(output, encoding="utf-8", newline="\n"):
            yield line[:-1] if line.endswith("\n") else line

    def finish(self) -> None:
        """Once its SQL is all read: raise if the file or pg_restore failed."""
        self.feeder.join()
        self.reader.join()
        if self.failures:
            raise self.failures[0]
        if self.process.wait() != 0:
            message = b"".join(self.messages).decode(errors="replace").strip()
            raise BackupError(f"pg_restore failed: {message}")

    def stop(self) -> BackupError | None:
        """Whatever happened: pg_restore ended, threads joined. The file's own failure,
        if it changed under the restore (the cause of whatever followed)."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.feeder.join()
        self.reader.join()
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
        failed = [f for f in self.failures if isinstance(f, BackupError)]
        return failed[0] if failed else None


def _restore_postgresql(
    plain: Iterator[bytes], erased: set[str], recording: _Recording
) -> tuple[int, chain.Head | None]:
    """The dump's SQL, streamed, and the erasures run in one transaction."""
    restoring = _PgRestore(plain)
    blanker = _Blanker(erased)
    problem: BackupError | None = None
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SHOW search_path")
                search_path = cursor.fetchone()[0]
            _restore_sql(restoring.lines(), blanker)
            restoring.finish()
            with connection.cursor() as cursor:  # the dump's SQL empties it for its session
                cursor.execute(
                    "SELECT pg_catalog.set_config('search_path', %s, false)", [search_path]
                )
            reerased = _reapply(erased, actor=SYSTEM, found=blanker.found)
            head = chain.database_head()
            _write_journal(head, recording)
    except DatabaseError as error:
        problem = BackupError(f"The restore failed and was rolled back: {error}")
    finally:
        changed = restoring.stop()
        connection.close()  # the dump's SET statements stay with that session
    if changed is not None:
        raise changed
    if problem is not None:
        raise problem
    return reerased, head


@dataclass(frozen=True)
class RestoreInfo:
    taken_at: str
    reerased: int
    audit_head: int


def restore(*, path: Path) -> RestoreInfo:
    with server_lock.exclusive("restoring a backup"):
        sealed = _read(path)  # every chunk authenticated before anything is replaced
        header = sealed.header
        if header["engine"] != connection.vendor:
            raise BackupError(
                f"This backup is of a {header['engine']} database; the configured one is not."
            )
        _finish_interrupted_restore()
        erased = _ledger()
        recording = _Recording(header["taken_at"], datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
        plain = _plaintext(sealed)  # authenticated again, chunk by chunk, as it streams
        try:
            if header["engine"] == "sqlite":
                reerased, head = _restore_sqlite(sealed, plain, erased, recording)
            else:
                reerased, head = _restore_postgresql(plain, erased, recording)
        finally:
            plain.close()
        connections.close_all()
        if head is not None:  # the restored chain is the log now; its head is the one to keep
            chain.replace_head_file(head)
        head = _record_restore(recording, head)
        _journal().unlink(missing_ok=True)  # recorded: nothing is left to finish at start
    return RestoreInfo(header["taken_at"], reerased, head.seq if head else 0)


def _record_restore(recording: _Recording, head: chain.Head | None) -> chain.Head | None:
    """A restore is an event in the log, never a silent rewrite: the signed checkpoint of
    the history before it is kept aside as evidence, an entry says which backup came back
    and how far the log went back, and a new checkpoint is signed. A witness that cosigned
    the old history sees the fork and reports it. Run again after a kill (from the
    journal, at start), it does what is left: the entry is appended once."""
    from healthcamp.audit import tree, verified_state

    written = _restore_entry_after(head)
    if written is None:
        aside = _set_aside_before_restore(recording.stamp)
        with transaction.atomic():
            written = chain.append(
                actor=_RESTORE_ACTOR,
                role="coordinator",
                action=_RESTORE_ACTION,
                purpose="audit",
                outcome="allowed",
                detail=(
                    f"restored the backup taken at {recording.taken_at}; the log went back to "
                    f"{head.seq if head else 0} entries{aside}"
                )[:500],
            )
    tree.forget_last_checkpoint()
    # issue() writes the file only when it signs; a killed run may have signed and died.
    tree.publish(tree.issue())
    # What `audit verify` remembered belongs to the history before: check the restored
    # log from its first entry next time.
    verified_state.forget()
    return written


_RESTORE_ACTOR, _RESTORE_ACTION = "system:restore", "audit.restore"


def _restore_entry_after(head: chain.Head | None) -> chain.Head | None:
    """The restore's own entry, if it is already the log's next entry after the restored
    head (a restore killed after appending it); None otherwise."""
    from healthcamp.audit import scan
    from healthcamp.audit.models import AuditEntry

    seq = (head.seq if head else 0) + 1
    row = AuditEntry.objects.filter(seq=seq).values_list("prev_hash", "hash", "body").first()
    if row is None or bytes(row[0]) != (head.hash if head else scan.GENESIS):
        return None
    _, fields = chain.decode(row[2])
    if (fields.get("actor"), fields.get("action")) != (_RESTORE_ACTOR, _RESTORE_ACTION):
        return None
    return chain.Head(seq, bytes(row[1]))


def _set_aside_before_restore(stamp: str) -> str:
    """Move the checkpoint and the witnesses' cosignatures of the history before out of
    the way (the new history does not extend them), under names stamped with the restore;
    say what is kept where. A rerun after a kill finds them already moved."""
    from healthcamp.audit import note, tree, witness

    said = ""
    checkpoint = _moved_aside(tree.checkpoint_file(), stamp)
    if checkpoint is not None:
        try:
            size: object = note.open_checkpoint(
                note=checkpoint.read_text(encoding="utf-8"), verifier=tree.signer().verifier
            )[0].size
        except (OSError, UnicodeDecodeError, note.NoteError):
            size = "?"
        said += f"; the checkpoint signed before ({size} entries) is kept as {checkpoint.name}"
    cosigned = _moved_aside(witness.cosigned_file(), stamp)
    if cosigned is not None:
        said += f"; the witnesses' cosignatures of it are kept as {cosigned.name}"
    return said


def _moved_aside(live: Path, stamp: str) -> Path | None:
    """`live` moved to its before-restore name (now, or by a run that was killed), or None
    when there was nothing to move."""
    moved = live.with_name(f"{live.name}.before-restore-{stamp}")
    if live.exists():
        live.replace(moved)
    return moved if moved.exists() else None


def reapply_at_start() -> int:
    """At a server's start: finish an interrupted restore, then erase again, in one
    transaction, anyone the erasure ledger lists who is in the database (put back by a
    restore of an older version, by hand, or by a crash). Returns how many."""
    _finish_interrupted_restore()
    erased = _ledger()
    with transaction.atomic():
        return _reapply(erased, actor=AT_START)
