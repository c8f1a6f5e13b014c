"""A participant's own record export is a FHIR R4 Bundle that conforms, by validators the
project did not write: the npm `fhir` package (FHIR.js, run with node) and fhir.resources'
R4 (4.0.1) models, plus explicit checks of R4's vital-signs profiles and of the Bundle's
references (tests/fhir/checks.py). Generated records (hypothesis) must pass them all.

Missing validators fail the test under CI and skip it elsewhere (tests/fhir/validators.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle as R4BBundle
from hypothesis import HealthCheck, given, settings

from healthcamp.interop import fhir_terms
from healthcamp.interop.fhir_bundle import record_bundle
from healthcamp.interop.fhir_consent import consent_resource
from tests.fhir import checks, records, validators

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry["resource"] for entry in bundle["entry"]]


def _of(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r for r in _resources(bundle) if r["resourceType"] == kind]


def _by_url(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["fullUrl"]: entry["resource"] for entry in bundle["entry"]}


def _code(resource: dict[str, Any]) -> str:
    return str(resource["code"]["coding"][0]["code"])


def _outside_validators(batch: list[dict[str, Any]]) -> None:
    """Both outside validators over one batch: 0 errors, or the failing resources shown."""
    problems = []
    for ready, validate in (
        (validators.node_ready, validators.node_validate),
        (validators.r4_ready, validators.r4_validate),
    ):
        why = ready()
        if why is not None:
            validators.unavailable(why)
        name, errors = validate(batch)
        assert len(errors) == len(batch)
        if any(errors):
            problems.append(validators.report(name, batch, errors))
    assert not problems, "\n\n".join(problems)


@pytest.fixture
def full() -> dict[str, Any]:
    return record_bundle(**records.full_record().kwargs())


def test_every_entry_has_a_urn_uuid_and_every_reference_resolves(full: dict[str, Any]) -> None:
    """fullUrls are real uuids agreeing with the ids; references point inside the Bundle."""
    assert full["resourceType"] == "Bundle"
    assert full["type"] == "collection"
    assert checks.all_rules(full) == []
    assert full["entry"][0]["fullUrl"] == f"urn:uuid:{records.PARTICIPANT}"
    patient = full["entry"][0]["resource"]
    assert patient == {
        "resourceType": "Patient",
        "id": str(records.PARTICIPANT),
        "gender": "female",
        "birthDate": "1973-04-12",
    }


def test_the_same_record_exports_to_the_same_bundle() -> None:
    """uuid5 of the row ids: a second export is identical, byte for byte."""
    one = record_bundle(**records.full_record().kwargs())
    two = record_bundle(**records.full_record().kwargs())
    assert json.dumps(one, sort_keys=True) == json.dumps(two, sort_keys=True)


def test_blood_pressure_readings_and_the_office_mean(full: dict[str, Any]) -> None:
    """Each reading is a BP panel; the office mean is derived from the last two (ESH 2023)."""
    by_url = _by_url(full)
    panels = [r for r in _of(full, "Observation") if _code(r) == "85354-9"]
    office = [p for p in panels if "derivedFrom" in p]
    readings = [p for p in panels if "derivedFrom" not in p]
    assert len(readings) == 4  # three at the first visit, one at the second
    assert len(office) == 2
    first = office[0]
    assert first["method"]["text"] == (
        "office blood pressure: mean of the last two readings (ESH 2023)"
    )
    assert first["note"] == [{"text": "mean of the last 2 of 3 readings"}]
    assert first["meta"] == {"profile": ["http://hl7.org/fhir/StructureDefinition/bp"]}
    derived = [by_url[d["reference"]] for d in first["derivedFrom"]]
    assert [[c["valueQuantity"]["value"] for c in r["component"]] for r in derived] == [
        [150.0, 95.0],
        [146.0, 92.0],
    ]
    systolic = first["component"][0]
    assert (systolic["code"]["coding"][0]["code"], systolic["valueQuantity"]) == (
        "8480-6",
        {"value": 148.0, "unit": "mmHg", "system": "http://unitsofmeasure.org", "code": "mm[Hg]"},
    )
    assert first["interpretation"][0]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
        "code": "H",
        "display": "High",
    }
    systolic_range = first["component"][0]["referenceRange"][0]
    assert systolic_range["high"]["code"] == "mm[Hg]"
    assert first["status"] == "final"
    second = office[1]
    assert second["status"] == "preliminary"  # one reading: the protocol asks for another
    assert second["method"]["text"].startswith("office blood pressure: one reading")
    for panel in panels:
        assert panel["category"][0]["coding"][0]["code"] == "vital-signs"
        assert "valueQuantity" not in panel


def test_values_carry_their_meaning_in_standard_codes(full: dict[str, Any]) -> None:
    observations = _of(full, "Observation")
    by_code: dict[str, list[dict[str, Any]]] = {}
    for o in observations:
        by_code.setdefault(_code(o), []).append(o)
    glucose = by_code["14743-9"][0]
    assert glucose["valueQuantity"]["comparator"] == ">"
    assert glucose["valueQuantity"]["value"] == 33.3
    assert glucose["interpretation"][0]["coding"][0]["code"] == "HH"
    assert glucose["category"][0]["coding"][0]["code"] == "laboratory"
    # ten hours without food: also the fasting glucose code
    assert [c["code"] for c in glucose["code"]["coding"]] == ["14743-9", "14770-2"]
    cholesterol = by_code["35200-5"][0]
    assert cholesterol["valueQuantity"]["code"] == "mg/dL"
    assert cholesterol["note"] == [{"text": "entered as 5.6 mmol/L"}]
    healthy = cholesterol["referenceRange"][0]
    assert healthy["high"]["code"] == "mg/dL"  # the guideline's mmol/L, in the value's unit
    assert healthy["high"]["value"] > 100
    bmi = by_code["39156-5"][0]
    assert bmi["valueQuantity"]["code"] == "kg/m2"
    derived = {_code(_by_url(full)[d["reference"]]) for d in bmi["derivedFrom"]}
    assert derived == {"8302-2", "29463-7"}
    waist = by_code["56115-9"][0]
    assert waist["dataAbsentReason"]["coding"][0]["code"] == "asked-declined"
    assert "valueQuantity" not in waist
    assert by_code["4548-4"][0]["dataAbsentReason"]["coding"][0]["code"] == "not-performed"
    assert by_code["98498-9"][0]["dataAbsentReason"]["coding"][0]["code"] == "error"
    assert by_code["883-9"][0]["valueCodeableConcept"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "LA19709-7",
        "display": "Group B",
    }
    assert by_code["82810-3"][0]["category"][0]["coding"][0]["code"] == "social-history"
    dx = next(o for o in observations if o["code"]["coding"][0]["code"] == "hc-dx-htn")
    assert dx["code"]["coding"][0]["system"] == fhir_terms.MEASURE_SYSTEM
    assert dx["category"][0]["coding"][0]["code"] == "survey"
    assert dx["valueCodeableConcept"]["coding"][0]["code"] == "LA32-8"
    eye = by_code["98499-7"][0]
    assert eye["category"][0]["coding"][0]["code"] == "exam"
    assert eye["valueQuantity"]["code"] == "{logMAR}"
    assert by_code["8867-4"][0]["meta"]["profile"] == [
        "http://hl7.org/fhir/StructureDefinition/heartrate"
    ]


def test_referrals_point_at_the_result_they_were_made_for(full: dict[str, Any]) -> None:
    by_url = _by_url(full)
    requests = _of(full, "ServiceRequest")
    assert [(r["status"], r["priority"]) for r in requests] == [
        ("active", "urgent"),
        ("completed", "asap"),
    ]
    glucose, bp = requests
    assert _code(by_url[glucose["reasonReference"][0]["reference"]]) == "14743-9"
    office = by_url[bp["reasonReference"][0]["reference"]]
    assert _code(office) == "85354-9"
    assert "derivedFrom" in office  # the office mean, not one reading
    assert by_url[glucose["requester"]["reference"]]["resourceType"] == "Organization"
    assert by_url[glucose["performer"][0]["reference"]]["name"] == "Town clinic"
    assert "performer" not in bp  # no clinic named yet


def test_consents_carry_purposes_document_and_who_agreed(full: dict[str, Any]) -> None:
    older, newer = _of(full, "Consent")
    assert older["status"] == "inactive"
    assert newer["status"] == "active"
    purposes = {p["purpose"][0]["code"]: p for p in newer["provision"]["provision"]}
    assert purposes["screening"]["purpose"][1] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
        "code": "TREAT",
        "display": "treatment",
    }
    assert purposes["referral_sharing"]["purpose"][1]["code"] == "COC"
    assert purposes["deidentified_research"]["type"] == "deny"
    assert purposes["deidentified_research"]["purpose"][1]["code"] == "HRESCH"
    assert "end" in purposes["blood_tests"]["period"]
    assert purposes["screening"]["purpose"][0]["system"] == fhir_terms.PURPOSE_SYSTEM
    attachment = newer["sourceAttachment"]
    data = base64.b64decode(attachment["data"])
    assert hashlib.sha256(data).hexdigest() == records.document(version=2).sha256
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(data).digest()).decode()  # noqa: S324
    named = newer["policy"][0]["uri"]
    digest = base64.urlsafe_b64decode(named.removeprefix("ni:///sha-256;") + "=")
    assert digest.hex() == records.document(version=2).sha256
    assert newer["verification"][0]["verified"] is True
    assert newer["verification"][0]["verifiedWith"]["type"] == "Patient"
    assert newer["identifier"][0]["value"] == "P-2025-0042"
    witness = next(e for e in older["extension"] if e["url"] == fhir_terms.CONSENT_WITNESS)
    assert witness["valueReference"]["reference"] == "#witness"
    assert "registrar-2" not in json.dumps(full)  # staff are not named to the participant


@pytest.mark.parametrize("assent", [True, False, None])
def test_a_minors_guardian_consents_and_their_assent_is_recorded(assent: bool | None) -> None:
    record = records.full_record()
    record.consents = [records.minor_consent(assent=assent)]
    bundle = record_bundle(**record.kwargs())
    assert checks.all_rules(bundle) == []
    consent = _of(bundle, "Consent")[0]
    guardian = consent["contained"][0]
    assert guardian["resourceType"] == "RelatedPerson"
    assert guardian["relationship"][0]["coding"][0]["code"] == "PRN"
    assert "Guardian Name" not in json.dumps(bundle)
    performers = [p["reference"] for p in consent["performer"]]
    assert performers[0] == "#guardian"
    assert (f"urn:uuid:{records.PARTICIPANT}" in performers) is (assent is True)
    said = [
        v["verified"] for v in consent["verification"] if v["verifiedWith"]["type"] == "Patient"
    ]
    assert said == ([] if assent is None else [assent])


def test_the_access_log_is_audit_events(full: dict[str, Any]) -> None:
    events = _of(full, "AuditEvent")
    assert [e["action"] for e in events] == ["C", "C", "E", "R"]
    assert [e["outcome"] for e in events] == ["0", "0", "4", "0"]
    assert events[3]["type"]["code"] == "110106"  # export
    assert events[0]["type"] == {
        "system": "http://dicom.nema.org/resources/ontology/DCM",
        "code": "110110",
        "display": "Patient Record",
    }
    assert events[0]["agent"][0]["role"][0]["text"] == "registrar"
    assert events[0]["agent"][0]["requestor"] is True
    assert events[3]["agent"][0]["who"]["type"] == "Patient"
    assert events[0]["source"]["observer"]["type"] == "Device"
    assert events[0]["entity"][0]["what"]["reference"] == f"urn:uuid:{records.PARTICIPANT}"
    assert events[2]["purposeOfEvent"][0]["coding"][1]["code"] == "HOPERAT"


def test_the_full_record_passes_both_outside_validators(full: dict[str, Any]) -> None:
    _outside_validators([full, *_resources(full)])


def test_a_consent_alone_passes_both_outside_validators() -> None:
    """The consent API serves a Consent alone: it must conform too."""
    batch = [consent_resource(c) for c in records.full_record().consents]
    batch += [consent_resource(records.minor_consent(assent=a)) for a in (True, False, None)]
    for resource in batch:
        assert checks.primitive_formats(resource) == []
        assert resource["patient"]["reference"] == f"Patient/{records.PARTICIPANT}"
    _outside_validators(batch)


def test_generated_records_pass_every_check_and_both_outside_validators() -> None:
    """Random visits (HI/LO, refusals, answers, pregnancy, several visits), referrals,
    consents and log lines: 0 problems from the in-process checks for each example, then
    0 errors from both outside validators over all their resources in one batch each."""
    for ready in (validators.node_ready, validators.r4_ready):
        why = ready()
        if why is not None:
            validators.unavailable(why)
    batch: list[dict[str, Any]] = []

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(records.records())
    def export(record: records.Record) -> None:
        bundle = record_bundle(**record.kwargs())
        assert checks.all_rules(bundle) == []
        json.dumps(bundle, allow_nan=False)
        # The API tests read the export with fhir.resources' R4B models: they must too.
        R4BBundle.model_validate(bundle)
        batch.append(bundle)

    export()
    resources = [r for bundle in batch for r in [bundle, *_resources(bundle)]]
    assert len(resources) > 25
    _outside_validators(resources)


def test_a_missing_validator_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under CI a validator that cannot run is a failure, not a skip."""
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the FHIR validators"):
        validators.unavailable("node is not installed.")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        validators.unavailable("node is not installed.")


