"""healthcamp.audit.note against golang.org/x/mod/sumdb/note's and C2SP's vectors.

tests/vectors/signed-note.json holds the fixed keys and notes of Go's note_test.go
(PeterNeumann, EnochRoot) and the examples of the C2SP signed-note and
tlog-cosignature specs; tests/vectors/README.md says where each came from.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from healthcamp.audit import note
from healthcamp.audit.note import NoteError

VECTORS: dict[str, Any] = json.loads(
    (Path(__file__).parent / "vectors" / "signed-note.json").read_text(encoding="utf-8")
)
GO = VECTORS["golang_mod_sumdb_note"]
TEXT = GO["text"]
PETER_SIG, ENOCH_SIG = GO["peter_sig"], GO["enoch_sig"]
PETER = note.parse_verifier(key=GO["peter_vkey"])
ENOCH = note.parse_verifier(key=GO["enoch_vkey"])
PETER_SIGNER = note.parse_signer(key=GO["peter_skey"])


# --- Go's vectors -------------------------------------------------------------------


def test_go_keys_parse_and_round_trip() -> None:
    assert (PETER.name, PETER.key_id.hex(), PETER.key_type) == ("PeterNeumann", "c74f20a3", 1)
    assert PETER.text == GO["peter_vkey"]
    assert ENOCH.text == GO["enoch_vkey"]
    assert note.signer_key(signer=PETER_SIGNER) == GO["peter_skey"]
    assert PETER_SIGNER.verifier.text == GO["peter_vkey"]


def test_go_sign_gives_the_same_note_byte_for_byte() -> None:
    # Ed25519 is deterministic, so the signature line must be Go's exactly.
    assert note.sign(body=TEXT, signer=PETER_SIGNER) == TEXT + "\n" + PETER_SIG


def test_go_open() -> None:
    signed = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert note.open_note(note=signed, verifiers=[PETER]) == (TEXT, ["PeterNeumann"])
    both = note.open_note(note=signed, verifiers=[PETER, ENOCH])
    assert both == (TEXT, ["PeterNeumann", "EnochRoot"])
    assert note.open_note(note=signed.encode(), verifiers=[ENOCH])[1] == ["EnochRoot"]
    # Repeated lines of one key count once (as in Go).
    repeated = TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG
    assert note.open_note(note=repeated, verifiers=[PETER])[1] == ["PeterNeumann"]


@pytest.mark.parametrize(
    ("signed", "verifiers", "reason"),
    [
        (TEXT + "\n" + PETER_SIG + ENOCH_SIG, [], "no verifiable signatures"),
        (TEXT + "\n" + PETER_SIG, [ENOCH], "no verifiable signatures"),  # unknown key only
        (TEXT + "\n" + PETER_SIG * 101, [PETER], "too many signatures"),
        (TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:], [PETER], "invalid signature"),
    ],
)
def test_go_open_refusals(signed: str, verifiers: list[note.Verifier], reason: str) -> None:
    with pytest.raises(NoteError, match=reason):
        note.open_note(note=signed, verifiers=verifiers)


@pytest.mark.parametrize("bad", GO["bad_notes"])
def test_go_malformed_notes(bad: str) -> None:
    with pytest.raises(NoteError, match=r"malformed|base64"):
        note.open_note(note=bad, verifiers=[PETER])


def test_go_malformed_note_not_utf8() -> None:
    bad = b"\xff" + (TEXT + "\n" + PETER_SIG).encode()
    with pytest.raises(NoteError, match="UTF-8"):
        note.open_note(note=bad, verifiers=[PETER])


def test_go_verifier_key_manglings_are_refused() -> None:
    key = GO["peter_vkey"]
    for i in range(len(key) + 1):
        for j in range(i + 1, len(key) + 1):
            if (i, j) != (0, len(key)):
                with pytest.raises(NoteError):
                    note.parse_verifier(key=key[i:j])
    for i in range(len(key)):
        with pytest.raises(NoteError):
            note.parse_verifier(key=key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :])
    for bad in GO["bad_vkeys"]:
        with pytest.raises(NoteError):
            note.parse_verifier(key=bad)


def test_go_signer_key_manglings_are_refused() -> None:
    key = GO["peter_skey"]
    for i in range(len(key) + 1):
        for j in range(i + 1, len(key) + 1):
            if (i, j) != (0, len(key)):
                with pytest.raises(NoteError):
                    note.parse_signer(key=key[i:j])
    for i in range(len(key)):
        with pytest.raises(NoteError):
            note.parse_signer(key=key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :])


def test_tampering_any_byte_fails() -> None:
    signed = (TEXT + "\n" + PETER_SIG).encode()
    for position in range(len(signed)):
        for flip in (0x01, 0x20, 0x80):
            changed = signed[:position] + bytes([signed[position] ^ flip]) + signed[position + 1 :]
            with pytest.raises(NoteError):
                note.open_note(note=changed, verifiers=[PETER])
    for cut in range(len(signed)):
        with pytest.raises(NoteError):
            note.open_note(note=signed[:cut], verifiers=[PETER])


def test_wrong_keys_fail() -> None:
    signed = TEXT + "\n" + PETER_SIG
    _, other = note.generate_key(name="PeterNeumann")
    with pytest.raises(NoteError, match="no verifiable"):
        note.open_note(note=signed, verifiers=[note.parse_verifier(key=other)])
    # An impostor key claiming Peter's name and key ID is tried, and fails.
    impostor = dataclasses.replace(PETER, public_key=Ed25519PrivateKey.generate().public_key())
    with pytest.raises(NoteError, match="invalid signature"):
        note.open_note(note=signed, verifiers=[impostor])
    with pytest.raises(NoteError, match="ambiguous"):
        note.open_note(note=signed, verifiers=[PETER, impostor])


def test_trailing_junk_and_long_lines_are_refused() -> None:
    signed = TEXT + "\n" + PETER_SIG
    for bad in (
        signed + "junk",
        signed + "\n",
        signed + "— ",
        signed.replace("\n— ", "\n\n— "),
        TEXT.replace("problem,", "problem," + "x" * note.MAX_LINE_BYTES) + "\n" + PETER_SIG,
        "x" * note.MAX_NOTE_BYTES + "\n\n" + PETER_SIG,
        signed.replace("\n", "\r\n"),
        "\ud800" + signed,
    ):
        with pytest.raises(NoteError):
            note.open_note(note=bad, verifiers=[PETER])


def test_unknown_signatures_beside_a_good_one_are_ignored() -> None:
    # Same name, another key ID: not Peter's key, so ignored, as the spec requires.
    stranger = PETER_SIG.replace("x08go/ZJ", "AAAAAAAA")
    signed = TEXT + "\n" + stranger + PETER_SIG + ENOCH_SIG
    assert note.open_note(note=signed, verifiers=[PETER])[1] == ["PeterNeumann"]


# --- C2SP examples ------------------------------------------------------------------


def test_c2sp_signed_note_example() -> None:
    example = VECTORS["c2sp_signed_note"]
    verifier = note.parse_verifier(key=example["vkey"])
    text, names = note.open_note(note=example["note"], verifiers=[verifier])
    assert (text, names) == ("This is an example message.\n", ["example.com/foo"])


def test_c2sp_cosigned_checkpoint_example_parses() -> None:
    example = VECTORS["c2sp_tlog_cosignature"]
    body, lines = note.split_note(note=example["note"])
    checkpoint = note.parse_checkpoint(body=body)
    assert (checkpoint.origin, checkpoint.size) == ("example.com/behind-the-sofa", 20852163)
    assert base64.b64encode(checkpoint.root).decode() in body
    raw = base64.b64decode(lines[1].split(" ")[-1])
    assert len(raw) == 4 + 8 + 64
    assert int.from_bytes(raw[4:12], "big") == example["timestamp"]


def test_cosignature_signs_the_message_c2sp_specifies() -> None:
    example = VECTORS["c2sp_tlog_cosignature"]
    body, _ = note.split_note(note=example["note"])
    skey, _ = note.generate_key(name="witness.example.com/w1", key_type=note.COSIGNATURE_V1)
    witness = note.parse_signer(key=skey)
    line = note.signature_line(body=body, signer=witness, timestamp=example["timestamp"])
    raw = base64.b64decode(line.split(" ")[-1])
    assert raw[:4] == witness.key_id
    # Checked with the bare Ed25519 key, over the spec's own text of the signed message.
    witness.private_key.public_key().verify(raw[12:], example["signed_message"].encode())


# --- checkpoints and cosignatures ---------------------------------------------------


def _log_and_witness() -> tuple[note.Signer, note.Signer]:
    log_key, _ = note.generate_key(name="camp.example/log")
    witness_key, _ = note.generate_key(name="ethics.example/w", key_type=note.COSIGNATURE_V1)
    return note.parse_signer(key=log_key), note.parse_signer(key=witness_key)


def test_checkpoint_round_trip_with_a_witness() -> None:
    log, witness = _log_and_witness()
    body = note.checkpoint_body(origin="camp.example/log", size=42, root=bytes(range(32)))
    assert body == "camp.example/log\n42\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
    signed = note.sign(body=body, signer=log)
    cosigned = note.cosign(note=signed, signer=witness, timestamp=1_700_000_000)
    checkpoint, cosignatures = note.open_checkpoint(
        note=cosigned, verifier=log.verifier, witnesses=[witness.verifier]
    )
    assert checkpoint == note.Checkpoint("camp.example/log", 42, bytes(range(32)))
    assert [(c.name, c.timestamp) for c in cosignatures] == [("ethics.example/w", 1_700_000_000)]
    # A later cosignature replaces the witness's older one.
    again = note.cosign(note=cosigned, signer=witness, timestamp=1_700_000_100)
    assert again.count("ethics.example/w") == 1
    assert note.open_note_signatures(note=again, verifiers=[witness.verifier])[1][0].timestamp
    # The log's note alone still opens with the log's key; the witness's alone does not
    # make a checkpoint.
    assert note.open_note(note=cosigned, verifiers=[log.verifier])[1] == ["camp.example/log"]
    with pytest.raises(NoteError, match="log's key must be"):
        note.open_checkpoint(note=cosigned, verifier=witness.verifier)


def test_cosignature_tampering_fails() -> None:
    log, witness = _log_and_witness()
    body = note.checkpoint_body(origin="o", size=1, root=bytes(32))
    cosigned = note.cosign(note=note.sign(body=body, signer=log), signer=witness, timestamp=5)
    line = cosigned.splitlines()[-1]
    raw = bytearray(base64.b64decode(line.split(" ")[-1]))
    for position in range(4, len(raw)):  # timestamp and signature bytes
        changed = bytearray(raw)
        changed[position] ^= 1
        bad = cosigned.replace(line.split(" ")[-1], base64.b64encode(bytes(changed)).decode())
        with pytest.raises(NoteError, match="invalid signature"):
            note.open_note(note=bad, verifiers=[witness.verifier, log.verifier])
    # The same public key as a plain Ed25519 (0x01) verifier has another key ID: unknown.
    plain = dataclasses.replace(
        witness.verifier,
        key_type=note.ED25519,
        key_id=note.key_id(
            name=witness.name,
            key_type=note.ED25519,
            public_key=base64.b64decode(witness.verifier.text.split("+", 2)[2])[1:],
        ),
    )
    with pytest.raises(NoteError, match="no verifiable"):
        note.open_note(note=cosigned, verifiers=[plain])


def test_signature_line_rules() -> None:
    log, witness = _log_and_witness()
    with pytest.raises(NoteError, match="timestamp"):
        note.signature_line(body="a\n", signer=witness)
    with pytest.raises(NoteError, match="timestamp"):
        note.signature_line(body="a\n", signer=log, timestamp=1)
    with pytest.raises(NoteError, match="out of range"):
        note.signature_line(body="a\n", signer=witness, timestamp=1 << 63)
    with pytest.raises(NoteError, match="newline"):
        note.sign(body="no newline", signer=log)


@pytest.mark.parametrize(
    "body",
    [
        "o\n1\n" + base64.b64encode(bytes(32)).decode(),  # no final newline
        "o\n01\n" + base64.b64encode(bytes(32)).decode() + "\n",  # leading zero
        "o\n-1\n" + base64.b64encode(bytes(32)).decode() + "\n",
        "o\n+1\n" + base64.b64encode(bytes(32)).decode() + "\n",
        "o\n1 \n" + base64.b64encode(bytes(32)).decode() + "\n",
        "o\n9223372036854775808\n" + base64.b64encode(bytes(32)).decode() + "\n",
        "\n1\n" + base64.b64encode(bytes(32)).decode() + "\n",  # empty origin
        "o\n1\n" + base64.b64encode(bytes(31)).decode() + "\n",  # short root
        "o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n",  # non-canonical base64
        "o\n1\n" + base64.b64encode(bytes(32)).decode() + "\n\n",  # empty extension line
        "o\n1\n",
    ],
)
def test_malformed_checkpoints_are_refused(body: str) -> None:
    with pytest.raises(NoteError):
        note.parse_checkpoint(body=body)


def test_checkpoint_extensions_round_trip() -> None:
    body = note.checkpoint_body(origin="o", size=0, root=bytes(32), extensions=("x", "y z"))
    assert note.parse_checkpoint(body=body) == note.Checkpoint("o", 0, bytes(32), ("x", "y z"))


_LINE = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(_LINE, min_size=1, max_size=6))
def test_sign_then_open_round_trips(lines: list[str]) -> None:
    body = "".join(line + "\n" for line in lines)
    signed = note.sign(body=body, signer=PETER_SIGNER)
    assert note.open_note(note=signed, verifiers=[PETER]) == (body, ["PeterNeumann"])
    assert note.split_note(note=signed) == (body, [signed[len(body) + 1 :]])
