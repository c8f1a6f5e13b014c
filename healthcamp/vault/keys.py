"""The vault's two keys, kept outside the database.

- The key-encryption key (KEK) wraps each participant's data key. It lives in
  HEALTHCAMP_HOME/vault-kek (mode 0600, made on first run) or HEALTHCAMP_VAULT_KEK
  (base64). A KMS or HSM could take its place: the vault only calls wrap/unwrap.
- The index key makes blind indexes (HMAC) of names and birth dates, so a returning
  participant can be found without any name stored in the clear. It lives in
  HEALTHCAMP_HOME/vault-index-key or HEALTHCAMP_VAULT_INDEX_KEY.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings


class VaultKeyError(Exception):
    """A key is missing, malformed or not the one the data was written with."""


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

    @property
    def key_id(self) -> str:
        return _key_id(self.key)

    def wrap(self, data_key: bytes, *, participant: str) -> bytes:
        nonce = secrets.token_bytes(12)
        return nonce + AESGCM(self.key).encrypt(nonce, data_key, b"dek:" + participant.encode())

    def unwrap(self, wrapped: bytes, *, participant: str) -> bytes:
        try:
            return AESGCM(self.key).decrypt(
                wrapped[:12], wrapped[12:], b"dek:" + participant.encode()
            )
        except InvalidTag:
            raise VaultKeyError(
                f"The data key of participant {participant} does not open with the vault key "
                f"from {self.source} (key id {self.key_id}): the key is wrong, or the wrapped "
                "key was altered."
            ) from None


def _load(env: str, path: Path, label: str, *, create: bool) -> tuple[bytes, str]:
    raw = os.environ.get(env)
    source = f"${env}"
    if raw is None:
        source = str(path)
        if not path.exists():
            if not create:
                raise VaultKeyError(
                    f"The {label} file {path} is missing, but the database holds data written "
                    f"with it. Restore that file (or set {env}); a new key cannot open old data."
                )
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(base64.b64encode(secrets.token_bytes(32)).decode() + "\n")
        raw = path.read_text(encoding="ascii")
    try:
        key = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise VaultKeyError(f"The {label} in {source} is not base64; it may be damaged.") from None
    if len(key) != 32:
        raise VaultKeyError(
            f"The {label} in {source} is {len(key)} bytes long; it must be 32 (AES-256)."
        )
    return key, source


@dataclass(frozen=True)
class KeyRing:
    kek: KeyEncryptionKey
    index_key: bytes
    # During a key rotation: the key that new and re-wrapped data keys use.
    next_kek: KeyEncryptionKey | None = None

    @property
    def writing_kek(self) -> KeyEncryptionKey:
        return self.next_kek or self.kek

    def kek_for(self, key_id: str) -> KeyEncryptionKey | None:
        for kek in (self.kek, self.next_kek):
            if kek is not None and kek.key_id == key_id:
                return kek
        return None


def kek_paths() -> tuple[Path, Path]:
    home = Path(settings.HOME)
    return home / "vault-kek", home / "vault-kek.next"


def load_keyring(*, create: bool) -> KeyRing:
    """The keys; create them only for a database that holds no encrypted data yet."""
    home = Path(settings.HOME)
    current, upcoming = kek_paths()
    if not current.exists() and upcoming.exists() and "HEALTHCAMP_VAULT_KEK" not in os.environ:
        # A rotation stopped between retiring the old key and promoting the new one.
        upcoming.rename(current)
    kek, kek_source = _load(
        "HEALTHCAMP_VAULT_KEK", current, "vault key-encryption key", create=create
    )
    index_key, _ = _load(
        "HEALTHCAMP_VAULT_INDEX_KEY", home / "vault-index-key", "blind-index key", create=create
    )
    next_kek = None
    if upcoming.exists():
        key, source = _load("HEALTHCAMP_VAULT_KEK_NEXT", upcoming, "next vault key", create=False)
        next_kek = LocalKek(key, source)
    return KeyRing(LocalKek(kek, kek_source), index_key, next_kek)


def start_rotation() -> None:
    """Make the next key (once; an interrupted rotation keeps the one it started with)."""
    _, upcoming = kek_paths()
    if not upcoming.exists():
        _load("HEALTHCAMP_VAULT_KEK_NEXT", upcoming, "next vault key", create=True)


def finish_rotation(old_id: str) -> Path:
    """Promote the next key; keep the old one beside it (old backups need it)."""
    current, upcoming = kek_paths()
    retired = current.with_name(f"vault-kek.retired-{old_id}")
    current.rename(retired)
    upcoming.rename(current)
    return retired
