"""schemathesis over the whole API, as every role: no input ever gets a 5xx (promise 9).

Cases come from the API's own OpenAPI document (schemathesis' coverage cases, then
generated ones, valid and invalid by the schema) and go through the real WSGI
application. Each case is sent as a role it picks itself (one staff member per role,
no token, or a wrong one) and as a role the operation has let through before, so the
handlers behind the policy are reached too; under -m slow, as every role, with a larger
budget. Half the cases use ids that exist (a programme, an adult with consent, a minor,
documents, an encounter, a clinic, a referral); a quarter get one value spiked with
what broke the API before (a NUL byte, over-long text, integers beyond 32 and 64 bits,
a Unix time). Runs on the suite's database: SQLite, or PostgreSQL with
HEALTHCAMP_DATABASE_URL.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from healthcamp.access.roles import STAFF_ROLES
from healthcamp.access.staff import NewStaff, staff_add
from healthcamp.services import consent, exams, participants, programmes, referrals
from healthcamp.wsgi import application
from tests.conftest import give_consent, publish_document

SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
ROLES = (*(r.value for r in STAFF_ROLES), "nobody", "wrong-token")
FAST_EXAMPLES = 25  # per operation, after schemathesis' coverage cases
SLOW_EXAMPLES = 400  # per operation, each case sent as every role


def _member(role: str, programme_id: int) -> NewStaff:
    return staff_add(
        username=f"fuzz-{role}",
        role=role,
        password=f"fuzz-pass-{role}-01",
        programme_ids=[programme_id],
    )


@pytest.fixture
def world(transactional_db: None) -> dict[str, Any]:
    """One staff member per role, and a programme where every kind of id exists."""
    boss = staff_add(username="fuzz-boss", role="coordinator", password="fuzz-pass-boss-01")
    programme = programmes.programme_create(actor=boss.actor, name="Fuzz Camp")
    site = programmes.site_create(actor=boss.actor, programme_id=programme.id, name="Fuzz Hall")
    staff = {role.value: _member(role.value, programme.id) for role in STAFF_ROLES}
    registrar, clinician = staff["registrar"].actor, staff["clinician"].actor
    document = publish_document(boss, programme.id)
    draft = consent.document_create(
        actor=boss.actor,
        programme_id=programme.id,
        language="en",
        version=2,
        title="Draft",
        body="A draft not yet published.",
        purposes=[{"code": "screening", "description": "Blood pressure."}],
    )
    people = [
        participants.participant_register(
            actor=registrar,
            programme_id=programme.id,
            given_name="Fuzz",
            family_name=family,
            date_of_birth=born,
            sex="female",
            preferred_language="en",
        )
        for family, born in (
            ("Adult", date(1980, 1, 1)),
            ("Minor", date(timezone.localdate().year - 12, 1, 1)),
        )
    ]
    agreed = give_consent(staff["registrar"], people[0].id, document.id)
    encounter_id = exams.encounter_start(
        actor=clinician, participant_id=people[0].id, site_id=site.id
    )
    exams.observation_record(
        actor=clinician, encounter_id=encounter_id, code="8480-6", value=150, unit="mm[Hg]"
    )
    clinic_id, _name = referrals.clinic_create(
        actor=boss.actor, programme_id=programme.id, name="Fuzz Clinic"
    )
    referral = referrals.referral_create(
        actor=clinician,
        participant_id=people[0].id,
        measure_code="8480-6",
        urgency="routine",
        clinic_id=clinic_id,
    )
    return {
        "tokens": {role: made.token for role, made in staff.items()},
        "path": {
            "programme_id": programme.id,
            "participant_id": [p.id for p in people],
            "document_id": [document.id, draft.id],
            "consent_id": agreed.id,
            "encounter_id": encounter_id,
            "referral_id": referral.id,
        },
        "body": {
            "programme_id": programme.id,
            "document_id": document.id,
            "site_id": site.id,
            "clinic_id": clinic_id,
            "witness_id": staff["clinician"].actor.staff_id,
        },
    }


@pytest.fixture
def wsgi_keeps_connections() -> Any:
    # As Django's test client does: the handler must not close the test's connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _real(value: Any, pick: int) -> Any:
    return value[pick % len(value)] if isinstance(value, list) else value


# Per operation, the first staff role seen let through (neither 401 nor 403): fixed once
# found, so later cases reach the handler behind the policy, and a replay sends the same.
ABLE: dict[str, str] = {}
STAFF = tuple(r.value for r in STAFF_ROLES)


def _roles(case: Any, digest: bytes, every_role: bool) -> list[str]:
    """Every role; or one role picked by the case itself, and one the operation lets in."""
    if every_role:
        return list(ROLES)
    any_role = ROLES[digest[2] % len(ROLES)]
    able = ABLE.get(case.operation.label, STAFF[digest[3] % len(STAFF)])
    return [any_role] if able == any_role else [any_role, able]


# Values that broke the API before (issue 13, finding 15), spiked into a quarter of the cases:
# a NUL byte, text longer than any column, integers beyond 32 and 64 bits, a Unix time.
SPIKES = (
    lambda v: v[:1] + "\x00" + v[1:] if isinstance(v, str) else "\x00",
    lambda v: "x" * 257,
    lambda v: 2**31,
    lambda v: 2**65 + 1,
    lambda v: 449193600,
)


def _leaves(value: Any) -> list[tuple[Any, Any]]:
    """(container, key) of every string or number in a JSON value."""
    found = []
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(item, (dict, list)):
            found += _leaves(item)
        elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
            found.append((value, key))
    return found


def _spike(case: Any, digest: bytes) -> None:
    if digest[4] % 4:
        return
    targets = []
    for part in (case.body, case.query, case.path_parameters):
        if isinstance(part, (dict, list)):
            targets += _leaves(part)
    if targets:
        container, key = targets[digest[5] % len(targets)]
        spiked = SPIKES[digest[6] % len(SPIKES)](container[key])
        in_path = container is case.path_parameters or container is case.query
        container[key] = str(spiked) if in_path else spiked


def _send(case: Any, world: dict[str, Any], *, every_role: bool = False) -> None:
    # The ids and roles follow from the case itself, so Hypothesis can replay and shrink it.
    digest = hashlib.sha256(repr((case.path_parameters, case.query, case.body)).encode()).digest()
    if digest[0] % 2:
        for name in list(case.path_parameters or {}):
            if name in world["path"]:
                case.path_parameters[name] = str(_real(world["path"][name], digest[1]))
        if isinstance(case.body, dict):
            for name in list(case.body):
                if name in world["body"]:
                    case.body[name] = world["body"][name]
    _spike(case, digest)
    for role in _roles(case, digest, every_role):
        headers = dict(case.headers or {})
        headers.pop("Authorization", None)
        if role == "wrong-token":
            headers["Authorization"] = "Bearer hc_not-a-token"
        elif role != "nobody":
            headers["Authorization"] = f"Bearer {world['tokens'][role]}"
        case.headers = headers
        response = case.call_and_validate(checks=[not_a_server_error])
        if role in STAFF and 200 <= response.status_code < 300:
            ABLE.setdefault(case.operation.label, role)


_SETTINGS: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
    "database": None,
}


@SCHEMA.parametrize()
@settings(max_examples=FAST_EXAMPLES, **_SETTINGS)
def test_no_input_gets_a_server_error(
    case: Any, world: dict[str, Any], wsgi_keeps_connections: None
) -> None:
    _send(case, world)


@pytest.mark.slow
@SCHEMA.parametrize()
@settings(max_examples=SLOW_EXAMPLES, **_SETTINGS)
def test_no_input_gets_a_server_error_large_budget(
    case: Any, world: dict[str, Any], wsgi_keeps_connections: None
) -> None:
    _send(case, world, every_role=True)
