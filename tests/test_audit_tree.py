"""The audit log as a Merkle tree with signed checkpoints: proofs anyone can check, and
rewrites, truncations and rollbacks that a kept checkpoint exposes."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction

from healthcamp import cli
from healthcamp.audit import chain, merkle, note, tree

pytestmark = pytest.mark.django_db(transaction=True)
VERIFIER = Path(__file__).resolve().parent.parent / "tools" / "verify_audit_log.py"


def read_entry(subjects: tuple[str, ...] | list[str], detail: str = "") -> None:
    """One clinician's read naming `subjects`, appended in its own transaction."""
    with transaction.atomic():
        chain.append(
            actor="staff:1:tester",
            role="clinician",
            action="participant.read",
            purpose="screening",
            outcome="allowed",
            subjects=subjects,
            detail=detail,
        )


def _append(n: int) -> None:
    for i in range(n):
        read_entry(("b" * 32,), f"read {i}")


def _sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def test_a_checkpoint_signs_the_trees_root_and_is_kept_outside_the_database() -> None:
    _append(300)  # past one full tile of 256 leaves
    issued = tree.issue()
    checkpoint, _ = note.open_checkpoint(note=issued.note, verifier=tree.signer().verifier)
    assert (checkpoint.origin, checkpoint.size) == (tree.origin(), 300)
    leaves = [
        merkle.leaf_hash(bytes(body))
        for (body,) in _rows("SELECT body FROM audit_entry ORDER BY seq")
    ]
    assert checkpoint.root == merkle.root(size=300, reader=merkle.MemoryReader(leaves))
    assert tree.read_checkpoint_file() == checkpoint
    assert chain.verify().ok


def _rows(sql: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return list(cursor.fetchall())


def test_inclusion_and_consistency_proofs_verify() -> None:
    _append(40)
    first = tree.issue()
    _append(25)
    second = tree.issue()
    for seq in (1, 17, 40, 65):
        proof = tree.proof_of(seq=seq)
        assert merkle.verify_inclusion(
            leaf_hash=merkle.leaf_hash(base64.b64decode(str(proof["entry"]))),
            index=seq - 1,
            size=second.size,
            proof=[base64.b64decode(h) for h in proof["proof"]],  # type: ignore[attr-defined]
            root=second.root,
        )
    consistency = tree.consistency_of(first=first.size, second=second.size)
    assert merkle.verify_consistency(
        old_size=first.size,
        new_size=second.size,
        old_root=first.root,
        new_root=second.root,
        proof=[base64.b64decode(h) for h in consistency["proof"]],  # type: ignore[attr-defined]
    )


def test_the_standalone_verifier_checks_an_entrys_proof(tmp_path: Path) -> None:
    _append(12)
    tree.issue()
    proof_file = tmp_path / "proof.json"
    proof_file.write_text(json.dumps(tree.proof_of(seq=5)))
    key = tree.public_key()
    ok = subprocess.run(
        [sys.executable, str(VERIFIER), "inclusion", "--proof", str(proof_file), "--key", key],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    doctored = json.loads(proof_file.read_text())
    doctored["entry"] = base64.b64encode(
        base64.b64decode(doctored["entry"]).replace(b"allowed", b"denied!")
    ).decode()
    proof_file.write_text(json.dumps(doctored))
    bad = subprocess.run(
        [sys.executable, str(VERIFIER), "inclusion", "--proof", str(proof_file), "--key", key],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1


def test_a_rewrite_with_the_head_file_in_reach_is_exposed_by_the_checkpoint(
    settings: Any,
) -> None:
    """Truncate, recompute every hash, rewrite the head file: the signed checkpoint kept
    outside the database (and published) still names the real history."""
    _append(20)
    tree.issue()
    _sql("DELETE FROM audit_subject WHERE seq > 12")
    _sql("DELETE FROM audit_entry WHERE seq > 12")
    if connection.vendor == "postgresql":
        _sql("DELETE FROM audit_head")
    last = chain.database_head()
    assert last is not None
    chain.replace_head_file(last)
    result = chain.verify()
    assert not result.ok
    assert "cut short below the signed checkpoint" in result.problem


def test_a_rolled_back_checkpoint_file_does_not_hide_a_rewrite() -> None:
    """Edit an entry under a signed checkpoint (hashes recomputed): the root differs."""
    _append(30)
    tree.issue()
    _sql(
        "UPDATE audit_entry SET body = %s WHERE seq = 7",
        [b"\n" + b'{"forged":true}'],
    )
    result = chain.verify()
    assert not result.ok
    assert result.first_bad_seq is not None
    assert result.first_bad_seq <= 7


def test_a_missing_checkpoint_file_fails_verification(settings: Any) -> None:
    _append(3)
    tree.issue()
    settings.AUDIT_CHECKPOINT_FILE.unlink()
    result = chain.verify()
    assert not result.ok
    assert "checkpoint file" in result.problem


def test_cli_prints_checkpoint_key_proof_and_consistency(capsys: Any) -> None:
    _append(9)
    assert cli.main(["audit", "checkpoint"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(tree.origin() + "\n9\n")
    assert cli.main(["audit", "public-key"]) == 0
    assert capsys.readouterr().out.strip() == tree.public_key()
    assert cli.main(["audit", "prove", "4"]) == 0
    assert json.loads(capsys.readouterr().out)["index"] == 3
    _append(3)
    assert cli.main(["audit", "checkpoint"]) == 0
    capsys.readouterr()
    assert cli.main(["audit", "consistency", "9", "12"]) == 0
    assert json.loads(capsys.readouterr().out)["second"] == 12
    assert cli.main(["audit", "prove", "99"]) == 1
    assert "No checkpoint covers entry 99" in capsys.readouterr().err


def test_checkpoints_are_signed_as_the_log_grows(settings: Any) -> None:
    settings.AUDIT_CHECKPOINT_EVERY = 10
    tree.forget_last_checkpoint()
    _append(25)
    newest = tree.latest()
    assert newest is not None
    assert newest.size >= 20


def test_the_api_publishes_checkpoints_and_consistency_and_gives_the_auditor_proofs(
    api_as, auditor, clinician
) -> None:
    from django.test import Client

    _append(7)
    public = Client()
    first = public.get("/api/v1/audit/checkpoint")
    assert first.status_code == 200
    checkpoint, _ = note.open_checkpoint(
        note=first.content.decode(), verifier=tree.signer().verifier
    )
    assert checkpoint.size == 7
    _append(5)
    tree.issue()
    consistency = public.get("/api/v1/audit/consistency", {"first": 7, "second": 12})
    assert consistency.status_code == 200
    assert len(consistency.json()["proof"]) >= 1
    assert public.get("/api/v1/audit/consistency", {"first": 0, "second": 12}).status_code == 422
    assert public.get("/api/v1/audit/consistency", {"first": 7, "second": 99}).status_code == 404
    proof = api_as(auditor).get("/audit/entries/3/proof")
    assert proof.status_code == 200
    assert proof.json()["tree_size"] == 12
    assert api_as(clinician).get("/audit/entries/3/proof").status_code == 403
    assert public.get("/api/v1/audit/entries/3/proof").status_code == 401
