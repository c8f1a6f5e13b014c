"""The vault's two keys, kept outside the database.

- The key-encryption key (KEK) wraps each participant's data key. It lives in
  HEALTHCAMP_HOME/vault-kek (mode 0600, made on first run) or HEALTHCAMP_VAULT_KEK
  (base64). A KMS or HSM could take its place: the vault only calls wrap/unwrap.
- The index key makes blind indexes (HMAC) of names and birth dates, so a returning
  participant can be found without any name stored in the clear. It lives in
  HEALTHCAMP_HOME/vault-index-key or HEALTHCAMP_VAULT_INDEX_KEY.

Key files are written whole or not at all: into a temporary file that is fsynced,
then linked (or renamed) into place, and the directory fsynced. A key file that is
empty or all zero bytes (left by a crash of an older version while it was being
made) is "half made": it never wrapped anything, so it is made again. Retired keys
(`vault-kek.retired-<id>`, kept after a rotation) are loaded for reading: rows and
backups wrapped by them stay readable.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hashlib
import logging
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from healthcamp.lib.durable import fsync_dir
from healthcamp.lib.key_files import write_private

log = logging.getLogger(__name__)


class VaultKeyError(Exception):
    """A key is missing, malformed or not the one the data was written with."""


class HalfMadeKey(VaultKeyError):
    """A key file that is empty or all zero bytes: its making never finished."""


class KeyEncryptionKey(Protocol):
    @property
    def key_id(self) -> str: ...

    def wrap(self, data_key: bytes, *, participant: str) -> bytes: ...

    def unwrap(self, wrapped: bytes, *, participant: str) -> bytes: ...


def _key_id(key: bytes) -> str:
    return hashlib.sha256(b"healthcamp key id\x00" + key).hexdigest()[:16]


@dataclass(frozen=True)
class LocalKek:
    """AES-256-GCM key wrapping with a key held in this process."""

    key: bytes
    source: str

    # Both kept once made: a bulk read of thousands of people unwraps a key each, and
    # hashing the key for its id or building the cipher cost more than the unwrap.
    @functools.cached_property
    def key_id(self) -> str:
        return _key_id(self.key)

    @functools.cached_property
    def _cipher(self) -> AESGCM:
        return AESGCM(self.key)

    def wrap(self, data_key: bytes, *, participant: str) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + self._cipher.encrypt(nonce, data_key, b"dek:" + participant.encode())

    def unwrap(self, wrapped: bytes, *, participant: str) -> bytes:
        try:
            return self._cipher.decrypt(wrapped[:12], wrapped[12:], b"dek:" + participant.encode())
        except InvalidTag:
            raise VaultKeyError(
                f"The data key of participant {participant} does not open with the vault key "
                f"from {self.source} (key id {self.key_id}): the key is wrong, or the wrapped "
                "key was altered."
            ) from None


def _new_key_text() -> bytes:
    return base64.b64encode(secrets.token_bytes(32)) + b"\n"


def _write_private(path: Path, *, replace: bool) -> None:
    """A new key at path in one step (see lib.key_files)."""
    write_private(path, _new_key_text(), replace=replace)


def remove_stale_temporaries(home: Path) -> None:
    """Temporary key files left by a crash: never promoted, so never used."""
    for stale in home.glob(".vault-*.tmp"):
        stale.unlink(missing_ok=True)


def _decode(raw: str, label: str, source: str) -> bytes:
    if not raw.strip(" \t\r\n\x00"):
        raise HalfMadeKey(
            f"The {label} in {source} is empty: it was being made when a process stopped."
        )
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise VaultKeyError(f"The {label} in {source} is not base64; it may be damaged.") from None
    if len(key) != 32:
        raise VaultKeyError(
            f"The {label} in {source} is {len(key)} bytes long; it must be 32 (AES-256)."
        )
    return key


def _read_file(path: Path, label: str) -> bytes:
    try:
        raw = path.read_bytes().decode("ascii", errors="replace")
    except FileNotFoundError:
        raise VaultKeyError(f"The {label} file {path} is missing.") from None
    return _decode(raw, label, str(path))


def _load(env: str, path: Path, label: str, *, create: bool) -> tuple[bytes, str]:
    raw = os.environ.get(env)
    if raw is not None:
        return _decode(raw, label, f"${env}"), f"${env}"
    if not path.exists():
        if not create:
            raise VaultKeyError(
                f"The {label} file {path} is missing, but the database holds data written "
                f"with it. Restore that file (or set {env}); a new key cannot open old data."
            )
        with contextlib.suppress(FileExistsError):  # another process made it first
            _write_private(path, replace=False)
    try:
        return _read_file(path, label), str(path)
    except HalfMadeKey:
        if not create:
            raise HalfMadeKey(
                f"The {label} file {path} is empty (its making was cut short), but the "
                f"database holds data written with a key: restore that file from a copy (or "
                f"set {env})."
            ) from None
        # Only callers that know nothing is sealed yet pass create: a key whose making
        # never finished has wrapped nothing, so it is made again.
        log.warning("The %s file %s was half made; making it again.", label, path)
        _write_private(path, replace=True)
        return _read_file(path, label), str(path)


RETIRED_PREFIX = "vault-kek.retired-"
_KEY_ID = re.compile(r"[0-9a-f]{16}")


@dataclass(frozen=True)
class KeyRing:
    kek: KeyEncryptionKey
    index_key: bytes
    # During a key rotation: the key that new and re-wrapped data keys use.
    next_kek: KeyEncryptionKey | None = None
    # Keys retired by earlier rotations: for reading rows and backups they still wrap.
    retired: tuple[KeyEncryptionKey, ...] = ()
    # Where to look for a key this ring does not hold yet (a rotation finished by
    # another process since this ring was loaded).
    home: Path | None = None
    _found: dict[str, KeyEncryptionKey] = field(default_factory=dict, compare=False, repr=False)

    @property
    def writing_kek(self) -> KeyEncryptionKey:
        return self.next_kek or self.kek

    def kek_for(self, key_id: str) -> KeyEncryptionKey | None:
        for kek in (self.kek, self.next_kek, *self.retired):
            if kek is not None and kek.key_id == key_id:
                return kek
        if key_id in self._found:
            return self._found[key_id]
        if self.home is None or not _KEY_ID.fullmatch(key_id):
            return None
        for name in (f"{RETIRED_PREFIX}{key_id}", "vault-kek", "vault-kek.next"):
            try:
                path = self.home / name
                candidate = LocalKek(_read_file(path, "vault key"), str(path))
            except VaultKeyError:
                continue
            if candidate.key_id == key_id:
                self._found[key_id] = candidate
                return candidate
        return None


def kek_paths() -> tuple[Path, Path]:
    home = Path(settings.HOME)
    return home / "vault-kek", home / "vault-kek.next"


def _retired(home: Path) -> tuple[KeyEncryptionKey, ...]:
    found = []
    for path in sorted(home.glob(RETIRED_PREFIX + "*")):
        try:
            found.append(LocalKek(_read_file(path, "retired vault key"), str(path)))
        except VaultKeyError as error:
            log.warning("%s Rows and backups wrapped by it cannot be opened.", error)
    return tuple(found)


def load_keyring(*, create: bool) -> KeyRing:
    """The keys; create them only for a database that holds no encrypted data yet."""
    home = Path(settings.HOME)
    current, upcoming = kek_paths()
    from_env = "HEALTHCAMP_VAULT_KEK" in os.environ
    if not current.exists() and upcoming.exists() and not from_env:
        # An older version's rotation stopped between retiring the old key and
        # promoting the new one.
        os.replace(upcoming, current)
        fsync_dir(home)
    kek, kek_source = _load(
        "HEALTHCAMP_VAULT_KEK", current, "vault key-encryption key", create=create
    )
    index_key, _ = _load(
        "HEALTHCAMP_VAULT_INDEX_KEY", home / "vault-index-key", "blind-index key", create=create
    )
    next_kek = None
    if "HEALTHCAMP_VAULT_KEK_NEXT" in os.environ or upcoming.exists():
        try:
            key, source = _load(
                "HEALTHCAMP_VAULT_KEK_NEXT", upcoming, "next vault key", create=False
            )
        except VaultKeyError as error:
            # Reads never depend on a rotation's next key being whole: without it, new
            # data keys are wrapped by the current key, and `keys rotate` makes it again.
            log.warning("%s Run `healthcamp keys rotate` again.", error)
        else:
            next_kek = LocalKek(key, source)
    return KeyRing(
        LocalKek(kek, kek_source),
        index_key,
        next_kek,
        retired=_retired(home),
        home=None if from_env else home,
    )


def next_key_state() -> str:
    """'absent', 'whole', 'half made' (empty) or 'damaged' (malformed, not empty)."""
    _, upcoming = kek_paths()
    if not upcoming.exists():
        return "absent"
    try:
        _read_file(upcoming, "next vault key")
    except HalfMadeKey:
        return "half made"
    except VaultKeyError:
        return "damaged"
    return "whole"


def start_rotation(*, replace_damaged: bool = False) -> None:
    """Make the next key (once; an interrupted rotation keeps the one it started with).

    A half-made next key is made again; a damaged one only when the caller has checked
    that no data key is wrapped by it (replace_damaged).
    """
    home = Path(settings.HOME)
    remove_stale_temporaries(home)
    _, upcoming = kek_paths()
    state = next_key_state()
    if state == "absent":
        with contextlib.suppress(FileExistsError):
            _write_private(upcoming, replace=False)
    elif state == "half made" or (state == "damaged" and replace_damaged):
        log.warning("The next vault key %s was %s; making it again.", upcoming, state)
        _write_private(upcoming, replace=True)
    elif state == "damaged":
        _read_file(upcoming, "next vault key")  # raises, naming what is wrong


def finish_rotation(old_id: str) -> Path:
    """Promote the next key; keep the old one beside it (old backups need it).

    The old key is linked to its retired name first, then the next key replaces the
    current one in one rename: at every instant `vault-kek` is a whole key, and a crash
    between the two steps is finished by running the rotation again.
    """
    current, upcoming = kek_paths()
    retired = current.with_name(f"{RETIRED_PREFIX}{old_id}")
    if not retired.exists():
        os.link(current, retired)
    elif retired.read_bytes() != current.read_bytes() and upcoming.exists():
        raise VaultKeyError(
            f"{retired} exists and differs from {current}; move it aside and run again."
        )
    if upcoming.exists():
        os.replace(upcoming, current)
    fsync_dir(current.parent)
    return retired
