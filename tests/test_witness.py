"""The witness (issue 14): cosigns only a history that extends the one it cosigned, and
refuses loudly (exit 3, evidence kept) a rollback, a fork or another key; the log keeps
and shows the cosignatures of the witnesses it knows, and `audit verify` can tell when
history a witness cosigned is gone.

The witness talks HTTP with the standard library; here its two HTTP functions are
replaced by the Django test client, so the real endpoints answer.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from healthcamp import cli
from healthcamp.audit import chain, merkle, note, tree, witness
from healthcamp.audit.models import AuditCheckpoint, AuditCosignature, AuditTile
from tests.test_audit_tree import _append, _sql

pytestmark = pytest.mark.django_db(transaction=True)
BASE = "http://log.example"
CHECKPOINT = "/api/v1/audit/checkpoint"


class Wire:
    """The witness's HTTP, answered by the Django test client; `serve` overrides a path."""

    def __init__(self) -> None:
        self.client = Client()
        self.fetched: list[str] = []
        self.serve: dict[str, tuple[int, bytes]] = {}

    def get(self, url: str) -> tuple[int, bytes]:
        assert url.startswith(BASE)
        path = url[len(BASE) :]
        self.fetched.append(path)
        if path in self.serve:
            return self.serve[path]
        response = self.client.get(path)
        return response.status_code, response.content

    def post(self, url: str, body: bytes) -> tuple[int, bytes]:
        assert url.startswith(BASE)
        response = self.client.post(url[len(BASE) :], data=body, content_type="application/json")
        return response.status_code, response.content


@pytest.fixture
def wire(monkeypatch: pytest.MonkeyPatch) -> Wire:
    fake = Wire()
    monkeypatch.setattr(witness, "http_get", fake.get)
    monkeypatch.setattr(witness, "http_post", fake.post)
    return fake


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Path:
    """A witness with its key, known to the log (HEALTHCAMP_AUDIT_WITNESSES)."""
    folder = tmp_path / "witness"
    assert (
        cli.main(["witness", "init", "--name", "ethics-board.example", "--state", str(folder)]) == 0
    )
    verifier_key = capsys.readouterr().out.strip().splitlines()[-1]
    assert note.parse_verifier(key=verifier_key).key_type == note.COSIGNATURE_V1
    assert (folder / witness.KEY_FILE).stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv(witness.WITNESSES_ENV, f"# the ethics board\n{verifier_key}\n")
    return folder


def _witness_key(state: Path) -> note.Verifier:
    return witness.load_signer(state).verifier


def _run(state: Path, capsys: Any) -> tuple[int, str, str]:
    code = cli.main(
        [
            "witness",
            "run",
            "--state",
            str(state),
            "--log",
            BASE + "/",
            "--log-key",
            tree.public_key(),
            "--once",
        ]
    )
    printed = capsys.readouterr()
    return code, printed.out, printed.err


def _state_size(state: Path) -> int:
    return int(json.loads((state / witness.STATE_FILE).read_text())["size"])


def _evidence(state: Path) -> dict[str, str]:
    return {
        path.name.rsplit("-", 1)[1]: path.read_text() for path in sorted(state.glob("evidence-*"))
    }


def test_the_first_run_cosigns_and_the_log_keeps_and_shows_the_cosignature(
    state: Path, wire: Wire, capsys: Any
) -> None:
    _append(5)
    code, out, err = _run(state, capsys)
    assert (code, err) == (0, "")
    assert out == f"cosigned {tree.origin()} at 5\n"
    assert wire.fetched == [CHECKPOINT]  # no proof from the empty tree
    saved = json.loads((state / witness.STATE_FILE).read_text())
    assert saved["size"] == 5
    assert (state / witness.STATE_FILE).stat().st_mode & 0o777 == 0o600
    _, cosignatures = note.open_checkpoint(
        note=saved["note"], verifier=tree.signer().verifier, witnesses=[_witness_key(state)]
    )
    assert [s.name for s in cosignatures] == ["ethics-board.example"]
    assert list(AuditCosignature.objects.values_list("checkpoint_id", "witness")) == [
        (5, "ethics-board.example")
    ]
    shown = Client().get(CHECKPOINT + "/cosigned")
    assert shown.status_code == 200
    assert shown["Content-Type"].startswith("text/plain")
    checkpoint, cosignatures = note.open_checkpoint(
        note=shown.content.decode(),
        verifier=tree.signer().verifier,
        witnesses=[_witness_key(state)],
    )
    assert checkpoint.size == 5
    assert [s.name for s in cosignatures] == ["ethics-board.example"]
    # The plain checkpoint is as before: the log's signature alone.
    plain = Client().get(CHECKPOINT).content.decode()
    assert plain == tree.latest().note  # type: ignore[union-attr]
    assert "ethics-board.example" not in plain
    # The cosignature's arrival is on the record, under the witness's name.
    assert b"cosigned checkpoint 5: ethics-board.example" in _last_body()


