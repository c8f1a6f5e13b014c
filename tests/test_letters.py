"""Results letters: the person's values in their language, a picture each, HTML and PDF."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import ALL_PURPOSES, participant_body

pytestmark = pytest.mark.django_db


def _login(staff) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=staff.actor.username))
    return client


@pytest.fixture
def visited(api_as, registrar, clinician, lab, programme, document) -> str:
    pid = api_as(registrar).post("/participants", participant_body(programme.id)).json()["id"]
    api_as(registrar).post(
        f"/participants/{pid}/consents",
        {
            "document_id": document.id,
            "method": "on_screen",
            "decisions": {p: p != "blood_tests" for p in ALL_PURPOSES},
        },
    )
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    eid = api_as(clinician).post(f"/participants/{pid}/encounters", {"site_id": site}).json()["id"]
    for code, value, unit in (
        ("8480-6", 150, "mm[Hg]"),
        ("8462-4", 85, "mm[Hg]"),
        ("8302-2", 165, "cm"),
        ("29463-7", 60, "kg"),
    ):
        api_as(clinician).post(
            f"/encounters/{eid}/observations", {"code": code, "value": value, "unit": unit}
        )
    return pid


def test_blood_pressure_is_the_mean_of_the_last_two_readings(api_as, clinician, visited) -> None:
    """ESH 2023 office measurement: 150 then 138 then 132 reads as (138 + 132) / 2 = 135."""
    eid = apps.get_model("exams", "Encounter").objects.get(participant_id=visited).pk
    for value in (138, 132):
        api_as(clinician).post(
            f"/encounters/{eid}/observations", {"code": "8480-6", "value": value, "unit": "mm[Hg]"}
        )
    html = _login(clinician).get(f"/participants/{visited}/letter/").content.decode()
    assert "135 mm[Hg]" in html
    assert "في أعلى المعدل الصحي" in html  # 135 is high normal, explained in Arabic


def test_the_letter_speaks_the_participants_language(clinician, visited) -> None:
    page = _login(clinician).get(f"/participants/{visited}/letter/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'lang="ar" dir="rtl"' in html
    assert "نتائج فحصك الصحي" in html  # the title, in Arabic
    assert "ضغط الدم الانقباضي" in html  # systolic blood pressure, in Arabic
    assert "150 mm[Hg]" in html
    # A range picture for each value that has ranges: systolic, diastolic and BMI.
    assert html.count('src="data:image/svg+xml;base64,') == 3
    assert "blood_tests" in html  # what was not measured, and why
    assert "ESH 2023" in html
    # The page's CSP forbids inline styles: the letter links its stylesheet instead.
    assert "<style>" not in html
    assert "healthcamp/letter.css" in html


@pytest.mark.parametrize(("paper", "width_pt"), [("a4", 595), ("letter", 612)])
def test_the_pdf_is_a_real_page(clinician, visited, paper: str, width_pt: int) -> None:
    import pypdfium2

    response = _login(clinician).get(
        f"/participants/{visited}/letter/", {"format": "pdf", "paper": paper}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    document = pypdfium2.PdfDocument(io.BytesIO(response.content))
    first = document[0]
    assert round(first.get_width()) == width_pt
    picture = first.render(scale=1.2).to_pil()
    artifacts = Path(__file__).resolve().parent.parent / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    picture.save(artifacts / f"letter-{paper}.png")
    image = picture.convert("L")
    dark = sum(image.histogram()[:128])
    assert dark > 2000  # text and pictures, not a blank page


@pytest.mark.parametrize("role", ["lab", "analyst", "registrar"])
def test_the_letter_is_for_the_station(role, visited, request) -> None:
    staff = request.getfixturevalue(role)
    assert _login(staff).get(f"/participants/{visited}/letter/").status_code == 403


def test_the_letter_points_to_the_portal(clinician, visited) -> None:
    html = _login(clinician).get(f"/participants/{visited}/letter/").content.decode()
    assert "http://testserver/me/" in html


def test_each_picture_marks_its_own_value() -> None:
    """The band background is drawn once per measure; the mark must still move."""
    from healthcamp.results import letters

    low, high = (letters.range_picture("8480-6", v, "female") for v in (112, 176))
    assert low.startswith("data:image/svg+xml;base64,")
    assert low != high
    assert letters.range_picture("8480-6", 112, "female") != high  # not stuck on the last
