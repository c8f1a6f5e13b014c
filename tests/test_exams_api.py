"""Encounters and observations through the API: consent per purpose, classification, erasure."""

from __future__ import annotations

import pytest
from django.apps import apps

from tests.conftest import ALL_PURPOSES, participant_body

pytestmark = pytest.mark.django_db


def _site(programme) -> int:
    return apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk


def _person(api_as, registrar, programme, document, *, no=(), **overrides) -> str:
    pid = (
        api_as(registrar)
        .post("/participants", participant_body(programme.id, **overrides))
        .json()["id"]
    )
    if document is not None:
        api_as(registrar).post(
            f"/participants/{pid}/consents",
            {
                "document_id": document.id,
                "method": "on_screen",
                "decisions": {p: p not in no for p in ALL_PURPOSES},
            },
        )
    return pid


def _result(answer, code: str) -> dict:
    """The visit's result for one measure, as the answer to a recording gives it."""
    return next(r for r in answer.json()["results"] if r["code"] == code)


def test_a_station_visit(api_as, registrar, clinician, lab, programme, document) -> None:
    pid = _person(api_as, registrar, programme, document)
    started = api_as(clinician).post(
        f"/participants/{pid}/encounters", {"site_id": _site(programme)}
    )
    assert started.status_code == 201, started.content
    eid = started.json()["id"]
    record = lambda staff, code, value, unit="": api_as(staff).post(  # noqa: E731
        f"/encounters/{eid}/observations", {"code": code, "value": value, "unit": unit}
    )
    # Blood pressure is a reading of both pressures, read as the ESH category of the pair.
    record(clinician, "8480-6", 142, "mm[Hg]")
    bp = record(clinician, "8462-4", 88, "mm[Hg]")
    assert bp.status_code == 201, bp.content
    office = _result(bp, "85354-9")
    assert (office["shown"], office["label"], office["level"]) == (
        "142/88 mmHg",
        "hypertension_grade_1",
        "act",
    )
    assert "ESH 2023" in office["source"]
    assert bp.json()["observations"][0]["classification"] == "hypertension_grade_1"
    # One reading is not the office measurement: the station is asked for a second.
    assert office["final"] is False
    assert "second_bp_reading" in bp.json()["prompts"]
    record(clinician, "8302-2", 1.70, "m")
    weight = record(clinician, "29463-7", 72.3, "kg")
    # BMI is worked out by the visit's decision from height and weight, not stored as a
    # typed value (it was an extra stored row): only the weight is in "observations".
    assert [o["code"] for o in weight.json()["observations"]] == ["29463-7"]
    bmi = _result(weight, "39156-5")
    assert (bmi["shown"], bmi["label"]) == ("25.0 kg/m²", "overweight")
    # Glucose is one measure; fasting or not is the hours since food, not the box typed
    # into (was a separate "fasting glucose" code). Without the hours it is read as random
    # and the station is asked for them.
    glucose = record(lab, "14743-9", "126", "mg/dL")
    assert glucose.status_code == 201, glucose.content
    assert glucose.json()["observations"][0]["original_value"] == "126"
    assert glucose.json()["observations"][0]["unit"] == "mmol/L"
    assert _result(glucose, "14743-9")["label"] == "normal"  # random: below 140 mg/dL
    assert "ask_fasting_hours" in glucose.json()["prompts"]
    fasted = record(lab, "87527-8", 10, "h")
    assert _result(fasted, "14743-9")["label"] == "diabetes_range"  # fasting: 126 mg/dL
    assert "ask_fasting_hours" not in fasted.json()["prompts"]
    # Two severe readings without the symptom question are a referral within a week at
    # most, and only once the protocol is done: no urgent referral from a reading alone
    # (the old test made one "today" from a single systolic of 190).
    record(clinician, "8480-6", 190, "mm[Hg]")
    record(clinician, "8462-4", 115, "mm[Hg]")
    record(clinician, "8480-6", 188, "mm[Hg]")
    severe = record(clinician, "8462-4", 114, "mm[Hg]")
    assert severe.json()["critical"] is False
    assert (severe.json()["level"], severe.json()["referred"]) == ("soon", [])
    assert "bp_symptom_check" in severe.json()["prompts"]
    # With symptoms it is an emergency: act now, and an urgent referral opens.
    critical = record(clinician, "hc-bp-symptoms", "yes")
    assert critical.json()["critical"] is True
    assert critical.json()["level"] == "urgent"
    assert critical.json()["referred"] == ["85354-9"]
    assert "an urgent referral is open" in critical.json()["message"]
    referral = apps.get_model("exams", "Referral").objects.get(participant_id=pid)
    assert (referral.measure_code, referral.urgency) == ("85354-9", "urgent")
    assert record(lab, "883-9", "ab").json()["observations"][0]["code_value"] == "AB"
    screening = (
        api_as(clinician).get(f"/participants/{pid}/observations", purpose="screening").json()
    )
    assert {o["code"] for o in screening} == {
        "8480-6",
        "8462-4",
        "8302-2",
        "29463-7",
        "hc-bp-symptoms",
    }
    assert (
        api_as(lab).get(f"/participants/{pid}/observations", purpose="screening").status_code == 403
    )