def _last_body() -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM audit_entry ORDER BY seq DESC LIMIT 1")
        return bytes(cursor.fetchone()[0])


def test_a_grown_log_with_a_valid_proof_is_cosigned_stored_and_shown(
    state: Path, wire: Wire, capsys: Any
) -> None:
    _append(5)
    assert _run(state, capsys)[0] == 0
    _append(20)
    grown = tree.issue()
    assert grown.size == 26  # the cosignature's own audit entry included
    code, out, err = _run(state, capsys)
    assert (code, err) == (0, "")
    assert out == f"cosigned {tree.origin()} at 26\n"
    assert "/api/v1/audit/consistency?first=5&second=26" in wire.fetched
    assert _state_size(state) == 26
    assert AuditCosignature.objects.filter(checkpoint_id=26).count() == 1
    shown = Client().get(CHECKPOINT + "/cosigned").content.decode()
    checkpoint, cosignatures = note.open_checkpoint(
        note=shown, verifier=tree.signer().verifier, witnesses=[_witness_key(state)]
    )
    assert (checkpoint.size, len(cosignatures)) == (26, 1)
    # Nothing new: the same checkpoint is offered again, not cosigned twice.
    assert _run(state, capsys)[:2] == (0, f"cosigned {tree.origin()} at 26\n")
    assert AuditCosignature.objects.filter(checkpoint_id=26).count() == 1
    assert witness.cosigned_history_problems() == ""
    assert chain.verify().ok


def test_a_rollback_is_refused_loudly_with_both_checkpoints_as_evidence(
    state: Path, wire: Wire, capsys: Any
) -> None:
    _append(25)
    assert _run(state, capsys)[0] == 0
    # The operator restores the log to 12 entries (as an old backup would) and signs.
    _sql("DELETE FROM audit_subject WHERE seq > 12")
    _sql("DELETE FROM audit_entry WHERE seq > 12")
    if connection.vendor == "postgresql":
        _sql("DELETE FROM audit_head")
    AuditCheckpoint.objects.filter(size__gt=12).delete()
    assert tree.issue().size == 12
    code, out, err = _run(state, capsys)
    assert (code, out) == (3, "")
    assert "WITNESS REFUSED (rollback)" in err
    assert "12 entries, fewer than the 25" in err
    evidence = _evidence(state)
    assert set(evidence) == {"old.txt", "new.txt"}
    assert evidence["old.txt"].split("\n")[1] == "25"
    assert evidence["new.txt"].split("\n")[1] == "12"
    assert str(state) in err
    assert _state_size(state) == 25  # nothing cosigned, the state kept


def _rewrite_entry_and_resign(seq: int, *, keep: int | None = None) -> None:
    """The operator's attack: change an entry, rebuild the tree and sign it again (keep:
    drop the entries after that many first, such as the witness's own visit)."""
    if keep is not None:
        _sql("DELETE FROM audit_subject WHERE seq > %s", [keep])
        _sql("DELETE FROM audit_entry WHERE seq > %s", [keep])
        if connection.vendor == "postgresql":
            _sql("DELETE FROM audit_head")
    _sql("UPDATE audit_entry SET body = %s WHERE seq = %s", [b"\n" + b'{"forged":true}', seq])
    AuditCheckpoint.objects.all().delete()
    AuditTile.objects.all().delete()


