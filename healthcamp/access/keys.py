"""Key rotation: re-wrap every participant's data key under a new key-encryption key.

The data itself is not touched (it is sealed with the data keys, which do not change).
Batches commit one by one; an interrupted rotation resumes where it stopped, because
each row records which key wraps it and the new key stays on disk until the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from healthcamp.access import identity
from healthcamp.access.errors import VaultUnavailable
from healthcamp.audit import chain
from healthcamp.registry.models import Participant
from healthcamp.vault import keys

BATCH = 500


@dataclass(frozen=True)
class Rotation:
    old_id: str
    new_id: str
    rewrapped: int
    retired: Path


def rotate(*, progress: Callable[[int, int], None] | None = None) -> Rotation:
    """Re-wrap all data keys under a new key; report (done, total) as batches commit."""
    import os

    if "HEALTHCAMP_VAULT_KEK" in os.environ:
        raise VaultUnavailable(
            "The vault key comes from HEALTHCAMP_VAULT_KEK; rotate it where it is kept "
            "(this command rotates the key file in HEALTHCAMP_HOME)."
        )
    identity.forget_keys()
    ring = identity.keyring()
    keys.start_rotation()
    identity.forget_keys()
    ring = identity.keyring()
    old, new = ring.kek, ring.next_kek
    assert new is not None  # noqa: S101 - start_rotation made it
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
                        f"the current ({old.key_id}) nor the next ({new.key_id}) key."
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
