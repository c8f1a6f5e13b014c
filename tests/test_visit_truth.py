"""Issue 9's findings, each through the API and the letter: one decision per visit, so
the station, the referral, the letter and the portal say the same true thing."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client

from healthcamp.services import consent
from tests.conftest import ALL_PURPOSES, participant_body

pytestmark = pytest.mark.django_db


def _login(staff: Any) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=staff.actor.username))
    return client


@pytest.fixture
def person(api_as, registrar, programme, document) -> str:
    body = participant_body(programme.id, preferred_language="en", sex="male")
    pid = api_as(registrar).post("/participants", body).json()["id"]
    consent.consent_record(
        actor=registrar.actor,
        participant_id=uuid.UUID(pid),
        document_id=document.id,
        decisions=dict.fromkeys(ALL_PURPOSES, True),
        method="on_screen",
    )
    return pid


def _visit(api_as, clinician, programme, pid: str, values, *, expect: int = 201) -> dict:
    site = apps.get_model("registry", "Site").objects.filter(programme_id=programme.id)[0].pk
    eid = api_as(clinician).post(f"/participants/{pid}/encounters", {"site_id": site}).json()["id"]
    last: dict = {}
    for code, value, unit, *confirmed in values:
        body = {"code": code, "value": value, "unit": unit}
        if confirmed:
            body["confirmed"] = True
        answer = api_as(clinician).post(f"/encounters/{eid}/observations", body)
        assert answer.status_code == expect, answer.content
        last = answer.json()
    last["encounter_id"] = eid
    return last


def _referrals(pid: str) -> list[tuple[str, str]]:
    rows = apps.get_model("exams", "Referral").objects.filter(participant_id=pid)
    return sorted(rows.values_list("measure_code", "urgency"))


def _letter(staff, pid: str) -> str:
    page = _login(staff).get(f"/participants/{pid}/letter/")
    assert page.status_code == 200, page.content[:300]
    return page.content.decode()


NORMAL_ADULT = [
    ("8480-6", 118, "mm[Hg]"),
    ("8462-4", 76, "mm[Hg]"),
    ("8480-6", 116, "mm[Hg]"),
    ("8462-4", 74, "mm[Hg]"),
    ("8302-2", 175, "cm"),
    ("29463-7", 70, "kg"),
    ("56115-9", 85, "cm"),
    ("87527-8", 10, "h"),
    ("14743-9", 5.0, "mmol/L"),
    ("4548-4", 5.2, "%"),
    ("35200-5", 180, "mg/dL"),
    ("883-9", "O", ""),
    ("10331-7", "positive", ""),
]


def test_a_healthy_adult_with_blood_group_o_positive_is_told_all_is_well(
    api_as, clinician, programme, person
) -> None:
    done = _visit(api_as, clinician, programme, person, NORMAL_ADULT)
    assert done["level"] == "fine"
    html = _letter(clinician, person)
    assert "Come back to the next health camp" in html or "next health camp" in html
    assert "See a clinic in the next few weeks" not in html
    # Blood group is a fact for the records: never drawn in an alarming tone.
    assert 'class="meaning tone-act"' not in html
    assert "tone-urgent" not in html
    assert _referrals(person) == []


def test_diastolic_110_to_119_without_symptoms_is_within_a_week_and_no_one_claims_a_referral(
    api_as, clinician, programme, person
) -> None:
    done = _visit(
        api_as,
        clinician,
        programme,
        person,
        [
            ("8480-6", 150, "mm[Hg]"),
            ("8462-4", 114, "mm[Hg]"),
            ("8480-6", 152, "mm[Hg]"),
            ("8462-4", 112, "mm[Hg]"),
            ("hc-bp-symptoms", "no", ""),
        ],
    )
    bp = next(r for r in done["results"] if r["code"] == "85354-9")
    assert (bp["label"], bp["level"]) == ("hypertension_grade_3", "soon")
    html = _letter(clinician, person)
    assert "referred to a clinic today" not in html
    # A referral within a week now exists, and the letter names it plainly.
    assert _referrals(person) == [("85354-9", "soon")]
    assert "within a week" in html


def test_station_referral_and_letter_agree_on_the_office_mean(
    api_as, clinician, programme, person
) -> None:
    """186/112 then 162/102: ESH office BP is 174/107 (grade 2), not the first reading."""
    done = _visit(
        api_as,
        clinician,
        programme,
        person,
        [
            ("8480-6", 186, "mm[Hg]"),
            ("8462-4", 112, "mm[Hg]"),
            ("8480-6", 162, "mm[Hg]"),
            ("8462-4", 102, "mm[Hg]"),
            ("hc-bp-symptoms", "no", ""),
        ],
    )
    bp = next(r for r in done["results"] if r["code"] == "85354-9")
    assert (bp["shown"], bp["label"], bp["level"]) == (
        "174/107 mmHg",
        "hypertension_grade_2",
        "act",
    )
    assert "third_bp_reading" in done["prompts"]  # 186 vs 162 differ by more than 10
    assert _referrals(person) == []  # no urgent referral "for today" from one reading
    html = _letter(clinician, person)
    assert "174/107 mmHg" in html
    assert "See a clinic in the next few weeks" in html


def test_a_crisis_glucose_is_confirmed_not_refused_and_refers_today(
    api_as, clinician, programme, person
) -> None:
    site = apps.get_model("registry", "Site").objects.filter(programme_id=programme.id)[0].pk
    eid = (
        api_as(clinician).post(f"/participants/{person}/encounters", {"site_id": site}).json()["id"]
    )
    asked = api_as(clinician).post(
        f"/encounters/{eid}/observations", {"code": "14743-9", "value": 45, "unit": "mmol/L"}
    )
    assert asked.status_code == 422
    assert "confirm" in {d["field"] for d in asked.json()["detail"]}
    done = api_as(clinician).post(
        f"/encounters/{eid}/observations",
        {"code": "14743-9", "value": 800, "unit": "mg/dL", "confirmed": True},
    )
    assert done.status_code == 201, done.content
    assert done.json()["critical"] is True
    assert _referrals(person) == [("14743-9", "urgent")]
    html = _letter(clinician, person)
    assert "today" in html


@pytest.mark.parametrize(("typed", "comparator"), [("HI", ">"), ("LO", "<")])
def test_a_meters_hi_and_lo_are_recorded_as_crisis_values(
    api_as, clinician, programme, person, typed: str, comparator: str
) -> None:
    done = _visit(api_as, clinician, programme, person, [("14743-9", typed, "mmol/L")])
    assert done["observations"][0]["comparator"] == comparator
    assert done["level"] == "urgent"


@pytest.mark.parametrize(
    ("value", "unit", "label"),
    [
        (200, "mg/dL", "borderline_high"),
        (201, "mg/dL", "borderline_high"),
        (199, "mg/dL", "desirable"),
        (5.2, "mmol/L", "borderline_high"),
    ],
)
def test_cholesterol_is_read_in_the_unit_it_was_measured_in(
    api_as, clinician, programme, person, value, unit: str, label: str
) -> None:
    done = _visit(api_as, clinician, programme, person, [("35200-5", value, unit)])
    assert next(r for r in done["results"] if r["code"] == "35200-5")["label"] == label


@pytest.mark.parametrize(
    ("hours", "value", "unit", "label"),
    [
        (10, 70, "mg/dL", "normal"),  # ADA: low is < 70 mg/dL
        (2, 300, "mg/dL", "very_high"),
        (2, 8.5, "mmol/L", "needs_test"),  # random 7.8-11.0: needs a fasting or HbA1c test
        (2, 6.5, "mmol/L", "normal"),  # random: fasting bands do not apply
        (10, 6.5, "mmol/L", "impaired_fasting_glucose"),
    ],
)
def test_glucose_bands_follow_fasting_and_the_entered_unit(
    api_as, clinician, programme, person, hours, value, unit: str, label: str
) -> None:
    done = _visit(
        api_as, clinician, programme, person, [("87527-8", hours, "h"), ("14743-9", value, unit)]
    )
    assert next(r for r in done["results"] if r["code"] == "14743-9")["label"] == label


def test_a_critical_low_glucose_row_says_what_the_next_step_says(
    api_as, clinician, programme, person
) -> None:
    _visit(api_as, clinician, programme, person, [("14743-9", 2.4, "mmol/L")])
    html = _letter(clinician, person)
    assert "if it happens again" not in html
    assert 'class="meaning tone-urgent"' in html
    assert 'class="next tone-urgent"' in html


def test_waist_at_exactly_the_cut_off_is_not_increased(
    api_as, clinician, programme, person
) -> None:
    done = _visit(api_as, clinician, programme, person, [("56115-9", 94, "cm")])
    assert next(r for r in done["results"] if r["code"] == "56115-9")["label"] == "normal"


@pytest.mark.parametrize("role", ["clinician", "registrar", "coordinator"])
def test_withdrawing_screening_alone_leaves_the_blood_results_letter(
    api_as, clinician, lab, programme, person, registrar, coordinator, role: str
) -> None:
    _visit(
        api_as, clinician, programme, person, [("8480-6", 150, "mm[Hg]"), ("8462-4", 95, "mm[Hg]")]
    )
    _visit(api_as, clinician, programme, person, [("14743-9", 2.4, "mmol/L")])
    current = consent.consents_of(actor=registrar.actor, participant_id=uuid.UUID(person))[0]
    consent.consent_withdraw(
        actor=registrar.actor,
        participant_id=uuid.UUID(person),
        consent_id=current.id,
        purposes=["screening"],
        erase=False,
    )
    staff = {"clinician": clinician, "registrar": registrar, "coordinator": coordinator}[role]
    html = _letter(staff, person)
    assert "2.4 mmol/L" in html  # the still-consented (critical) blood result
    assert "mmHg" not in html  # the withdrawn purpose's values are not shown
    assert "measurements at the stations" in html  # and the letter says what is not shown


def test_the_letter_shows_one_visit_with_its_date_rounded_values_and_human_units(
    api_as, clinician, programme, person
) -> None:
    _visit(api_as, clinician, programme, person, [("14743-9", 110, "mg/dL"), ("8302-2", 180, "cm")])
    done = _visit(
        api_as,
        clinician,
        programme,
        person,
        [("8302-2", 175, "cm"), ("29463-7", 70.3, "kg"), ("14743-9", 99, "mg/dL")],
    )
    html = _letter(clinician, person)
    assert "mm[Hg]" not in html
    assert "kg/m2" not in html
    assert "kg/m²" in html
    assert "5.5 mmol/L" in html
    assert "99 mg/dL" in html
    assert "5.4953" not in html
    assert "6.1805" not in html
    started = apps.get_model("exams", "Encounter").objects.get(pk=done["encounter_id"]).started_at
    assert f"{started:%Y-%m-%d}" in html
    # The earlier visit's height is a trend line, not a row of today's results.
    assert "180 cm" not in html.split("<tbody>")[1].split("</tbody>")[0]


def test_the_letter_api_serves_html_and_pdf_with_the_page_rules(
    api_as, clinician, lab, programme, person
) -> None:
    done = _visit(api_as, clinician, programme, person, NORMAL_ADULT)
    html = api_as(clinician).get(f"/participants/{person}/letter")
    assert html.status_code == 200
    assert html["Content-Type"].startswith("text/html")
    assert "Your health check results" in html.content.decode()
    pdf = api_as(clinician).get(
        f"/participants/{person}/letter", format="pdf", paper="letter", visit=done["encounter_id"]
    )
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    bad = api_as(clinician).get(f"/participants/{person}/letter", format="docx")
    assert bad.status_code == 422
    assert "format" in {d["field"] for d in bad.json()["detail"]}
    unknown_visit = api_as(clinician).get(f"/participants/{person}/letter", visit=str(uuid.uuid4()))
    assert unknown_visit.status_code == 404


def test_withdrawing_screening_leaves_the_participant_page_and_the_station_for_blood_tests(
    api_as, clinician, programme, person, registrar
) -> None:
    _visit(
        api_as, clinician, programme, person, [("8480-6", 150, "mm[Hg]"), ("8462-4", 95, "mm[Hg]")]
    )
    blood = _visit(api_as, clinician, programme, person, [("14743-9", 5.4, "mmol/L")])
    current = consent.consents_of(actor=registrar.actor, participant_id=uuid.UUID(person))[0]
    consent.consent_withdraw(
        actor=registrar.actor,
        participant_id=uuid.UUID(person),
        consent_id=current.id,
        purposes=["screening"],
        erase=False,
    )
    client = _login(clinician)
    page = client.get(f"/participants/{person}/")
    assert page.status_code == 200
    station = client.get(f"/participants/{person}/station/{blood['encounter_id']}/")
    assert station.status_code == 200
    text = station.content.decode()
    assert "5.4 mmol/L" in text
    results = text.split("Results of this visit")[-1].split("</section>")[0]
    assert not re.search(r"\b150\b", results)  # a whole number: an id in the HTML may hold "150"


# ---- a second read of the change (helper review): each finding, as a test ------------


def _referral_rows(pid: str) -> list[tuple[str, str, str]]:
    rows = apps.get_model("exams", "Referral").objects.filter(participant_id=pid)
    return sorted(rows.values_list("measure_code", "urgency", "status"))


def test_a_calmer_repeat_reading_closes_the_referral_the_visit_made(
    api_as, clinician, programme, person
) -> None:
    _visit(
        api_as,
        clinician,
        programme,
        person,
        [
            ("8480-6", 186, "mm[Hg]"),
            ("8462-4", 112, "mm[Hg]"),
            ("hc-bp-symptoms", "yes", ""),
            ("8480-6", 150, "mm[Hg]"),
            ("8462-4", 92, "mm[Hg]"),
        ],
    )
    # The office mean is 168/102 (grade 2): the urgent referral "for today" is closed.
    assert _referral_rows(person) == [("85354-9", "urgent", "closed")]
    html = _letter(clinician, person)
    assert "We referred you" not in html
    assert "See a clinic in the next few weeks" in html


def test_a_recheck_of_a_low_glucose_closes_its_referral(
    api_as, clinician, programme, person
) -> None:
    _visit(
        api_as,
        clinician,
        programme,
        person,
        [("14743-9", 2.5, "mmol/L"), ("14743-9", 5.5, "mmol/L")],
    )
    assert _referral_rows(person) == [("14743-9", "urgent", "closed")]
    assert "We referred you" not in _letter(clinician, person)


def test_a_clinicians_routine_referral_is_raised_never_lowered(
    api_as, clinician, programme, person
) -> None:
    _visit(
        api_as, clinician, programme, person, [("8480-6", 150, "mm[Hg]"), ("8462-4", 95, "mm[Hg]")]
    )
    made = api_as(clinician).post(
        f"/participants/{person}/referrals", {"measure_code": "85354-9", "urgency": "routine"}
    )
    assert made.status_code == 201
    _visit(
        api_as,
        clinician,
        programme,
        person,
        [
            ("8480-6", 189, "mm[Hg]"),
            ("8462-4", 111, "mm[Hg]"),
            ("8480-6", 188, "mm[Hg]"),
            ("8462-4", 110, "mm[Hg]"),
            ("hc-bp-symptoms", "no", ""),
        ],
    )
    assert _referral_rows(person) == [("85354-9", "soon", "open")]
    html = _letter(clinician, person)
    assert "See a clinic within a week" in html
    assert "Go within a week" in html


def test_the_newest_letter_names_a_referral_still_open_from_an_earlier_visit(
    api_as, clinician, programme, person
) -> None:
    _visit(
        api_as,
        clinician,
        programme,
        person,
        [("8480-6", 190, "mm[Hg]"), ("8462-4", 115, "mm[Hg]"), ("hc-bp-symptoms", "yes", "")],
    )
    _visit(api_as, clinician, programme, person, [("29463-7", 70, "kg")])
    html = _letter(clinician, person)
    assert "We referred you" in html
    assert "Go to a clinic or hospital today" in html  # the next step agrees with it


@pytest.mark.parametrize(
    ("values", "shown", "label"),
    [
        (
            [
                ("8480-6", 139, "mm[Hg]"),
                ("8462-4", 85, "mm[Hg]"),
                ("8480-6", 140, "mm[Hg]"),
                ("8462-4", 85, "mm[Hg]"),
            ],
            "140/85 mmHg",
            "hypertension_grade_1",
        ),
        ([("4548-4", 47, "mmol/mol")], "47 mmol/mol", "prediabetes"),
        ([("35200-5", 5.18, "mmol/L")], "5.2 mmol/L", "borderline_high"),
        ([("14743-9", 7.75, "mmol/L")], "7.8 mmol/L", "needs_test"),
    ],
)
def test_what_is_shown_is_what_was_classified(
    api_as, clinician, programme, person, values, shown: str, label: str
) -> None:
    done = _visit(api_as, clinician, programme, person, values)
    result = done["results"][0]
    assert (result["shown"], result["label"]) == (shown, label)


def test_a_lone_systolic_does_not_shift_the_readings_after_it(
    api_as, clinician, programme, person
) -> None:
    done = _visit(
        api_as,
        clinician,
        programme,
        person,
        [
            ("8480-6", 190, "mm[Hg]"),
            ("8480-6", 120, "mm[Hg]"),
            ("8462-4", 78, "mm[Hg]"),
            ("8480-6", 122, "mm[Hg]"),
            ("8462-4", 76, "mm[Hg]"),
        ],
    )
    bp = next(r for r in done["results"] if r["code"] == "85354-9")
    assert bp["shown"] == "121/77 mmHg"
    assert "complete_bp_pair" in done["prompts"]


def test_the_blood_pressure_picture_draws_the_number_that_set_the_category(
    api_as, clinician, programme, person
) -> None:
    _visit(
        api_as,
        clinician,
        programme,
        person,
        [
            ("8480-6", 118, "mm[Hg]"),
            ("8462-4", 96, "mm[Hg]"),
            ("8480-6", 118, "mm[Hg]"),
            ("8462-4", 96, "mm[Hg]"),
        ],
    )
    html = _letter(clinician, person)
    assert "Healthy range: 90-130 mmHg" not in html  # the systolic's, which says "optimal"
    assert "Healthy range: &lt; 85 mmHg" in html  # the diastolic's, which says "raised"


def test_the_lab_is_not_told_a_visits_blood_pressure(
    api_as, clinician, lab, programme, person
) -> None:
    done = _visit(
        api_as,
        clinician,
        programme,
        person,
        [
            ("8480-6", 199, "mm[Hg]"),
            ("8462-4", 119, "mm[Hg]"),
            ("8480-6", 198, "mm[Hg]"),
            ("8462-4", 118, "mm[Hg]"),
        ],
    )
    answer = api_as(lab).post(
        f"/encounters/{done['encounter_id']}/observations",
        {"code": "14743-9", "value": 5.0, "unit": "mmol/L"},
    )
    assert answer.status_code == 201
    body = answer.json()
    assert [r["code"] for r in body["results"]] == ["14743-9"]
    assert body["critical"] is False
    assert "mmHg" not in answer.content.decode()
    assert "85354-9" not in answer.content.decode()
