"""The reports' API (issue 11): the indicator list, the fixed tables in the issue's shape,
422 for an unknown indicator or dimension or any participant id, who may ask, the audit
entry that names no one, and a withdrawal that takes the person out of the next report.
Also: an analyst's token is refused on every endpoint about individuals."""

from __future__ import annotations

import io
import uuid
from datetime import date

import pytest
from django.apps import apps

from healthcamp.audit import chain
from healthcamp.audit.models import AuditEntry
from healthcamp.reports.models import ReportPolicy
from healthcamp.services import consent as consent_service
from healthcamp.services import exams, referrals
from tests.conftest import give_consent, participant_body
from tests.reports_programme import Person, Visit, build

pytestmark = pytest.mark.django_db

CELL_KEYS = {"group", "numerator", "denominator", "value", "ci", "suppressed"}
TABLE_KEYS = {"indicator", "by", "k", "counted", "not_counted", "cells", "margins", "noise"}


@pytest.fixture
def camp(coordinator, programme, document):
    ReportPolicy.objects.create(programme_id=programme.id, k=5)
    people = [
        Person(sex, "40-44", [Visit("Market Hall", date(2026, 3, 2), raised_bp=raised)])
        for sex, raised in [("female", True)] * 6
        + [("female", False)] * 6
        + [("male", True)] * 5
        + [("male", False)] * 7
    ]
    return build(programme.id, document.id, coordinator.actor.staff_id, people)


def test_the_list_names_each_indicator_with_its_definition_and_source(
    api_as, analyst, programme
) -> None:
    response = api_as(analyst).get(f"/programmes/{programme.id}/indicators")
    assert response.status_code == 200
    found = {i["code"]: i for i in response.json()}
    assert {"screened", "raised_bp", "raised_bp_std", "diabetes", "results_returned"} <= set(found)
    for item in found.values():
        assert item["title"]
        assert item["definition"]
        assert item["source"]
    assert "140/90" in found["raised_bp"]["definition"]
    assert "WHO World Standard Population" in found["raised_bp_std"]["source"]


def test_a_table_has_the_issues_shape(api_as, analyst, programme, camp) -> None:
    response = api_as(analyst).get(f"/programmes/{programme.id}/indicators/raised_bp", by="sex")
    assert response.status_code == 200, response.content
    table = response.json()
    assert set(table) == TABLE_KEYS
    assert (table["indicator"], table["by"], table["k"]) == ("raised_bp", ["sex"], 5)
    assert (table["counted"], table["not_counted"]) == (24, 0)
    for cell in table["cells"] + table["margins"]:
        assert set(cell) == CELL_KEYS
    female = next(c for c in table["cells"] if c["group"] == {"sex": "female"})
    assert (female["numerator"], female["denominator"], female["value"]) == (6, 12, 0.5)
    assert len(female["ci"]) == 2
    total = next(c for c in table["margins"] if c["group"] == {})
    assert (total["numerator"], total["denominator"]) == (11, 24)
    two = api_as(analyst).get(f"/programmes/{programme.id}/indicators/screened", by="site,sex")
    assert two.status_code == 200
    assert two.json()["by"] == ["site", "sex"]
    groups = [c["group"] for c in two.json()["margins"]]
    assert {"site": "Market Hall"} in groups
    assert {"sex": "male"} in groups
    assert {} in groups


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("/indicators/blood_type", {}, "blood_type"),
        ("/indicators/raised_bp", {"by": "site,religion"}, "religion"),
        ("/indicators/raised_bp", {"by": "site,sex,age_band"}, "at most two"),
        ("/indicators/raised_bp", {"by": "urgency"}, "urgency"),
        ("/indicators/screened", {"by": "day,sex"}, "day"),
        ("/indicators/raised_bp", {"by": "site", "participant_id": "x"}, "participant id"),
        ("/indicators/raised_bp", {"by": "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"}, "participant id"),
        ("/indicators/raised_bp", {"by": "6f1c2d3e4a5b4c6d8e9f0a1b2c3d4e5f"}, "participant id"),
        ("/indicators/raised_bp", {"site": "ABCD-EFGH-JKM"}, "participant id"),
        ("/indicators/raised_bp", {"limit": "5"}, "limit"),
        ("/indicators/0d9e8f7a-6b5c-4d3e-9f2a-1b0c9d8e7f6a", {}, "participant id"),
    ],
)
def test_what_a_report_cannot_be_asked_is_a_422_naming_it(
    api_as, analyst, programme, path, params, named
) -> None:
    response = api_as(analyst).get(f"/programmes/{programme.id}{path}", **params)
    assert response.status_code == 422, response.content
    assert named in response.json()["message"]
    assert not AuditEntry.objects.filter(body__contains=b"report.read").exists()