def test_a_fork_at_the_same_size_is_refused(state: Path, wire: Wire, capsys: Any) -> None:
    _append(25)
    assert _run(state, capsys)[0] == 0
    assert _state_size(state) == 25
    _rewrite_entry_and_resign(3, keep=25)
    forked = tree.issue()
    assert forked.size == 25
    old = note.parse_checkpoint(body=note.split_note(note=_evidence_old_note(state))[0])
    assert forked.root != old.root
    code, out, err = _run(state, capsys)
    assert (code, out) == (3, "")
    assert "WITNESS REFUSED (fork)" in err
    assert "different root at 25 entries" in err
    evidence = _evidence(state)
    assert evidence["new.txt"] == forked.note
    assert evidence["old.txt"].startswith(forked.note.split("\n")[0] + "\n25\n")


def _evidence_old_note(state: Path) -> str:
    return str(json.loads((state / witness.STATE_FILE).read_text())["note"])


def test_a_fork_that_grew_fails_its_consistency_proof(state: Path, wire: Wire, capsys: Any) -> None:
    _append(25)
    assert _run(state, capsys)[0] == 0
    _rewrite_entry_and_resign(3, keep=25)
    assert tree.issue().size == 25  # the forged history, signed at the witnessed size
    _append(5)
    assert tree.issue().size == 30
    code, out, err = _run(state, capsys)
    assert (code, out) == (3, "")
    assert "WITNESS REFUSED (fork)" in err
    assert "consistency proof from 25 to 30 entries does not verify" in err
    assert set(_evidence(state)) == {"old.txt", "new.txt", "proof.json"}


def test_a_log_that_no_longer_has_the_cosigned_checkpoint_is_refused(
    state: Path, wire: Wire, capsys: Any
) -> None:
    _append(25)
    assert _run(state, capsys)[0] == 0
    _rewrite_entry_and_resign(3)
    _append(5)
    assert tree.issue().size == 31
    code, _, err = _run(state, capsys)
    assert code == 3
    assert "WITNESS REFUSED (fork)" in err
    assert "no longer has that checkpoint" in err


def test_a_checkpoint_signed_by_another_key_is_refused(
    state: Path, wire: Wire, capsys: Any
) -> None:
    _append(5)
    assert _run(state, capsys)[0] == 0
    other, _ = note.generate_key(name=tree.origin())
    body = note.checkpoint_body(origin=tree.origin(), size=40, root=bytes(32))
    forged = note.sign(body=body, signer=note.parse_signer(key=other))
    wire.serve[CHECKPOINT] = (200, forged.encode())
    code, out, err = _run(state, capsys)
    assert (code, out) == (3, "")
    assert "WITNESS REFUSED (bad signature)" in err
    assert _evidence(state)["new.txt"] == forged
    assert _state_size(state) == 5


def test_a_first_checkpoint_under_another_key_is_refused_too(
    state: Path, wire: Wire, capsys: Any
) -> None:
    other, _ = note.generate_key(name=tree.origin())
    body = note.checkpoint_body(origin=tree.origin(), size=3, root=bytes(32))
    wire.serve[CHECKPOINT] = (
        200,
        note.sign(body=body, signer=note.parse_signer(key=other)).encode(),
    )
    code, _, err = _run(state, capsys)
    assert code == 3
    assert "bad signature" in err
    assert not (state / witness.STATE_FILE).exists()
    assert _evidence(state)["old.txt"].startswith("(no checkpoint cosigned before)")


def test_an_unreachable_log_is_a_plain_failure_not_a_refusal(
    state: Path, wire: Wire, capsys: Any
) -> None:
    wire.serve[CHECKPOINT] = (502, b"bad gateway")
    code, _, err = _run(state, capsys)
    assert code == 1
    assert "HTTP 502" in err
    assert not list(state.glob("evidence-*"))


def _cosigned_by_stranger(size_note: str) -> str:
    signer_key, _ = note.generate_key(name="stranger.example", key_type=note.COSIGNATURE_V1)
    return note.cosign(note=size_note, signer=note.parse_signer(key=signer_key), timestamp=1)


