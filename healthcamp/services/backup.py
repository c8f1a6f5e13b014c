"""Backups that cannot bring an erased person back.

A backup file is one JSON header line, then the database snapshot (SQLite's online
backup API into memory, or pg_dump's custom format read from its output) encrypted with
AES-256-GCM under a key derived from the vault's key-encryption key, as it streams: no
plaintext copy of the database is ever written to a file. The snapshot holds
participants' data keys only wrapped by that key, so the file alone opens nothing.

Restoring never swaps in a database that still holds someone the erasure ledger (the
live database's and HEALTHCAMP_HOME/erasure-ledger) says was erased:

- SQLite: the snapshot is loaded into a private in-memory database, everyone the ledger
  lists is erased there again in one transaction, and only then is the result written
  beside the database file and renamed over it.
- PostgreSQL: the dump's SQL (from pg_restore) and the erasures run in one transaction.

A process killed at any point leaves either the old database or the restored and
re-erased one. Restore refuses while a server holds the database (server_lock). The
audit head file is pointed at the restored chain; a journal file finishes that step if
the process dies between the swap and it. A server re-applies the ledger each time it
starts (reapply_at_start), so a database put back any other way cannot serve an erased
person either.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import sqlite3
import subprocess
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings as django_settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from healthcamp.access.roles import Role
from healthcamp.access.staff import Actor
from healthcamp.audit import chain
from healthcamp.lib.durable import fsync_dir
from healthcamp.registry.models import ErasureRecord, Participant
from healthcamp.services import erasure, identity, server_lock

FORMAT = "healthcamp-backup-2"
FORMAT_ONE_SHOT = "healthcamp-backup-1"  # before 2: one AES-GCM block, still restored
SYSTEM = Actor(staff_id=0, username="restore", role=Role.COORDINATOR)
AT_START = Actor(staff_id=0, username="server-start", role=Role.COORDINATOR)
CHUNK = 1 << 20
TAG, DIGEST = 16, 32


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


def _sqlite_image() -> bytes:
    """A consistent image of the SQLite database, taken into memory (never a file)."""
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(":memory:")) as copy:
        connection.connection.backup(copy)  # SQLite's online backup API
        return copy.serialize()


def _pg_command(program: str, *extra: str) -> tuple[list[str], dict[str, str]]:
    config = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": config.get("PASSWORD") or ""}
    command = [
        program, "-h", config.get("HOST") or "127.0.0.1", "-p", str(config.get("PORT") or 5432),
        "-U", config.get("USER") or "postgres", *extra,
    ]  # fmt: skip
    return command, env


@contextlib.contextmanager
def _snapshot_stream() -> Iterator[tuple[str, Iterator[bytes]]]:
    """(engine, chunks of the snapshot), never touching a file with the plaintext."""
    if connection.vendor == "sqlite":
        image = memoryview(_sqlite_image())
        yield "sqlite", (bytes(image[i : i + CHUNK]) for i in range(0, len(image), CHUNK))
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
        yield "postgresql", chunks()
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


def _seal_into(
    out: IO[bytes], header: bytes, key: bytes, nonce: bytes, chunks: Iterator[bytes]
) -> None:
    """Header line, ciphertext as it streams, GCM tag, SHA-256 of ciphertext and tag."""
    encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(header)
    digest = hashlib.sha256()
    out.write(header + b"\n")
    for chunk in chunks:
        sealed = encryptor.update(chunk)
        digest.update(sealed)
        out.write(sealed)
    tail = encryptor.finalize() + encryptor.tag
    digest.update(tail)
    out.write(tail + digest.digest())


def backup(*, path: Path) -> BackupInfo:
    if path.exists():
        raise BackupError(f"{path} exists already; choose a new file name (nothing overwritten).")
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    key, key_id = _backup_key(salt)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            erasures = ErasureRecord.objects.count()
            with _snapshot_stream() as (engine, chunks):
                header: dict[str, Any] = {
                    "format": FORMAT,
                    "engine": engine,
                    "taken_at": datetime.now(UTC).isoformat(),
                    "kek_id": key_id,
                    "salt": salt.hex(),
                    "nonce": nonce.hex(),
                    "erasures": erasures,
                }
                line = json.dumps(header, sort_keys=True).encode()
                _seal_into(out, line, key, nonce, chunks)
            out.flush()
            os.fsync(out.fileno())
        os.link(partial, path)  # never a half-written backup under the real name
    except FileExistsError:
        raise BackupError(
            f"{path} exists already; choose a new file name (nothing overwritten)."
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return BackupInfo(path, path.stat().st_size, header["taken_at"], header["erasures"])


# ---- reading one -------------------------------------------------------------------


def _read(path: Path) -> tuple[dict[str, Any], bytes]:
    """Check and decrypt the whole file; nothing is changed before this succeeds."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BackupError(f"There is no backup file {path}.") from None
    first, _, body = data.partition(b"\n")
    try:
        header = json.loads(first)
    except ValueError:
        raise BackupError(f"{path} is not a healthcamp backup (no header).") from None
    if not isinstance(header, dict) or header.get("format") not in (FORMAT, FORMAT_ONE_SHOT):
        raise BackupError(f"{path} is not a healthcamp backup of format {FORMAT}.")
    if header["format"] == FORMAT:
        sealed, checksum = body[:-DIGEST], body[-DIGEST:]
        intact = len(body) >= TAG + DIGEST and hashlib.sha256(sealed).digest() == checksum
        aad = first
    else:
        sealed = body
        intact = hashlib.sha256(sealed).hexdigest() == header.get("sha256")
        signed = {k: v for k, v in header.items() if k != "sha256"}
        aad = json.dumps(signed, sort_keys=True).encode()
    if not intact:
        raise BackupError(f"{path} is damaged: its checksum does not match. Use another copy.")
    try:
        key, _ = _backup_key(bytes.fromhex(header["salt"]), header["kek_id"])
    except BackupError as error:
        raise BackupError(f"{path} {error}") from None
    try:
        plain = AESGCM(key).decrypt(bytes.fromhex(header["nonce"]), sealed, aad)
    except InvalidTag:
        raise BackupError(
            f"{path} does not decrypt: it was altered after it was written."
        ) from None
    return header, plain


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


