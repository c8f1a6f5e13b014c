"""Input limits (issue 13, findings 7 and 15): no covert channel, no 500, same on both databases.

Finding 7: a preferred language is language[-Script][-REGION] of a language healthcamp
offers (no private-use or extension subtags); a paper form reference is a short strict
pattern, sealed with the participant's key; a guardian's name follows the rules of a
participant's name. Finding 15: huge integers, NUL bytes, over-long text, numbers as
dates and non-JSON bodies get a 4xx naming the field, never a 500; and the database
refuses over-long values on SQLite as PostgreSQL does.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.db import DatabaseError, connection, transaction

from healthcamp.access.staff import NewStaff
from healthcamp.registry import validation
from healthcamp.services import participants
from tests.conftest import ALL_PURPOSES, participant_body

pytestmark = pytest.mark.django_db

HUGE = "36893488147419103233"  # 2**65 + 1: more than any database integer holds
COVERT_TAGS = [
    "ug-x-muslim-watch",
    "en-x-risk-high",
    "zh-x-hui-dna-taken",
    "ar-u-co-focus",
    "en-US-x-watchlist",
    "ug-Arab-x-dna",
    "i-klingon",
    "en-QM",  # a private-use region
    "en-Qaaa",  # a private-use script
    "de",  # a fine tag, but not a language healthcamp offers
]


def _count(model: str) -> int:
    label, name = model.split(".")
    return apps.get_model(label, name).objects.count()


def _register(api_as: Any, registrar: NewStaff, programme: Any, **overrides: Any) -> str:
    response = api_as(registrar).post("/participants", participant_body(programme.id, **overrides))
    assert response.status_code == 201, response.content
    return str(response.json()["id"])


def _fields(response: Any) -> list[str]:
    return [d["field"] for d in response.json()["detail"]]


def _consent_body(document_id: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "document_id": document_id,
        "decisions": dict.fromkeys(ALL_PURPOSES, True),
        "method": "on_screen",
    }
    body.update(overrides)
    return body


def _doc_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "language": "en",
        "version": 1,
        "title": "What the health check does",
        "body": "We measure your blood pressure and tell you the results.",
        "purposes": [{"code": "screening", "description": "Blood pressure, height, weight."}],
    }
    body.update(overrides)
    return body


# ---- finding 7: language tags ----------------------------------------------------------


@pytest.mark.parametrize("tag", COVERT_TAGS)
def test_a_language_tag_carries_no_private_subtag(api_as, registrar, programme, tag) -> None:
    response = api_as(registrar).post(
        "/participants", participant_body(programme.id, preferred_language=tag)
    )
    assert response.status_code == 422, response.content
    assert _fields(response) == ["preferred_language"]
    assert "language[-Script][-REGION]" in response.json()["message"]
    assert _count("registry.Participant") == 0


@pytest.mark.parametrize("tag", COVERT_TAGS[:6])
def test_a_document_language_carries_no_private_subtag(api_as, coordinator, programme, tag):
    response = api_as(coordinator).post(
        f"/programmes/{programme.id}/consent-documents", _doc_body(language=tag)
    )
    assert response.status_code == 422, response.content
    assert _fields(response) == ["language"]
    assert _count("consent.ConsentDocument") == 0


@pytest.mark.parametrize(
    ("sent", "stored"),
    [("ar", "ar"), ("UZ-cyrl", "uz-Cyrl"), ("es_mx", "es-MX"), ("zh-Hans-CN", "zh-Hans-CN")],
)
def test_language_script_region_is_stored_canonical(
    api_as, registrar, programme, sent, stored
) -> None:
    pid = _register(api_as, registrar, programme, preferred_language=sent)
    read = api_as(registrar).get(f"/participants/{pid}", purpose="registration")
    assert read.json()["preferred_language"] == stored


def test_the_web_form_offers_exactly_the_closed_list() -> None:
    from healthcamp.lib import languages
    from healthcamp.web.forms import RegisterForm

    form = RegisterForm(programmes=[(1, "Camp")])
    offered = [code for code, _label in form.fields["preferred_language"].choices]
    # The languages healthcamp can serve (issue 10), each one the closed list accepts.
    assert offered == languages.shipped()
    for code in offered:
        assert validation.clean_language(code).lower() == code


# ---- finding 7: paper references, sealed ------------------------------------------------


def test_a_paper_reference_is_sealed_and_read_back(
    api_as, registrar, clinician, programme, document
) -> None:
    pid = _register(api_as, registrar, programme)
    body = _consent_body(document.id, method="paper", paper_reference="F-2024/0173")
    recorded = api_as(registrar).post(f"/participants/{pid}/consents", body)
    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["paper_reference"] == "F-2024/0173"
    listed = api_as(registrar).get(f"/participants/{pid}/consents").json()
    assert listed[0]["paper_reference"] == "F-2024/0173"
    # Not in the clear anywhere in the consent table: only the sealed bytes are stored.
    consent_model = apps.get_model("consent", "Consent")
    names = {f.name for f in consent_model._meta.get_fields()}
    assert "paper_reference" not in names
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {consent_model._meta.db_table}")  # noqa: S608
        rows = cursor.fetchall()
    assert rows
    for row in rows:
        for value in row:
            raw = bytes(value) if isinstance(value, memoryview | bytes) else str(value).encode()
            assert b"2024/0173" not in raw


@pytest.mark.parametrize(
    "reference",
    ["X" * 267, "risk high", "DNA-TAKEN", "hui/dna/taken", "F-2024/0173\n", "ref:12", "—12"],
)
def test_a_paper_reference_is_a_short_strict_pattern(
    api_as, registrar, programme, document, reference
) -> None:
    pid = _register(api_as, registrar, programme)
    body = _consent_body(document.id, method="paper", paper_reference=reference)
    response = api_as(registrar).post(f"/participants/{pid}/consents", body)
    assert response.status_code == 422, response.content
    assert _fields(response) == ["paper_reference"]
    assert "letters (A-Z), digits, hyphens and slashes" in response.json()["message"]
    assert _count("consent.Consent") == 0


# ---- finding 7: guardian names ----------------------------------------------------------


def _child(api_as: Any, registrar: NewStaff, programme: Any) -> str:
    born = date(date.today().year - 10, 1, 1).isoformat()
    return _register(api_as, registrar, programme, date_of_birth=born)


@pytest.mark.parametrize(
    "name",
    ["Zawadi " * 300 + "2", "Guardian 2", "Risk level 3", "Zawadi\u200bMwangi\u0007", "A" * 101],
)
def test_a_guardian_name_follows_the_rules_of_a_name(
    api_as, registrar, programme, document, name
) -> None:
    child = _child(api_as, registrar, programme)
    body = _consent_body(document.id, guardian={"name": name, "relationship": "parent"})
    body["assent"] = True
    response = api_as(registrar).post(f"/participants/{child}/consents", body)
    assert response.status_code == 422, response.content
    assert _fields(response) == ["guardian.name"]
    assert _count("consent.Consent") == 0


def test_a_guardian_name_is_stored_cleaned(api_as, registrar, programme, document) -> None:
    child = _child(api_as, registrar, programme)
    guardian = {"name": "  Zawadi   Mwangi ", "relationship": "parent"}
    body = _consent_body(document.id, guardian=guardian, assent=True)
    recorded = api_as(registrar).post(f"/participants/{child}/consents", body)
    assert recorded.status_code == 201, recorded.content
    assert recorded.json()["guardian_name"] == "Zawadi Mwangi"


# ---- finding 15: no 500 -----------------------------------------------------------------


@pytest.mark.parametrize(
    "role", ["coordinator", "registrar", "clinician", "lab", "analyst", "auditor"]
)
@pytest.mark.parametrize(
    "path",
    [
        f"/programmes/{HUGE}/consent-documents",
        f"/programmes/{HUGE}/referrals",
        f"/programmes/{HUGE}/unreturned-results",
        f"/participants/00000000-0000-4000-8000-000000000000/consents/{HUGE}/fhir",
    ],
)
def test_a_huge_integer_in_a_path_is_refused(api_as, programme, request, role, path) -> None:
    staff: NewStaff = request.getfixturevalue(role)
    response = api_as(staff).get(path)
    assert response.status_code in {403, 404, 422}, response.content
    if response.status_code == 422:
        assert "from 1 to 2147483647" in response.json()["message"]


@pytest.mark.parametrize("version", [2**31, int(HUGE), 0, -1])
def test_a_document_version_beyond_an_integer_is_refused(
    api_as, coordinator, programme, version
) -> None:
    response = api_as(coordinator).post(
        f"/programmes/{programme.id}/consent-documents", _doc_body(version=version)
    )
    assert response.status_code == 422, response.content
    assert _fields(response) == ["version"]
    assert _count("consent.ConsentDocument") == 0


@pytest.mark.parametrize("field", ["given_name", "family_name", "phone", "preferred_language"])
def test_a_nul_byte_in_a_participant_field_is_named(api_as, registrar, programme, field) -> None:
    body = participant_body(programme.id)
    body[field] = body[field][:3] + "\x00" + body[field][3:]
    response = api_as(registrar).post("/participants", body)
    assert response.status_code == 422, response.content
    assert _fields(response) == [field]
    assert "NUL" in response.json()["message"]
    assert _count("registry.Participant") == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": "Tit\x00le"}, "title"),
        ({"body": "We measure\x00 you."}, "body"),
        ({"language": "e\x00n"}, "language"),
        ({"purposes": [{"code": "screening", "description": "B\x00P"}]}, "purposes.0.description"),
        ({"title": "T" * 201}, "title"),
        ({"language": "e" * 36}, "language"),
        ({"body": "B" * 20_001}, "body"),
    ],
)
def test_document_text_with_a_nul_or_over_its_limit_is_refused(
    api_as, coordinator, programme, overrides, field
) -> None:
    response = api_as(coordinator).post(
        f"/programmes/{programme.id}/consent-documents", _doc_body(**overrides)
    )
    assert response.status_code == 422, response.content
    assert _fields(response) == [field]
    assert _count("consent.ConsentDocument") == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"method": "paper", "paper_reference": "F-1\x00"}, "paper_reference"),
        ({"method": "paper", "paper_reference": "F" * 65}, "paper_reference"),
        ({"method": "on\x00screen"}, "method"),
        ({"decisions": {"scree\x00ning": True}}, "decisions.scree\\x00ning"),
    ],
)
def test_consent_text_with_a_nul_or_over_its_limit_is_refused(
    api_as, registrar, programme, document, overrides, field
) -> None:
    pid = _register(api_as, registrar, programme)
    response = api_as(registrar).post(
        f"/participants/{pid}/consents", _consent_body(document.id, **overrides)
    )
    assert response.status_code == 422, response.content
    assert _fields(response) == [field]
    assert _count("consent.Consent") == 0


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/programmes", {"name": "Camp\x00"}, "name"),
        ("/programmes", {"name": "C" * 201}, "name"),
        ("/programmes/{programme}/sites", {"name": "Hall\x00"}, "name"),
        ("/programmes/{programme}/clinics", {"name": "Clinic\x00"}, "name"),
    ],
)
def test_names_of_places_with_a_nul_or_over_200_are_refused(
    api_as, coordinator, programme, path, body, field
) -> None:
    response = api_as(coordinator).post(path.format(programme=programme.id), body)
    assert response.status_code == 422, response.content
    assert _fields(response) == [field]


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ("0" * 40 + "120", "value"),  # a plausible number, written longer than 32 characters
        ("12\x000", "value"),
        (10**40, "value"),
    ],
)
def test_an_observation_over_its_limits_is_refused(
    api_as, registrar, clinician, programme, document, value, field
) -> None:
    pid = _register(api_as, registrar, programme)
    api_as(registrar).post(f"/participants/{pid}/consents", _consent_body(document.id))
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    encounter = api_as(clinician).post(f"/participants/{pid}/encounters", {"site_id": site})
    assert encounter.status_code == 201, encounter.content
    response = api_as(clinician).post(
        f"/encounters/{encounter.json()['id']}/observations",
        {"code": "8480-6", "value": value, "unit": "mm[Hg]"},
    )
    assert response.status_code == 422, response.content
    assert field in _fields(response)[0]
    assert _count("exams.Observation") == 0


@pytest.mark.parametrize("born", [449193600, "449193600", 1.5e9, "15/03/1984", True])
def test_a_birth_date_is_iso_text_never_a_timestamp(api_as, registrar, programme, born) -> None:
    response = api_as(registrar).post(
        "/participants", participant_body(programme.id, date_of_birth=born)
    )
    assert response.status_code == 422, response.content
    assert _fields(response) == ["date_of_birth"]
    assert _count("registry.Participant") == 0


def test_a_birth_date_in_a_search_is_iso_text(api_as, registrar, programme) -> None:
    response = api_as(registrar).get(
        "/participants", given_name="Amina", family_name="Haddad", date_of_birth="449193600"
    )
    assert response.status_code == 422, response.content
    assert _fields(response) == ["date_of_birth"]


@pytest.mark.parametrize("query", [{"card_code": "Z10\x00WG"}, {"purpose": "regis\x00tration"}])
def test_a_nul_byte_in_a_query_is_named(api_as, registrar, programme, query) -> None:
    response = api_as(registrar).get("/participants", **query)
    assert response.status_code == 422, response.content
    assert _fields(response) == list(query)


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""],
)
def test_a_body_not_sent_as_json_is_refused(api_as, registrar, programme, content_type) -> None:
    client = api_as(registrar)
    response = client.client.post(
        "/api/v1/participants",
        data=json.dumps(participant_body(programme.id)),
        content_type=content_type,
        headers=client.headers,
    )
    assert response.status_code == 415, response.content
    assert "application/json" in response.json()["message"]
    assert _count("registry.Participant") == 0


def test_json_with_a_charset_or_a_json_suffix_is_accepted(api_as, registrar, programme) -> None:
    client = api_as(registrar)
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = client.client.post(
            "/api/v1/participants",
            data=json.dumps(participant_body(programme.id, given_name=f"A{len(content_type)}x")),
            content_type=content_type,
            headers=client.headers,
        )
        assert response.status_code in {201, 422}, response.content
        assert response.status_code != 415


# ---- the database refuses what validation would, on SQLite as on PostgreSQL ---------------


@pytest.mark.parametrize(
    ("model", "values"),
    [
        ("registry.Programme", {"name": "P" * 201}),
        ("consent.ConsentDocument", {"title": "T" * 201}),
        ("consent.ConsentDocument", {"language": "e" * 36}),
        ("consent.ConsentDocument", {"version": 2**31}),
        ("consent.ConsentDocument", {"body": "B" * 20_001}),
    ],
)
def test_the_database_refuses_over_long_values(coordinator, programme, model, values) -> None:
    label, name = model.split(".")
    row_model = apps.get_model(label, name)
    fields = {"name": "Fine"} if name == "Programme" else {}
    if name == "ConsentDocument":
        fields = {
            "programme_id": programme.id,
            "language": "en",
            "version": 1,
            "title": "Fine",
            "body": "Fine",
        }
    fields.update(values)
    with pytest.raises(DatabaseError), transaction.atomic():
        row_model.objects.create(**fields)


def test_the_database_refuses_an_over_long_original_value(
    registrar, clinician, programme, document
) -> None:
    from healthcamp.services import exams
    from tests.test_portal import _person

    person = _person(registrar, programme, document)
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    eid = exams.encounter_start(actor=clinician.actor, participant_id=person.id, site_id=site)
    observation = apps.get_model("exams", "Observation")
    with pytest.raises(DatabaseError), transaction.atomic():
        observation.objects.create(
            encounter_id=eid,
            code="8480-6",
            purpose="screening",
            value=120,
            original_value="1" * 33,
            classification="normal",
            recorded_at=person.registered_at,
        )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"version": 2**31}, "version"),
        ({"title": "T" * 201}, "title"),
        ({"body": "B" * 20_001}, "body"),
        ({"body": "B\x00"}, "body"),
        ({"purposes": [{"code": "screening", "description": "D" * 2_001}]}, "purposes"),
    ],
)
def test_every_face_gets_the_document_limits_from_the_access_layer(
    coordinator, programme, overrides, field
) -> None:
    # The web's document form goes through here too: a clear error, not the database's.
    from healthcamp.access.errors import InvalidInput
    from healthcamp.services import consent

    with pytest.raises(InvalidInput) as caught:
        consent.document_create(
            actor=coordinator.actor, programme_id=programme.id, **_doc_body(**overrides)
        )
    assert list(caught.value.errors) == [field]
    assert _count("consent.ConsentDocument") == 0


# ---- every free-text input has a limit ---------------------------------------------------


def _strings_without_limit(schema: dict[str, Any], components: dict[str, Any], where: str):
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        yield from _strings_without_limit(components[name], components, where)
        return
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            yield from _strings_without_limit(option, components, where)
    if schema.get("type") == "string" and not (
        "maxLength" in schema or "enum" in schema or "const" in schema or "format" in schema
    ):
        yield where
    for name, prop in schema.get("properties", {}).items():
        yield from _strings_without_limit(prop, components, f"{where}.{name}")
    for key in ("items", "additionalProperties", "propertyNames"):
        if isinstance(schema.get(key), dict):
            yield from _strings_without_limit(schema[key], components, f"{where}[]")


def test_every_string_the_api_accepts_has_a_length_limit(client) -> None:
    document = client.get("/api/v1/openapi.json").json()
    components = document.get("components", {}).get("schemas", {})
    unbounded = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                unbounded += _strings_without_limit(
                    parameter["schema"], components, f"{method} {path} {parameter['name']}"
                )
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                unbounded += _strings_without_limit(
                    media["schema"], components, f"{method} {path} body"
                )
    assert unbounded == []


# ---- the migrations seal paper references and close languages already stored -------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_paper_references_stored_in_the_clear(
    registrar, programme, document
) -> None:
    from django.db.migrations.executor import MigrationExecutor

    from healthcamp.services import consent, identity

    person = participants.participant_register(
        actor=registrar.actor,
        programme_id=programme.id,
        given_name="Amina",
        family_name="Haddad",
        date_of_birth=date(1984, 3, 15),
        sex="female",
        preferred_language="ug",
    )
    recorded = consent.consent_record(
        actor=registrar.actor,
        participant_id=person.id,
        document_id=document.id,
        decisions=dict.fromkeys(ALL_PURPOSES, True),
        method="paper",
        paper_reference="F-1/2",
    )
    before = [("consent", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    # As an older version stored it: in the clear.
    old = executor.loader.project_state(before).apps
    old.get_model("consent", "Consent").objects.filter(pk=recorded.id).update(
        paper_reference="F-1/2"
    )
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    row = apps.get_model("consent", "Consent").objects.get(pk=recorded.id)
    sealed = bytes(row.paper_reference_sealed)
    assert b"F-1/2" not in sealed
    owner = apps.get_model("registry", "Participant").objects.get(pk=person.id)
    assert identity.open_for(owner, field="paper_reference", sealed=sealed) == "F-1/2"
    assert consent.consents_of(actor=registrar.actor, participant_id=person.id)[0].paper_reference


def test_the_migration_closes_languages_stored_before(registrar, programme) -> None:
    import importlib

    from django.apps import apps as global_apps

    migration = importlib.import_module(
        "healthcamp.registry.migrations.0004_text_limits_and_languages"
    )
    stored = {}
    for tag in ("ug-x-muslim-watch", "en-x-risk-high", "de-DE", "UZ-cyrl", "es-MX"):
        person = participants.participant_register(
            actor=registrar.actor,
            programme_id=programme.id,
            given_name="Amina",
            family_name="Haddad",
            date_of_birth=date(1984, 3, 15),
            sex="female",
            preferred_language="ar",
        )
        model = apps.get_model("registry", "Participant")
        model.objects.filter(pk=person.id).update(preferred_language=tag)
        stored[tag] = person.id
    migration.closed_languages(global_apps, None)
    now = dict(
        apps.get_model("registry", "Participant").objects.values_list("pk", "preferred_language")
    )
    assert {tag: now[pk] for tag, pk in stored.items()} == {
        "ug-x-muslim-watch": "ug",
        "en-x-risk-high": "en",
        "de-DE": "en",
        "UZ-cyrl": "uz-Cyrl",
        "es-MX": "es-MX",
    }
