"""Results letters: the person's values in their language, a picture each, HTML and PDF."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client

from healthcamp.audit.selectors import log_for_participant
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
    """ESH 2023 office measurement: 150/85, 138/84, 132/82 reads as the mean of the last two,
    135/83 - high normal. Readings are pairs: a systolic alone is no blood pressure."""
    eid = apps.get_model("exams", "Encounter").objects.get(participant_id=visited).pk
    for systolic, diastolic in ((138, 84), (132, 82)):
        for code, value in (("8480-6", systolic), ("8462-4", diastolic)):
            api_as(clinician).post(
                f"/encounters/{eid}/observations", {"code": code, "value": value, "unit": "mm[Hg]"}
            )
    html = _login(clinician).get(f"/participants/{visited}/letter/").content.decode()
    # Was "135 mm[Hg]": the letter shows the pair, in the unit people read.
    assert "135/83 mmHg" in html
    assert "متوسط آخر القراءات (2 من 3)" in html  # how it was worked out, in Arabic
    assert "في أعلى المعدل الصحي" in html  # 135/83 is high normal, explained in Arabic


def test_the_letter_speaks_the_participants_language(clinician, visited) -> None:
    page = _login(clinician).get(f"/participants/{visited}/letter/")
    assert page.status_code == 200
    raw = page.content.decode()
    # Inserted values are set apart by Unicode isolates (the PDF ignores <bdi>).
    assert "\u2068150/85 mmHg\u2069" in raw
    html = re.sub("[\u2066-\u2069]", "", raw)
    assert 'lang="ar" dir="rtl"' in html
    assert "نتائج فحصك الصحي" in html  # the title, in Arabic
    # One blood pressure row (the panel), named in Arabic; was systolic and diastolic apart.
    assert '<th scope="row">ضغط الدم</th>' in html
    assert "150/85 mmHg" in html
    assert "قراءة واحدة" in html  # a single reading says it is one
    assert "mm[Hg]" not in html  # a UCUM code is not a unit people read
    # A range picture for each value that has ranges: blood pressure and BMI (height and
    # weight have none); the QR code is the other image. Each picture is told in words.
    assert html.count('src="data:image/svg+xml;base64,') == 2
    assert 'alt="ضغط الدم: قيمتك 150/85 mmHg' in html
    # What is not shown, and why, in the person's words (was the code "blood_tests").
    assert "لا يظهر هنا، لعدم الموافقة عليه أو لسحب الموافقة: تحاليل الدم بوخز الإصبع" in html
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


@pytest.mark.parametrize("role", ["lab", "analyst", "auditor"])
def test_only_the_desk_the_station_and_the_coordinator_print_the_letter(
    role, visited, request
) -> None:
    staff = request.getfixturevalue(role)
    assert _login(staff).get(f"/participants/{visited}/letter/").status_code == 403
    newest = log_for_participant(participant_id=visited.replace("-", ""))[0]
    assert (newest.action, newest.outcome, newest.role) == ("results.letter", "denied", role)


@pytest.mark.parametrize("role", ["registrar", "coordinator", "clinician"])
def test_printing_the_letter_is_on_the_persons_log(role, visited, request) -> None:
    """Issue 9: the desk hands the letter over, so the registrar prints it too (was 403)."""
    staff = request.getfixturevalue(role)
    html = _login(staff).get(f"/participants/{visited}/letter/").content.decode()
    assert "150/85 mmHg" in html
    assert "Haddad" in html
    newest = log_for_participant(participant_id=visited.replace("-", ""))[0]
    assert (newest.action, newest.purpose, newest.outcome, newest.role) == (
        "results.letter",
        "screening",
        "allowed",
        role,
    )


def test_the_letter_points_to_the_portal(clinician, visited) -> None:
    html = _login(clinician).get(f"/participants/{visited}/letter/").content.decode()
    assert "http://testserver/me/" in html


def test_each_picture_marks_its_own_value() -> None:
    """The band background is drawn once per set of cut-offs; the mark must still move."""
    from healthcamp.clinical import catalogue, rules
    from healthcamp.results import letters

    systolic = catalogue.measure("8480-6")
    bands = rules.band_set(systolic, rules.Person("female", 40 * 12), "mm[Hg]")
    assert bands is not None
    assert systolic.plausible is not None
    low, high = (letters.range_picture(bands, v, systolic.plausible) for v in (112, 176))
    assert low.startswith("data:image/svg+xml;base64,")
    assert low != high
    assert letters.range_picture(bands, 112, systolic.plausible) != high  # not stuck on the last
