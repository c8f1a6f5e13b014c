"""Erasure is real: the data key goes, the person cannot be found or opened, the log holds."""

from __future__ import annotations

import json

import pytest
from django.apps import apps

from healthcamp.audit import chain
from healthcamp.audit.selectors import log_for_participant
from tests.conftest import ALL_PURPOSES, participant_body

pytestmark = pytest.mark.django_db


def _register(api_as, registrar, programme, **overrides) -> dict:
    return (
        api_as(registrar).post("/participants", participant_body(programme.id, **overrides)).json()
    )


def test_a_coordinator_erases_on_request(
    api_as, coordinator, registrar, programme, document, settings
) -> None:
    gone = _register(api_as, registrar, programme)
    stays = _register(api_as, registrar, programme, given_name="Baraka")
    api_as(registrar).post(
        f"/participants/{gone['id']}/consents",
        {
            "document_id": document.id,
            "decisions": dict.fromkeys(ALL_PURPOSES, True),
            "method": "on_screen",
        },
    )
    response = api_as(coordinator).post(f"/participants/{gone['id']}/erase", {})
    assert response.status_code == 200, response.content
    pseudonym = response.json()["pseudonym"]
    assert len(pseudonym) == 32
    assert gone["id"].replace("-", "") not in pseudonym

    assert (
        api_as(registrar).get(f"/participants/{gone['id']}", purpose="registration").status_code
        == 404
    )
    assert (
        api_as(registrar).get("/participants", card_code=gone["card_code"]).json()["results"] == []
    )
    found = (
        api_as(registrar)
        .get("/participants", given_name="Amina", family_name="Haddad", date_of_birth="1984-03-15")
        .json()["results"]
    )
    assert found == []
    assert (
        api_as(registrar).get(f"/participants/{stays['id']}", purpose="registration").status_code
        == 200
    )
    assert not apps.get_model("registry", "Participant").objects.filter(pk=gone["id"]).exists()
    assert (
        not apps.get_model("consent", "Consent").objects.filter(participant_id=gone["id"]).exists()
    )

    ledger = apps.get_model("registry", "ErasureRecord").objects.get()
    assert (ledger.pseudonym, ledger.reason) == (pseudonym, "participant_request")
    # The head file follows on commit, which a test's own transaction never reaches.
    assert chain.verify(check_head_file=False).ok  # the log keeps its entries, verifiable
    assert (
        log_for_participant(participant_id=gone["id"].replace("-", ""))[0].action
        == "participant.erase"
    )


def test_the_ledger_outside_the_database_follows_the_commit(
    api_as,
    coordinator,
    registrar,
    programme,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
) -> None:
    settings.HOME = tmp_path
    from healthcamp.services import erasure, identity

    identity.forget_keys()
    person = _register(api_as, registrar, programme)
    with django_capture_on_commit_callbacks(execute=True):
        api_as(coordinator).post(f"/participants/{person['id']}/erase", {})
    lines = (tmp_path / "erasure-ledger").read_text().splitlines()
    assert json.loads(lines[-1])["reason"] == "participant_request"
    assert erasure.ledger_file().stat().st_mode & 0o777 == 0o600
    identity.forget_keys()


@pytest.mark.parametrize("role", ["registrar", "clinician", "lab", "analyst", "auditor"])
def test_only_coordinators_erase_on_request(api_as, role, registrar, programme, request) -> None:
    person = _register(api_as, registrar, programme)
    staff = request.getfixturevalue(role)
    assert api_as(staff).post(f"/participants/{person['id']}/erase", {}).status_code == 403
    assert apps.get_model("registry", "Participant").objects.filter(pk=person["id"]).exists()


def test_withdrawing_everything_with_erasure_erases_the_person(
    api_as, registrar, coordinator, programme, document
) -> None:
    """The coordinator's act (a station may not erase a whole record: issue 13, finding 10)."""
    person = _register(api_as, registrar, programme)
    consent = (
        api_as(registrar)
        .post(
            f"/participants/{person['id']}/consents",
            {
                "document_id": document.id,
                "decisions": dict.fromkeys(ALL_PURPOSES, True),
                "method": "on_screen",
            },
        )
        .json()
    )
    response = api_as(coordinator).post(
        f"/participants/{person['id']}/consents/{consent['id']}/withdraw",
        {"purposes": "all", "erase": True},
    )
    assert response.status_code == 200, response.content
    assert response.json()["participant_erased"] is True
    assert response.json()["consent"] is None
    assert (
        api_as(registrar).get(f"/participants/{person['id']}", purpose="registration").status_code
        == 404
    )
    assert apps.get_model("registry", "ErasureRecord").objects.get().reason == "consent_withdrawn"
    assert chain.verify(check_head_file=False).ok


def test_erasing_twice_is_a_clear_404(api_as, coordinator, registrar, programme) -> None:
    person = _register(api_as, registrar, programme)
    assert api_as(coordinator).post(f"/participants/{person['id']}/erase", {}).status_code == 200
    again = api_as(coordinator).post(f"/participants/{person['id']}/erase", {})
    assert again.status_code == 404
    assert "erased already" in again.json()["message"]
