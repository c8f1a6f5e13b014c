"""Key rotation: re-wrap every participant's data key under a new key-encryption key.

The data itself is not touched (it is sealed with the data keys, which do not change).
Batches commit one by one; an interrupted rotation resumes where it stopped, because
each row records which key wraps it and the new key stays on disk until the end. The
old key is kept as `vault-kek.retired-<id>` and still loaded for reading.

A rotation refuses to start while a server holds the database (server_lock): a server
keeps its keys in memory, and would go on wrapping new data keys with the one retired.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from healthcamp.access.errors import VaultUnavailable
from healthcamp.audit import chain
from healthcamp.registry.models import Participant
from healthcamp.services import identity, server_lock
from healthcamp.vault import keys

BATCH = 500


@dataclass(frozen=True)
class Rotation:
    old_id: str
    new_id: str
    rewrapped: int
    retired: Path


def _known_ids(ring: keys.KeyRing) -> set[str]:
    return {k.key_id for k in (ring.kek, ring.next_kek, *ring.retired) if k is not None}


def _start(ring: keys.KeyRing) -> None:
    """Make the next key; a damaged one is replaced only if it wraps no data key."""
    damaged = keys.next_key_state() == "damaged"
    if damaged and Participant.objects.exclude(kek_id__in=_known_ids(ring)).exists():
        raise VaultUnavailable(
            f"The next vault key {keys.kek_paths()[1]} is damaged, and some data keys are "
            "wrapped by a key that is not on disk: restore that file from where it was "
            "copied, then run this again."
        )
    keys.start_rotation(replace_damaged=damaged)


def rotate(*, progress: Callable[[int, int], None] | None = None) -> Rotation:
    """Re-wrap all data keys under a new key; report (done, total) as batches commit."""
    if "HEALTHCAMP_VAULT_KEK" in os.environ:
        raise VaultUnavailable(
            "The vault key comes from HEALTHCAMP_VAULT_KEK; rotate it where it is kept "
            "(this command rotates the key file in HEALTHCAMP_HOME)."
        )
    with server_lock.exclusive("rotating the vault key"):
        try:
            return _rotate(progress)
        except keys.VaultKeyError as error:
            raise VaultUnavailable(str(error)) from error


def _rotate(progress: Callable[[int, int], None] | None) -> Rotation:
    identity.forget_keys()
    _start(identity.keyring())
    identity.forget_keys()
    ring = identity.keyring()
    old, new = ring.kek, ring.next_kek
    if new is None:
        raise VaultUnavailable(f"The next vault key {keys.kek_paths()[1]} could not be made.")
    pending = Participant.objects.exclude(kek_id=new.key_id)
    total = pending.count()
    done = 0
    while True:
        with transaction.atomic():
            batch = list(
                pending.select_for_update().values_list("id", "kek_id", "wrapped_key")[:BATCH]
            )
            if not batch:
                break
            for pid, kek_id, wrapped in batch:
                kek = ring.kek_for(kek_id)
                if kek is None:
                    raise VaultUnavailable(
                        f"Participant {pid.hex} is wrapped by key id {kek_id}, which is neither "
                        f"the current ({old.key_id}), the next ({new.key_id}) nor a retired "
                        f"key in {ring.home}: put its vault-kek.retired-{kek_id} file back."
                    )
                data_key = kek.unwrap(bytes(wrapped), participant=pid.hex)
                Participant.objects.filter(pk=pid).update(
                    wrapped_key=new.wrap(data_key, participant=pid.hex), kek_id=new.key_id
                )
        done += len(batch)
        if progress:
            progress(done, total)
    with transaction.atomic():
        chain.append(
            actor="operator:keys-rotate",
            role="operator",
            action="vault.rotate",
            purpose="programme_setup",
            outcome="allowed",
            detail=f"data keys re-wrapped from key id {old.key_id} to {new.key_id}: {done}",
        )
    retired = keys.finish_rotation(old.key_id)
    identity.forget_keys()
    return Rotation(old.key_id, new.key_id, done, retired)
