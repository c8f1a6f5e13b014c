"""Tokens that can be listed, revoked and expire; an auditor who can read the log; 401s
on the record. Issue 13, finding 12."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from healthcamp.access.models import ApiToken
from healthcamp.audit import chain
from healthcamp.audit.models import AuditEntry
from healthcamp.services import staff_admin as staff
from tests.test_cli import _run

pytestmark = pytest.mark.django_db


def test_a_revoked_token_gets_401_and_the_others_still_work(api_as, registrar) -> None:
    second = staff.staff_token_add(username="registrar-1", label="tablet 3")
    assert api_as(registrar).get("/participants", card_code="X").status_code == 422
    assert staff.staff_revoke(username="registrar-1", label="tablet 3") == 1
    revoked = api_as(type("S", (), {"token": second})()).get("/participants", card_code="X")
    assert revoked.status_code == 401
    assert api_as(registrar).get("/participants", card_code="X").status_code == 422
    assert staff.staff_revoke(username="registrar-1") == 1  # all the rest
    assert api_as(registrar).get("/participants", card_code="X").status_code == 401


def test_an_expired_token_gets_401(api_as, registrar) -> None:
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_as(registrar).get("/participants", card_code="X").status_code == 401
    assert [t.state for t in staff.staff_tokens(username="registrar-1")] == ["expired"]


def test_tokens_are_listed_without_their_secret_and_last_use_is_kept(api_as, registrar) -> None:
    api_as(registrar).get("/participants", card_code="X")
    (listed,) = staff.staff_tokens(username="registrar-1")
    assert listed.label == "default"
    assert listed.state == "live"
    assert listed.last_used_at is not None
    assert listed.expires_at is not None
    assert listed.expires_at > timezone.now()
    stored = ApiToken.objects.get()
    assert stored.token_hash == hashlib.sha256(registrar.token.encode()).hexdigest()
    assert registrar.token not in repr(listed)


def test_a_deactivated_member_has_no_token_left(api_as, registrar) -> None:
    assert staff.staff_deactivate(username="registrar-1") == 1
    assert api_as(registrar).get("/participants", card_code="X").status_code == 401


def test_the_auditor_reads_the_log_and_can_check_every_hash(
    api_as, auditor, registrar, programme
) -> None:
    api_as(registrar).post(
        "/participants",
        {
            "programme_id": programme.id,
            "given_name": "Amina",
            "family_name": "Haddad",
            "date_of_birth": "1984-03-15",
            "sex": "female",
            "preferred_language": "ar",
        },
    )
    first = api_as(auditor).get("/audit/entries", after=0, limit=2)
    assert first.status_code == 200, first.content
    page = first.json()
    assert len(page["entries"]) == 2
    assert page["next_after"] == page["entries"][-1]["seq"]
    rest = api_as(auditor).get("/audit/entries", after=page["next_after"], limit=1000).json()
    entries = page["entries"] + rest["entries"]
    previous = bytes(32)
    for entry in entries:
        body = base64.b64decode(entry["body"])
        assert bytes.fromhex(entry["prev_hash"]) == previous
        assert hashlib.sha256(previous + body).hexdigest() == entry["hash"]
        previous = bytes.fromhex(entry["hash"])
        assert b"Amina" not in body  # no names in the log
        assert b"Haddad" not in body
    # The head file follows each commit, which this test's own transaction never reaches.
    head = chain.database_head()
    assert head is not None
    chain.write_head_file(head)
    assert api_as(auditor).get("/audit/verification").json()["ok"] is True
    assert api_as(auditor).get("/audit/entries", limit=0).status_code == 422
    # The auditor still never opens a record.
    named = [chain.decode(base64.b64decode(e["body"]))[0] for e in entries]
    anyone = next(ids[0] for ids in named if ids)
    opened = api_as(auditor).get(f"/participants/{anyone}", purpose="registration")
    assert opened.status_code == 403


@pytest.mark.parametrize("role", ["coordinator", "registrar", "clinician", "lab", "analyst"])
def test_only_the_auditor_reads_the_log(api_as, request, role) -> None:
    assert api_as(request.getfixturevalue(role)).get("/audit/entries").status_code == 403


def test_a_request_without_a_valid_token_is_on_the_record(api_as, registrar) -> None:
    bad = "hc_" + "x" * 43
    assert api_as(type("S", (), {"token": bad})()).get("/participants/1").status_code == 401
    assert api_as(None).get("/participants", card_code="X").status_code == 401
    bodies = [bytes(b) for b in AuditEntry.objects.order_by("seq").values_list("body", flat=True)]
    refused = [chain.decode(b)[1] for b in bodies if b'"staff.authenticate"' in b]
    assert [(f["outcome"], f["detail"]) for f in refused] == [
        ("denied", "GET /api/v1/participants/1: a token that is not valid"),
        ("denied", "GET /api/v1/participants: no token"),
    ]
    assert all(bad.encode() not in b for b in bodies)


@pytest.mark.cli
def test_the_staff_commands(tmp_path: Path) -> None:
    assert _run(tmp_path, "migrate").returncode == 0
    added = _run(tmp_path, "staff", "add", "amani", "--role", "coordinator", "--programme", "7")
    assert added.returncode == 2
    assert "There is no programme 7" in added.stderr
    added = _run(tmp_path, "staff", "add", "amani", "--role", "coordinator")
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip().splitlines()[-1].startswith("hc_")
    made = _run(tmp_path, "staff", "token", "amani", "--label", "tablet 3")
    assert made.returncode == 0
    listed = _run(tmp_path, "staff", "tokens", "amani")
    assert listed.returncode == 0
    assert "default" in listed.stdout
    assert "tablet 3" in listed.stdout
    assert "hc_" not in listed.stdout
    revoked = _run(tmp_path, "staff", "revoke", "amani", "--token", "tablet 3")
    assert revoked.returncode == 0
    assert "Revoked 1" in revoked.stdout
    assert "revoked" in _run(tmp_path, "staff", "tokens", "amani").stdout
    unknown = _run(tmp_path, "staff", "revoke", "amani", "--token", "phone")
    assert unknown.returncode == 2
    assert "no token called 'phone'" in unknown.stderr
    assert _run(tmp_path, "staff", "revoke", "nobody").returncode == 2
