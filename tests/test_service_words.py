"""The services' and validation's messages reach a page in the staff member's language
(issue 10): each is a marked msgid (gettext with named placeholders, never an f-string)
translated when raised, so the page says exactly gettext(msgid) % values in the language
the request asked for, and purposes are named in words, never by their codes.

Translations are added after the code; these tests hold whether a sentence is translated
yet or not (the page's sentence is the active language's), and the extraction test fails
if a message is left out of the catalogue's reach."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import polib
import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, ngettext

from healthcamp.access.staff import NewStaff
from healthcamp.lib import code_words, languages
from tests.conftest import ALL_PURPOSES, give_consent, publish_document, register_person

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("fr", "ar")
# The sources whose messages this file follows (the services, validation, the door).
SOURCES = [
    ROOT / "healthcamp" / "registry" / "validation.py",
    ROOT / "healthcamp" / "access" / "guard.py",
    *sorted((ROOT / "healthcamp" / "services").glob("*.py")),
]
# Django's makemessages keywords for Python (django/core/management/commands/makemessages.py).
KEYWORDS = [
    "--keyword=gettext_noop",
    "--keyword=gettext_lazy",
    "--keyword=ngettext_lazy:1,2",
    "--keyword=pgettext:1c,2",
    "--keyword=npgettext:1c,2,3",
    "--keyword=pgettext_lazy:1c,2",
    "--keyword=npgettext_lazy:1c,2,3",
]

FUTURE = "The date of birth %(date)s is in the future; check the year."
PHONE = "%(value)s is not a phone number; use digits with an optional leading +."
NO_WITNESS = "A witnessed consent names the staff member who witnessed it."
NOT_AGREED = (
    "%(purposes)s is not agreed to now; nothing to withdraw.",
    "%(purposes)s are not agreed to now; nothing to withdraw.",
)
EMPTY_PROGRAMME = "Enter a name for the programme; it cannot be empty."
SITE_TAKEN = "Programme %(id)s already has a site called %(name)s; choose another name."
LANGUAGES_LISTED = "Choose one of the languages listed: %(languages)s."


@cache
def marked() -> set[str]:
    """Every msgid (and plural) xgettext finds in the sources, with Django's keywords."""
    assert shutil.which("xgettext"), "GNU gettext is a prerequisite (Debian package gettext)"
    done = subprocess.run(
        ["xgettext", "--language=Python", "--from-code=UTF-8", *KEYWORDS, "--output=-"]
        + [str(path) for path in SOURCES],
        capture_output=True,
        text=True,
        check=True,
    )
    found = set()
    for entry in polib.pofile(done.stdout):
        found.add(entry.msgid)
        if entry.msgid_plural:
            found.add(entry.msgid_plural)
    return found


def said(language: str, msgid: str, values: dict[str, Any] | None = None) -> str:
    """The sentence a page in this language says for a marked msgid."""
    assert msgid in marked(), f"not marked for translation: {msgid!r}"
    with translation.override(language):
        text = gettext(msgid)
        return text % values if values is not None else text


def _login(staff: NewStaff, language: str) -> Client:
    from django.contrib.auth import get_user_model

    client = Client(headers={"accept-language": language})
    client.force_login(get_user_model().objects.get(username=staff.actor.username))
    return client


def _visible(response: Any) -> str:
    """The page's text as read: tags dropped, entities decoded, spaces folded."""
    page = response.content.decode()
    body = page.split("<body", 1)[-1]
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return " ".join(text.split())