def _reapply(erased: set[str], *, actor: Actor) -> int:
    """Erase again, in the caller's transaction, everyone the ledger lists."""
    if not erased:
        return 0
    again = [
        uuid.UUID(str(pid))
        for pid in Participant.objects.values_list("id", flat=True)
        if identity.pseudonym(uuid.UUID(str(pid))) in erased
    ]
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


def _write_journal(head: chain.Head | None) -> None:
    """Written before the swap: what the audit head must be once the new database is in."""
    record = {"seq": head.seq, "hash": head.hash.hex()} if head else {}
    path = _journal()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(json.dumps(record))
        handle.flush()
        os.fsync(handle.fileno())
    fsync_dir(path.parent)


def _finish_interrupted_restore() -> None:
    """Clean up after a restore that was killed: drop its staging copy (it never became
    the database), and if the restored database did go in, point the audit head file
    at its chain as the restore would have."""
    staging = _staging()
    if staging is not None:
        staging.unlink(missing_ok=True)
    journal = _journal()
    try:
        record = json.loads(journal.read_text(encoding="ascii") or "{}")
    except FileNotFoundError:
        return
    except ValueError:
        record = {}
    if record:
        expected = chain.Head(int(record["seq"]), bytes.fromhex(record["hash"]))
        try:
            swapped = chain.database_head() == expected
        except DatabaseError:  # no audit table: not the restored database
            swapped = False
        if swapped:
            chain.replace_head_file(expected)
    journal.unlink(missing_ok=True)


