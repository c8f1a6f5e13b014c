"""Shared fixtures: named personas for every role, a programme, API clients."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from healthcamp.access.staff import NewStaff, staff_add
from healthcamp.purposes import CONSENT_PURPOSES
from healthcamp.services import programmes


def pytest_configure(config: Any) -> None:
    # The pages speak from the compiled catalogues (.mo, not in git): compile any that
    # are older than their .po, as `./run` does, so a lone `pytest` sees today's words.
    from healthcamp.lib.message_catalogues import compile_catalogues

    compile_catalogues()


# Browser tests need Debian's chromium; pages whose look does not depend on the database
# (axe, keyboard, words) are checked once, on SQLite.
NEEDS_CHROMIUM = pytest.mark.skipif(
    os.environ.get("HEALTHCAMP_SKIP_BROWSER") == "1" or not Path("/usr/bin/chromium").exists(),
    reason="Debian's chromium is not installed",
)
ON_POSTGRESQL = "postgres" in os.environ.get("HEALTHCAMP_DATABASE_URL", "")
PAGES_ON_SQLITE = pytest.mark.skipif(
    ON_POSTGRESQL,
    reason="the pages are the same on both databases: checked once, on SQLite",
)


DATABASE_FIXTURES = frozenset({"db", "transactional_db", "live_server", "django_db_setup"})


def uses_the_database(item: Any) -> bool:
    """Whether a test can reach the database under test: pytest-django refuses database
    access to any test without its mark or fixtures, so the others give the same result on
    both engines, except those that hand HEALTHCAMP_DATABASE_URL to a subprocess."""
    return (
        item.get_closest_marker("django_db") is not None
        or item.get_closest_marker("database_url") is not None
        or bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))
    )


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    # The PostgreSQL run repeats only what PostgreSQL can change; pure rules, proofs and
    # files were checked once on SQLite (it keeps the whole suite inside its time budget).
    if not ON_POSTGRESQL:
        return
    kept = [item for item in items if uses_the_database(item)]
    if dropped := [item for item in items if not uses_the_database(item)]:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(autouse=True)
def _isolated_settings(settings: Any, tmp_path: Any) -> None:
    # Each test keeps its own audit head file; fast hashing for test passwords.
    settings.AUDIT_HEAD_FILE = tmp_path / "audit-head"
    settings.AUDIT_VERIFIED_FILE = tmp_path / "audit-verified"
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "audit-checkpoint"
    settings.AUDIT_COSIGNED_FILE = tmp_path / "audit-cosigned.json"
    # Checkpoints are signed when a test asks (tests/test_audit_tree.py), not on a timer.
    settings.AUDIT_CHECKPOINT_EVERY = settings.AUDIT_CHECKPOINT_SECONDS = 10**9
    from healthcamp.audit import tree

    tree.forget_last_checkpoint()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Page tests log in with a password only; tests/test_two_factor.py turns the code on.
    settings.STAFF_TWO_FACTOR = False
    # An import job runs to its end in the request that starts it: no thread outlives its
    # test (tests/test_import_jobs.py turns the threads on, and joins them).
    settings.IMPORT_JOBS_IN_THREADS = False


def _staff(role: str) -> NewStaff:
    # The personas work for every programme of the test (see `programme` too).
    from healthcamp.registry.models import Programme

    return staff_add(
        username=f"{role}-1",
        role=role,
        password=f"{role}-test-password",
        programme_ids=list(Programme.objects.values_list("pk", flat=True)),
    )


def join_everyone(programme_id: int) -> None:
    """Make every staff member so far a member of a programme (tests' shorthand)."""
    from healthcamp.access.models import ProgrammeMembership, StaffMember

    for staff_id in StaffMember.objects.values_list("pk", flat=True):
        ProgrammeMembership.objects.get_or_create(staff_id=staff_id, programme_id=programme_id)


@pytest.fixture
def coordinator(db: None) -> NewStaff:
    return _staff("coordinator")


@pytest.fixture
def registrar(db: None) -> NewStaff:
    return _staff("registrar")


@pytest.fixture
def clinician(db: None) -> NewStaff:
    return _staff("clinician")


@pytest.fixture
def lab(db: None) -> NewStaff:
    return _staff("lab")


@pytest.fixture
def analyst(db: None) -> NewStaff:
    return _staff("analyst")


@pytest.fixture
def auditor(db: None) -> NewStaff:
    return _staff("auditor")


@pytest.fixture
def programme(coordinator: NewStaff) -> programmes.Created:
    created = programmes.programme_create(actor=coordinator.actor, name="Test Camp")
    join_everyone(created.id)
    programmes.site_create(actor=coordinator.actor, programme_id=created.id, name="Market Hall")
    return created


class ApiClient:
    """A Django test client speaking JSON with a bearer token."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def post(self, path: str, body: Any, **extra: Any) -> Any:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.client.post(
            "/api/v1" + path,
            data=data,
            content_type="application/json",
            headers=self.headers,
            **extra,
        )

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get("/api/v1" + path, params, headers=self.headers)


@pytest.fixture
def api_as() -> Callable[[NewStaff | None], ApiClient]:
    return lambda staff: ApiClient(staff.token if staff else None)


def participant_body(programme_id: int, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "programme_id": programme_id,
        "given_name": "Amina",
        "family_name": "Haddad",
        "date_of_birth": "1984-03-15",
        "sex": "female",
        "preferred_language": "ar",
        "phone": "+254 712 345678",
    }
    body.update(overrides)
    return body


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest, django_db_setup: None) -> Any:
    """pytest-django's live server, stopped before the test databases are dropped.

    Depending on django_db_setup orders the teardown, so the server thread's
    PostgreSQL session no longer blocks dropping the test database.
    """
    from pytest_django import live_server_helper

    server = live_server_helper.LiveServer("localhost")
    yield server
    server.stop()


ALL_PURPOSES = tuple(p.value for p in CONSENT_PURPOSES)


def publish_document(
    coordinator: NewStaff,
    programme_id: int,
    *,
    language: str = "en",
    version: int = 1,
    purposes: tuple[str, ...] = ALL_PURPOSES,
) -> Any:
    from healthcamp.services import consent

    draft = consent.document_create(
        actor=coordinator.actor,
        programme_id=programme_id,
        language=language,
        version=version,
        title=f"What the health check does (v{version})",
        body="We measure your blood pressure and more, tell you the results, and keep them safe.",
        purposes=[{"code": p, "description": f"We use your data for {p}."} for p in purposes],
    )
    return consent.document_publish(
        actor=coordinator.actor, programme_id=programme_id, document_id=draft.id
    )


@pytest.fixture
def document(coordinator: NewStaff, programme: programmes.Created) -> Any:
    return publish_document(coordinator, programme.id)


def register_person(
    registrar: NewStaff,
    programme: Any,
    *,
    given: str = "Amina",
    family: str = "Haddad",
    born: Any = None,
    language: str = "en",
    consent_document: Any = None,
) -> Any:
    """A participant registered by the registrar (born 1984-03-15 unless said), agreeing to
    every purpose of `consent_document` when one is given: the person most page tests need."""
    from datetime import date

    from healthcamp.services import participants

    person = participants.participant_register(
        actor=registrar.actor,
        programme_id=programme.id,
        given_name=given,
        family_name=family,
        date_of_birth=born or date(1984, 3, 15),
        sex="female",
        preferred_language=language,
        phone="",
    )
    if consent_document is not None:
        give_consent(registrar, person.id, consent_document.id)
    return person


def give_consent(
    registrar: NewStaff,
    participant_id: Any,
    document_id: int,
    *,
    no: tuple[str, ...] = (),
    purposes: tuple[str, ...] = ALL_PURPOSES,
) -> Any:
    import uuid

    from healthcamp.services import consent

    return consent.consent_record(
        actor=registrar.actor,
        participant_id=uuid.UUID(str(participant_id)),
        document_id=document_id,
        decisions={p: p not in no for p in purposes},
        method="on_screen",
    )


# ---- browser tests (Playwright with Debian's chromium) ---------------------------------

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def page(live_server: Any) -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; Django must allow ORM use here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(
            viewport={"width": 1024, "height": 768}, base_url=live_server.url
        )
        yield context.new_page()
        browser.close()


def _shot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}-{os.environ.get('HEALTHCAMP_DATABASE_URL', 'sqlite')[:8]}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000  # a real rendered page, not a blank one
    return path