@pytest.mark.parametrize("role", ["registrar", "clinician", "lab", "auditor"])
def test_only_analysts_and_coordinators_compute_reports(api_as, role, request, programme) -> None:
    staff = request.getfixturevalue(role)
    for path in ("/indicators", "/indicators/screened"):
        assert api_as(staff).get(f"/programmes/{programme.id}{path}").status_code == 403


def test_a_coordinator_computes_reports_and_sets_k(api_as, coordinator, analyst, programme):
    assert (
        api_as(coordinator).get(f"/programmes/{programme.id}/indicators/screened").status_code
        == 200
    )
    assert (
        api_as(coordinator).post(f"/programmes/{programme.id}/report-policy", {"k": 4}).status_code
        == 422
    )
    assert (
        api_as(analyst).post(f"/programmes/{programme.id}/report-policy", {"k": 20}).status_code
        == 403
    )
    done = api_as(coordinator).post(f"/programmes/{programme.id}/report-policy", {"k": 20})
    assert done.json() == {"k": 20}
    assert api_as(analyst).get(f"/programmes/{programme.id}/indicators/screened").json()["k"] == 20


def test_an_analyst_of_another_programme_is_refused(api_as, programme) -> None:
    from healthcamp.access.staff import staff_add

    outsider = staff_add(username="analyst-elsewhere", role="analyst")
    response = api_as(outsider).get(f"/programmes/{programme.id}/indicators/screened")
    assert response.status_code == 403
    assert "not a member" in response.json()["message"]


def test_computing_a_report_writes_one_entry_naming_no_one(api_as, analyst, programme, camp):
    before = AuditEntry.objects.count()
    response = api_as(analyst).get(f"/programmes/{programme.id}/indicators/raised_bp", by="sex")
    assert response.status_code == 200
    entries = list(AuditEntry.objects.filter(seq__gt=before))
    assert len(entries) == 1
    subjects, fields = chain.decode(bytes(entries[0].body))
    assert subjects == []
    assert (fields["action"], fields["purpose"], fields["role"]) == (
        "report.read",
        "programme_statistics",
        "analyst",
    )
    assert "raised_bp by sex" in fields["detail"]
    assert not apps.get_model("audit", "AuditSubject").objects.filter(entry__gt=before).exists()


def test_a_withdrawal_of_statistics_takes_the_person_out_of_the_next_report(
    api_as, analyst, registrar, programme, camp
) -> None:
    def raised_total() -> tuple[int, int]:
        table = api_as(analyst).get(f"/programmes/{programme.id}/indicators/raised_bp").json()
        total = table["cells"][0]
        return table["counted"], total["numerator"]

    assert raised_total() == (24, 11)
    someone = camp[0]  # a woman with raised blood pressure
    consent_id = apps.get_model("consent", "Consent").objects.get(participant_id=someone).pk
    consent_service.consent_withdraw(
        actor=registrar.actor,
        participant_id=someone,
        consent_id=consent_id,
        purposes=["programme_statistics"],
        erase=False,
    )
    assert raised_total() == (23, 10)
    # The person is still registered and their visit kept: only the counting stopped.
    assert apps.get_model("reports", "VisitFact").objects.filter(participant_id=someone).exists()


# ---- an analyst's token on every endpoint about individuals ---------------------------


@pytest.fixture
def world(api_as, registrar, clinician, coordinator, programme, document):
    """One real person with a visit, a referral and a consent, for the paths' ids."""
    person = api_as(registrar).post("/participants", participant_body(programme.id)).json()
    pid = uuid.UUID(person["id"])
    give_consent(registrar, pid, document.id)
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    eid = exams.encounter_start(actor=clinician.actor, participant_id=pid, site_id=site)
    for code, value in (("8480-6", 150), ("8462-4", 95)) * 2:
        exams.observation_record(
            actor=clinician.actor, encounter_id=eid, code=code, value=value, unit="mm[Hg]"
        )
    referral = referrals.referral_create(
        actor=clinician.actor, participant_id=pid, measure_code="85354-9", urgency="soon"
    )
    draft = consent_service.document_create(
        actor=coordinator.actor,
        programme_id=programme.id,
        language="fr",
        version=1,
        title="Titre",
        body="Texte.",
        purposes=[{"code": "screening", "description": "Mesures."}],
    )
    return {
        "participant_id": pid,
        "encounter_id": eid,
        "referral_id": referral.id,
        "programme_id": programme.id,
        "consent_id": apps.get_model("consent", "Consent").objects.get(participant_id=pid).pk,
        "document_id": draft.id,
        "seq": 1,
        "job_id": uuid.uuid4(),
        "card": person["card_code"],
        "site": site,
    }


