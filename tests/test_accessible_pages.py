"""What a screen reader is told about errors and pages, read from the HTML (issue 17,
findings 3 and 7): each field in error names its message, each link of an error summary
leads to a field that exists, and each portal page has a title of its own."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import publish_document

pytestmark = pytest.mark.django_db


class _Page(HTMLParser):
    """Every id on the page, the fields marked invalid, the error summary's links, the title."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.ids: dict[str, str] = {}
        self.invalid: list[dict[str, str]] = []
        self.summary_links: list[str] = []
        self.title = ""
        self._open: list[tuple[str, str]] = []  # (tag, id) of elements still open
        self._in_summary = 0
        self._in_title = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if found.get("id"):
            self.ids[found["id"]] = ""
        if found.get("aria-invalid") == "true":
            self.invalid.append(found)
        if "error-summary" in found.get("class", "").split():
            self._in_summary += 1
        if self._in_summary and tag == "a":
            self.summary_links.append(found.get("href", ""))
        self._in_title = tag == "title"
        if tag not in {"input", "img", "br", "meta", "link", "hr"}:
            self._open.append((tag, found.get("id", "")))

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False
        while self._open:
            closed, _ = self._open.pop()
            if closed == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        for _, element_id in self._open:
            if element_id:
                self.ids[element_id] += data


def _errors_are_tied(page: _Page) -> None:
    assert page.invalid, "no field is marked invalid"
    for field in page.invalid:
        named = field.get("aria-describedby", "").split()
        said = [page.ids.get(part, "").strip() for part in named]
        assert any(said), f"{field.get('name')} is invalid and names no message: {field}"
    for href in page.summary_links:
        assert href.startswith("#"), href
        assert href[1:] in page.ids, f"the error summary links to nothing: {href!r}"


def _staff(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_every_error_of_the_registration_form_leads_to_its_field(registrar, programme) -> None:
    """A radio group (sex) has no label target: its summary link was "#", which leads nowhere."""
    response = _staff("registrar-1").post("/participants/new/", {"programme_id": programme.id})
    assert response.status_code == 422
    page = _Page(response.content.decode())
    assert len(page.summary_links) == 5
    _errors_are_tied(page)
    sex = [f for f in page.invalid if f.get("name") == "sex"]
    assert len(sex) == 4  # every button says what is missing
    assert "#id_sex_0" in page.summary_links


def test_every_error_of_the_station_form_is_named_on_each_of_its_choices(clinician) -> None:
    """A fieldset's aria-describedby is read by few screen readers: each radio button
    says what is missing, as the registration form's do."""
    response = _staff(clinician.actor.username).post("/station/", {"site_id": "", "kind": ""})
    assert response.status_code == 422
    page = _Page(response.content.decode())
    _errors_are_tied(page)
    kinds = [f for f in page.invalid if f.get("name") == "kind"]
    assert len(kinds) >= 2
    assert all(f.get("aria-describedby") == "id_kind_error" for f in kinds)


def test_every_error_of_the_consent_form_leads_to_its_purpose(
    registrar, coordinator, programme
) -> None:
    """Issue 17, finding 3: a purpose left without yes or no is marked, and says so."""
    from healthcamp.services import participants

    document = publish_document(coordinator, programme.id, language="ar")
    person = participants.participant_register(
        actor=registrar.actor,
        programme_id=programme.id,
        given_name="Amina",
        family_name="Haddad",
        date_of_birth=date(1984, 3, 15),
        sex="female",
        preferred_language="ar",
        phone="",
    )
    response = _staff("registrar-1").post(
        f"/participants/{person.id}/consent/", {"method": "on_screen"}
    )
    assert response.status_code == 422
    page = _Page(response.content.decode())
    _errors_are_tied(page)
    marked = {f.get("name") for f in page.invalid}
    assert marked == {f"purpose_{p.code}" for p in document.purposes}
    assert len(page.summary_links) == len(document.purposes)


def _portal(client: Client, card: str, **extra: Any) -> Any:
    return client.post(
        "/me/", {"card_code": card, "date_of_birth": "1984-03-15", "pin": "", **extra}
    )


def test_each_portal_page_has_a_title_of_its_own(registrar, coordinator, programme) -> None:
    """Issue 17, finding 7: every portal page was titled "Your health record" alone, so a
    screen reader (which reads the title first) and the list of tabs could not tell the
    record from a refusal or a confirmation."""
    from django.template.loader import render_to_string

    from tests.conftest import register_person

    document = publish_document(coordinator, programme.id, language="en")
    person = register_person(registrar, programme, consent_document=document)
    client = Client()
    titles: dict[str, str] = {}

    def title(state: str, response: Any) -> str:
        assert response.status_code in (200, 401, 503), (state, response.status_code)
        titles[state] = " ".join(_Page(response.content.decode()).title.split())
        return titles[state]

    title("sign-in", client.get("/me/?lang=en"))
    title("refused", _portal(client, person.card_code, date_of_birth="1984-03-16"))
    title("signed out", client.get("/me/?out=1&lang=en"))
    assert _portal(client, person.card_code).status_code == 302
    title("record", client.get("/me/record/"))
    title("nothing chosen", client.post("/me/withdraw/", {"erase": "no"}, follow=True))
    done = client.post(
        "/me/withdraw/", {"purposes": [document.purposes[0].code], "erase": "no"}, follow=True
    )
    title("withdrawn", done)
    title("problem", _Response(render_to_string("web/portal/problem.html", {"message": "Shut."})))
    assert len(set(titles.values())) == len(titles), titles
    assert all(t.endswith("Your health record") for t in titles.values()), titles
    assert titles["sign-in"] == "Sign in · Your health record"
    assert "do not match" in titles["refused"]
    assert "signed out" in titles["signed out"]
    assert "Choose at least one purpose" in titles["nothing chosen"]
    assert titles["withdrawn"].startswith("Done.")
    assert "Shut." in titles["problem"]


class _Response:
    """A rendered template, as a response for `title` above."""

    status_code = 200

    def __init__(self, html: str) -> None:
        self.content = html.encode()


def test_a_trend_picture_says_the_band_and_the_healthy_range_in_words(
    registrar, clinician, coordinator, programme
) -> None:
    """Issue 17, finding 7: over two visits or more, the picture's words were the values
    alone; the band and the healthy range, which the picture shows, were left out."""
    import re

    from django.apps import apps

    from healthcamp.services import exams
    from tests.conftest import register_person

    document = publish_document(coordinator, programme.id, language="en")
    person = register_person(registrar, programme, consent_document=document)
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    for weight in (70, 74):
        visit = exams.encounter_start(actor=clinician.actor, participant_id=person.id, site_id=site)
        for code, value, unit in (("8302-2", 162, "cm"), ("29463-7", weight, "kg")):
            exams.observation_record(
                actor=clinician.actor, encounter_id=visit, code=code, value=value, unit=unit
            )
    client = Client()
    assert _portal(client, person.card_code).status_code == 302
    page = client.get("/me/record/").content.decode()
    said = re.findall(r'<img class="chart" src="[^"]+" alt="([^"]*)"', page)
    bmi = [alt for alt in said if "Body mass index" in alt or "BMI" in alt]
    assert bmi, said
    assert "Healthy range" in bmi[0], bmi[0]
    assert "Above the healthy weight" in bmi[0], bmi[0]  # 74 kg at 1.62 m: 28.2
    assert "[" not in " ".join(said)  # no unit codes such as mm[Hg]
