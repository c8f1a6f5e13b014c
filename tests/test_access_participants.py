"""The access layer: every read and write is checked, performed and audited together."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from healthcamp.access.errors import AccessDenied, InvalidInput, NotFound
from healthcamp.access.roles import Purpose
from healthcamp.access.staff import NewStaff
from healthcamp.audit import chain
from healthcamp.audit.selectors import entry_count, log_for_participant
from healthcamp.services import participants
from tests.conftest import give_consent

pytestmark = pytest.mark.django_db


def _register(
    staff: NewStaff, programme_id: int, **overrides: object
) -> participants.ParticipantRecord:
    fields: dict[str, object] = {
        "given_name": "Gülnar",
        "family_name": "Tursun",
        "date_of_birth": date(1979, 5, 2),
        "sex": "female",
        "preferred_language": "ug",
    }
    fields.update(overrides)
    return participants.participant_register(actor=staff.actor, programme_id=programme_id, **fields)  # type: ignore[arg-type]


def test_register_then_read_is_audited_in_the_participants_log(
    registrar: NewStaff, programme
) -> None:
    record = _register(registrar, programme.id)
    again = participants.participant_read(
        actor=registrar.actor, purpose=Purpose.REGISTRATION, participant_id=record.id
    )
    assert again == record
    log = log_for_participant(participant_id=record.id.hex)
    assert [(line.action, line.outcome, line.role) for line in log] == [
        ("participant.read", "allowed", "registrar"),
        ("participant.register", "allowed", "registrar"),
    ]
    # The head file follows on commit, which a test's own transaction never reaches.
    assert chain.verify(check_head_file=False).ok


def test_denied_read_is_audited_and_raises(lab: NewStaff, registrar: NewStaff, programme) -> None:
    record = _register(registrar, programme.id)
    with pytest.raises(AccessDenied, match=r"laboratory role may not read .* for registration"):
        participants.participant_read(
            actor=lab.actor, purpose=Purpose.REGISTRATION, participant_id=record.id
        )
    newest = log_for_participant(participant_id=record.id.hex)[0]
    assert (newest.role, newest.outcome, newest.purpose) == ("lab", "denied", "registration")


@pytest.mark.parametrize("role", ["analyst", "auditor"])
def test_analysts_and_auditors_are_refused_every_individual_read(
    role: str, registrar: NewStaff, programme, request: pytest.FixtureRequest
) -> None:
    staff: NewStaff = request.getfixturevalue(role)
    record = _register(registrar, programme.id)
    for purpose in Purpose:
        with pytest.raises(AccessDenied):
            participants.participant_read(
                actor=staff.actor, purpose=purpose, participant_id=record.id
            )
    denied = [
        line for line in log_for_participant(participant_id=record.id.hex) if line.role == role
    ]
    assert len(denied) == len(Purpose)


def test_missing_participant_is_audited_as_not_found(registrar: NewStaff, programme) -> None:
    before = entry_count()
    with pytest.raises(NotFound, match="No participant with id"):
        participants.participant_read(
            actor=registrar.actor, purpose=Purpose.REGISTRATION, participant_id=uuid.uuid4()
        )
    assert entry_count() == before + 1


def test_invalid_registration_writes_nothing(registrar: NewStaff, programme) -> None:
    before = entry_count()
    with pytest.raises(InvalidInput) as caught:
        _register(
            registrar,
            programme.id,
            given_name="  ",
            date_of_birth=date(2999, 1, 1),
            sex="unknown",
            preferred_language="klingon-xx",
            phone="call me",
        )
    assert set(caught.value.errors) == {
        "given_name",
        "date_of_birth",
        "sex",
        "preferred_language",
        "phone",
    }
    assert "in the future" in caught.value.errors["date_of_birth"]
    assert entry_count() == before
    with pytest.raises(InvalidInput, match="There is no programme 999"):
        _register(registrar, 999)


def test_bulk_read_writes_one_entry_that_each_participant_sees(
    registrar: NewStaff, clinician: NewStaff, programme, document
) -> None:
    ids = [_register(registrar, programme.id, given_name=f"Person {'abc'[i]}").id for i in range(3)]
    for pid in ids:
        give_consent(registrar, pid, document.id)
    before = entry_count()
    records = participants.participants_read_bulk(
        actor=clinician.actor, purpose=Purpose.SCREENING, participant_ids=ids
    )
    assert {r.id for r in records} == set(ids)
    assert entry_count() == before + 1
    for pid in ids:
        newest = log_for_participant(participant_id=pid.hex)[0]
        assert (newest.role, newest.subjects) == ("clinician", 3)


def test_find_by_card_tolerates_how_people_type(registrar: NewStaff, programme) -> None:
    record = _register(registrar, programme.id)
    typed = record.card_code_display.lower()
    found = participants.participant_find_by_card(
        actor=registrar.actor, purpose=Purpose.REGISTRATION, card_code=typed
    )
    assert found.id == record.id


def test_find_by_card_with_a_typo_says_so(registrar: NewStaff, programme) -> None:
    code = _register(registrar, programme.id).card_code
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(InvalidInput, match="typing mistake"):
        participants.participant_find_by_card(
            actor=registrar.actor, purpose=Purpose.REGISTRATION, card_code=typo
        )


def test_search_by_name_ignores_case_accents_and_spacing(registrar: NewStaff, programme) -> None:
    record = _register(registrar, programme.id, given_name="José  María", family_name="Núñez")
    _register(registrar, programme.id, given_name="José María", family_name="Other")
    found = participants.participant_search(
        actor=registrar.actor,
        purpose=Purpose.REGISTRATION,
        given_name="jose maria",
        family_name="NUNEZ",
        date_of_birth=date(1979, 5, 2),
    )
    assert [r.id for r in found] == [record.id]


def test_empty_search_is_audited(registrar: NewStaff, programme) -> None:
    before = entry_count()
    found = participants.participant_search(
        actor=registrar.actor,
        purpose=Purpose.REGISTRATION,
        given_name="Nobody",
        family_name="Here",
        date_of_birth=date(1950, 1, 1),
    )
    assert found == []
    assert entry_count() == before + 1


def test_registration_stores_only_the_listed_fields() -> None:
    """The participant table has no column beyond what the programme tells people about:
    the identifying fields sealed, their key and blind indexes, and coarse age band."""
    from django.apps import apps

    model = apps.get_model("registry", "Participant")
    assert {f.name for f in model._meta.concrete_fields} == {
        "id",
        "programme",
        "card_code",
        "given_name_sealed",
        "family_name_sealed",
        "date_of_birth_sealed",
        "phone_sealed",
        "wrapped_key",
        "kek_id",
        "name_index",
        "tolerant_index",
        "age_band",
        "sex",
        "preferred_language",
        "registered_at",
        "portal_pin",  # a hash of the PIN the person may choose for their portal
    }


def test_personal_data_models_are_not_in_the_admin() -> None:
    from django.conf import settings

    assert "django.contrib.admin" not in settings.INSTALLED_APPS