def _requests(w: dict) -> dict[tuple[str, str], dict]:
    """A valid request for every endpoint but the public ones and the reports."""
    return {
        ("post", "/participants"): participant_body(w["programme_id"], given_name="Lina"),
        ("get", "/participants"): {"card_code": w["card"]},
        ("get", "/participants/{participant_id}"): {"purpose": "registration"},
        ("post", "/participants/{participant_id}/erase"): {},
        ("post", "/programmes"): {"name": "Another camp"},
        ("post", "/programmes/{programme_id}/sites"): {"name": "New site"},
        ("post", "/programmes/{programme_id}/members"): {"username": "registrar-1"},
        ("get", "/audit/entries"): {},
        ("get", "/audit/verification"): {},
        ("get", "/audit/entries/{seq}/proof"): {},
        ("post", "/programmes/{programme_id}/consent-documents"): {
            "language": "es",
            "version": 1,
            "title": "Título",
            "body": "Texto.",
            "purposes": [{"code": "screening", "description": "Medidas."}],
        },
        ("get", "/programmes/{programme_id}/consent-documents"): {},
        ("post", "/programmes/{programme_id}/consent-documents/{document_id}/publish"): {},
        ("post", "/participants/{participant_id}/consents"): {
            "document_id": 1,
            "decisions": {"screening": True},
            "method": "on_screen",
        },
        ("get", "/participants/{participant_id}/consents"): {},
        ("post", "/participants/{participant_id}/consents/{consent_id}/withdraw"): {
            "purposes": ["screening"],
            "erase": False,
        },
        ("get", "/participants/{participant_id}/consents/{consent_id}/fhir"): {},
        ("post", "/participants/{participant_id}/encounters"): {"site_id": w["site"]},
        ("post", "/encounters/{encounter_id}/observations"): {
            "code": "8480-6",
            "value": 120,
            "unit": "mm[Hg]",
        },
        ("get", "/participants/{participant_id}/letter"): {},
        ("post", "/programmes/{programme_id}/imports"): {},
        ("get", "/imports/{job_id}"): {},
        ("get", "/participants/{participant_id}/observations"): {"purpose": "screening"},
        ("post", "/programmes/{programme_id}/clinics"): {"name": "Health centre"},
        ("post", "/participants/{participant_id}/referrals"): {
            "measure_code": "85354-9",
            "urgency": "urgent",
        },
        ("post", "/referrals/{referral_id}/status"): {"status": "attended"},
        ("get", "/programmes/{programme_id}/referrals"): {"status": "open"},
        ("get", "/participants/{participant_id}/fhir"): {},
        ("post", "/participants/{participant_id}/results-returned"): {"how": "handed"},
        ("get", "/programmes/{programme_id}/unreturned-results"): {},
        ("get", "/referrals/{referral_id}/note"): {},
        ("post", "/programmes/{programme_id}/report-policy"): {"k": 7},
        ("post", "/programmes/{programme_id}/privacy-budget"): {"epsilon": 1.0},
    }


ABOUT_NO_ONE = ("get", "/programmes/{programme_id}/consent-documents")
REPORTS = {"/programmes/{programme_id}/indicators", "/programmes/{programme_id}/indicators/{code}"}


def test_an_analyst_token_is_refused_on_every_individual_endpoint(
    api_as, analyst, clinician, world
):
    from healthcamp.api.app import api

    schema = api.get_openapi_schema()
    listed = _requests(world)
    every = {
        (method, path.removeprefix("/api/v1"))
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if operation.get("security") and path.removeprefix("/api/v1") not in REPORTS
    }
    assert every == set(listed), "list each new endpoint here with a valid request"
    answered = {}
    for (method, path), data in listed.items():
        url = path.format(**world)
        if path.endswith("/imports"):  # a multipart upload, as a lab sends its file
            lab_file = io.BytesIO(b"card_code,visit_date,site_id,code,value,unit\n")
            lab_file.name = "lab.csv"
            client = api_as(analyst)
            response = client.client.post(
                "/api/v1" + url, {"file": lab_file}, headers=client.headers
            )
        else:
            response = (
                api_as(analyst).post(url, data)
                if method == "post"
                else api_as(analyst).get(url, **data)
            )
        answered[(method, path)] = response.status_code
    # The consent documents' text is what every participant is shown: about no one.
    assert {p: s for p, s in answered.items() if s != 403} == {ABOUT_NO_ONE: 200}
    # The bodies are valid: the same observation is taken from a clinician.
    path = "/encounters/{encounter_id}/observations"
    ok = api_as(clinician).post(path.format(**world), listed[("post", path)])
    assert ok.status_code == 201, ok.content
