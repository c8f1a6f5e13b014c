"""Field encryption with a participant's data key, and keyed blind indexes.

Each value is AES-256-GCM with a fresh nonce, and associated data naming the
participant and the field: a ciphertext copied onto another row or field fails.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from datetime import date

from anyascii import anyascii
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from healthcamp.vault.keys import VaultKeyError

_VERSION = b"\x01"
INDEX_BYTES = 16


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def _aad(participant: str, field: str) -> bytes:
    return f"{participant}:{field}".encode()


def seal(data_key: bytes | AESGCM, *, participant: str, field: str, value: str) -> bytes:
    nonce = secrets.token_bytes(12)
    cipher = data_key if isinstance(data_key, AESGCM) else AESGCM(data_key)
    return _VERSION + nonce + cipher.encrypt(nonce, value.encode("utf-8"), _aad(participant, field))


def opener(data_key: bytes) -> AESGCM:
    """One cipher object for all of a participant's fields (building one costs more than
    decrypting a name)."""
    return AESGCM(data_key)


def open_sealed(data_key: bytes | AESGCM, *, participant: str, field: str, sealed: bytes) -> str:
    if sealed[:1] != _VERSION or len(sealed) < 1 + 12 + 16:
        raise VaultKeyError(
            f"The {field} of participant {participant} is not a vault ciphertext; "
            "it was damaged or replaced."
        )
    try:
        cipher = data_key if isinstance(data_key, AESGCM) else AESGCM(data_key)
        plain = cipher.decrypt(sealed[1:13], sealed[13:], _aad(participant, field))
    except InvalidTag:
        raise VaultKeyError(
            f"The {field} of participant {participant} does not decrypt with its data key: "
            "the ciphertext was altered or copied from another record or field."
        ) from None
    return plain.decode("utf-8")


def _exact(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _tolerant(text: str) -> str:
    # Transliterate to ASCII, then keep only letters and digits: accents, case,
    # spacing, punctuation and script no longer matter.
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "".join(ch for ch in anyascii(plain).lower() if ch.isalnum())


def _mac(key: bytes, label: str, *parts: str) -> bytes:
    message = "\x1f".join((label, *parts)).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).digest()[:INDEX_BYTES]


def name_indexes(index_key: bytes, *, given: str, family: str, born: date) -> tuple[bytes, bytes]:
    """(exact, tolerant) blind indexes of a name with a birth date."""
    day = born.isoformat()
    exact = _mac(index_key, "exact", _exact(given), _exact(family), day)
    tolerant = _mac(index_key, "tolerant", _tolerant(given) + _tolerant(family), day)
    return exact, tolerant


def pseudonym(index_key: bytes, participant: str) -> str:
    """A stable stand-in for a participant id in the erasure ledger."""
    return _mac(index_key, "erased", participant).hex()
