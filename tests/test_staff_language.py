"""Staff pages speak the staff member's language (their account's choice, else the
browser's), right to left where it should be, with codes in words; the card, letter and
consent speak the participant's; languages without a consent document say how to go on."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from healthcamp.access.staff import NewStaff
from healthcamp.lib import languages
from healthcamp.services import participants
from tests.conftest import give_consent, publish_document

pytestmark = pytest.mark.django_db

SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")


def _login(staff: NewStaff, **headers: str) -> Client:
    from django.contrib.auth import get_user_model

    client = Client(headers=headers)
    client.force_login(get_user_model().objects.get(username=staff.actor.username))
    return client


def _person(registrar: NewStaff, programme: Any, *, language: str = "ar", sex: str = "female"):
    return participants.participant_register(
        actor=registrar.actor,
        programme_id=programme.id,
        given_name="Amina",
        family_name="Haddad",
        date_of_birth=__import__("datetime").date(1984, 3, 15),
        sex=sex,
        preferred_language=language,
        phone="",
    )


def _visible(page: str) -> str:
    """The text a person reads: no tags, scripts or styles."""
    body = page.split("<body", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_staff_pages_follow_the_browsers_language(registrar: NewStaff) -> None:
    page = _login(registrar, accept_language="ar-EG,ar;q=0.9").get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "البحث عن مشارك" in page  # "Find a participant"
    assert "Find a participant" not in page


def test_the_members_own_choice_wins_over_the_browser_and_can_be_cleared(
    registrar: NewStaff,
) -> None:
    client = _login(registrar, accept_language="en")
    chooser = client.get("/language/").content.decode()
    for code in languages.shipped():
        assert f'value="{code}"' in chooser  # every shipped language, named in itself
    assert "Kiswahili" in chooser
    assert client.post("/language/", {"language": "ug", "next": "/"}).status_code == 302
    page = client.get("/").content.decode()
    assert '<html lang="ug" dir="rtl">' in page
    # Another session of the same member (the account, not the browser, remembers).
    again = _login(registrar, accept_language="en").get("/").content.decode()
    assert '<html lang="ug" dir="rtl">' in again
    client.post("/language/", {"language": "", "next": "/"})
    assert '<html lang="en" dir="ltr">' in client.get("/").content.decode()


def test_a_language_healthcamp_does_not_speak_is_refused(registrar: NewStaff) -> None:
    client = _login(registrar)
    response = client.post("/language/", {"language": "pt", "next": "/"})
    assert response.status_code == 422
    assert '<html lang="en" dir="ltr">' in client.get("/").content.decode()


def test_the_language_page_sends_back_only_to_this_site(registrar: NewStaff) -> None:
    response = _login(registrar).post(
        "/language/", {"language": "es", "next": "https://elsewhere.example/"}
    )
    assert response["Location"] == "/"


@pytest.mark.parametrize("language", ["en", "ar", "es", "zh-hans", "ru"])
def test_the_participant_page_shows_no_codes(
    language: str, registrar: NewStaff, coordinator: NewStaff, programme: Any
) -> None:
    """Sex, language, purposes, consent answers, method and the access log in words, in the
    member's language (was "Sex not_stated", "Language ug", "blood_tests granted")."""
    document = publish_document(coordinator, programme.id)
    person = _person(registrar, programme, language="ug", sex="not_stated")
    give_consent(registrar, person.id, document.id, no=("blood_tests",))
    page = _login(registrar, accept_language=language).get(f"/participants/{person.id}/")
    text = _visible(page.content.decode())
    assert SNAKE_CASE.findall(text) == []
    with translation.override(language):
        assert languages.name("ug", reader=language) in text
        assert translation.pgettext("sex", "Prefers not to say") in text
        assert translation.pgettext("purpose", "Blood tests") in text
        assert translation.pgettext("consent method", "Confirmed on screen") in text
    for code in ("not_stated", "blood_tests", "on_screen", "participant.register"):
        assert code not in text


def test_the_card_is_printed_in_the_participants_language(
    registrar: NewStaff, programme: Any
) -> None:
    person = _person(registrar, programme, language="ug")
    card = _login(registrar, accept_language="en").get(f"/participants/{person.id}/card/")
    page = card.content.decode()
    assert '<html lang="ug" dir="rtl">' in page
    assert "بۇ كارتا سىزنىڭ" in page  # "This card is yours"
    assert ">Print</button>" in page  # the member's own buttons stay theirs


def test_a_language_without_a_consent_document_says_how_to_go_on(
    registrar: NewStaff, coordinator: NewStaff, programme: Any
) -> None:
    """Swahili: letters and portal exist, the programme's consent document does not. The
    registrar is told on the person's page; the consent page says to read it aloud with an
    interpreter and proposes a witnessed spoken agreement."""
    publish_document(coordinator, programme.id, language="en")
    person = _person(registrar, programme, language="sw")
    client = _login(registrar)
    record = _visible(client.get(f"/participants/{person.id}/").content.decode())
    assert "no consent document in Swahili" in record
    consent = client.get(f"/participants/{person.id}/consent/").content.decode()
    assert "There is no consent document in Swahili" in _visible(consent)
    assert "with an interpreter" in _visible(consent)
    checked = re.search(r'<input[^>]*value="witnessed_verbal"[^>]*>', consent)
    assert checked is not None
    assert "checked" in checked.group(0)


def test_registration_offers_the_languages_healthcamp_speaks(registrar: NewStaff) -> None:
    page = _login(registrar, accept_language="en").get("/participants/new/").content.decode()
    offered = re.findall(r'<option value="([a-z-]+)"', page.split('name="preferred_language"')[1])
    assert offered == languages.shipped()
    assert "Kiswahili" in page