def test_messages_are_marked_without_f_strings() -> None:
    """xgettext finds each message a page may show; an f-string inside gettext would
    leave the msgid unfound (and, translated, without its values)."""
    for msgid in (FUTURE, PHONE, NO_WITNESS, *NOT_AGREED, EMPTY_PROGRAMME, SITE_TAKEN):
        assert msgid in marked(), msgid
    assert "Enter the participant's given name; it cannot be empty." in marked()
    assert "There is no programme %(id)s; check the programme id." in marked()
    for path in SOURCES:
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(n|p)?gettext(_lazy|_noop)?\(\s*f[\"']", source), path


@pytest.mark.parametrize("language", LANGUAGES)
def test_registration_says_the_date_and_phone_problems_in_the_members_language(
    registrar: NewStaff, programme: Any, language: str
) -> None:
    born = date.today() + timedelta(days=30)
    response = _login(registrar, language).post(
        "/participants/new/",
        {
            "programme_id": programme.id,
            "given_name": "Amina",
            "family_name": "Haddad",
            "date_of_birth": born.isoformat(),
            "sex": "female",
            "preferred_language": "en",
            "phone": "call me",
        },
    )
    assert response.status_code == 422
    page = _visible(response)
    assert said(language, FUTURE, {"date": born.isoformat()}) in page
    assert said(language, PHONE, {"value": repr("call me")}) in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_witnessed_consent_without_its_witness_is_said_in_the_members_language(
    registrar: NewStaff, coordinator: NewStaff, programme: Any, language: str
) -> None:
    publish_document(coordinator, programme.id)
    person = register_person(registrar, programme)
    answers = {f"purpose_{p}": "yes" for p in ALL_PURPOSES}
    answers |= {"method": "witnessed_verbal", "witness_id": "", "paper_reference": ""}
    response = _login(registrar, language).post(f"/participants/{person.id}/consent/", answers)
    assert response.status_code == 422
    assert said(language, NO_WITNESS) in _visible(response)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_refused_withdrawal_names_the_purpose_in_words(
    registrar: NewStaff, coordinator: NewStaff, programme: Any, language: str
) -> None:
    document = publish_document(coordinator, programme.id)
    person = register_person(registrar, programme)
    give_consent(registrar, person.id, document.id, no=("blood_tests",))
    response = _login(registrar, language).post(
        f"/participants/{person.id}/consent/withdraw/",
        {"purposes": ["blood_tests"], "erase": "no"},  # a form older than the answer
    )
    assert response.status_code == 422
    page = _visible(response)
    with translation.override(language):
        words = str(code_words.PURPOSES["blood_tests"])
        expected = ngettext(*NOT_AGREED, 1) % {"purposes": words}
    assert NOT_AGREED[0] in marked()
    assert expected in page
    assert "purposes:" not in page  # the field's name is no word for a person
    assert "blood_tests" not in expected


@pytest.mark.parametrize("language", LANGUAGES)
def test_programme_and_site_names_are_refused_in_the_requests_language(
    coordinator: NewStaff, programme: Any, api_as: Any, language: str
) -> None:
    api = api_as(coordinator)
    empty = api.post("/programmes", {"name": "   "}, HTTP_ACCEPT_LANGUAGE=language)
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["message"] == said(language, EMPTY_PROGRAMME)
    taken = api.post(
        f"/programmes/{programme.id}/sites", {"name": "Market Hall"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert taken.status_code == 409
    values = {"id": programme.id, "name": repr("Market Hall")}
    assert taken.json()["message"] == said(language, SITE_TAKEN, values)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_language_not_offered_is_refused_with_the_languages_named_in_words(
    registrar: NewStaff, language: str
) -> None:
    response = _login(registrar, language).post("/language/", {"language": "pt", "next": "/"})
    assert response.status_code == 422
    listed = ", ".join(languages.name(code, reader=language) for code in languages.shipped())
    assert said(language, LANGUAGES_LISTED, {"languages": listed}) in _visible(response)


def test_english_stays_the_same_words(registrar: NewStaff, programme: Any) -> None:
    """The English wording the API's clients and the CLI read is unchanged."""
    response = _login(registrar, "en").post(
        "/participants/new/",
        {
            "programme_id": programme.id,
            "given_name": "Amina",
            "family_name": "Haddad",
            "date_of_birth": "1984-03-15",
            "sex": "female",
            "preferred_language": "en",
            "phone": "call me",
        },
    )
    assert "'call me' is not a phone number; use digits with an optional leading +." in (
        _visible(response)
    )
