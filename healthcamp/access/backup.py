"""Backups that cannot bring an erased person back.

A backup file is one JSON header line, then the database snapshot (SQLite online
backup API, or pg_dump's custom format) encrypted with AES-256-GCM under a key derived
from the vault's key-encryption key. The snapshot holds participants' data keys only
wrapped by that key, so the file alone opens nothing.

Restoring replaces the database with the snapshot, then erases again everyone the
erasure ledger (the live database's and HEALTHCAMP_HOME/erasure-ledger) says was erased,
and points the audit head file at the restored chain's head.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import sqlite3
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.db import DatabaseError, connection, connections

from healthcamp.access import erasure, identity
from healthcamp.access.roles import Role
from healthcamp.access.staff import Actor
from healthcamp.audit import chain
from healthcamp.registry.models import ErasureRecord, Participant

FORMAT = "healthcamp-backup-1"
SYSTEM = Actor(staff_id=0, username="restore", role=Role.COORDINATOR)


class BackupError(Exception):
    """The backup cannot be written or read; the message says why and what to do."""


def _backup_key(salt: bytes) -> tuple[bytes, str]:
    ring = identity.keyring()
    kek = getattr(ring.kek, "key", None)
    if kek is None:
        raise BackupError("Backups need a local vault key; this key encryption key has none.")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"healthcamp backup").derive(
        kek
    )
    return key, ring.kek.key_id


def _snapshot(target: Path) -> str:
    """Write a consistent copy of the database to target; return the engine's name."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)  # SQLite's online backup API
        return "sqlite"
    env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    command = [
        "pg_dump", "--format=custom", "--no-owner", f"--file={target}",
        "-h", settings.get("HOST") or "127.0.0.1", "-p", str(settings.get("PORT") or 5432),
        "-U", settings.get("USER") or "postgres", settings["NAME"],
    ]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return "postgresql"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    taken_at: str
    erasures: int


def backup(*, path: Path) -> BackupInfo:
    if path.exists():
        raise BackupError(f"{path} exists already; choose a new file name (nothing overwritten).")
    with tempfile.TemporaryDirectory() as work:
        snapshot = Path(work) / "snapshot"
        engine = _snapshot(snapshot)
        plain = snapshot.read_bytes()
    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    key, key_id = _backup_key(salt)
    header: dict[str, Any] = {
        "format": FORMAT,
        "engine": engine,
        "taken_at": datetime.now(UTC).isoformat(),
        "kek_id": key_id,
        "salt": salt.hex(),
        "nonce": nonce.hex(),
        "erasures": ErasureRecord.objects.count(),
    }
    sealed = AESGCM(key).encrypt(nonce, plain, json.dumps(header, sort_keys=True).encode())
    header["sha256"] = hashlib.sha256(sealed).hexdigest()
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(json.dumps(header, sort_keys=True).encode() + b"\n" + sealed)
        out.flush()
        os.fsync(out.fileno())
    partial.rename(path)  # never a half-written backup under the real name
    return BackupInfo(path, path.stat().st_size, header["taken_at"], header["erasures"])


def _read(path: Path) -> tuple[dict[str, Any], bytes]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BackupError(f"There is no backup file {path}.") from None
    first, _, sealed = data.partition(b"\n")
    try:
        header = json.loads(first)
    except ValueError:
        raise BackupError(f"{path} is not a healthcamp backup (no header).") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(f"{path} is not a healthcamp backup of format {FORMAT}.")
    if hashlib.sha256(sealed).hexdigest() != header.get("sha256"):
        raise BackupError(f"{path} is damaged: its checksum does not match. Use another copy.")
    signed = {k: v for k, v in header.items() if k != "sha256"}
    key, key_id = _backup_key(bytes.fromhex(header["salt"]))
    if key_id != header["kek_id"]:
        raise BackupError(
            f"{path} was sealed with vault key id {header['kek_id']}, but the vault key loaded "
            f"has id {key_id}: set HEALTHCAMP_VAULT_KEK to the key of that time to restore it."
        )
    try:
        plain = AESGCM(key).decrypt(
            bytes.fromhex(header["nonce"]), sealed, json.dumps(signed, sort_keys=True).encode()
        )
    except InvalidTag:
        raise BackupError(
            f"{path} does not decrypt: it was altered after it was written."
        ) from None
    return header, plain


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
    names.update(json.loads(line)["pseudonym"] for line in lines if line.strip())
    return names


def _replace_database(engine: str, plain: bytes) -> None:
    settings = connection.settings_dict
    if engine != connection.vendor:
        raise BackupError(f"This backup is of a {engine} database; the configured one is not.")
    connections.close_all()
    if engine == "sqlite":
        target = Path(settings["NAME"])
        staging = target.with_name(target.name + ".restoring")
        staging.write_bytes(plain)
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
        staging.replace(target)
        return
    with tempfile.NamedTemporaryFile(suffix=".dump") as dump:
        dump.write(plain)
        dump.flush()
        command = [
            "pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
            "-h", settings.get("HOST") or "127.0.0.1", "-p", str(settings.get("PORT") or 5432),
            "-U", settings.get("USER") or "postgres", "-d", settings["NAME"], dump.name,
        ]  # fmt: skip
        env = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


@dataclass(frozen=True)
class RestoreInfo:
    taken_at: str
    reerased: int
    audit_head: int


def restore(*, path: Path) -> RestoreInfo:
    header, plain = _read(path)  # all checks before anything is replaced
    erased = _ledger()
    _replace_database(header["engine"], plain)
    reerased = 0
    for pid in Participant.objects.values_list("id", flat=True):
        if identity.pseudonym(pid) in erased:
            erasure.shred(actor=SYSTEM, participant_id=uuid.UUID(str(pid)), reason="reapplied")
            reerased += 1
    known = set(ErasureRecord.objects.values_list("pseudonym", flat=True))
    now = datetime.now(UTC)
    ErasureRecord.objects.bulk_create(
        ErasureRecord(pseudonym=name, erased_at=now, reason="reapplied")
        for name in sorted(erased - known)
    )
    head = chain.database_head()
    if head is not None:  # the restored chain is the log now; its head is the one to keep
        chain.replace_head_file(head)
    return RestoreInfo(header["taken_at"], reerased, head.seq if head else 0)
