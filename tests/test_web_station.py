"""The station page: start a visit, type values, see the visit's decision; bad values
explained, nothing lost, nothing said only in colour or in codes."""

from __future__ import annotations

import html
import re

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
def person(api_as, registrar, programme, document) -> str:
    pid = api_as(registrar).post("/participants", participant_body(programme.id)).json()["id"]
    api_as(registrar).post(
        f"/participants/{pid}/consents",
        {
            "document_id": document.id,
            "method": "on_screen",
            "decisions": dict.fromkeys(ALL_PURPOSES, True),
        },
    )
    return pid


@pytest.fixture
def visit(clinician, programme, person) -> str:
    """The station page's address for a new visit, started by the clinician."""
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    started = _login(clinician).post(f"/participants/{person}/station/", {"site_id": str(site)})
    assert started.status_code == 302
    return started["Location"]


def _text(response) -> str:
    """What a person reads: the page without its tags, entities decoded."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def _observations(code: str | None = None) -> list:
    found = apps.get_model("exams", "Observation").objects.order_by("recorded_at", "pk")
    return list(found.filter(code=code) if code else found)


def test_a_visit_at_the_station(clinician, programme, person) -> None:
    client = _login(clinician)
    assert "Start measurements" in client.get(f"/participants/{person}/").content.decode()
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    started = client.post(f"/participants/{person}/station/", {"site_id": str(site)})
    assert started.status_code == 302
    page = client.post(
        started["Location"],
        {
            "systolic_1": "900",
            "diastolic_1": "82",
            "height": "1.62",
            "height_unit": "m",
            "weight": "70",
            "weight_unit": "kg",
            "glucose": "17.2",
            "glucose_unit": "mmol/L",
            "abo": "O",
        },
    )
    text = _text(page)
    assert page.status_code == 422  # one value was refused...
    assert "not plausible: a real value lies between 50 and 300 mmHg" in text
    assert 'value="900"' in page.content.decode()  # ...and kept in its box to correct
    assert 'value="82"' in page.content.decode()  # its pair waits with it
    assert "Body mass index 26.7 kg/m²" in text  # ...the others were recorded and decided
    assert "Overweight" in text
    assert "Blood glucose (sugar) 17.2 mmol/L" in text
    assert "URGENT" in text
    assert "very high — act now; an urgent referral is open" in text
    codes = {o.code for o in _observations()}
    # A pair is recorded together or not at all: no diastolic without its systolic.
    assert codes == {"8302-2", "29463-7", "14743-9", "883-9"}


@pytest.mark.parametrize("role", ["registrar", "lab", "analyst"])
def test_only_clinicians_start_a_visit(role, programme, person, request) -> None:
    staff = request.getfixturevalue(role)
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    response = _login(staff).post(f"/participants/{person}/station/", {"site_id": str(site)})
    assert response.status_code == 403
    assert not apps.get_model("exams", "Encounter").objects.exists()


def test_a_wrong_site_is_explained(clinician, person) -> None:
    response = _login(clinician).post(f"/participants/{person}/station/", {"site_id": "999"})
    assert response.status_code == 422
    assert "is not a site of this participant" in response.content.decode()
    assert 'aria-describedby="site_error"' in response.content.decode()


def test_the_fields_come_from_the_catalogue(clinician, visit) -> None:
    page = _login(clinician).get(visit)
    body, text = page.content.decode(), _text(page)
    assert page.status_code == 200
    for name in (
        "systolic_1", "diastolic_1", "systolic_3", "diastolic_3", "pulse", "height", "weight",
        "waist", "va_right", "va_left", "va_correction", "pregnancy", "dx_hypertension",
        "dx_diabetes", "glucose", "fasting_hours", "hba1c", "cholesterol", "abo", "rh",
    ):  # fmt: skip
        assert f'id="id_{name}"' in body, name
        assert f'for="id_{name}"' in body, name  # every input has its label
    assert 'name="bmi"' not in body
    assert "85354-9" not in body  # computed, never typed
    # Units as people read them; the unit sent stays the UCUM code.
    assert "beats a minute" in text
    assert "mmHg" in text
    assert '<option value="[lb_av]">lb</option>' in body
    assert '<option value="mmol/mol">mmol/mol</option>' in body
    assert '<option value="snellen" selected>Snellen (6/12)</option>' in body
    # Instead of a value: refused, not done, unable; the glucose meter's HI and LO.
    assert '<option value="not_done">Not done</option>' in body
    assert '<option value="HI">Meter shows HI</option>' in body
    # She is 15-49: the pregnancy question is asked, with "not asked" as an answer.
    assert "Pregnant now" in text
    assert '<option value="not_done">Not asked</option>' in body
    assert "Already diagnosed or treated for high blood pressure" in text


def test_a_man_is_not_asked_about_pregnancy(
    api_as, registrar, clinician, programme, document
) -> None:
    body = participant_body(programme.id, given_name="Omar", sex="male")
    pid = api_as(registrar).post("/participants", body).json()["id"]
    api_as(registrar).post(
        f"/participants/{pid}/consents",
        {
            "document_id": document.id,
            "method": "on_screen",
            "decisions": dict.fromkeys(ALL_PURPOSES, True),
        },
    )
    client = _login(clinician)
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    page = client.get(
        client.post(f"/participants/{pid}/station/", {"site_id": str(site)})["Location"]
    )
    assert 'id="id_pregnancy"' not in page.content.decode()
    assert "Ask whether she is pregnant" not in _text(page)


def test_office_blood_pressure_is_the_mean_of_the_last_two(clinician, visit) -> None:
    page = _login(clinician).post(
        visit,
        {"systolic_1": "186", "diastolic_1": "112", "systolic_2": "162", "diastolic_2": "102"},
    )
    text = _text(page)
    assert page.status_code == 200
    assert "Blood pressure 174/107 mmHg" in text
    assert "mean of the last 2 of 2 readings" in text
    assert "Grade 2 hypertension (ESH)" in text
    assert "Act: advise a clinic check-up" in text  # the level in words, not colour alone
    assert "st-urgent" not in page.content.decode()
    assert "act now" not in text
    assert "Reading 1: 186/112 mmHg" in text
    assert "Reading 2: 162/102 mmHg" in text
    assert 'id="id_systolic_3"' in page.content.decode()  # the next reading is the third


def test_readings_that_differ_ask_for_a_third(clinician, visit) -> None:
    client = _login(clinician)
    page = client.post(
        visit,
        {"systolic_1": "150", "diastolic_1": "90", "systolic_2": "136", "diastolic_2": "88"},
    )
    text = _text(page)
    assert "Take a third reading: the first two differ by more than 10 mmHg." in text
    assert 'href="#id_systolic_3"' in page.content.decode()
    assert "not final yet" in text
    third = client.post(visit, {"systolic_3": "134", "diastolic_3": "86"})
    text = _text(third)
    assert "Take a third reading" not in text
    assert "Blood pressure 135/87 mmHg" in text
    assert "mean of the last 2 of 3 readings" in text
    assert "High-normal (ESH)" in text


def test_a_very_high_reading_asks_about_symptoms(clinician, visit) -> None:
    client = _login(clinician)
    page = client.post(
        visit,
        {"systolic_1": "190", "diastolic_1": "100", "systolic_2": "188", "diastolic_2": "98"},
    )
    text = _text(page)
    assert (
        "Reading of 180/110 or more: let the person rest 5 minutes, measure again, and ask "
        "about chest pain, breathlessness, weakness, severe headache or blurred vision; "
        "record the answer below." in text
    )
    assert 'id="id_bp_symptoms"' in page.content.decode()
    assert "Grade 3 hypertension (ESH)" in text
    assert "st-urgent" not in page.content.decode()  # not urgent until symptoms are known
    urgent = client.post(visit, {"bp_symptoms": "yes"})
    text = _text(urgent)
    assert (
        "URGENT Blood pressure 189/99 mmHg: grade 3 hypertension (ESH) with symptoms — act now; "
        "an urgent referral is open." in text
    )
    assert 'role="alert"' in urgent.content.decode()
    referral = apps.get_model("exams", "Referral").objects.get()
    assert (referral.measure_code, referral.urgency) == ("85354-9", "urgent")


def test_symptoms_no_keeps_it_a_referral_within_a_week(clinician, visit) -> None:
    client = _login(clinician)
    client.post(
        visit, {"systolic_1": "190", "diastolic_1": "100", "systolic_2": "188", "diastolic_2": "98"}
    )
    page = client.post(visit, {"bp_symptoms": "no"})
    text = _text(page)
    assert "st-urgent" not in page.content.decode()
    assert "Blood pressure 189/99 mmHg: Grade 3 hypertension (ESH) — refer within a week." in text


def test_an_extreme_glucose_is_read_back_then_recorded(clinician, visit) -> None:
    client = _login(clinician)
    asked = client.post(visit, {"glucose": "45", "glucose_unit": "mmol/L"})
    body = asked.content.decode()
    assert asked.status_code == 422
    assert "very high, above what most meters show" in _text(asked)
    assert 'name="glucose_confirm"' in body
    assert "Yes, I read it right" in body
    assert 'aria-describedby="id_glucose_error"' in body
    assert re.search(r'id="id_glucose_confirm"[^>]*autofocus', body)
    assert not _observations()
    confirmed = client.post(
        visit, {"glucose": "45", "glucose_unit": "mmol/L", "glucose_confirm": "yes"}
    )
    text = _text(confirmed)
    assert confirmed.status_code == 200
    assert (
        "Blood glucose (sugar) 45.0 mmol/L: very high — act now; an urgent referral is open."
        in text
    )
    assert [o.value for o in _observations("14743-9")] == [45.0]


def test_the_meters_hi_is_recorded(clinician, visit) -> None:
    page = _login(clinician).post(visit, {"glucose": "HI", "glucose_unit": "mmol/L"})
    assert page.status_code == 200
    [found] = _observations("14743-9")
    assert (found.comparator, found.value) == (">", 33.3)
    text = _text(page)
    assert "HI (> 33.3 mmol/L)" in text
    assert "Above what the meter shows (HI)" in text
    assert "URGENT" in text
    # The side menu says it too, for a keypad without letters.
    lo = _login(clinician).post(visit, {"glucose_instead": "LO", "glucose_unit": "mmol/L"})
    assert lo.status_code == 200
    assert _observations("14743-9")[-1].comparator == "<"


def test_refused_is_recorded_as_an_absent_value(clinician, visit) -> None:
    page = _login(clinician).post(visit, {"weight_instead": "refused", "weight_unit": "kg"})
    assert page.status_code == 200
    [found] = _observations("29463-7")
    assert (found.value, found.absent_reason) == (None, "refused")
    assert "Recorded: Refused" in _text(page)
    both = _login(clinician).post(visit, {"height": "160", "height_instead": "unable"})
    assert both.status_code == 422
    assert "not both" in _text(both)


def test_a_reopened_visit_shows_what_was_recorded(clinician, visit) -> None:
    client = _login(clinician)
    client.post(
        visit,
        {
            "systolic_1": "128", "diastolic_1": "82", "systolic_2": "124", "diastolic_2": "80",
            "weight": "154", "weight_unit": "[lb_av]", "height": "165", "height_unit": "cm",
            "hba1c": "6.5", "hba1c_unit": "%", "pregnancy": "not_pregnant",
        },
    )  # fmt: skip
    page = client.get(visit)
    text = _text(page)
    assert page.status_code == 200
    assert "Reading 1: 128/82 mmHg" in text
    assert "Reading 2: 124/80 mmHg" in text
    assert "Recorded: 69.9 kg (typed 154 lb)" in text
    assert "Recorded: 6.5 %" in text  # (a decimal comma: tests/test_station_speed.py)
    assert "Recorded: Not pregnant" in text
    assert "Blood pressure 126/81 mmHg" in text
    assert "Normal" in text
    assert "Body mass index 25.7 kg/m²" in text
    assert "In the diabetes range" in text
    assert "Ask whether she is pregnant" not in text  # answered
    assert 'value="154"' not in page.content.decode()  # recorded values leave their boxes


def test_the_unit_menu_and_the_value_stay_after_an_error(clinician, visit) -> None:
    page = _login(clinician).post(visit, {"glucose": "9000", "glucose_unit": "mg/dL"})
    body = page.content.decode()
    assert page.status_code == 422
    assert '<option value="mg/dL" selected>mg/dL</option>' in body
    assert 'value="9000"' in body
    assert "is not plausible" in _text(page)


def test_errors_are_linked_and_focused(clinician, visit) -> None:
    page = _login(clinician).post(
        visit, {"systolic_1": "120", "pulse": "abc", "waist": "9999", "waist_unit": "cm"}
    )
    body = page.content.decode()
    assert page.status_code == 422
    # A reading without its other half is not recorded; the missing box says why.
    assert "Type the diastolic (bottom) number of reading 1 too." in _text(page)
    for field in ("id_diastolic_1", "id_pulse", "id_waist"):
        tag = re.search(rf'<input id="{field}"[^>]*>', body)
        assert tag, field
        assert 'aria-invalid="true"' in tag.group(0)
        assert f'aria-describedby="{field}_error' in tag.group(0)
        assert f'id="{field}_error"' in body
    assert body.count(" autofocus") == 1
    assert re.search(r'<input id="id_diastolic_1"[^>]*autofocus', body)  # the first in error
    assert 'value="120"' in body
    assert not _observations()


def test_swapped_boxes_are_caught(clinician, visit) -> None:
    page = _login(clinician).post(visit, {"systolic_1": "80", "diastolic_1": "120"})
    assert page.status_code == 422
    assert "must be higher than the diastolic" in _text(page)
    assert not _observations()


def test_the_lab_sees_only_blood_tests(lab, visit) -> None:
    page = _login(lab).get(visit)
    body = page.content.decode()
    assert page.status_code == 200
    for name in ("glucose", "fasting_hours", "hba1c", "cholesterol", "abo", "rh"):
        assert f'id="id_{name}"' in body, name
    for name in ("systolic_1", "pulse", "weight", "pregnancy", "va_right", "dx_diabetes"):
        assert f'id="id_{name}"' not in body, name
    recorded = _login(lab).post(visit, {"glucose": "6.1", "glucose_unit": "mmol/L"})
    text = _text(recorded)
    assert recorded.status_code == 200
    assert "Ask how many hours since the person last ate" in text
    assert "Ask whether she is pregnant" not in text  # not a question the lab can record


def test_the_station_shows_words_not_codes(clinician, visit) -> None:
    page = _login(clinician).post(
        visit,
        {
            "systolic_1": "168", "diastolic_1": "104", "systolic_2": "166", "diastolic_2": "102",
            "pulse": "300", "weight": "70", "weight_unit": "[lb_av]", "height": "160",
            "va_right": "6/12", "va_right_unit": "snellen", "glucose": "7.2",
            "glucose_unit": "mmol/L", "rh": "positive",
        },
    )  # fmt: skip
    text = _text(page)
    assert "Grade 2 hypertension (ESH)" in text
    for code in (
        "hypertension_grade", "mm[Hg]", "[lb_av]", "{logMAR}", "/min", "not_classified",
        "needs_test", "mild_impairment", "kg/m2", "_",
    ):  # fmt: skip
        assert code not in text, code


def test_without_blood_tests_consent_the_rest_is_recorded(
    api_as, registrar, clinician, programme, document
) -> None:
    pid = api_as(registrar).post("/participants", participant_body(programme.id)).json()["id"]
    decisions = dict.fromkeys(ALL_PURPOSES, True) | {"blood_tests": False}
    api_as(registrar).post(
        f"/participants/{pid}/consents",
        {"document_id": document.id, "method": "on_screen", "decisions": decisions},
    )
    client = _login(clinician)
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    url = client.post(f"/participants/{pid}/station/", {"site_id": str(site)})["Location"]
    page = client.post(
        url, {"weight": "70", "weight_unit": "kg", "glucose": "6", "hba1c": "6", "hba1c_unit": "%"}
    )
    assert page.status_code == 422
    assert [o.code for o in _observations()] == ["29463-7"]
    assert "Not recorded:" in _text(page)
    assert 'id="id_hba1c_error"' in page.content.decode()


def test_focus_starts_at_the_first_field_then_stays_with_the_results(clinician, visit) -> None:
    client = _login(clinician)
    body = client.get(visit).content.decode()
    assert body.count(" autofocus") == 1
    assert re.search(r'<select id="id_pregnancy"[^>]*autofocus', body)  # asked first
    # Once something is recorded, the page opens at its top: the alarm, the prompts.
    after = client.post(visit, {"glucose": "2.4", "glucose_unit": "mmol/L"})
    assert " autofocus" not in after.content.decode()
    assert "Blood glucose (sugar) 2.4 mmol/L: very low — act now; an urgent referral is open." in (
        _text(after)
    )
