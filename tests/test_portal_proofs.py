"""Issue 14, "the participant checks their own log": in the portal each entry of "who
opened my record" comes with its inclusion proof in a signed checkpoint, which the
person's browser (verify-proof.js, tests/test_browser.py) and anyone's verifier check."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from healthcamp.access.errors import InvalidInput, NotFound
from healthcamp.audit import chain, merkle, note, tree
from healthcamp.audit.models import AuditCheckpoint, AuditEntry
from healthcamp.audit.selectors import log_for_participant
from healthcamp.services import portal
from tests.test_portal import _person, _sign_in

pytestmark = pytest.mark.django_db

VERIFIER = Path(__file__).resolve().parent.parent / "tools" / "verify_audit_log.py"


@pytest.fixture
def person(registrar, programme, document):
    return _person(registrar, programme, document, language="en")


def _signed_in(person) -> Client:
    client = Client()
    assert _sign_in(client, person.card_code).status_code == 302
    return client


def _own_seqs(person) -> list[int]:
    return [line.seq for line in log_for_participant(participant_id=person.id.hex)]


def _verifies(proof: dict) -> bool:
    verifier = note.parse_verifier(key=proof["key"])
    checkpoint, _ = note.open_checkpoint(note=proof["checkpoint"], verifier=verifier)
    return checkpoint.size == proof["tree_size"] and merkle.verify_inclusion(
        leaf_hash=merkle.leaf_hash(base64.b64decode(proof["entry"])),
        index=proof["index"],
        size=proof["tree_size"],
        proof=[base64.b64decode(h) for h in proof["proof"]],
        root=checkpoint.root,
    )


def _standalone(proof: dict, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(proof), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(VERIFIER), "inclusion", "--proof", str(path), "--key", proof["key"]],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_participant_downloads_a_proof_of_their_own_entry_and_anyone_can_check_it(
    person, tmp_path
) -> None:
    client = _signed_in(person)
    assert not AuditCheckpoint.objects.exists()  # none yet: the download signs one
    seq = _own_seqs(person)[-1]  # their registration, the oldest entry naming them
    response = client.get(f"/me/record/proof/{seq}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"] == f'attachment; filename="entry-{seq}-proof.json"'
    proof = json.loads(response.content)
    assert set(proof) == {"entry", "index", "tree_size", "proof", "checkpoint", "key"}
    assert proof["index"] == seq - 1
    assert proof["key"] == tree.public_key()
    assert _verifies(proof)
    body = base64.b64decode(proof["entry"])
    subjects, fields = chain.decode(body)
    assert person.id.hex in subjects
    assert fields["seq"] == seq
    ok = _standalone(proof, tmp_path)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.startswith("OK")

    doctored = dict(proof, entry=base64.b64encode(body.replace(b"allowed", b"denied!")).decode())
    assert not _verifies(doctored)
    assert _standalone(doctored, tmp_path).returncode == 1


def test_the_proof_read_is_in_the_persons_log_and_covered_by_the_checkpoint(person) -> None:
    client = _signed_in(person)
    before = _own_seqs(person)
    proof = client.get(f"/me/record/proof/{before[0]}/").json()
    after = _own_seqs(person)
    assert len(after) == len(before) + 1  # one audited read
    newest = log_for_participant(participant_id=person.id.hex)[0]
    assert (newest.action, newest.purpose, newest.outcome, newest.role) == (
        "participant.read",
        "own_record",
        "allowed",
        "participant",
    )
    body = AuditEntry.objects.get(seq=newest.seq).body
    assert chain.decode(bytes(body))[1]["detail"] == f"the proof of log entry {before[0]}"
    # The checkpoint was signed after the read: it covers the read too.
    assert proof["tree_size"] >= newest.seq


def test_a_checkpoint_that_covers_the_entry_already_is_used_as_it_is(person) -> None:
    client = _signed_in(person)
    issued = tree.issue()
    seq = _own_seqs(person)[0]
    proof = client.get(f"/me/record/proof/{seq}/").json()
    assert proof["tree_size"] == issued.size
    assert proof["checkpoint"] == issued.note
    assert AuditCheckpoint.objects.count() == 1
    assert _verifies(proof)


def test_another_persons_entry_is_not_found_and_the_session_stays(
    person, registrar, programme, document
) -> None:
    other = _person(registrar, programme, document, language="es")
    client = _signed_in(person)
    theirs = [s for s in _own_seqs(other) if s not in set(_own_seqs(person))]
    assert theirs
    count = AuditEntry.objects.count()
    for seq in (theirs[0], count + 1000, 0):
        assert client.get(f"/me/record/proof/{seq}/").status_code == 404
    # Nothing read, so nothing to log; and the person is still signed in.
    assert AuditEntry.objects.count() == count
    assert client.get("/me/record/").status_code == 200
    with pytest.raises(NotFound):
        portal.own_entry_proof(actor=_actor(person), seq=theirs[0])


def _actor(person):
    from healthcamp.access.staff import participant_actor

    return participant_actor(person.id)


def test_not_signed_in_goes_to_the_sign_in_page(person) -> None:
    seq = _own_seqs(person)[0]
    response = Client().get(f"/me/record/proof/{seq}/")
    assert response.status_code == 302
    assert response["Location"] == "/me/"


def test_staff_cannot_ask_for_a_participants_proof_here(person, registrar) -> None:
    with pytest.raises(InvalidInput):
        portal.own_entry_proof(actor=registrar.actor, seq=_own_seqs(person)[0])


def test_the_record_page_offers_each_entry_a_proof_and_a_check(person) -> None:
    client = _signed_in(person)
    html = client.get("/me/record/").content.decode()
    for seq in _own_seqs(person):  # the page's own read included
        assert f'href="/me/record/proof/{seq}/"' in html
        assert f'data-seq="{seq}"' in html
        assert f'id="entry-{seq}-check" role="status"' in html
    assert html.count(">Check</button>") == len(_own_seqs(person))
    assert "healthcamp/verify-proof.js" in html
    assert "This entry is in the log as published: its proof checks out." in html


def test_an_entry_that_also_names_others_is_not_handed_out(person) -> None:
    """A bulk read's entry carries other people's ids: its proof goes to the auditor."""
    from django.db import transaction

    from healthcamp.audit import chain

    with transaction.atomic():
        shared = chain.append(
            actor="staff:9:analyst",
            role="coordinator",
            action="participant.read",
            purpose="registration",
            outcome="allowed",
            subjects=(person.id.hex, "c" * 32),
        )
    client = _signed_in(person)
    refused = client.get(f"/me/record/proof/{shared.seq}/")
    assert refused.status_code == 404
    assert "c" * 32 not in refused.content.decode()