def test_the_log_takes_cosignatures_only_from_witnesses_it_knows(state: Path) -> None:
    _append(4)
    issued = tree.issue()
    public = Client()

    def post(text: str) -> Any:
        return public.post(
            "/api/v1/audit/cosignatures", {"checkpoint": text}, content_type="application/json"
        )

    unknown = post(_cosigned_by_stranger(issued.note))
    assert unknown.status_code == 422
    assert witness.WITNESSES_ENV in unknown.json()["message"]
    assert not AuditCosignature.objects.exists()
    assert b"cosignature refused" in _last_body()

    mine = witness.load_signer(state)
    good = note.cosign(note=issued.note, signer=mine, timestamp=1_700_000_000)
    body, lines = note.split_note(note=good)
    bad_line = lines[-1][:-3] + ("A" if lines[-1][-3] != "A" else "B") + lines[-1][-2:]
    assert post(note.join_note(body=body, lines=[*lines[:-1], bad_line])).status_code == 422
    assert post("not a note").status_code == 422
    # Signed by the log at a size it never issued: unknown size.
    elsewhere = note.sign(
        body=note.checkpoint_body(origin=tree.origin(), size=99, root=bytes(32)),
        signer=tree.signer(),
    )
    assert post(note.cosign(note=elsewhere, signer=mine, timestamp=1)).status_code == 404
    # Signed by the log at its size with another root: evidence of a fork.
    twin = note.sign(
        body=note.checkpoint_body(origin=tree.origin(), size=4, root=bytes(32)),
        signer=tree.signer(),
    )
    assert post(note.cosign(note=twin, signer=mine, timestamp=1)).status_code == 409
    assert not AuditCosignature.objects.exists()
    taken = post(good)
    assert taken.status_code == 201
    assert taken.json() == {"size": 4, "witnesses": ["ethics-board.example"]}
    assert post({"checkpoint": good, "extra": 1}).status_code == 422  # type: ignore[arg-type]