def _force_close() -> None:
    # Django ignores close() on an in-memory SQLite database; this one must go.
    BaseDatabaseWrapper.close(connections[DEFAULT_DB_ALIAS])


def _erase_in_memory(image: bytes, erased: set[str]) -> tuple[bytes, int, chain.Head | None]:
    """Load the snapshot into a private in-memory database, erase again there in one
    transaction, and return the resulting database image."""
    buffer = bytearray(image)
    if bytes(buffer[:16]) != b"SQLite format 3\x00":
        raise BackupError("This backup does not hold an SQLite database.")
    buffer[18] = buffer[19] = 1  # WAL is re-enabled when the file is next opened
    uri = f"file:healthcamp-restore-{secrets.token_hex(8)}?mode=memory&cache=shared"
    anchor = sqlite3.connect(uri, uri=True)  # keeps the in-memory database alive
    try:
        with contextlib.closing(sqlite3.connect(":memory:")) as loader:
            loader.deserialize(bytes(buffer))
            loader.backup(anchor)
        connections.close_all()
        config = connections[DEFAULT_DB_ALIAS].settings_dict
        live_name, head_file = config["NAME"], django_settings.AUDIT_HEAD_FILE
        live_checkpoint = django_settings.AUDIT_CHECKPOINT_FILE
        # The erasures' audit entries are the restored chain's; the real head file is
        # pointed at it only once that chain is the database (and no checkpoint of the
        # scratch copy reaches the real checkpoint file).
        scratch = Path(django_settings.HOME) / f".restore-head-{secrets.token_hex(4)}"
        config["NAME"], django_settings.AUDIT_HEAD_FILE = uri, scratch
        django_settings.AUDIT_CHECKPOINT_FILE = scratch.with_suffix(".checkpoint")
        try:
            with transaction.atomic():
                reerased = _reapply(erased, actor=SYSTEM)
            with connection.cursor() as cursor:
                cursor.execute("VACUUM")  # no free page keeps anything erased
            head = chain.database_head()
        except DatabaseError as error:
            raise BackupError(
                f"The backup's database could not be erased again ({error}); a backup made "
                "by an older healthcamp is restored with that version, then upgraded."
            ) from None
        finally:
            _force_close()
            config["NAME"], django_settings.AUDIT_HEAD_FILE = live_name, head_file
            scratch.unlink(missing_ok=True)
            Path(django_settings.AUDIT_CHECKPOINT_FILE).unlink(missing_ok=True)
            django_settings.AUDIT_CHECKPOINT_FILE = live_checkpoint
        return anchor.serialize(), reerased, head
    finally:
        anchor.close()


