"""The vault: sealed fields, bound to their record, opened only with the right keys."""

from __future__ import annotations

import base64
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from healthcamp.access.errors import VaultUnavailable
from healthcamp.access.roles import Purpose
from healthcamp.services import identity, participants
from healthcamp.vault import crypto
from healthcamp.vault.keys import LocalKek, VaultKeyError, load_keyring

KEY = bytes(range(32))


@given(value=st.text(max_size=200), field=st.sampled_from(["given_name", "phone"]))
def test_sealed_values_open_to_what_went_in(value: str, field: str) -> None:
    sealed = crypto.seal(KEY, participant="p1", field=field, value=value)
    assert len(sealed) == 1 + 12 + len(value.encode()) + 16  # version, nonce, text, tag
    assert sealed != crypto.seal(KEY, participant="p1", field=field, value=value)  # fresh nonce
    assert crypto.open_sealed(KEY, participant="p1", field=field, sealed=sealed) == value


def test_a_ciphertext_moved_to_another_field_or_record_fails() -> None:
    sealed = crypto.seal(KEY, participant="p1", field="given_name", value="Amina")
    with pytest.raises(VaultKeyError, match="given_name of participant p2 does not decrypt"):
        crypto.open_sealed(KEY, participant="p2", field="given_name", sealed=sealed)
    with pytest.raises(VaultKeyError, match="family_name of participant p1"):
        crypto.open_sealed(KEY, participant="p1", field="family_name", sealed=sealed)


def test_a_damaged_ciphertext_fails_clearly() -> None:
    sealed = bytearray(crypto.seal(KEY, participant="p1", field="phone", value="+254 700"))
    sealed[-1] ^= 1
    with pytest.raises(VaultKeyError, match="altered or copied"):
        crypto.open_sealed(KEY, participant="p1", field="phone", sealed=bytes(sealed))
    with pytest.raises(VaultKeyError, match="not a vault ciphertext"):
        crypto.open_sealed(KEY, participant="p1", field="phone", sealed=b"Amina")


def test_a_data_key_opens_only_with_its_kek() -> None:
    right, wrong = LocalKek(KEY, "test"), LocalKek(bytes(32), "the other file")
    wrapped = right.wrap(b"k" * 32, participant="p1")
    assert right.unwrap(wrapped, participant="p1") == b"k" * 32
    with pytest.raises(VaultKeyError, match=f"the other file \\(key id {wrong.key_id}\\)"):
        wrong.unwrap(wrapped, participant="p1")


def test_blind_indexes_tolerate_case_accents_spacing_and_script() -> None:
    born = date(1980, 1, 2)
    exact, tolerant = crypto.name_indexes(KEY, given="José María", family="Núñez", born=born)
    again = crypto.name_indexes(KEY, given="jose  maria", family="NUNEZ", born=born)
    assert again[1] == tolerant
    assert again[0] != exact  # exact keeps accents
    assert crypto.name_indexes(KEY, given="José María", family="Núñez", born=born)[0] == exact
    cyrillic = crypto.name_indexes(KEY, given="Анна", family="Иванова", born=born)[1]
    latin = crypto.name_indexes(KEY, given="Anna", family="Ivanova", born=born)[1]
    assert cyrillic == latin
    other_day = crypto.name_indexes(KEY, given="Anna", family="Ivanova", born=date(1980, 1, 3))
    assert other_day[1] != latin
    other_key = crypto.name_indexes(bytes(32), given="Anna", family="Ivanova", born=born)
    assert other_key[1] != latin


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ("not base64 at all!", "is not base64"),
        (base64.b64encode(b"short").decode(), "is 5 bytes long"),
    ],
)
def test_a_malformed_key_file_is_named(
    settings: Any, tmp_path: Any, content: str, fragment: str
) -> None:
    settings.HOME = tmp_path
    (tmp_path / "vault-kek").write_text(content)
    (tmp_path / "vault-index-key").write_text(base64.b64encode(KEY).decode())
    with pytest.raises(
        VaultKeyError, match=f"vault key-encryption key in {tmp_path}/vault-kek {fragment}"
    ):
        load_keyring(create=False)


def test_key_files_are_made_private_on_first_run(settings: Any, tmp_path: Any) -> None:
    settings.HOME = tmp_path
    with pytest.raises(VaultKeyError, match="is missing"):
        load_keyring(create=False)
    load_keyring(create=True)
    for name in ("vault-kek", "vault-index-key"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600


@pytest.fixture
def own_keys(settings: Any, tmp_path: Any):
    """Keys in this test's own home, forgotten before and after."""
    settings.HOME = tmp_path
    identity.forget_keys()
    yield tmp_path
    identity.forget_keys()


@pytest.mark.django_db
def test_wrong_or_missing_keys_give_a_clear_error_never_garbage(
    own_keys: Any, registrar, programme
) -> None:
    record = participants.participant_register(
        actor=registrar.actor,
        programme_id=programme.id,
        given_name="Amina",
        family_name="Haddad",
        date_of_birth=date(1984, 3, 15),
        sex="female",
        preferred_language="ar",
    )
    read = lambda: participants.participant_read(  # noqa: E731
        actor=registrar.actor, purpose=Purpose.REGISTRATION, participant_id=record.id
    )
    assert read().given_name == "Amina"
    (own_keys / "vault-kek").write_text(base64.b64encode(bytes(32)).decode())
    identity.forget_keys()
    with pytest.raises(
        VaultUnavailable, match=r"sealed with vault key id .* but the vault key loaded"
    ):
        read()
    (own_keys / "vault-kek").unlink()
    identity.forget_keys()
    with pytest.raises(VaultUnavailable, match="vault-kek is missing, but the database holds data"):
        read()


@pytest.mark.django_db
def test_the_api_says_which_key_is_wrong(own_keys: Any, api_as, registrar, programme) -> None:
    from tests.conftest import participant_body

    pid = api_as(registrar).post("/participants", participant_body(programme.id)).json()["id"]
    (own_keys / "vault-index-key").unlink()
    (own_keys / "vault-kek").unlink()
    identity.forget_keys()
    response = api_as(registrar).get(f"/participants/{pid}", purpose="registration")
    assert response.status_code == 503
    assert "vault key-encryption key file" in response.json()["message"]


@pytest.mark.django_db
def test_a_sealed_field_copied_onto_another_row_does_not_open(registrar, programme) -> None:
    from django.apps import apps

    model = apps.get_model("registry", "Participant")
    one, two = (
        participants.participant_register(
            actor=registrar.actor,
            programme_id=programme.id,
            given_name=name,
            family_name="Otieno",
            date_of_birth=date(1990, 1, 1),
            sex="male",
            preferred_language="sw",
        ).id
        for name in ("Baraka", "Juma")
    )
    model.objects.filter(pk=two).update(
        given_name_sealed=model.objects.get(pk=one).given_name_sealed
    )
    with pytest.raises(
        VaultUnavailable, match=f"given_name of participant {two.hex} does not decrypt"
    ):
        participants.participant_read(
            actor=registrar.actor, purpose=Purpose.REGISTRATION, participant_id=two
        )


def test_age_bands_are_coarse() -> None:
    assert identity.age_band(date(1984, 3, 15), date(2026, 3, 14)) == "40-44"
    assert identity.age_band(date(1984, 3, 15), date(2026, 3, 15)) == "40-44"
    assert identity.age_band(date(1930, 1, 1), date(2026, 1, 1)) == "85+"
    assert identity.age_band(date(2025, 6, 1), date(2026, 1, 1)) == "0-4"
