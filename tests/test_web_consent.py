"""Consent pages: the document in the person's language, yes or no per purpose, withdrawal."""

from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from django.test import Client

from healthcamp.access.staff import NewStaff
from healthcamp.services import participants
from tests.conftest import ALL_PURPOSES, publish_document

pytestmark = pytest.mark.django_db


def _login(staff: NewStaff) -> Client:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=staff.actor.username))
    return client


def _person(registrar: NewStaff, programme, *, language: str = "ar", born: date = date(1975, 6, 1)):
    return participants.participant_register(
        actor=registrar.actor,
        programme_id=programme.id,
        given_name="Layla",
        family_name="Nasser",
        date_of_birth=born,
        sex="female",
        preferred_language=language,
    )


def _answers(**overrides: str) -> dict[str, str]:
    data = {f"purpose_{p}": "yes" for p in ALL_PURPOSES}
    data.update({"method": "on_screen", "witness_id": "", "paper_reference": ""})
    data.update(overrides)
    return data


@pytest.fixture
def documents(coordinator, programme):
    return {
        lang: publish_document(coordinator, programme.id, language=lang) for lang in ("en", "ar")
    }


def _consents() -> int:
    from django.apps import apps

    return apps.get_model("consent", "Consent").objects.count()


def test_the_document_is_shown_in_the_persons_language(registrar, programme, documents) -> None:
    person = _person(registrar, programme)
    page = _login(registrar).get(f"/participants/{person.id}/consent/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'lang="ar" dir="rtl"' in text
    assert 'نعم · <span lang="en" dir="ltr">Yes</span>' in text  # language of parts
    english = _login(registrar).get(f"/participants/{person.id}/consent/?lang=en")
    assert 'lang="en" dir="ltr"' in english.content.decode()


def test_yes_and_no_are_recorded_purpose_by_purpose(registrar, programme, documents) -> None:
    person = _person(registrar, programme)
    client = _login(registrar)
    response = client.post(
        f"/participants/{person.id}/consent/",
        _answers(purpose_blood_tests="no", purpose_deidentified_research="no"),
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    # In words, never as codes ("blood_tests refused"): issue 10.
    assert 'Blood tests</span> <span class="status status-refused">No' in page
    assert 'Screening measurements</span> <span class="status status-granted">Yes' in page
    assert "blood_tests" not in page.split("<form")[0]


def test_every_purpose_needs_an_answer_and_nothing_is_saved_without(
    registrar, programme, documents
) -> None:
    person = _person(registrar, programme)
    answers = _answers()
    del answers["purpose_referral_sharing"]
    response = _login(registrar).post(f"/participants/{person.id}/consent/", answers)
    assert response.status_code == 422
    assert "Choose yes or no." in response.content.decode()
    # Inside the Arabic fieldset, the English message is marked English (language of parts).
    assert '<p class="error" role="alert" lang="en" dir="ltr">Choose yes or no.</p>' in (
        response.content.decode()
    )
    assert _consents() == 0


def test_a_minor_needs_a_guardian_and_assent(registrar, programme, documents) -> None:
    child = _person(registrar, programme, born=date.today() - timedelta(days=365 * 12))
    client = _login(registrar)
    form = client.get(f"/participants/{child.id}/consent/").content.decode()
    assert "Guardian&#x27;s name" in form or "Guardian's name" in html.unescape(form)
    missing = client.post(f"/participants/{child.id}/consent/", _answers())
    assert missing.status_code == 422
    assert _consents() == 0
    done = client.post(
        f"/participants/{child.id}/consent/",
        _answers(guardian_name="Omar Nasser", guardian_relationship="parent", assent="yes"),
    )
    assert done.status_code == 302
    assert _consents() == 1


def test_no_published_document_means_nothing_can_be_asked(registrar, programme) -> None:
    person = _person(registrar, programme)
    response = _login(registrar).get(f"/participants/{person.id}/consent/")
    assert response.status_code == 409
    assert "no published consent document" in response.content.decode()


@pytest.mark.parametrize("role", ["clinician", "lab", "analyst", "auditor"])
def test_only_the_desk_records_consent(role, registrar, programme, documents, request) -> None:
    person = _person(registrar, programme)
    staff: NewStaff = request.getfixturevalue(role)
    response = _login(staff).post(f"/participants/{person.id}/consent/", _answers())
    assert response.status_code == 403
    assert _consents() == 0


def test_withdrawal_from_the_page_takes_effect_at_once(
    registrar, clinician, programme, documents
) -> None:
    person = _person(registrar, programme)
    _login(registrar).post(f"/participants/{person.id}/consent/", _answers())
    client = _login(clinician)
    assert client.get(f"/participants/{person.id}/").status_code == 200
    no_choice = client.post(
        f"/participants/{person.id}/consent/withdraw/", {"purposes": ["screening"]}
    )
    assert no_choice.status_code == 422
    assert "kept or erased" in no_choice.content.decode()
    # What was ticked stays ticked after an error (issue 10, section 4).
    assert 'value="screening" checked' in no_choice.content.decode()
    done = client.post(
        f"/participants/{person.id}/consent/withdraw/", {"purposes": ["screening"], "erase": "no"}
    )
    assert done.status_code == 302
    # Withdrawing one purpose hides that purpose and nothing else (issue 9): the person
    # still agrees to blood tests, so the clinician reads them for that purpose ...
    still = client.get(f"/participants/{person.id}/")
    assert still.status_code == 200
    assert "withdrawn" in still.content.decode()
    assert "Consent withdrawn. Staff are refused these purposes from now on." in (
        still.content.decode()
    )
    # ... and once both measuring purposes are withdrawn, the page is refused at once.
    client.post(
        f"/participants/{person.id}/consent/withdraw/",
        {"purposes": ["blood_tests"], "erase": "no"},
    )
    refused = client.get(f"/participants/{person.id}/")
    assert refused.status_code == 403
    assert "withdrew consent for screening" in refused.content.decode()


def test_the_page_says_when_to_ask_again(registrar, coordinator, programme, documents) -> None:
    person = _person(registrar, programme)
    client = _login(registrar)
    assert "No consent recorded yet" in client.get(f"/participants/{person.id}/").content.decode()
    client.post(f"/participants/{person.id}/consent/", _answers())
    publish_document(coordinator, programme.id, version=2)
    page = client.get(f"/participants/{person.id}/").content.decode()
    assert "A new version of the consent document was published" in page


def test_coordinator_writes_publishes_and_sees_the_rates(coordinator, registrar, programme) -> None:
    client = _login(coordinator)
    data = {
        "action": "create",
        "language": "ug",
        "version": "1",
        "title": "تەكشۈرۈش",
        "body": "بىز ئۆلچەيمىز",
        "describe_screening": "قان بېسىمى",
    }
    created = client.post(f"/programmes/{programme.id}/", data)
    assert created.status_code == 302
    page = client.get(f"/programmes/{programme.id}/").content.decode()
    assert "draft" in page
    assert f'href="/programmes/{programme.id}/reports/"' in page  # the consent figures' report
    from django.apps import apps

    document_id = apps.get_model("consent", "ConsentDocument").objects.get().pk
    published = client.post(
        f"/programmes/{programme.id}/", {"action": "publish", "document_id": str(document_id)}
    )
    assert published.status_code == 302
    assert "published" in client.get(f"/programmes/{programme.id}/").content.decode()
    bad = client.post(f"/programmes/{programme.id}/", data | {"version": "1"})
    assert bad.status_code == 422
    assert "already exists" in html.unescape(bad.content.decode())


@pytest.mark.parametrize("role", ["registrar", "clinician", "analyst", "auditor"])
def test_only_coordinators_open_the_programme_page(role, programme, request) -> None:
    staff: NewStaff = request.getfixturevalue(role)
    assert _login(staff).get(f"/programmes/{programme.id}/").status_code == 403


def test_a_coordinator_erases_from_the_page(coordinator, registrar, programme) -> None:
    person = _person(registrar, programme)
    client = _login(coordinator)
    page = client.get(f"/participants/{person.id}/").content.decode()
    assert page.count("Erase this participant") == 1
    assert "<title>Participant · healthcamp</title>" in page
    unconfirmed = client.post(f"/participants/{person.id}/erase/", {})
    assert unconfirmed.status_code == 422
    done = client.post(f"/participants/{person.id}/erase/", {"confirm": "yes"})
    assert done.status_code == 200
    assert "data key are gone" in done.content.decode()
    assert client.get(f"/participants/{person.id}/").status_code == 404


def test_a_registrar_cannot_erase(registrar, programme) -> None:
    person = _person(registrar, programme)
    client = _login(registrar)
    assert (
        "Erase this participant" not in client.get(f"/participants/{person.id}/").content.decode()
    )
    assert client.post(f"/participants/{person.id}/erase/", {"confirm": "yes"}).status_code == 403


def test_the_withdraw_form_keeps_by_default_and_a_recorded_consent_is_confirmed(
    registrar, programme, documents
) -> None:
    person = _person(registrar, programme)
    client = _login(registrar)
    recorded = client.post(f"/participants/{person.id}/consent/", _answers(), follow=True)
    assert "Consent recorded: the answers are on the record below." in recorded.content.decode()
    again = client.get(f"/participants/{person.id}/").content.decode()
    assert "Consent recorded" not in again  # said once, where the registrar looks next
    form = client.get(f"/participants/{person.id}/consent/withdraw/").content.decode()
    assert 'name="erase" value="no" checked' in form  # erasing is a second, explicit choice
    assert 'name="erase" value="yes" checked' not in form
    assert 'name="purposes" value="screening" checked' not in form