def _restore_sqlite(image: bytes, erased: set[str]) -> tuple[int, chain.Head | None]:
    staged, reerased, head = _erase_in_memory(image, erased)
    target = Path(connection.settings_dict["NAME"])
    staging = target.with_name(target.name + ".restoring")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(staged)
        out.flush()
        os.fsync(out.fileno())
    _write_journal(head)
    if target.exists():
        # Everything the live database's WAL holds goes into its main file, and the WAL
        # is emptied: no frame of the old database can ever be read into the new one.
        with contextlib.closing(sqlite3.connect(target, timeout=30)) as live:
            busy = live.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
        if busy:
            staging.unlink(missing_ok=True)
            _journal().unlink(missing_ok=True)
            raise BackupError(
                f"Another process keeps {target} open; stop it and run the restore again."
            )
    for suffix in ("-wal", "-shm"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    os.replace(staging, target)
    fsync_dir(target.parent)
    return reerased, head


def _restore_sql(script: str) -> None:
    """Run pg_restore's SQL on this connection (inside the caller's transaction): plain
    statements as they come, each table's rows through COPY."""
    raw = connection.connection
    statements: list[str] = []
    lines = iter(script.split("\n"))
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
                rows = []
                for row in lines:
                    if row == "\\.":
                        break
                    rows.append(row + "\n")
                with cursor.copy(line.rstrip()[: -len(" FROM stdin;")] + " FROM STDIN") as copy:
                    if rows:
                        copy.write("".join(rows))
                continue
            statements.append(line)
        flush()


def _restore_postgresql(dump: bytes, erased: set[str]) -> tuple[int, chain.Head | None]:
    command, env = _pg_command("pg_restore", "--clean", "--if-exists", "--no-owner", "--file=-")
    done = subprocess.run(command, input=dump, env=env, capture_output=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.decode(errors='replace').strip()}")
    script = done.stdout.decode("utf-8")
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SHOW search_path")
                search_path = cursor.fetchone()[0]
            _restore_sql(script)
            with connection.cursor() as cursor:  # the dump's SQL empties it for its session
                cursor.execute(
                    "SELECT pg_catalog.set_config('search_path', %s, false)", [search_path]
                )
            reerased = _reapply(erased, actor=SYSTEM)
            head = chain.database_head()
            _write_journal(head)
    except DatabaseError as error:
        raise BackupError(f"The restore failed and was rolled back: {error}") from None
    finally:
        connection.close()  # the dump's SET statements stay with that session
    return reerased, head


@dataclass(frozen=True)
class RestoreInfo:
    taken_at: str
    reerased: int
    audit_head: int


def restore(*, path: Path) -> RestoreInfo:
    with server_lock.exclusive("restoring a backup"):
        header, plain = _read(path)  # all checks before anything is replaced
        if header["engine"] != connection.vendor:
            raise BackupError(
                f"This backup is of a {header['engine']} database; the configured one is not."
            )
        _finish_interrupted_restore()
        erased = _ledger()
        if header["engine"] == "sqlite":
            reerased, head = _restore_sqlite(plain, erased)
        else:
            reerased, head = _restore_postgresql(plain, erased)
        connections.close_all()
        if head is not None:  # the restored chain is the log now; its head is the one to keep
            chain.replace_head_file(head)
        _journal().unlink(missing_ok=True)
        head = _record_restore(header["taken_at"], head)
    return RestoreInfo(header["taken_at"], reerased, head.seq if head else 0)


def _record_restore(taken_at: str, head: chain.Head | None) -> chain.Head | None:
    """A restore is an event in the log, never a silent rewrite: the signed checkpoint of
    the history before it is kept aside as evidence, an entry says which backup came back
    and how far the log went back, and a new checkpoint is signed. A witness that cosigned
    the old history sees the fork and reports it."""
    from healthcamp.audit import tree

    kept = tree.checkpoint_file()
    held = tree.read_checkpoint_file() if kept.exists() else None
    aside = ""
    if kept.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        moved = kept.with_name(f"{kept.name}.before-restore-{stamp}")
        kept.replace(moved)
        size = held.size if held else "?"
        aside = f"; the checkpoint signed before ({size} entries) is kept as {moved.name}"
    with transaction.atomic():
        written = chain.append(
            actor="system:restore",
            role="coordinator",
            action="audit.restore",
            purpose="audit",
            outcome="allowed",
            detail=(
                f"restored the backup taken at {taken_at}; the log went back to "
                f"{head.seq if head else 0} entries{aside}"
            )[:500],
        )
    tree.forget_last_checkpoint()
    tree.issue()
    # What `audit verify` remembered belongs to the history before: check the restored
    # log from its first entry next time.
    from healthcamp.audit import verified_state

    verified_state.forget()
    return written


def reapply_at_start() -> int:
    """At a server's start: finish an interrupted restore, then erase again, in one
    transaction, anyone the erasure ledger lists who is in the database (put back by a
    restore of an older version, by hand, or by a crash). Returns how many."""
    _finish_interrupted_restore()
    erased = _ledger()
    with transaction.atomic():
        return _reapply(erased, actor=AT_START)
