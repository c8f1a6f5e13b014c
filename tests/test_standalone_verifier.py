"""tools/verify_audit_log.py, the verifier that needs nothing of healthcamp.

Logs are built with healthcamp.audit.chain.encode (the real entry bytes, no
database), their checkpoints with healthcamp.audit.merkle and .note; the script is
then run as a subprocess for the command line, and loaded in-process for the
tamper test, which tries over a thousand rewritten histories against the last
witnessed checkpoint (the attacker can rewrite the export, not the signatures).
"""

from __future__ import annotations

import ast
import base64
import contextlib
import importlib.util
import io
import json
import random
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from healthcamp.audit import merkle, note
from healthcamp.audit.chain import encode

TOOL = Path(__file__).resolve().parent.parent / "tools" / "verify_audit_log.py"
ORIGIN = "camp.example/audit"


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("verify_audit_log", TOOL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


@dataclass
class Record:
    subjects: list[str]
    fields: dict[str, Any]


def _records(count: int, seed: int) -> list[Record]:
    rng = random.Random(seed)
    people = [f"{rng.getrandbits(128):032x}" for _ in range(20)]
    return [
        Record(
            rng.sample(people, rng.randint(0, 2)),
            {
                "v": 1,
                "at": f"2026-03-01T10:{i // 60 % 60:02d}:{i % 60:02d}.000000+00:00",
                "actor": rng.choice(["reg-1", "clin-2", "coord-1"]),
                "role": rng.choice(["registrar", "clinician"]),
                "site": "Kibera",
                "action": rng.choice(["read", "write", "consent"]),
                "purpose": "care",
                "outcome": rng.choice(["allowed", "denied"]),
                "detail": rng.choice(["", "résumé vu", "bp"]),
            },
        )
        for i in range(count)
    ]


def _bodies(records: list[Record]) -> list[bytes]:
    """The canonical bytes, numbered as they stand: what an attacker recomputes."""
    return [
        encode(subjects=r.subjects, fields={**r.fields, "seq": i})
        for i, r in enumerate(records, start=1)
    ]


def _export(bodies: list[bytes], seqs: list[int] | None = None) -> list[str]:
    seqs = seqs or list(range(1, len(bodies) + 1))
    return [
        json.dumps({"seq": s, "body": base64.b64encode(b).decode()}) + "\n"
        for s, b in zip(seqs, bodies, strict=True)
    ]


@dataclass
class Log:
    bodies: list[bytes]
    reader: merkle.MemoryReader
    log: note.Signer
    witness: note.Signer

    def checkpoint(self, size: int | None = None, *, cosign: bool = False) -> str:
        size = len(self.bodies) if size is None else size
        top = merkle.root(size=size, reader=self.reader)
        body = note.checkpoint_body(origin=ORIGIN, size=size, root=top)
        signed = note.sign(body=body, signer=self.log)
        return (
            note.cosign(note=signed, signer=self.witness, timestamp=1_772_000_000)
            if cosign
            else signed
        )

    @property
    def key(self) -> str:
        return self.log.verifier.text

    @property
    def witness_key(self) -> str:
        return self.witness.verifier.text


def _log(count: int, seed: int = 1) -> Log:
    bodies = _bodies(_records(count, seed))
    reader = merkle.MemoryReader([merkle.leaf_hash(b) for b in bodies])
    log_key, _ = note.generate_key(name=ORIGIN)
    witness_key, _ = note.generate_key(name="ethics.example/w", key_type=note.COSIGNATURE_V1)
    return Log(bodies, reader, note.parse_signer(key=log_key), note.parse_signer(key=witness_key))


def _run(*args: str | Path) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, str(TOOL), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "Traceback" not in done.stdout + done.stderr
    output = (done.stdout + done.stderr).strip()
    assert len(output.splitlines()) == 1, output
    return done.returncode, output


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# --- the command line -----------------------------------------------------------------


def test_the_script_imports_nothing_of_healthcamp() -> None:
    tree = ast.parse(TOOL.read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert "healthcamp" not in imported
    assert imported - set(sys.stdlib_module_names) == {"cryptography"}


def test_log_ok(tmp_path: Path) -> None:
    log = _log(300)
    export = _write(tmp_path, "export.jsonl", "".join(_export(log.bodies)))
    checkpoint = _write(tmp_path, "checkpoint", log.checkpoint())
    code, out = _run("log", "--entries", export, "--checkpoint", checkpoint, "--key", log.key)
    top = base64.b64encode(merkle.root(size=300, reader=log.reader)).decode()
    assert (code, out) == (0, f"OK: 300 entries, root {top} ({ORIGIN})")


def test_log_ok_with_witness_and_later_entries(tmp_path: Path) -> None:
    log = _log(300)
    export = _write(tmp_path, "export.jsonl", "".join(_export(log.bodies)))
    latest = _write(tmp_path, "latest", log.checkpoint(300))
    witnessed = _write(tmp_path, "witnessed", log.checkpoint(250, cosign=True))
    key = _write(tmp_path, "key.pub", log.key + "\n")
    code, out = _run(
        "log", "--entries", export, "--checkpoint", latest, "--cosigned", witnessed,
        "--key", f"@{key}", "--witness-key", log.witness_key,
    )  # fmt: skip
    assert code == 0, out
    # Entries after the newest checkpoint are said not to be covered, not passed off as checked.
    code, out = _run(
        "log", "--entries", export, "--checkpoint", witnessed, "--key", log.key,
        "--witness-key", log.witness_key,
    )  # fmt: skip
    assert code == 0, out
    assert out.endswith("; 50 later entries not yet covered by a checkpoint")


def test_log_needs_the_witness_cosignature(tmp_path: Path) -> None:
    log = _log(20)
    export = _write(tmp_path, "export.jsonl", "".join(_export(log.bodies)))
    checkpoint = _write(tmp_path, "checkpoint", log.checkpoint())
    code, out = _run(
        "log", "--entries", export, "--checkpoint", checkpoint, "--key", log.key,
        "--witness-key", log.witness_key,
    )  # fmt: skip
    assert (code, out) == (
        1,
        "FAIL: the checkpoint is not signed by the witness key ethics.example/w",
    )


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("missing export", "cannot read the export"),
        ("checkpoint is a directory", "cannot read the checkpoint"),
        ("checkpoint not UTF-8", "not UTF-8"),
        ("export not JSON", "export line 1 is not JSON"),
        ("export body not base64", "not valid base64"),
        ("key garbage", "not a verifier key"),
        ("key non-ASCII", "not an Ed25519 verifier key"),
        ("wrong key", "not signed by the log key"),
        ("empty checkpoint", "not a signed note"),
        ("unsigned checkpoint", "no signatures"),
    ],
)
def test_log_failures_are_one_line(tmp_path: Path, case: str, reason: str) -> None:
    log = _log(10)
    export = _write(tmp_path, "export.jsonl", "".join(_export(log.bodies)))
    checkpoint = _write(tmp_path, "checkpoint", log.checkpoint())
    key = log.key
    if case == "missing export":
        export = tmp_path / "nowhere.jsonl"
    elif case == "checkpoint is a directory":
        checkpoint = tmp_path / "dir"
        checkpoint.mkdir()
    elif case == "checkpoint not UTF-8":
        checkpoint.write_bytes(b"\xff\xfe" + checkpoint.read_bytes())
    elif case == "export not JSON":
        export.write_text("{nope\n", encoding="utf-8")
    elif case == "export body not base64":
        export.write_text('{"seq": 1, "body": "!!"}\n', encoding="utf-8")
    elif case == "key garbage":
        key = "garbage"
    elif case == "key non-ASCII":
        key = "näme+00000000+AAAA"
    elif case == "wrong key":
        key = note.generate_key(name=ORIGIN)[1]
    elif case == "empty checkpoint":
        checkpoint.write_text("", encoding="utf-8")
    elif case == "unsigned checkpoint":
        checkpoint.write_text(log.checkpoint().split("\n\n")[0] + "\n\n", encoding="utf-8")
    code, out = _run("log", "--entries", export, "--checkpoint", checkpoint, "--key", key)
    assert code == 1, out
    assert out.startswith("FAIL: ")
    assert reason in out


