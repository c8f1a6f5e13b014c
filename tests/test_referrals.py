"""Referrals: critical values refer urgently; clinicians refer; coordinators follow up."""

from __future__ import annotations

import pytest
from django.apps import apps

from tests.conftest import ALL_PURPOSES, participant_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(api_as, registrar, clinician, coordinator, programme, document):
    clinic = api_as(coordinator).post(
        f"/programmes/{programme.id}/clinics", {"name": "North Clinic"}
    )
    assert clinic.status_code == 201
    pid = api_as(registrar).post("/participants", participant_body(programme.id)).json()["id"]
    api_as(registrar).post(
        f"/participants/{pid}/consents",
        {
            "document_id": document.id,
            "method": "on_screen",
            "decisions": dict.fromkeys(ALL_PURPOSES, True),
        },
    )
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    eid = api_as(clinician).post(f"/participants/{pid}/encounters", {"site_id": site}).json()["id"]
    return pid, eid


def test_a_critical_value_opens_one_urgent_referral(
    api_as, clinician, coordinator, programme, visit
) -> None:
    pid, eid = visit
    for value in (186, 192):  # two critical readings: still one open referral
        api_as(clinician).post(
            f"/encounters/{eid}/observations", {"code": "8480-6", "value": value, "unit": "mm[Hg]"}
        )
    listed = api_as(coordinator).get(f"/programmes/{programme.id}/referrals", status="open").json()
    assert len(listed) == 1
    referral = listed[0]
    assert (referral["urgency"], referral["clinic"], referral["measure_code"]) == (
        "urgent",
        "North Clinic",
        "8480-6",
    )
    assert referral["participant_id"] == pid
    assert "given_name" not in referral  # the follow-up list names no one
    attended = api_as(coordinator).post(
        f"/referrals/{referral['id']}/status", {"status": "attended"}
    )
    assert attended.json()["status"] == "attended"
    assert (
        api_as(coordinator).get(f"/programmes/{programme.id}/referrals", status="open").json() == []
    )


def test_a_clinician_refers_for_a_recorded_result(api_as, clinician, programme, visit) -> None:
    pid, eid = visit
    api_as(clinician).post(
        f"/encounters/{eid}/observations", {"code": "8480-6", "value": 150, "unit": "mm[Hg]"}
    )
    made = api_as(clinician).post(
        f"/participants/{pid}/referrals", {"measure_code": "8480-6", "urgency": "routine"}
    )
    assert made.status_code == 201, made.content
    assert made.json()["classification"] == "hypertension_grade_1"
    nothing = api_as(clinician).post(
        f"/participants/{pid}/referrals", {"measure_code": "1558-6", "urgency": "routine"}
    )
    assert nothing.status_code == 422
    assert "a referral names a result" in nothing.json()["message"]
    free_text = api_as(clinician).post(
        f"/participants/{pid}/referrals",
        {"measure_code": "8480-6", "urgency": "routine", "reason": "x"},
    )
    assert free_text.status_code == 422  # coded reasons only


@pytest.mark.parametrize("role", ["registrar", "lab", "analyst", "auditor"])
def test_who_may_not_follow_up(api_as, role, programme, request) -> None:
    staff = request.getfixturevalue(role)
    assert api_as(staff).get(f"/programmes/{programme.id}/referrals").status_code == 403


def test_bad_status_is_explained(api_as, coordinator, programme) -> None:
    response = api_as(coordinator).get(f"/programmes/{programme.id}/referrals", status="lost")
    assert response.status_code == 422
    assert "Status is one of attended, closed, open" in response.json()["message"]


def test_the_participants_own_record_as_a_fhir_bundle(
    api_as, clinician, coordinator, registrar, programme, visit
) -> None:
    from fhir.resources.R4B.bundle import Bundle

    pid, eid = visit
    for code, value, unit in (("8480-6", 190, "mm[Hg]"), ("1558-6", 126, "mg/dL")):
        api_as(clinician).post(
            f"/encounters/{eid}/observations", {"code": code, "value": value, "unit": unit}
        )
    api_as(clinician).post(
        f"/encounters/{eid}/observations", {"code": "883-9", "value": "B", "unit": ""}
    )
    response = api_as(coordinator).get(f"/participants/{pid}/fhir")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json"
    bundle = Bundle.model_validate(response.json())
    kinds = [entry.resource.__resource_type__ for entry in bundle.entry]
    assert kinds.count("Patient") == 1
    assert kinds.count("Encounter") == 1
    assert kinds.count("Observation") == 3
    assert kinds.count("ServiceRequest") == 1  # the urgent referral the critical value opened
    assert kinds.count("Consent") == 1
    resources = {
        entry.resource.__resource_type__ + str(i): entry.resource
        for i, entry in enumerate(bundle.entry)
    }
    glucose = next(
        r
        for r in resources.values()
        if r.__resource_type__ == "Observation" and r.code.coding[0].code == "1558-6"
    )
    assert glucose.valueQuantity.system == "http://unitsofmeasure.org"
    assert (glucose.valueQuantity.code, float(glucose.valueQuantity.value)) == ("mmol/L", 7.0)
    text = response.content.decode()
    assert "Amina" not in text  # minimal Patient: no name
    assert "Haddad" not in text


@pytest.mark.parametrize("role", ["registrar", "clinician", "lab", "analyst", "auditor"])
def test_only_a_coordinator_hands_over_a_copy(api_as, role, visit, request) -> None:
    staff = request.getfixturevalue(role)
    assert api_as(staff).get(f"/participants/{visit[0]}/fhir").status_code == 403