@pytest.mark.django_db
def test_the_served_export_passes_every_check_and_both_outside_validators(
    api_as: Any, registrar: Any, clinician: Any, coordinator: Any, programme: Any, document: Any
) -> None:
    """End to end: values recorded at a station, the copy a coordinator hands over."""
    from django.apps import apps

    from tests.conftest import ALL_PURPOSES, participant_body

    api_as(coordinator).post(f"/programmes/{programme.id}/clinics", {"name": "North Clinic"})
    pid = api_as(registrar).post("/participants", participant_body(programme.id)).json()["id"]
    consented = api_as(registrar).post(
        f"/participants/{pid}/consents",
        {
            "document_id": document.id,
            "method": "on_screen",
            "decisions": dict.fromkeys(ALL_PURPOSES, True),
        },
    )
    assert consented.status_code == 201, consented.content
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    eid = api_as(clinician).post(f"/participants/{pid}/encounters", {"site_id": site}).json()["id"]
    for code, value, unit in (
        ("8480-6", 186, "mm[Hg]"),
        ("8462-4", 112, "mm[Hg]"),
        ("8480-6", 182, "mm[Hg]"),
        ("8462-4", 110, "mm[Hg]"),
        ("hc-bp-symptoms", "no", ""),
        ("8302-2", 165, "cm"),
        ("29463-7", 81, "kg"),
        ("56115-9", "refused", "cm"),
        ("87527-8", 9, "h"),
        ("14743-9", "HI", "mmol/L"),
        ("35200-5", 5.9, "mmol/L"),
        ("883-9", "B", ""),
        ("82810-3", "not_pregnant", ""),
    ):
        made = api_as(clinician).post(
            f"/encounters/{eid}/observations", {"code": code, "value": value, "unit": unit}
        )
        assert made.status_code in (200, 201), (code, made.content)
    response = api_as(coordinator).get(f"/participants/{pid}/fhir")
    assert response.status_code == 200, response.content
    bundle = response.json()
    assert checks.all_rules(bundle) == []
    kinds = {r["resourceType"] for r in _resources(bundle)}
    assert {
        "Patient",
        "Encounter",
        "Observation",
        "ServiceRequest",
        "Consent",
        "AuditEvent",
    } <= kinds
    assert "Amina" not in response.content.decode()
    by_url = _by_url(bundle)
    reasons = {
        _code(by_url[r["reasonReference"][0]["reference"]]) for r in _of(bundle, "ServiceRequest")
    }
    assert reasons == {"85354-9", "14743-9"}  # grade 3 blood pressure; the meter's HI
    _outside_validators([bundle, *_resources(bundle)])