def test_usage_errors_are_one_line() -> None:
    code, out = _run("log", "--entries")
    assert code == 2
    assert out.startswith("FAIL: usage:")


def _inclusion_document(log: Log, index: int, size: int) -> dict[str, Any]:
    proof = merkle.inclusion_proof(index=index, size=size, reader=log.reader)
    return {
        "entry": base64.b64encode(log.bodies[index]).decode(),
        "index": index,
        "tree_size": size,
        "proof": [base64.b64encode(p).decode() for p in proof],
        "checkpoint": log.checkpoint(size, cosign=True),
    }


def test_inclusion_proofs(tmp_path: Path) -> None:
    log = _log(300)
    document = _inclusion_document(log, 123, 300)
    path = _write(tmp_path, "proof.json", json.dumps(document))
    code, out = _run("inclusion", "--proof", path, "--key", log.key)
    assert (code, out[:30]) == (0, "OK: entry 124 is in the log of")
    code, out = _run(
        "inclusion", "--proof", path, "--key", log.key, "--witness-key", log.witness_key
    )
    assert code == 0, out
    doctored = [
        {**document, "index": 122},
        {**document, "entry": base64.b64encode(log.bodies[122]).decode()},
        {**document, "proof": document["proof"][:-1]},
        {**document, "proof": [*document["proof"][1:], document["proof"][0]]},
        {**document, "tree_size": 299},
        {**document, "checkpoint": log.checkpoint(300).replace(ORIGIN, "other.example", 1)},
        {**document, "index": "123"},
        {**document, "proof": "AAAA"},
    ]
    for bad in doctored:
        path.write_text(json.dumps(bad), encoding="utf-8")
        code, out = tool_main("inclusion", "--proof", str(path), "--key", log.key)
        assert code == 1, (bad, out)
    path.write_text(json.dumps(doctored[0]), encoding="utf-8")
    code, out = _run("inclusion", "--proof", path, "--key", log.key)
    assert code == 1
    assert out.startswith("FAIL: ")