def test_a_readings_source_is_the_guideline_it_was_read_on(
    api_as, registrar, clinician, programme, document
) -> None:
    """A stored reading cites the guideline whose label it carries: a man's blood pressure
    is read on ESH 2023, never on NICE's guideline for hypertension in pregnancy."""
    pid = _person(api_as, registrar, programme, document, sex="male", given_name="Juma")
    eid = (
        api_as(clinician)
        .post(f"/participants/{pid}/encounters", {"site_id": _site(programme)})
        .json()["id"]
    )
    for code, value in (("8480-6", 142), ("8462-4", 88)):
        answer = api_as(clinician).post(
            f"/encounters/{eid}/observations", {"code": code, "value": value, "unit": "mm[Hg]"}
        )
    row = answer.json()["observations"][0]
    assert row["classification"] == "hypertension_grade_1"
    assert "pregnancy" not in row["source"]
    assert row["source"] == _result(answer, "85354-9")["source"]


def test_no_consent_no_measurement(api_as, registrar, clinician, lab, programme, document) -> None:
    nobody = _person(api_as, registrar, programme, None)
    refused = api_as(clinician).post(
        f"/participants/{nobody}/encounters", {"site_id": _site(programme)}
    )
    assert refused.status_code == 403
    pid = _person(api_as, registrar, programme, document, no=("blood_tests",), given_name="Neema")
    eid = (
        api_as(clinician)
        .post(f"/participants/{pid}/encounters", {"site_id": _site(programme)})
        .json()["id"]
    )
    blood = api_as(lab).post(
        f"/encounters/{eid}/observations", {"code": "14743-9", "value": 5, "unit": "mmol/L"}
    )
    assert blood.status_code == 403
    assert "said no to blood tests;" in blood.json()["message"]
    assert not apps.get_model("exams", "Observation").objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "8480-6", "value": 900, "unit": "mm[Hg]"}, "value"),
        ({"code": "99999-9", "value": 1, "unit": "kg"}, "code"),
        ({"code": "14743-9", "value": 5, "unit": "furlongs"}, "value"),
        ({"code": "1558-6", "value": 5, "unit": "mmol/L"}, "code"),  # the old fasting code
        ({"code": "39156-5", "value": 22, "unit": "kg/m2"}, "code"),
        ({"code": "8480-6", "value": 120, "unit": "mm[Hg]", "iris_scan": "x"}, "iris_scan"),
    ],
)
def test_bad_measurements_are_refused(
    api_as, registrar, clinician, programme, document, body, field
) -> None:
    pid = _person(api_as, registrar, programme, document)
    eid = (
        api_as(clinician)
        .post(f"/participants/{pid}/encounters", {"site_id": _site(programme)})
        .json()["id"]
    )
    response = api_as(clinician).post(f"/encounters/{eid}/observations", body)
    assert response.status_code == 422, response.content
    assert field in [d["field"] for d in response.json()["detail"]]
    assert not apps.get_model("exams", "Observation").objects.exists()


def test_withdrawal_with_erasure_deletes_what_the_purpose_collected(
    api_as, registrar, clinician, programme, document
) -> None:
    pid = _person(api_as, registrar, programme, document)
    eid = (
        api_as(clinician)
        .post(f"/participants/{pid}/encounters", {"site_id": _site(programme)})
        .json()["id"]
    )
    api_as(clinician).post(
        f"/encounters/{eid}/observations", {"code": "8480-6", "value": 130, "unit": "mm[Hg]"}
    )
    consent = api_as(registrar).get(f"/participants/{pid}/consents").json()[0]["id"]
    done = api_as(registrar).post(
        f"/participants/{pid}/consents/{consent}/withdraw",
        {"purposes": ["screening"], "erase": True},
    )
    assert done.json()["erased"] == 1
    assert not apps.get_model("exams", "Observation").objects.exists()


def test_erasure_keeps_research_data_without_a_link(
    api_as, registrar, clinician, coordinator, programme, document
) -> None:
    agreed = _person(api_as, registrar, programme, document)
    declined = _person(
        api_as, registrar, programme, document, no=("deidentified_research",), given_name="Juma"
    )
    for pid in (agreed, declined):
        eid = (
            api_as(clinician)
            .post(f"/participants/{pid}/encounters", {"site_id": _site(programme)})
            .json()["id"]
        )
        api_as(clinician).post(
            f"/encounters/{eid}/observations", {"code": "8480-6", "value": 130, "unit": "mm[Hg]"}
        )
        assert api_as(coordinator).post(f"/participants/{pid}/erase", {}).status_code == 200
    observation = apps.get_model("exams", "Observation").objects.get()  # only the consenting one's
    assert observation.encounter.participant_id is None
    assert observation.recorded_by_id is None
    assert observation.recorded_at.hour == 0
    bodies = apps.get_model("audit", "AuditEntry").objects.values_list("body", flat=True)
    new_id = str(observation.encounter_id).encode()
    assert not any(new_id in bytes(body) for body in bodies)  # the log cannot lead to it
