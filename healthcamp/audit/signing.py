"""The audit log's own key, kept outside the database like the vault's keys: it signs
checkpoints (Ed25519) and authenticates each entry (an HMAC derived from it), so whoever
can only write to the database can neither add an entry nor sign a history.

From `HEALTHCAMP_AUDIT_SIGNING_KEY` (32 bytes, base64) or `HEALTHCAMP_HOME/audit-signing-key`
(mode 0600, made on first use).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings

from healthcamp.lib.key_files import write_private

ENV = "HEALTHCAMP_AUDIT_SIGNING_KEY"
FILE = "audit-signing-key"


class AuditKeyError(Exception):
    """The audit key is missing or damaged; the message says where and what to do."""


@dataclass(frozen=True)
class AuditKey:
    seed: bytes
    source: str

    @property
    def private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def mac_key(self) -> bytes:
        # A separate key for entry MACs, so the signing seed is used for one thing only.
        return hmac.new(self.seed, b"healthcamp audit entry mac v1", hashlib.sha256).digest()


def key_path() -> Path:
    return Path(settings.HOME) / FILE


def _decode(raw: str, source: str) -> bytes:
    try:
        seed = base64.b64decode(raw.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise AuditKeyError(f"The audit signing key in {source} is not base64.") from None
    if len(seed) != 32:
        raise AuditKeyError(
            f"The audit signing key in {source} is {len(seed)} bytes; it must be 32 (Ed25519)."
        )
    return seed


@functools.cache
def _load(home: str, env_value: str | None) -> AuditKey:
    if env_value is not None:
        return AuditKey(_decode(env_value, f"${ENV}"), f"${ENV}")
    path = Path(home) / FILE
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process made it first
            content = base64.b64encode(secrets.token_bytes(32)) + b"\n"
            write_private(path, content, replace=False)
    try:
        raw = path.read_bytes().decode("ascii")
    except (OSError, UnicodeDecodeError) as error:
        raise AuditKeyError(f"The audit signing key {path} cannot be read: {error}") from None
    return AuditKey(_decode(raw, str(path)), str(path))


def load() -> AuditKey:
    return _load(str(settings.HOME), os.environ.get(ENV))


def entry_mac(*, pre: bytes, post: bytes) -> bytes:
    """The MAC of an entry's bytes around its sequence number (which the database assigns).
    Keyed BLAKE2b: one pass, so checking every entry costs little next to hashing it."""
    return hashlib.blake2b(pre + b"\x00" + post, key=load().mac_key, digest_size=32).digest()


def mac_check() -> Callable[[bytes, int, bytes], bool]:
    """A checker of (body, seq, mac) with the key read once: `audit verify`'s hot loop.
    BLAKE2b is keyed once and copied per entry; the body is hashed in place around its
    sequence number, with no joined copy."""
    keyed = hashlib.blake2b(key=load().mac_key, digest_size=32)
    compare = hmac.compare_digest

    def matches(body: bytes, seq: int, mac: bytes) -> bool:
        marker = b'"seq":%d,' % seq
        at = body.find(marker)
        if at < 0:
            return False
        digest = keyed.copy()
        view = memoryview(body)
        digest.update(view[: at + 6])  # up to and including '"seq":'
        digest.update(b"\x00,")
        digest.update(view[at + len(marker) :])
        return compare(digest.digest(), mac)

    return matches