def test_consistency_proofs(tmp_path: Path) -> None:
    log = _log(300)
    old = _write(tmp_path, "old", log.checkpoint(120))
    new = _write(tmp_path, "new", log.checkpoint(300))
    hashes = merkle.consistency_proof(old_size=120, new_size=300, reader=log.reader)
    document = {
        "old_size": 120,
        "new_size": 300,
        "proof": [base64.b64encode(h).decode() for h in hashes],
    }
    proof = _write(tmp_path, "proof.json", json.dumps(document))
    code, out = _run("consistency", "--old", old, "--new", new, "--proof", proof, "--key", log.key)
    assert code == 0, out
    # A fork: entry 50 rewritten, the tree re-hashed and (by a stolen key) re-signed.
    forked = list(log.bodies)
    forked[49] = forked[49].replace(b'"v":1', b'"v":2')
    other = merkle.MemoryReader([merkle.leaf_hash(b) for b in forked])
    top = merkle.root(size=300, reader=other)
    fork = note.sign(body=note.checkpoint_body(origin=ORIGIN, size=300, root=top), signer=log.log)
    new.write_text(fork, encoding="utf-8")
    hashes = merkle.consistency_proof(old_size=120, new_size=300, reader=other)
    document["proof"] = [base64.b64encode(h).decode() for h in hashes]
    proof.write_text(json.dumps(document), encoding="utf-8")
    code, out = _run("consistency", "--old", old, "--new", new, "--proof", proof, "--key", log.key)
    assert (code, out) == (1, "FAIL: tree size 120 is not a prefix of tree size 300")


