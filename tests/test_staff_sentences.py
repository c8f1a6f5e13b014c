"""Staff pages speak whole sentences (issue 10, the rest of section 3's words): the consent
line on the participant page is one message, so Arabic joins its parts with "،" and not an
English ", "; the clinic's note names the measure in the page's language."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from tests.conftest import register_person
from tests.test_followup import _referred

pytestmark = pytest.mark.django_db


def _login(staff, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(get_user_model().objects.get(username=staff.actor.username))
    return client


def test_the_consent_line_is_one_sentence_its_language_punctuates(
    registrar, programme, document
) -> None:
    person = register_person(registrar, programme, consent_document=document)
    real = translation.gettext

    def arabic_commas(message: str) -> str:
        # A translator's Arabic: the line's own commas become "،" (the words stay).
        said = real(message)
        return said.replace(", ", "، ") if message.startswith("Version %(version)s") else said

    with mock.patch.object(translation, "gettext", arabic_commas):
        page = _login(registrar).get(f"/participants/{person.id}/").content.decode()
    line = page[page.index('id="consent-h"') :].split("</p>")[0]
    assert "Version 1 (English)، " in line
    assert "</bdi>، Confirmed on screen" in line
    assert ", " not in line.split("Version 1")[1]  # no part joined outside the sentence


def test_the_clinics_note_names_the_measure_in_the_pages_language(
    api_as, registrar, clinician, coordinator, programme, document
) -> None:
    _pid, rid = _referred(api_as, registrar, clinician, coordinator, programme, document)
    page = _login(coordinator, "es").get(f"/referrals/{rid}/").content.decode()
    assert "Presión arterial" in page
    assert "Blood pressure" not in page
