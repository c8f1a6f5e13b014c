"""Key rotation re-wraps every data key, resumes after an interruption, touches no data."""

from __future__ import annotations

import base64
import os
from datetime import date
from typing import Any

import pytest
from django.apps import apps

from healthcamp.access.errors import VaultUnavailable
from healthcamp.access.roles import Purpose
from healthcamp.audit import chain
from healthcamp.services import identity, keys, participants

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


@pytest.mark.parametrize("content", [b"", b"\x00" * 45], ids=["empty", "zeros"])
def test_a_half_made_next_key_stops_no_read_and_is_made_again(
    home, registrar, programme, content: bytes
) -> None:
    """A vault-kek.next left empty by a crash while it was made (key files were not
    fsynced) leaves every read working; `keys rotate` makes it again and finishes."""
    ids = _people(registrar, programme, 3)
    (home / "vault-kek.next").write_bytes(content)
    identity.forget_keys()
    assert _names(registrar, ids) == ["Ada", "Ben", "Cy"]
    assert keys.rotate().rewrapped == 3
    identity.forget_keys()
    assert _names(registrar, ids) == ["Ada", "Ben", "Cy"]
    assert not (home / "vault-kek.next").exists()


def test_a_damaged_next_key_that_wraps_nothing_is_replaced(home, registrar, programme) -> None:
    ids = _people(registrar, programme, 2)
    (home / "vault-kek.next").write_text("not a key at all\n")
    identity.forget_keys()
    assert _names(registrar, ids) == ["Ada", "Ben"]
    assert keys.rotate().rewrapped == 2
    identity.forget_keys()
    assert _names(registrar, ids) == ["Ada", "Ben"]


def _register_one(registrar, programme, name: str):
    return participants.participant_register(
        actor=registrar.actor,
        programme_id=programme.id,
        given_name=name,
        family_name="Rotor",
        date_of_birth=date(1970, 5, 6),
        sex="other",
        preferred_language="en",
    ).id


def test_keys_wrapped_by_a_retired_key_stay_readable_and_rotate_again(
    home, registrar, programme
) -> None:
    """A process that loaded its keys before a rotation (a server left running) wraps new
    data keys with the key the rotation retires: after a restart they still open (retired
    keys are loaded for reading), and the next rotation re-wraps them."""
    ids = _people(registrar, programme, 2)
    before_rotation = identity.keyring()
    first = keys.rotate()
    identity._cache[str(home)] = before_rotation  # the running server's keys
    late = _register_one(registrar, programme, "Latecomer")
    model = apps.get_model("registry", "Participant")
    assert model.objects.get(pk=late).kek_id == first.old_id
    identity.forget_keys()  # the restart
    assert _names(registrar, [*ids, late]) == ["Ada", "Ben", "Latecomer"]
    second = keys.rotate()
    assert second.rewrapped == 3
    identity.forget_keys()
    assert _names(registrar, [*ids, late]) == ["Ada", "Ben", "Latecomer"]
    retired = sorted(p.name for p in home.glob("vault-kek.retired-*"))
    assert retired == sorted(
        [f"vault-kek.retired-{first.old_id}", f"vault-kek.retired-{second.old_id}"]
    )


def test_a_rotation_stopped_between_retiring_and_promoting_finishes(
    home, registrar, programme, monkeypatch
) -> None:
    """The old key is linked to its retired name before the new one replaces it: stopped
    between the two, every key still opens and running the rotation again finishes it."""
    from healthcamp.vault import keys as vault_keys

    ids = _people(registrar, programme, 2)
    real_replace = os.replace

    def stop_at_promotion(source: Any, target: Any) -> None:
        if str(source).endswith("vault-kek.next"):
            raise KeyboardInterrupt
        real_replace(source, target)

    monkeypatch.setattr(vault_keys.os, "replace", stop_at_promotion)
    with pytest.raises(KeyboardInterrupt):
        keys.rotate()
    monkeypatch.undo()
    identity.forget_keys()
    assert (home / "vault-kek.next").exists()
    assert _names(registrar, ids) == ["Ada", "Ben"]
    result = keys.rotate()
    assert result.rewrapped == 0
    assert not (home / "vault-kek.next").exists()
    identity.forget_keys()
    assert _names(registrar, ids) == ["Ada", "Ben"]


def test_rotation_refuses_while_a_server_holds_the_database(home, registrar, programme) -> None:
    from healthcamp.services import server_lock

    _people(registrar, programme, 1)
    old = (home / "vault-kek").read_bytes()
    server_lock.hold_for_server()
    try:
        with pytest.raises(server_lock.DatabaseInUse, match="stop it before rotating"):
            keys.rotate()
    finally:
        server_lock.release_server_hold()
    assert (home / "vault-kek").read_bytes() == old
    assert not (home / "vault-kek.next").exists()
    assert keys.rotate().rewrapped == 1  # once the server is gone


def test_key_files_are_whole_private_and_a_half_made_one_is_made_again(home) -> None:
    """Made through an fsynced temporary file linked into place: never empty, 0600, no
    temporary left. An empty key file while nothing is sealed is made again."""
    (home / "vault-kek").write_bytes(b"")
    ring = identity.keyring()  # nothing sealed yet: the half-made key is replaced
    for name in ("vault-kek", "vault-index-key"):
        path = home / name
        assert path.stat().st_mode & 0o777 == 0o600
        assert len(base64.b64decode(path.read_text().strip())) == 32
    assert ring.kek.key_id
    assert not list(home.glob(".*.tmp"))