def test_a_broken_witness_setting_is_the_servers_fault(
    state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _append(2)
    issued = tree.issue()
    cosigned = note.cosign(note=issued.note, signer=witness.load_signer(state), timestamp=1)
    monkeypatch.setenv(witness.WITNESSES_ENV, "not-a-key")
    answer = Client().post(
        "/api/v1/audit/cosignatures", {"checkpoint": cosigned}, content_type="application/json"
    )
    assert answer.status_code == 503
    assert witness.WITNESSES_ENV in answer.json()["message"]
    monkeypatch.setenv(witness.WITNESSES_ENV, tree.public_key())  # a log key, not a witness's
    with pytest.raises(witness.WitnessConfigError):
        witness.configured_witnesses()
    monkeypatch.delenv(witness.WITNESSES_ENV)
    assert witness.configured_witnesses() == []


def test_verification_finds_cosigned_history_that_is_gone(
    state: Path, wire: Wire, capsys: Any
) -> None:
    _append(10)
    assert _run(state, capsys)[0] == 0
    assert witness.cosigned_history_problems() == ""
    original = AuditCheckpoint.objects.get(size=10)
    # The operator re-signs the checkpoint at 10 over a rewritten history, in place.
    _sql("UPDATE audit_entry SET body = %s WHERE seq = 2", [b"\n" + b'{"forged":true}'])
    leaves = [merkle.leaf_hash(bytes(b)) for b in _bodies()[:10]]
    root = merkle.root(size=10, reader=merkle.MemoryReader(leaves))
    signed = note.sign(
        body=note.checkpoint_body(origin=tree.origin(), size=10, root=root), signer=tree.signer()
    )
    AuditCheckpoint.objects.filter(size=10).update(root=root, note=signed)
    problem = witness.cosigned_history_problems()
    assert "cosignature of the checkpoint at 10 entries does not verify" in problem
    # Tiles rebuilt too, the checkpoint row left alone: the tree no longer has that root.
    AuditCheckpoint.objects.filter(size=10).update(root=original.root, note=original.note)
    AuditTile.objects.all().delete()
    with transaction.atomic():
        tree.extend(to_size=10)
    assert "no longer has the root" in witness.cosigned_history_problems()
    assert witness.cosigned_history_problems(against_tiles=False) == ""


def _bodies() -> list[bytes]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM audit_entry ORDER BY seq")
        return [bytes(row[0]) for row in cursor.fetchall()]


def test_the_witness_keeps_its_key_private_and_never_replaces_it(state: Path, capsys: Any) -> None:
    before = (state / witness.KEY_FILE).read_text()
    assert cli.main(["witness", "init", "--name", "other", "--state", str(state)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (state / witness.KEY_FILE).read_text() == before
    os.chmod(state / witness.KEY_FILE, 0o644)
    code, _, err = _run(state, capsys)
    assert code == 2
    assert "chmod 600" in err


def test_the_witness_command_does_not_set_django_up(tmp_path: Path) -> None:
    import subprocess

    script = (
        "import sys\n"
        "from healthcamp import cli\n"
        f"code = cli.main(['witness', 'init', '--name', 'w', '--state', {str(tmp_path)!r}])\n"
        "assert code == 0, code\n"
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_verification_finds_cosigned_history_cut_short_or_removed(
    state: Path, wire: Wire, capsys: Any
) -> None:
    _append(10)
    assert _run(state, capsys)[0] == 0
    _append(15)
    assert tree.issue().size == 26
    assert _run(state, capsys)[0] == 0
    assert witness.cosigned_history_problems(every=True) == ""
    assert chain.verify().ok
    # The entries are cut short under the newest cosigned checkpoint, its row kept.
    _sql("DELETE FROM audit_subject WHERE seq > 20")
    _sql("DELETE FROM audit_entry WHERE seq > 20")
    if connection.vendor == "postgresql":
        _sql("DELETE FROM audit_head")
    problem = witness.cosigned_history_problems(against_tiles=False)
    assert "cosigned the log at 26 entries, but it holds only 20" in problem
    if connection.vendor == "sqlite":  # a row deleted behind the foreign key's back
        connection.disable_constraint_checking()
        try:
            _sql("DELETE FROM audit_checkpoint WHERE size = 10")
        finally:
            connection.enable_constraint_checking()
        assert "checkpoint at 10 entries, which the log no longer holds" in (
            witness.cosigned_history_problems()
        )


def _resign_over_forged_entry(size: int) -> None:
    """With database access alone: entry 2 rewritten, the checkpoint re-signed over it
    (the log's key is on the server) and stored in place of the one the witness saw."""
    _sql("UPDATE audit_entry SET body = %s WHERE seq = 2", [b"\n" + b'{"forged":true}'])
    leaves = [merkle.leaf_hash(bytes(b)) for b in _bodies()[:size]]
    root = merkle.root(size=size, reader=merkle.MemoryReader(leaves))
    signed = note.sign(
        body=note.checkpoint_body(origin=tree.origin(), size=size, root=root), signer=tree.signer()
    )
    AuditCheckpoint.objects.filter(size=size).update(root=root, note=signed)


def test_deleting_the_cosignature_rows_does_not_erase_what_a_witness_vouched_for(
    state: Path, wire: Wire, capsys: Any
) -> None:
    _append(10)
    assert _run(state, capsys)[0] == 0
    kept = witness.cosigned_file()
    assert kept.stat().st_mode & 0o777 == 0o600
    assert [w["size"] for w in json.loads(kept.read_text())["witnesses"].values()] == [10]
    AuditCosignature.objects.all().delete()
    _resign_over_forged_entry(10)
    problem = witness.cosigned_history_problems(against_tiles=False)
    assert "cosignature of the checkpoint at 10 entries does not verify" in problem
    # The rows, the checkpoints and the entries all gone: still found.
    AuditCheckpoint.objects.all().delete()
    _sql("DELETE FROM audit_subject")
    _sql("DELETE FROM audit_entry")
    if connection.vendor == "postgresql":
        _sql("DELETE FROM audit_head")
    assert "cosigned the log at 10 entries, but it holds only 0" in (
        witness.cosigned_history_problems(against_tiles=False)
    )


def test_a_damaged_file_of_cosignatures_fails_verification_and_is_left_as_evidence(
    state: Path, wire: Wire, capsys: Any
) -> None:
    _append(10)
    assert _run(state, capsys)[0] == 0
    kept = witness.cosigned_file()
    kept.write_text('{"witnesses": {"ethics-board.example": {"size": "ten"}}}')
    assert "cannot be read" in witness.cosigned_history_problems()
    said = witness.remember_cosigned(size=11, lines={"ethics-board.example": "— x AAAA"})
    assert "left as it is" in said
    assert "ten" in kept.read_text()
