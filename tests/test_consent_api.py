"""Consent through the API: documents, recording, minors, withdrawal, enforcement, FHIR."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta

import pytest
from fhir.resources.R4B.consent import Consent as FhirConsent

from healthcamp.access.staff import NewStaff
from healthcamp.audit.selectors import entry_count, log_for_participant
from tests.conftest import ALL_PURPOSES, participant_body, publish_document
from tests.forbidden_fields import FORBIDDEN_FIELDS

pytestmark = pytest.mark.django_db


def _consents() -> int:
    from django.apps import apps

    return apps.get_model("consent", "Consent").objects.count()


def _doc_body(**overrides):
    body = {
        "language": "ug",
        "version": 1,
        "title": "سالامەتلىك تەكشۈرۈش",
        "body": "بىز قان بېسىمىڭىزنى ئۆلچەيمىز.",
        "purposes": [
            {"code": "screening", "description": "قان بېسىمى، بوي، ئېغىرلىق"},
            {"code": "blood_tests", "description": "قان شېكىرى، خولېستېرىن"},
        ],
    }
    body.update(overrides)
    return body


def _register(api_as, registrar, programme, **overrides):
    response = api_as(registrar).post("/participants", participant_body(programme.id, **overrides))
    assert response.status_code == 201, response.content
    return response.json()["id"]


def _consent_body(document_id, decisions=None, **overrides):
    body = {
        "document_id": document_id,
        "decisions": decisions if decisions is not None else dict.fromkeys(ALL_PURPOSES, True),
        "method": "on_screen",
    }
    body.update(overrides)
    return body


def test_document_is_created_published_and_pinned_by_hash(api_as, coordinator, programme) -> None:
    created = api_as(coordinator).post(f"/programmes/{programme.id}/consent-documents", _doc_body())
    assert created.status_code == 201, created.content
    doc = created.json()
    assert (doc["status"], doc["sha256"]) == ("draft", "")
    published = api_as(coordinator).post(
        f"/programmes/{programme.id}/consent-documents/{doc['id']}/publish", {}
    )
    assert published.status_code == 200
    pinned = published.json()
    canonical = json.dumps(
        {
            "language": "ug",
            "version": 1,
            "title": doc["title"],
            "body": doc["body"],
            "purposes": [
                {"code": p["code"], "description": p["description"]} for p in doc["purposes"]
            ],
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    assert pinned["sha256"] == hashlib.sha256(canonical).hexdigest()
    again = api_as(coordinator).post(
        f"/programmes/{programme.id}/consent-documents/{doc['id']}/publish", {}
    )
    assert again.status_code == 409
    assert "cannot change" in again.json()["message"]
    same_version = api_as(coordinator).post(
        f"/programmes/{programme.id}/consent-documents", _doc_body()
    )
    assert same_version.status_code == 409


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        (
            {"purposes": [{"code": "dna_banking", "description": "x"}]},
            "Unknown purpose 'dna_banking'",
        ),
        ({"purposes": [{"code": "screening", "description": " "}]}, "Describe every purpose"),
        ({"purposes": []}, "List at least one purpose"),
        ({"language": "klingon"}, "not a language tag"),
        ({"body": ""}, "Write the document's text"),
        ({"version": 0}, "whole number from 1"),
    ],
)
def test_bad_documents_are_refused(api_as, coordinator, programme, overrides, fragment) -> None:
    response = api_as(coordinator).post(
        f"/programmes/{programme.id}/consent-documents", _doc_body(**overrides)
    )
    assert response.status_code == 422
    assert fragment in response.json()["message"]


@pytest.mark.parametrize("role", ["registrar", "clinician", "lab", "analyst", "auditor"])
def test_only_coordinators_write_documents(api_as, programme, role, request) -> None:
    staff: NewStaff = request.getfixturevalue(role)
    response = api_as(staff).post(f"/programmes/{programme.id}/consent-documents", _doc_body())
    assert response.status_code == 403


def test_recorded_consent_is_enforced_and_withdrawal_is_immediate(
    api_as, registrar, clinician, lab, programme, document
) -> None:
    pid = _register(api_as, registrar, programme)
    before = api_as(clinician).get(f"/participants/{pid}", purpose="screening")
    assert before.status_code == 403
    assert "has not consented to screening" in before.json()["message"]

    decisions = dict.fromkeys(ALL_PURPOSES, True) | {"blood_tests": False}
    recorded = api_as(registrar).post(
        f"/participants/{pid}/consents", _consent_body(document.id, decisions)
    )
    assert recorded.status_code == 201, recorded.content
    consent = recorded.json()
    statuses = {d["purpose"]: d["status"] for d in consent["decisions"]}
    assert statuses["blood_tests"] == "refused"
    assert statuses["screening"] == "granted"

    assert api_as(clinician).get(f"/participants/{pid}", purpose="screening").status_code == 200
    said_no = api_as(lab).get(f"/participants/{pid}", purpose="blood_tests")
    assert said_no.status_code == 403
    assert "said no to blood tests;" in said_no.json()["message"]

    withdrawn = api_as(clinician).post(
        f"/participants/{pid}/consents/{consent['id']}/withdraw",
        {"purposes": ["screening"], "erase": False},
    )
    assert withdrawn.status_code == 200, withdrawn.content
    assert withdrawn.json()["withdrawn"] == ["screening"]
    after = api_as(clinician).get(f"/participants/{pid}", purpose="screening")
    assert after.status_code == 403
    assert "withdrew consent for screening" in after.json()["message"]
    # Still in force for what was not withdrawn.
    assert (
        api_as(clinician).get(f"/participants/{pid}", purpose="results_contact").status_code == 200
    )

    twice = api_as(registrar).post(
        f"/participants/{pid}/consents/{consent['id']}/withdraw",
        {"purposes": ["screening"], "erase": True},
    )
    assert twice.status_code == 422
    assert "not agreed to now" in twice.json()["message"]

    everything = api_as(registrar).post(
        f"/participants/{pid}/consents/{consent['id']}/withdraw",
        {"purposes": "all", "erase": False},
    )
    assert everything.status_code == 200
    assert (
        api_as(clinician).get(f"/participants/{pid}", purpose="results_contact").status_code == 403
    )
    outcomes = [
        (line.role, line.action, line.outcome)
        for line in log_for_participant(participant_id=pid.replace("-", ""))
    ]
    assert ("clinician", "participant.read", "denied") in outcomes
    assert ("clinician", "consent.withdraw", "allowed") in outcomes


@pytest.mark.parametrize(
    ("mutate", "field", "fragment"),
    [
        (lambda b, d: b | {"decisions": {"screening": True}}, "decisions", "missing: blood_tests"),
        (
            lambda b, d: b | {"decisions": b["decisions"] | {"dna": True}},
            "decisions",
            "does not ask about dna",
        ),
        (
            lambda b, d: b | {"decisions": b["decisions"] | {"screening": "yes"}},
            "decisions.screening",
            "valid boolean",
        ),
        (lambda b, d: b | {"method": "telepathy"}, "method", "not a way of confirming"),
        (lambda b, d: b | {"method": "witnessed_verbal"}, "witness_id", "names the staff member"),
        (lambda b, d: b | {"method": "paper"}, "paper_reference", "reference written on the paper"),
        (lambda b, d: b | {"document_id": 99999}, "document_id", "no consent document 99999"),
        (lambda b, d: b | {"document_id": d}, "document_id", "is a draft"),
        (
            lambda b, d: b | {"guardian": {"name": "A", "relationship": "parent"}},
            "guardian",
            "is an adult",
        ),
    ],
)
def test_bad_consents_are_refused_and_nothing_is_written(
    api_as, registrar, coordinator, programme, mutate, field, fragment
) -> None:
    published = publish_document(coordinator, programme.id, purposes=("screening", "blood_tests"))
    draft = (
        api_as(coordinator)
        .post(f"/programmes/{programme.id}/consent-documents", _doc_body(version=2, language="en"))
        .json()["id"]
    )
    pid = _register(api_as, registrar, programme)
    body = _consent_body(published.id, {"screening": True, "blood_tests": False})
    before = entry_count()
    response = api_as(registrar).post(f"/participants/{pid}/consents", mutate(body, draft))
    assert response.status_code == 422, response.content
    assert field in [d["field"] for d in response.json()["detail"]]
    assert fragment in response.json()["message"]
    assert _consents() == 0
    assert entry_count() == before


def test_a_witness_is_someone_else(api_as, registrar, clinician, programme, document) -> None:
    pid = _register(api_as, registrar, programme)
    body = _consent_body(document.id, method="witnessed_mark", witness_id=registrar.actor.staff_id)
    assert api_as(registrar).post(f"/participants/{pid}/consents", body).status_code == 422
    body["witness_id"] = clinician.actor.staff_id
    recorded = api_as(registrar).post(f"/participants/{pid}/consents", body)
    assert recorded.status_code == 201
    assert recorded.json()["witness"] == clinician.actor.username


def test_another_programmes_document_is_refused(api_as, registrar, coordinator, programme) -> None:
    other = api_as(coordinator).post("/programmes", {"name": "Other Camp"}).json()["id"]
    foreign = publish_document(coordinator, other)
    pid = _register(api_as, registrar, programme)
    response = api_as(registrar).post(f"/participants/{pid}/consents", _consent_body(foreign.id))
    assert response.status_code == 422
    assert "belongs to another programme" in response.json()["message"]


@pytest.mark.parametrize("field", ["fingerprint", "ethnicity", "religion", "family_network"])
def test_forbidden_fields_are_refused_in_consent_too(
    api_as, registrar, programme, document, field
) -> None:
    pid = _register(api_as, registrar, programme)
    response = api_as(registrar).post(
        f"/participants/{pid}/consents", _consent_body(document.id) | {field: "x"}
    )
    assert response.status_code == 422
    assert "healthcamp does not collect" in response.json()["message"]
    assert field in FORBIDDEN_FIELDS


def _born(years: int) -> str:
    today = date.today()
    return (today.replace(year=today.year - years) - timedelta(days=30)).isoformat()


def test_minors_need_a_guardian_and_their_own_assent(
    api_as, registrar, clinician, programme, document
) -> None:
    child = _register(api_as, registrar, programme, date_of_birth=_born(10), given_name="Neema")
    alone = api_as(registrar).post(f"/participants/{child}/consents", _consent_body(document.id))
    assert alone.status_code == 422
    assert "record the consenting guardian" in alone.json()["message"]
    guardian = {"name": "Zawadi Mwangi", "relationship": "parent"}
    no_assent = api_as(registrar).post(
        f"/participants/{child}/consents", _consent_body(document.id, guardian=guardian)
    )
    assert no_assent.status_code == 422
    assert "old enough to assent" in no_assent.json()["message"]
    assert api_as(clinician).get(f"/participants/{child}", purpose="screening").status_code == 403
    both = api_as(registrar).post(
        f"/participants/{child}/consents",
        _consent_body(document.id, guardian=guardian, assent=True),
    )
    assert both.status_code == 201, both.content
    assert api_as(clinician).get(f"/participants/{child}", purpose="screening").status_code == 200

    toddler = _register(api_as, registrar, programme, date_of_birth=_born(4), given_name="Imani")
    response = api_as(registrar).post(
        f"/participants/{toddler}/consents", _consent_body(document.id, guardian=guardian)
    )
    assert response.status_code == 201


def test_a_new_version_asks_again_and_the_old_one_stays_in_force(
    api_as, registrar, clinician, coordinator, programme, document
) -> None:
    pid = _register(api_as, registrar, programme)
    api_as(registrar).post(f"/participants/{pid}/consents", _consent_body(document.id))
    v2 = publish_document(coordinator, programme.id, version=2, purposes=("screening",))
    listed = api_as(registrar).get(f"/participants/{pid}/consents").json()
    assert listed[0]["renewal_due"] is True
    # Until asked again, the v1 consent still covers what it covered.
    assert api_as(clinician).get(f"/participants/{pid}", purpose="blood_tests").status_code == 200
    renewed = api_as(registrar).post(
        f"/participants/{pid}/consents", _consent_body(v2.id, {"screening": True})
    )
    assert renewed.status_code == 201
    assert renewed.json()["renewal_due"] is False
    # The new consent replaces the old one whole: blood tests are no longer covered.
    assert api_as(clinician).get(f"/participants/{pid}", purpose="blood_tests").status_code == 403
    old = listed[0]["id"]
    stale = api_as(registrar).post(
        f"/participants/{pid}/consents/{old}/withdraw", {"purposes": "all", "erase": False}
    )
    assert stale.status_code == 409


def test_fhir_consent_resource_validates(api_as, registrar, programme, document) -> None:
    pid = _register(api_as, registrar, programme)
    decisions = dict.fromkeys(ALL_PURPOSES, True) | {"deidentified_research": False}
    consent = (
        api_as(registrar)
        .post(f"/participants/{pid}/consents", _consent_body(document.id, decisions))
        .json()
    )
    api_as(registrar).post(
        f"/participants/{pid}/consents/{consent['id']}/withdraw",
        {"purposes": ["screening"], "erase": False},
    )
    response = api_as(registrar).get(f"/participants/{pid}/consents/{consent['id']}/fhir")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    resource = FhirConsent.model_validate(response.json())
    assert resource.status == "active"
    assert resource.patient.reference == f"Patient/{pid}"
    provisions = {p.purpose[0].code: p for p in resource.provision.provision}
    assert provisions["deidentified_research"].type == "deny"
    assert provisions["screening"].period.end is not None
    assert provisions["blood_tests"].period.end is None
    text = json.dumps(response.json())
    assert "Haddad" not in text  # no name
    assert not re.search(r"\b1984\b", text)  # no birth date (a uuid may hold "1984")


def test_analysts_cannot_see_consents(api_as, analyst, registrar, programme, document) -> None:
    pid = _register(api_as, registrar, programme)
    assert api_as(analyst).get(f"/participants/{pid}/consents").status_code == 403
