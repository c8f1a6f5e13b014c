"""Sealing and opening participants' identifying fields with the vault.

The only place that touches the vault keys on behalf of the access layer.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar

from healthcamp.access.errors import VaultUnavailable
from healthcamp.registry.models import Participant
from healthcamp.vault import crypto
from healthcamp.vault.keys import KeyRing, VaultKeyError, load_keyring

_cache: dict[str, KeyRing] = {}
F = TypeVar("F", bound=Callable[..., Any])


def _vault_errors(function: F) -> F:
    """Key problems leave the access layer as VaultUnavailable, with the vault's message."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except VaultKeyError as error:
            raise VaultUnavailable(str(error)) from error

    return wrapper  # type: ignore[return-value]


@_vault_errors
def keyring() -> KeyRing:
    """The vault keys; made on first run, and only while no participant is sealed with them."""
    from django.conf import settings

    home = str(settings.HOME)
    ring = _cache.get(home)
    if ring is None:
        try:
            ring = load_keyring(create=False)
        except VaultKeyError:
            if Participant.objects.exists():
                raise
            ring = load_keyring(create=True)
        _cache[home] = ring
    return ring


def forget_keys() -> None:
    """Drop the cached keys (after rotation, or when a test replaces a key file)."""
    _cache.clear()


class Sealed(Protocol):
    """A participant row as stored (a model instance, or a tuple of its columns)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def kek_id(self) -> str: ...
    @property
    def wrapped_key(self) -> bytes | memoryview: ...
    @property
    def given_name_sealed(self) -> bytes | memoryview: ...
    @property
    def family_name_sealed(self) -> bytes | memoryview: ...
    @property
    def date_of_birth_sealed(self) -> bytes | memoryview: ...
    @property
    def phone_sealed(self) -> bytes | memoryview: ...


@dataclass(frozen=True)
class Identity:
    given_name: str
    family_name: str
    date_of_birth: date
    phone: str


def age_band(born: date, today: date) -> str:
    """Five-year band, 85+ at the top: all that statistics see of an age."""
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age >= 85:
        return "85+"
    low = max(age, 0) // 5 * 5
    return f"{low}-{low + 4}"


@_vault_errors
def seal_identity(
    participant_id: uuid.UUID, identity: Identity, *, today: date
) -> dict[str, object]:
    """Column values for a new participant row: ciphertext, wrapped key, blind indexes."""
    ring = keyring()
    pid = participant_id.hex
    data_key = crypto.new_data_key()
    cipher = crypto.opener(data_key)
    exact, tolerant = crypto.name_indexes(
        ring.index_key,
        given=identity.given_name,
        family=identity.family_name,
        born=identity.date_of_birth,
    )
    return {
        "id": participant_id,
        "given_name_sealed": crypto.seal(
            cipher, participant=pid, field="given_name", value=identity.given_name
        ),
        "family_name_sealed": crypto.seal(
            cipher, participant=pid, field="family_name", value=identity.family_name
        ),
        "date_of_birth_sealed": crypto.seal(
            cipher,
            participant=pid,
            field="date_of_birth",
            value=identity.date_of_birth.isoformat(),
        ),
        "phone_sealed": crypto.seal(cipher, participant=pid, field="phone", value=identity.phone),
        "wrapped_key": ring.writing_kek.wrap(data_key, participant=pid),
        "kek_id": ring.writing_kek.key_id,
        "name_index": exact,
        "tolerant_index": tolerant,
        "age_band": age_band(identity.date_of_birth, today),
    }


@_vault_errors
def data_key_of(participant: Sealed) -> bytes:
    ring = keyring()
    kek = ring.kek_for(participant.kek_id)
    if kek is None:
        raise VaultKeyError(
            f"Participant {participant.id.hex} was sealed with vault key id {participant.kek_id}, "
            f"but the vault key loaded has id {ring.kek.key_id}: the key file is the wrong one, "
            "or a key rotation did not finish."
        )
    return kek.unwrap(bytes(participant.wrapped_key), participant=participant.id.hex)


@_vault_errors
def open_identity(participant: Sealed) -> Identity:
    cipher = crypto.opener(data_key_of(participant))
    pid = participant.id.hex

    def field(name: str) -> str:
        sealed = bytes(getattr(participant, f"{name}_sealed"))
        return crypto.open_sealed(cipher, participant=pid, field=name, sealed=sealed)

    return Identity(
        given_name=field("given_name"),
        family_name=field("family_name"),
        date_of_birth=date.fromisoformat(field("date_of_birth")),
        phone=field("phone"),
    )


@_vault_errors
def seal_for(participant: Sealed, *, field: str, value: str) -> bytes:
    """Seal another identifying value (a guardian's name) with this participant's key."""
    return crypto.seal(
        data_key_of(participant), participant=participant.id.hex, field=field, value=value
    )


@_vault_errors
def open_for(participant: Sealed, *, field: str, sealed: bytes) -> str:
    if not sealed:
        return ""
    return crypto.open_sealed(
        data_key_of(participant), participant=participant.id.hex, field=field, sealed=sealed
    )


@_vault_errors
def name_indexes(*, given: str, family: str, born: date) -> tuple[bytes, bytes]:
    return crypto.name_indexes(keyring().index_key, given=given, family=family, born=born)


@_vault_errors
def pseudonym(participant_id: uuid.UUID) -> str:
    return crypto.pseudonym(keyring().index_key, participant_id.hex)