def tool_main(*args: str) -> tuple[int, str]:
    """The script's main() in-process, its one line of output captured."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = tool.main(list(args))
    return code, out.getvalue().strip()


# --- the tamper test ------------------------------------------------------------------

Mutation = Callable[[random.Random, list[Record], list[bytes]], tuple[list[str], str]]


def _renumbered(records: list[Record]) -> list[str]:
    return _export(_bodies(records))


def _change_byte(
    rng: random.Random, records: list[Record], bodies: list[bytes]
) -> tuple[list[str], str]:
    i = rng.randrange(len(bodies))
    body = bytearray(bodies[i])
    position = rng.randrange(len(body))
    body[position] ^= rng.randrange(1, 256)
    return _export([*bodies[:i], bytes(body), *bodies[i + 1 :]]), f"byte {position} of {i + 1}"


def _rewrite_field(
    rng: random.Random, records: list[Record], bodies: list[bytes]
) -> tuple[list[str], str]:
    i = rng.randrange(len(records))
    changed = [Record(r.subjects, dict(r.fields)) for r in records]
    field = rng.choice(["outcome", "actor", "purpose", "detail", "at"])
    changed[i].fields[field] = changed[i].fields[field] + "x"
    return _renumbered(changed), f"rewrite {field} of {i + 1}"


def _drop_subject(
    rng: random.Random, records: list[Record], bodies: list[bytes]
) -> tuple[list[str], str]:
    named = [i for i, r in enumerate(records) if r.subjects]
    i = rng.choice(named)
    changed = list(records)
    changed[i] = Record(records[i].subjects[1:], records[i].fields)
    return _renumbered(changed), f"unname a subject of {i + 1}"


def _delete(
    rng: random.Random, records: list[Record], bodies: list[bytes]
) -> tuple[list[str], str]:
    i = rng.randrange(len(records))
    if rng.random() < 0.5:  # leave the gap
        return _export(
            bodies[:i] + bodies[i + 1 :], [*range(1, i + 1), *range(i + 2, len(bodies) + 1)]
        ), f"delete {i + 1}"
    return _renumbered(records[:i] + records[i + 1 :]), f"delete {i + 1}, renumber"


def _insert(
    rng: random.Random, records: list[Record], bodies: list[bytes]
) -> tuple[list[str], str]:
    i = rng.randrange(len(records) + 1)
    forged = Record(
        ["f" * 32], {**records[0].fields, "actor": "framed-nurse", "outcome": "allowed"}
    )
    return _renumbered([*records[:i], forged, *records[i:]]), f"insert at {i + 1}"


def _reorder(
    rng: random.Random, records: list[Record], bodies: list[bytes]
) -> tuple[list[str], str]:
    i, j = sorted(rng.sample(range(len(records)), 2))
    if rng.random() < 0.5:  # swap the lines, seqs and all
        swapped = list(bodies)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        seqs = list(range(1, len(bodies) + 1))
        seqs[i], seqs[j] = seqs[j], seqs[i]
        return _export(swapped, seqs), f"swap lines {i + 1} and {j + 1}"
    changed = list(records)
    changed[i], changed[j] = changed[j], changed[i]
    return _renumbered(changed), f"swap {i + 1} and {j + 1}, renumber"


def _truncate(
    rng: random.Random, records: list[Record], bodies: list[bytes]
) -> tuple[list[str], str]:
    keep = rng.randrange(len(records))
    if rng.random() < 0.5:  # and then add forged ones up to the checkpoint's size again
        forged = [Record([], {**r.fields, "actor": "intruder"}) for r in records[keep:]]
        return _renumbered(records[:keep] + forged), f"truncate to {keep}, refill"
    return _export(bodies[:keep]), f"truncate to {keep}"


def _duplicate(
    rng: random.Random, records: list[Record], bodies: list[bytes]
) -> tuple[list[str], str]:
    i = rng.randrange(len(records))
    if rng.random() < 0.5:
        lines = _export(bodies)
        return [*lines[: i + 1], lines[i], *lines[i + 1 :]], f"duplicate line {i + 1}"
    return _renumbered([*records[: i + 1], records[i], *records[i + 1 : -1]]), f"duplicate {i + 1}"


def _relabel(
    rng: random.Random, records: list[Record], bodies: list[bytes]
) -> tuple[list[str], str]:
    i = rng.randrange(len(records))
    lines = _export(bodies)
    record = json.loads(lines[i])
    record["seq"] += rng.choice([-1, 1, len(records)])
    return [*lines[:i], json.dumps(record) + "\n", *lines[i + 1 :]], f"relabel {i + 1}"


MUTATIONS: list[Mutation] = [
    _change_byte,
    _rewrite_field,
    _drop_subject,
    _delete,
    _insert,
    _reorder,
    _truncate,
    _duplicate,
    _relabel,
]


def test_a_thousand_rewritten_histories_are_all_caught(tmp_path: Path) -> None:
    records, log = _records(300, 11), _log(300, 11)
    witnessed = log.checkpoint(cosign=True).encode()
    checkpoints = [(witnessed, True)]
    assert tool.verify_log(
        entries=_export(log.bodies), checkpoints=checkpoints, key=log.key,
        witness_keys=[log.witness_key],
    ).startswith("OK: 300 entries")  # fmt: skip

    rng = random.Random(2026)
    caught: dict[str, int] = {}
    samples = []
    for attempt in range(1200):
        mutate = MUTATIONS[attempt % len(MUTATIONS)]
        lines, what = mutate(rng, records, log.bodies)
        with pytest.raises(tool.Failure):
            tool.verify_log(
                entries=lines, checkpoints=checkpoints, key=log.key,
                witness_keys=[log.witness_key],
            )  # fmt: skip
        caught[mutate.__name__] = caught.get(mutate.__name__, 0) + 1
        if attempt % 240 == 0:
            samples.append((lines, what))
    assert sum(caught.values()) >= 1000
    assert all(count >= 100 for count in caught.values()), caught

    # A handful through the real command line too.
    checkpoint = _write(tmp_path, "witnessed", witnessed)
    for n, (lines, what) in enumerate(samples):
        export = _write(tmp_path, f"export-{n}.jsonl", "".join(lines))
        code, out = _run(
            "log", "--entries", export, "--checkpoint", checkpoint, "--key", log.key,
            "--witness-key", log.witness_key,
        )  # fmt: skip
        assert code == 1, what
        assert out.startswith("FAIL: "), what


def test_an_attacker_cannot_re_sign(tmp_path: Path) -> None:
    """Rewriting the export and signing a new checkpoint with a key of one's own (same
    name), or editing the signed checkpoint, is caught by the published key."""
    log = _log(100)
    records = _records(100, 1)
    records[10].fields["outcome"] = (
        "allowed" if records[10].fields["outcome"] == "denied" else "denied"
    )
    forged = _bodies(records)
    reader = merkle.MemoryReader([merkle.leaf_hash(b) for b in forged])
    body = note.checkpoint_body(origin=ORIGIN, size=100, root=merkle.root(size=100, reader=reader))
    impostor = note.parse_signer(key=note.generate_key(name=ORIGIN)[0])
    attempts = [note.sign(body=body, signer=impostor)]
    genuine = log.checkpoint()
    signature = genuine.split("\n\n")[1]
    attempts.append(body + "\n" + signature)  # the old signature on the new root
    size_edit = genuine.replace("\n100\n", "\n99\n", 1)
    attempts.append(size_edit)
    for checkpoint in attempts:
        with pytest.raises(tool.Failure):
            tool.verify_log(
                entries=_export(forged), checkpoints=[(checkpoint.encode(), False)], key=log.key
            )


# --- the worked example of docs/audit-format.md ----------------------------------------

EXAMPLE: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "healthcamp-worked-example.json").read_text(
        encoding="utf-8"
    )
)


def test_the_documented_example_holds_for_both_implementations(tmp_path: Path) -> None:
    bodies = [base64.b64decode(line["body"]) for line in EXAMPLE["export"]]
    reader = merkle.MemoryReader([merkle.leaf_hash(b) for b in bodies])
    assert [merkle.leaf_hash(b).hex() for b in bodies] == EXAMPLE["leaf_hashes"]
    for size, want in EXAMPLE["roots"].items():
        assert merkle.root(size=int(size), reader=reader).hex() == want
    log = note.parse_signer(key=EXAMPLE["log_signer_key"])
    witness = note.parse_signer(key=EXAMPLE["witness_signer_key"])
    assert log.verifier.text == EXAMPLE["log_verifier_key"]
    assert witness.verifier.text == EXAMPLE["witness_verifier_key"]
    body = note.checkpoint_body(origin=log.name, size=3, root=bytes.fromhex(EXAMPLE["roots"]["3"]))
    signed = note.cosign(
        note=note.sign(body=body, signer=log), signer=witness, timestamp=EXAMPLE["cosignature_time"]
    )
    assert signed == EXAMPLE["checkpoint_3_cosigned"]  # Ed25519 is deterministic
    proof = EXAMPLE["inclusion_2_in_3"]
    assert proof["proof"] == [
        base64.b64encode(h).decode() for h in merkle.inclusion_proof(index=1, size=3, reader=reader)
    ]
    docs = (Path(__file__).parent.parent / "docs" / "audit-format.md").read_text(encoding="utf-8")
    for line in signed.splitlines():
        assert line in docs
    # The standalone script agrees.
    export = _write(
        tmp_path, "export.jsonl", "".join(json.dumps(e) + "\n" for e in EXAMPLE["export"])
    )
    checkpoint = _write(tmp_path, "checkpoint", signed)
    code, out = tool_main(
        "log", "--entries", str(export), "--checkpoint", str(checkpoint),
        "--key", EXAMPLE["log_verifier_key"], "--witness-key", EXAMPLE["witness_verifier_key"],
    )  # fmt: skip
    assert code == 0, out
    path = _write(tmp_path, "proof.json", json.dumps(proof))
    assert (
        tool_main("inclusion", "--proof", str(path), "--key", EXAMPLE["log_verifier_key"])[0] == 0
    )
    old = _write(tmp_path, "old", EXAMPLE["checkpoint_1"])
    consistency = _write(tmp_path, "c.json", json.dumps(EXAMPLE["consistency_1_to_3"]))
    code, out = tool_main(
        "consistency", "--old", str(old), "--new", str(checkpoint), "--proof", str(consistency),
        "--key", EXAMPLE["log_verifier_key"],
    )  # fmt: skip
    assert code == 0, out
