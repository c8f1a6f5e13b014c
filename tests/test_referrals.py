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


def _readings(api_as, clinician, eid, *pairs: tuple[int, int]) -> dict:
    answer: dict = {}
    for systolic, diastolic in pairs:
        for code, value in (("8480-6", systolic), ("8462-4", diastolic)):
            answer = (
                api_as(clinician)
                .post(
                    f"/encounters/{eid}/observations",
                    {"code": code, "value": value, "unit": "mm[Hg]"},
                )
                .json()
            )
    return answer


def test_a_critical_value_opens_one_urgent_referral(
    api_as, clinician, coordinator, programme, visit
) -> None:
    pid, eid = visit
    # Two grade 3 readings (ESH 2023 protocol complete) without the symptom question: no
    # referral yet. The old test referred "today" from one systolic reading; grade 3
    # without symptoms is "within a week", and only once the protocol is finished.
    assert _readings(api_as, clinician, eid, (186, 112), (192, 114))["referred"] == []
    assert api_as(coordinator).get(f"/programmes/{programme.id}/referrals").json() == []
    symptoms = api_as(clinician).post(
        f"/encounters/{eid}/observations", {"code": "hc-bp-symptoms", "value": "yes", "unit": ""}
    )
    assert symptoms.json()["critical"] is True  # grade 3 with symptoms: act now
    _readings(api_as, clinician, eid, (190, 116))  # another severe reading: still one referral
    listed = api_as(coordinator).get(f"/programmes/{programme.id}/referrals", status="open").json()
    assert len(listed) == 1
    referral = listed[0]
    # Blood pressure is referred as the panel (the pair), not as the systolic alone.
    assert (referral["urgency"], referral["clinic"], referral["measure_code"]) == (
        "urgent",
        "North Clinic",
        "85354-9",
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
    _readings(api_as, clinician, eid, (150, 95))
    made = api_as(clinician).post(
        f"/participants/{pid}/referrals", {"measure_code": "85354-9", "urgency": "routine"}
    )
    assert made.status_code == 201, made.content
    assert made.json()["classification"] == "hypertension_grade_1"
    nothing = api_as(clinician).post(
        f"/participants/{pid}/referrals", {"measure_code": "14743-9", "urgency": "routine"}
    )
    assert nothing.status_code == 422
    assert "a referral names a result" in nothing.json()["message"]
    free_text = api_as(clinician).post(
        f"/participants/{pid}/referrals",
        {"measure_code": "85354-9", "urgency": "routine", "reason": "x"},
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
    for code, value, unit in (
        ("8480-6", 190, "mm[Hg]"),
        ("8462-4", 112, "mm[Hg]"),
        ("hc-bp-symptoms", "yes", ""),  # grade 3 with warning signs: referred today
        ("87527-8", 10, "h"),
        ("14743-9", 126, "mg/dL"),
        ("883-9", "B", ""),
    ):
        api_as(clinician).post(
            f"/encounters/{eid}/observations", {"code": code, "value": value, "unit": unit}
        )
    response = api_as(coordinator).get(f"/participants/{pid}/fhir")
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json"
    bundle = Bundle.model_validate(response.json())
    kinds = [entry.resource.__resource_type__ for entry in bundle.entry]
    assert kinds.count("Patient") == 1
    assert kinds.count("Encounter") == 1
    # One BP panel per reading and one for the visit's office value; the symptom answer,
    # the fasting hours, the glucose and the blood group: each its own Observation.
    assert kinds.count("Observation") == 6
    assert kinds.count("ServiceRequest") == 1  # the urgent referral the visit opened
    assert kinds.count("Consent") == 1
    assert kinds.count("AuditEvent") >= 1  # the person's access log travels with the record
    glucose = next(
        entry.resource
        for entry in bundle.entry
        if entry.resource.__resource_type__ == "Observation"
        and entry.resource.code.coding[0].code == "14743-9"
    )
    assert glucose.valueQuantity.system == "http://unitsofmeasure.org"
    # Stored in mmol/L (126 mg/dL / 18.016), fasted 10 h: WHO's diabetes range.
    assert glucose.valueQuantity.code == "mmol/L"
    assert float(glucose.valueQuantity.value) == pytest.approx(6.99, abs=0.01)
    assert [c.code for c in glucose.interpretation[0].coding] == ["H"]
    text = response.content.decode()
    assert "Amina" not in text  # minimal Patient: no name
    assert "Haddad" not in text


@pytest.mark.parametrize("role", ["registrar", "clinician", "lab", "analyst", "auditor"])
def test_only_a_coordinator_hands_over_a_copy(api_as, role, visit, request) -> None:
    staff = request.getfixturevalue(role)
    assert api_as(staff).get(f"/participants/{visit[0]}/fhir").status_code == 403
