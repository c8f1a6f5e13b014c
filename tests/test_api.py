"""REST API: contract, roles, closed schema, refusal of forbidden data, bad input."""

from __future__ import annotations

import json

import pytest

from healthcamp.access.staff import NewStaff
from healthcamp.audit.selectors import entry_count
from tests.conftest import give_consent, participant_body
from tests.forbidden_fields import FORBIDDEN_FIELDS

pytestmark = pytest.mark.django_db


def _count_participants() -> int:
    from django.apps import apps

    return apps.get_model("registry", "Participant").objects.count()


def test_openapi_document_is_served(client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {
        "/api/v1/participants",
        "/api/v1/participants/{participant_id}",
        "/api/v1/programmes",
        "/api/v1/programmes/{programme_id}/sites",
    } <= set(paths)


def test_register_and_read_back(api_as, registrar: NewStaff, programme) -> None:
    created = api_as(registrar).post("/participants", participant_body(programme.id))
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == {"id", "card_code", "possible_duplicates"}
    assert body["possible_duplicates"] == 0
    assert len(body["card_code"]) == 11
    read = api_as(registrar).get(f"/participants/{body['id']}", purpose="registration")
    assert read.status_code == 200
    assert read.json()["given_name"] == "Amina"
    assert read.json()["preferred_language"] == "ar"


def test_find_by_card_code_and_by_name(
    api_as, registrar: NewStaff, clinician: NewStaff, programme, document
) -> None:
    body = api_as(registrar).post("/participants", participant_body(programme.id)).json()
    give_consent(registrar, body["id"], document.id)
    by_card = api_as(clinician).get("/participants", card_code=body["card_code"].lower())
    assert by_card.status_code == 200
    assert by_card.json()["purpose"] == "screening"
    assert [r["id"] for r in by_card.json()["results"]] == [body["id"]]
    by_name = api_as(registrar).get(
        "/participants", given_name="amina", family_name="HADDAD", date_of_birth="1984-03-15"
    )
    assert [r["id"] for r in by_name.json()["results"]] == [body["id"]]


def test_a_second_registration_with_the_same_name_and_birth_date_is_flagged(
    api_as, registrar: NewStaff, programme
) -> None:
    api_as(registrar).post("/participants", participant_body(programme.id))
    again = api_as(registrar).post(
        "/participants", participant_body(programme.id, given_name="AMINA", family_name="Hadd ad")
    )
    assert again.json()["possible_duplicates"] == 1


def test_unknown_card_code_finds_nobody(api_as, registrar: NewStaff, programme) -> None:
    response = api_as(registrar).get("/participants", card_code="0000000000" + "0")
    assert response.status_code == 200
    assert response.json()["results"] == []


def test_there_is_no_listing_of_participants(api_as, coordinator: NewStaff, programme) -> None:
    response = api_as(coordinator).get("/participants")
    assert response.status_code == 422
    assert "never lists participants in bulk" in response.json()["message"]


def test_read_needs_a_known_purpose(api_as, registrar: NewStaff, programme) -> None:
    body = api_as(registrar).post("/participants", participant_body(programme.id)).json()
    missing = api_as(registrar).get(f"/participants/{body['id']}")
    assert missing.status_code == 422
    assert "purpose" in missing.json()["message"]
    unknown = api_as(registrar).get(f"/participants/{body['id']}", purpose="curiosity")
    assert unknown.status_code == 422
    assert "'curiosity' is not a purpose" in unknown.json()["message"]


@pytest.mark.parametrize("role", ["lab", "analyst", "auditor"])
def test_roles_that_may_not_register_are_refused_and_audited(
    api_as, role: str, programme, request: pytest.FixtureRequest
) -> None:
    staff: NewStaff = request.getfixturevalue(role)
    before = entry_count()
    response = api_as(staff).post("/participants", participant_body(programme.id))
    assert response.status_code == 403
    words = {"lab": "laboratory"}.get(role, role)  # the role in words, not its code
    assert f"The {words} role may not register participants." == response.json()["message"]
    assert _count_participants() == 0
    assert entry_count() == before + 1


@pytest.mark.parametrize("role", ["analyst", "auditor"])
def test_analysts_and_auditors_cannot_read_a_record(
    api_as, role: str, registrar: NewStaff, programme, request: pytest.FixtureRequest
) -> None:
    staff: NewStaff = request.getfixturevalue(role)
    body = api_as(registrar).post("/participants", participant_body(programme.id)).json()
    for purpose in ("registration", "screening", "programme_statistics"):
        response = api_as(staff).get(f"/participants/{body['id']}", purpose=purpose)
        assert response.status_code == 403
    assert api_as(staff).get("/participants", card_code=body["card_code"]).status_code == 403


def test_missing_or_wrong_token_is_401(api_as, programme) -> None:
    assert api_as(None).post("/participants", participant_body(programme.id)).status_code == 401
    from tests.conftest import ApiClient

    wrong = ApiClient("hc_not-a-real-token").post("/participants", participant_body(programme.id))
    assert wrong.status_code == 401
    assert "healthcamp staff add" in wrong.json()["message"]


def test_unknown_field_is_named(api_as, registrar: NewStaff, programme) -> None:
    response = api_as(registrar).post(
        "/participants", participant_body(programme.id, nickname="Ami")
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "nickname"
    assert "Unknown field 'nickname'" in response.json()["message"]
    assert _count_participants() == 0


@pytest.mark.parametrize("field", FORBIDDEN_FIELDS)
def test_every_forbidden_category_is_refused(
    api_as, registrar: NewStaff, programme, field: str
) -> None:
    before = entry_count()
    response = api_as(registrar).post(
        "/participants", participant_body(programme.id, **{field: "x"})
    )
    assert response.status_code == 422
    assert "healthcamp does not collect" in response.json()["message"]
    assert response.json()["detail"][0]["field"] == field
    assert _count_participants() == 0
    assert entry_count() == before


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "in the future"),
        ({"date_of_birth": "1990-02-30"}, "date_of_birth", "date"),
        ({"date_of_birth": "1700-01-01"}, "date_of_birth", "older than 125"),
        ({"given_name": "   "}, "given_name", "cannot be empty"),
        ({"family_name": ""}, "family_name", "cannot be empty"),
        ({"given_name": 42}, "given_name", "string"),
        ({"programme_id": "one"}, "programme_id", "integer"),
        ({"programme_id": 9999}, "programme_id", "no programme 9999"),
        ({"sex": "yes"}, "sex", "one of female, male, other, not_stated"),
        ({"preferred_language": "english"}, "preferred_language", "not a language tag"),
        ({"phone": "ring ring"}, "phone", "not a phone number"),
        ({"given_name": "A" * 101}, "given_name", "longer than 100"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(
    api_as, registrar: NewStaff, programme, overrides: dict, field: str, fragment: str
) -> None:
    body = participant_body(programme.id)
    body.update(overrides)
    response = api_as(registrar).post("/participants", body)
    assert response.status_code == 422, response.content
    fields = [d["field"] for d in response.json()["detail"]]
    assert field in fields
    assert fragment in response.json()["message"]
    assert _count_participants() == 0


@pytest.mark.parametrize(
    "raw", [b"{", b"not json", b"[]", b"null", b'"text"', b"\xff\xfe", b'{"programme_id": }']
)
def test_malformed_bodies_get_4xx_never_5xx(
    api_as, registrar: NewStaff, programme, raw: bytes
) -> None:
    response = api_as(registrar).post("/participants", raw)
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["message"]
    assert _count_participants() == 0


def test_missing_required_field(api_as, registrar: NewStaff, programme) -> None:
    body = participant_body(programme.id)
    del body["date_of_birth"]
    response = api_as(registrar).post("/participants", body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "date_of_birth"


def test_ten_megabyte_body_is_refused(api_as, registrar: NewStaff, programme) -> None:
    payload = json.dumps(participant_body(programme.id, given_name="A" * (10 * 1024 * 1024)))
    response = api_as(registrar).post("/participants", payload)
    assert response.status_code == 413
    assert "too large" in response.json()["message"]
    assert _count_participants() == 0


def test_coordinator_creates_programmes_and_sites(api_as, coordinator: NewStaff) -> None:
    created = api_as(coordinator).post("/programmes", {"name": "Hill Villages 2027"})
    assert created.status_code == 201
    pid = created.json()["id"]
    site = api_as(coordinator).post(f"/programmes/{pid}/sites", {"name": "School Hall"})
    assert site.status_code == 201
    assert site.json()["name"] == "School Hall"
    again = api_as(coordinator).post(f"/programmes/{pid}/sites", {"name": "School Hall"})
    assert again.status_code == 409
    assert api_as(coordinator).post("/programmes/9999/sites", {"name": "X"}).status_code == 404
    empty = api_as(coordinator).post("/programmes", {"name": " "})
    assert empty.status_code == 422
    assert (
        api_as(coordinator).post("/programmes", {"name": "X", "religion": "y"}).status_code == 422
    )


@pytest.mark.parametrize("role", ["registrar", "clinician", "lab", "analyst", "auditor"])
def test_only_coordinators_set_up_programmes(
    api_as, role: str, request: pytest.FixtureRequest
) -> None:
    staff: NewStaff = request.getfixturevalue(role)
    response = api_as(staff).post("/programmes", {"name": "Sneaky"})
    assert response.status_code == 403
    assert "may not create programmes" in response.json()["message"]
