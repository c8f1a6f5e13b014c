"""The station as fast as a nurse types (issue 10, section 3), on the server's side: the
device remembers its site and station, a scanned card opens today's visit there, blood
pressure is typed in pairs with a third only when due, and decimals are read the way the
page's language writes them. The browser's count of keystrokes: test_station_keystrokes.py."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from healthcamp.access.models import ProgrammeMembership
from healthcamp.access.roles import Purpose
from healthcamp.audit.selectors import log_for_participant
from healthcamp.services import participants, programmes
from healthcamp.web.station_device import COOKIE
from tests.conftest import give_consent, register_person

pytestmark = pytest.mark.django_db


def _login(staff, language: str = "en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(get_user_model().objects.get(username=staff.actor.username))
    return client


def _site(programme) -> int:
    return apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk


def _at_station(staff, programme, kind: str = "blood_pressure", language: str = "en") -> Client:
    client = _login(staff, language)
    chosen = client.post("/station/", {"site_id": str(_site(programme)), "kind": kind})
    assert chosen.status_code == 302
    return client


def _encounters() -> list:
    return list(apps.get_model("exams", "Encounter").objects.order_by("started_at"))


@pytest.fixture
def person(registrar, programme, document):
    return register_person(registrar, programme, consent_document=document)


# ---- 1. the device's station ---------------------------------------------------------------


def test_only_a_role_that_opens_visits_is_offered_a_station(lab, clinician) -> None:
    offer = "Set up this device as a station"
    assert offer in _login(clinician).get("/").content.decode()
    # A lab records blood results but opens no visit: a scan at a station would refuse it.
    assert offer not in _login(lab).get("/").content.decode()


def test_the_device_remembers_its_station_and_the_header_says_it(clinician, programme) -> None:
    client = _login(clinician)
    assert "Set up this device as a station" in client.get("/").content.decode()
    asked = client.post("/station/", {"site_id": "", "kind": "nothing"})
    assert asked.status_code == 422
    assert "Choose the site where this device stands." in asked.content.decode()
    assert COOKIE not in asked.cookies
    client.post("/station/", {"site_id": str(_site(programme)), "kind": "blood_pressure"})
    assert client.cookies[COOKIE]["httponly"]
    desk = client.get("/").content.decode()
    assert re.search(r"Station: Blood pressure at\s*<bdi>Market Hall</bdi>", desk)
    assert 'href="/station/?next=/"' in desk  # "change"
    assert 'action="/station/scan/"' in desk  # the card box now opens the visit
    # The device, not the session: another nurse logging in on it sees the same station.
    other = _login(clinician)
    other.cookies[COOKIE] = client.cookies[COOKIE].value
    assert "Station: Blood pressure at" in other.get("/").content.decode()


def test_an_altered_cookie_is_no_station(clinician, programme) -> None:
    client = _at_station(clinician, programme)
    client.cookies[COOKIE] = client.cookies[COOKIE].value.replace("blood", "bl00d", 1) + "x"
    desk = client.get("/").content.decode()
    assert "Station:" not in desk
    assert 'action="/find/card/"' in desk


def test_only_sites_of_the_members_programmes_can_be_chosen(
    clinician, coordinator, programme
) -> None:
    other = programmes.programme_create(actor=coordinator.actor, name="Other Camp")
    ProgrammeMembership.objects.get_or_create(
        staff_id=coordinator.actor.staff_id, programme_id=other.id
    )
    river = programmes.site_create(
        actor=coordinator.actor, programme_id=other.id, name="River Clinic"
    )
    client = _login(clinician)
    assert "River Clinic" not in client.get("/station/").content.decode()
    chosen = client.post("/station/", {"site_id": str(river.id), "kind": "blood_pressure"})
    assert chosen.status_code == 422
    assert COOKIE not in chosen.cookies
    # Its own programme's site is taken: the refusal above was about the site.
    assert (
        client.post(
            "/station/", {"site_id": str(_site(programme)), "kind": "blood_pressure"}
        ).status_code
        == 302
    )


# ---- 2. a scanned card opens today's visit -------------------------------------------------


def test_a_scan_opens_todays_visit_at_the_devices_site_and_resumes_it(
    clinician, programme, person
) -> None:
    client = _at_station(clinician, programme)
    opened = client.post("/station/scan/", {"card_code": person.card_code})
    assert opened.status_code == 302
    (visit,) = _encounters()
    assert visit.site_id == _site(programme)
    assert opened["Location"] == f"/participants/{person.id}/station/{visit.id}/"
    page = client.get(opened["Location"]).content.decode()
    # The station's own part first, its first box ready for typing.
    assert page.index("Blood pressure") < page.index("Ask first")
    assert re.search(r'id="id_systolic_1"[^>]*autofocus', page)
    # Scanned again (the person comes back to the desk): the same visit, not a second one.
    again = client.post("/station/scan/", {"card_code": person.card_code})
    assert again["Location"] == opened["Location"]
    assert len(_encounters()) == 1


def test_yesterdays_visit_is_not_resumed(clinician, programme, person) -> None:
    client = _at_station(clinician, programme)
    client.post("/station/scan/", {"card_code": person.card_code})
    apps.get_model("exams", "Encounter").objects.update(
        started_at=timezone.now() - timedelta(days=1)
    )
    client.post("/station/scan/", {"card_code": person.card_code})
    assert len(_encounters()) == 2


def test_without_consent_for_the_stations_purpose_the_scan_is_refused_plainly(
    clinician, registrar, programme, document
) -> None:
    someone = register_person(registrar, programme)
    give_consent(registrar, someone.id, document.id, no=("blood_tests",))
    client = _at_station(clinician, programme, kind="blood_tests")
    refused = client.post("/station/scan/", {"card_code": someone.card_code})
    text = html.unescape(refused.content.decode())
    assert refused.status_code == 403
    # Looked up for the station's purpose: refused before the person is even named.
    assert "The card's holder has not agreed to “Blood tests”" in text
    assert "Amina" not in text
    assert "Nothing was recorded" in text
    assert 'id="id_systolic_1"' not in text  # a refusal, not a form
    assert not _encounters()
    logged = log_for_participant(participant_id=someone.id.hex)
    assert any(
        e.action == "participant.search" and e.purpose == "blood_tests" and e.outcome == "denied"
        for e in logged
    )


def test_consent_withdrawn_between_lookup_and_visit_is_refused_by_name(
    clinician, registrar, programme, document, person
) -> None:
    client = _at_station(clinician, programme, kind="blood_tests")
    found = participants.participant_find_by_card(
        actor=clinician.actor, purpose=Purpose.BLOOD_TESTS, card_code=person.card_code
    )
    give_consent(registrar, person.id, document.id, no=("blood_tests",))
    # Found a moment before the withdrawal: the visit's own check refuses, by name.
    with mock.patch.object(participants, "participant_find_by_card", return_value=found):
        refused = client.post("/station/scan/", {"card_code": person.card_code})
    text = html.unescape(refused.content.decode())
    assert refused.status_code == 403
    assert "Amina Haddad has not agreed to “Blood tests”" in text
    assert not _encounters()
    logged = log_for_participant(participant_id=person.id.hex)
    assert any(e.action == "encounter.start" and e.outcome == "denied" for e in logged)


def test_a_person_who_refused_the_stations_measurements_is_not_even_named(
    clinician, registrar, programme, document
) -> None:
    someone = register_person(registrar, programme)
    give_consent(registrar, someone.id, document.id, no=("screening",))
    refused = _at_station(clinician, programme).post(
        "/station/scan/", {"card_code": someone.card_code}
    )
    text = html.unescape(refused.content.decode())
    assert refused.status_code == 403
    assert "The card's holder has not agreed to “Screening measurements”" in text
    assert "Amina" not in text
    assert not _encounters()


def test_a_wrong_card_code_is_said_on_the_desk(clinician, programme) -> None:
    page = _at_station(clinician, programme).post("/station/scan/", {"card_code": "ZZZZ"})
    assert page.status_code == 422
    assert 'aria-invalid="true"' in page.content.decode()
    assert not _encounters()


def test_a_member_who_does_not_start_visits_gets_the_persons_page(lab, programme, person) -> None:
    client = _login(lab)
    client.post("/station/", {"site_id": str(_site(programme)), "kind": "blood_tests"})
    opened = client.post("/station/scan/", {"card_code": person.card_code})
    assert opened["Location"] == f"/participants/{person.id}/"
    assert not _encounters()


# ---- 3. pairs, the third only when due, decimals in the page's language --------------------


def _third_is_folded(body: str) -> bool:
    folded = re.search(r'<details class="st-more"[^>]*>(.*?)</details>', body, re.S)
    return folded is not None and 'id="id_systolic_3"' in folded.group(1)


@pytest.fixture
def visit(clinician, programme, person) -> str:
    opened = _at_station(clinician, programme).post(
        "/station/scan/", {"card_code": person.card_code}
    )
    return opened["Location"]


def test_two_pairs_to_type_and_a_third_only_when_they_differ(clinician, visit) -> None:
    client = _login(clinician)
    body = client.get(visit).content.decode()
    assert 'id="id_systolic_2"' in body
    assert _third_is_folded(body)  # there for the script to open, folded without it
    assert 'data-gap="10"' in body
    close = client.post(
        visit, {"systolic_1": "128", "diastolic_1": "82", "systolic_2": "124", "diastolic_2": "80"}
    ).content.decode()
    assert _third_is_folded(close)
    assert 'data-systolic="128" data-diastolic="82"' in close  # what the script compares


def test_a_third_pair_appears_when_the_first_two_differ(clinician, visit) -> None:
    page = _login(clinician).post(
        visit, {"systolic_1": "150", "diastolic_1": "90", "systolic_2": "136", "diastolic_2": "88"}
    )
    body = page.content.decode()
    assert 'id="id_systolic_3"' in body
    assert not _third_is_folded(body)


@pytest.mark.parametrize("language", ["fr", "es", "ru", "ar"])
def test_a_decimal_comma_is_read_where_the_language_writes_one(clinician, visit, language) -> None:
    page = _login(clinician, language).post(visit, {"hba1c": "6,5", "hba1c_unit": "%"})
    assert page.status_code == 200
    (hba1c,) = apps.get_model("exams", "Observation").objects.filter(code="4548-4")
    assert hba1c.value == 6.5


def test_a_comma_is_refused_where_the_language_writes_a_point(clinician, visit) -> None:
    page = _login(clinician).post(
        visit, {"hba1c": "6,5", "hba1c_unit": "%", "systolic_1": "1,20", "diastolic_1": "80"}
    )
    body = page.content.decode()
    assert page.status_code == 422
    assert "Write decimals with a point, as in 6.5, and no thousands mark." in body
    assert 'value="6,5"' in body  # kept in its box to correct
    assert 'value="1,20"' in body
    assert not apps.get_model("exams", "Observation").objects.exists()


def test_a_comma_and_a_point_together_are_refused_in_a_comma_language(clinician, visit) -> None:
    page = _login(clinician, "fr").post(visit, {"glucose": "1.234,5", "glucose_unit": "mg/dL"})
    assert page.status_code == 422
    assert not apps.get_model("exams", "Observation").objects.exists()
