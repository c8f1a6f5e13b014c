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
    bp = record(clinician, "8480-6", 142, "mm[Hg]")
    assert bp.status_code == 201, bp.content
    assert bp.json()["observations"][0]["classification"] == "hypertension_grade_1"
    assert "ESH 2023" in bp.json()["observations"][0]["source"]
    record(clinician, "8302-2", 1.70, "m")
    weight = record(clinician, "29463-7", 72.3, "kg")
    bmi = weight.json()["observations"][1]
    assert (bmi["code"], bmi["value"], bmi["classification"]) == ("39156-5", 25.0, "overweight")
    glucose = record(lab, "1558-6", "126", "mg/dL")
    assert glucose.json()["observations"][0]["classification"] == "diabetes_range"
    assert glucose.json()["observations"][0]["original_value"] == "126"
    critical = record(clinician, "8480-6", 190, "mm[Hg]")
    assert critical.json()["critical"] is True
    assert "an urgent referral is open" in critical.json()["message"]
    assert record(lab, "883-9", "ab").json()["observations"][0]["code_value"] == "AB"
    screening = (
        api_as(clinician).get(f"/participants/{pid}/observations", purpose="screening").json()
    )
    assert {o["code"] for o in screening} == {"8480-6", "8302-2", "29463-7", "39156-5"}
    assert (
        api_as(lab).get(f"/participants/{pid}/observations", purpose="screening").status_code == 403
    )


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
        f"/encounters/{eid}/observations", {"code": "1558-6", "value": 5, "unit": "mmol/L"}
    )
    assert blood.status_code == 403
    assert "said no to blood_tests" in blood.json()["message"]
    assert not apps.get_model("exams", "Observation").objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "8480-6", "value": 900, "unit": "mm[Hg]"}, "value"),
        ({"code": "99999-9", "value": 1, "unit": "kg"}, "code"),
        ({"code": "1558-6", "value": 5, "unit": "furlongs"}, "value"),
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
