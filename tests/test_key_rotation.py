"""Key rotation re-wraps every data key, resumes after an interruption, touches no data."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.apps import apps

from healthcamp.access import identity, keys, participants
from healthcamp.access.errors import VaultUnavailable
from healthcamp.access.roles import Purpose
from healthcamp.audit import chain

pytestmark = pytest.mark.django_db


@pytest.fixture
def home(settings: Any, tmp_path: Any):
    settings.HOME = tmp_path
    identity.forget_keys()
    yield tmp_path
    identity.forget_keys()


def _people(registrar, programme, n: int) -> list:
    return [
        participants.participant_register(
            actor=registrar.actor,
            programme_id=programme.id,
            given_name=name,
            family_name="Rotor",
            date_of_birth=date(1960, 1, 1),
            sex="other",
            preferred_language="en",
        ).id
        for name in ["Ada", "Ben", "Cy", "Dee", "Eve"][:n]
    ]


def _names(registrar, ids) -> list[str]:
    return [
        participants.participant_read(
            actor=registrar.actor, purpose=Purpose.REGISTRATION, participant_id=pid
        ).given_name
        for pid in ids
    ]


def test_rotation_rewraps_every_key_and_leaves_the_data(home, registrar, programme) -> None:
    ids = _people(registrar, programme, 3)
    model = apps.get_model("registry", "Participant")
    sealed_before = {p.pk: bytes(p.given_name_sealed) for p in model.objects.all()}
    old = (home / "vault-kek").read_bytes()
    result = keys.rotate()
    assert result.rewrapped == 3
    assert (home / "vault-kek").read_bytes() != old
    assert result.retired.read_bytes() == old
    assert not (home / "vault-kek.next").exists()
    assert set(model.objects.values_list("kek_id", flat=True)) == {result.new_id}
    assert {p.pk: bytes(p.given_name_sealed) for p in model.objects.all()} == sealed_before
    assert _names(registrar, ids) == ["Ada", "Ben", "Cy"]
    assert chain.verify(check_head_file=False).ok


def test_an_interrupted_rotation_resumes(home, registrar, programme, monkeypatch) -> None:
    ids = _people(registrar, programme, 5)
    monkeypatch.setattr(keys, "BATCH", 2)

    def stop_after_first_batch(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        keys.rotate(progress=stop_after_first_batch)
    identity.forget_keys()
    kek_ids = list(
        apps.get_model("registry", "Participant").objects.values_list("kek_id", flat=True)
    )
    assert len(set(kek_ids)) == 2  # half way: both keys in use
    assert _names(registrar, ids) == ["Ada", "Ben", "Cy", "Dee", "Eve"]  # still readable
    result = keys.rotate()
    assert result.rewrapped == 3
    assert _names(registrar, ids) == ["Ada", "Ben", "Cy", "Dee", "Eve"]


def test_new_participants_during_a_rotation_use_the_new_key(
    home, registrar, programme, monkeypatch
) -> None:
    _people(registrar, programme, 2)
    from healthcamp.vault import keys as vault_keys

    vault_keys.start_rotation()
    identity.forget_keys()
    new_id = identity.keyring().next_kek.key_id  # type: ignore[union-attr]
    late = _people(registrar, programme, 1)[0]
    assert apps.get_model("registry", "Participant").objects.get(pk=late).kek_id == new_id
    assert keys.rotate().rewrapped == 2


def test_a_key_from_the_environment_is_not_rotated_here(
    home, registrar, programme, monkeypatch
) -> None:
    import base64

    monkeypatch.setenv("HEALTHCAMP_VAULT_KEK", base64.b64encode(bytes(32)).decode())
    with pytest.raises(VaultUnavailable, match="rotate it where it is kept"):
        keys.rotate()
