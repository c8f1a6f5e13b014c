#!/usr/bin/env python3
"""Check a healthcamp audit log from the outside: needs Python 3.11+ and `cryptography`.

It shares no code with healthcamp on purpose: an auditor should not have to trust
the program whose log they are checking. The formats are in docs/audit-format.md.

    verify_audit_log.py log --entries EXPORT.jsonl --checkpoint CHECKPOINT --key VKEY
                            [--witness-key VKEY ... [--cosigned CHECKPOINT]]
    verify_audit_log.py inclusion --proof PROOF.json --key VKEY [--witness-key VKEY ...]
    verify_audit_log.py consistency --old CHECKPOINT --new CHECKPOINT --proof PROOF.json
                            --key VKEY

A VKEY is the key text (name+keyid+base64) or @FILE holding it. `log` recomputes
the Merkle root of the exported entries at each checkpoint's size and checks the
signatures; with --witness-key, the cosigned checkpoint (or, without --cosigned,
the checkpoint itself) must carry a valid cosignature from every witness key.

Exit status: 0 and "OK: ..." when everything checks; 1 and "FAIL: <reason>" (one
line, never a traceback) when anything does not; 2 for a malformed command line.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ED25519, COSIGNATURE_V1 = 0x01, 0x04
MAX_NOTE_BYTES = 1 << 16
MAX_SIGNATURES = 100


class Failure(Exception):
    """The one-line reason the log, a proof or a checkpoint does not verify."""


# --- Merkle tree (RFC 9162) -----------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def roots_at(leaf_hashes: Iterable[bytes], sizes: set[int]) -> dict[int, bytes]:
    """The tree root at each wanted size, in one pass over the leaves.

    The stack holds the perfect subtrees of the tree so far, largest first (one per
    set bit of the size); a root folds them from the right, as RFC 9162's MTH does.
    """
    roots = {0: hashlib.sha256(b"").digest()} if 0 in sizes else {}
    stack: list[tuple[int, bytes]] = []
    for count, digest in enumerate(leaf_hashes, start=1):
        height, value = 0, digest
        while stack and stack[-1][0] == height:
            value = node_hash(stack.pop()[1], value)
            height += 1
        stack.append((height, value))
        if count in sizes:
            folded = stack[-1][1]
            for _, left in reversed(stack[:-1]):
                folded = node_hash(left, folded)
            roots[count] = folded
    return roots


def _shift_while_even(fn: int, sn: int) -> tuple[int, int]:
    while fn & 1 == 0 and fn != 0:
        fn, sn = fn >> 1, sn >> 1
    return fn, sn


def inclusion_ok(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            fn, sn = _shift_while_even(fn, sn)
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def consistency_ok(m: int, n: int, old: bytes, new: bytes, proof: list[bytes]) -> bool:
    """RFC 9162 §2.1.4.2; equal sizes need an empty proof, size 0 proves nothing."""
    if not 0 < m <= n:
        return False
    if m == n:
        return not proof and old == new
    if not proof:
        return False
    path = [old, *proof] if m & (m - 1) == 0 else list(proof)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            fn, sn = _shift_while_even(fn, sn)
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old and sr == new


# --- signed notes and checkpoints (C2SP) ----------------------------------------------


def b64(text: Any, what: str) -> bytes:
    """Strict base64: one spelling per value, so nothing can hide in the padding."""
    if not isinstance(text, str):
        raise Failure(f"{what} is not a base64 string")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Failure(f"{what} is not valid base64") from None
    if base64.b64encode(raw).decode() != text:
        raise Failure(f"{what} is not canonical base64")
    return raw


@dataclass(frozen=True)
class Key:
    name: str
    key_id: bytes
    key_type: int
    public: Ed25519PublicKey


def parse_key(text: str, what: str) -> Key:
    if text.startswith("@"):
        text = read_text(text[1:], what)
    name, _, rest = text.strip().partition("+")
    kid_hex, _, encoded = rest.partition("+")
    if not name or any(c.isspace() or c == "+" for c in name):
        raise Failure(f"{what} is not a verifier key (name+keyid+base64)")
    if not re.fullmatch(r"[0-9a-f]{8}", kid_hex):
        raise Failure(f"{what} is not a verifier key (name+keyid+base64)")
    raw = b64(encoded, what)
    if len(raw) != 33 or raw[0] not in (ED25519, COSIGNATURE_V1):
        raise Failure(f"{what} is not an Ed25519 verifier key")
    kid = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if kid.hex() != kid_hex:
        raise Failure(f"{what}: the key ID does not match the key")
    return Key(name, kid, raw[0], Ed25519PublicKey.from_public_bytes(raw[1:]))


def split_note(note: bytes) -> tuple[str, list[tuple[str, bytes]]]:
    """(text, [(key name, key ID || signature)]) of a signed note, by syntax alone."""
    if len(note) > MAX_NOTE_BYTES:
        raise Failure("the checkpoint is too long")
    try:
        text = note.decode("utf-8")
    except UnicodeDecodeError:
        raise Failure("the checkpoint is not UTF-8") from None
    if any(ord(c) < 0x20 and c != "\n" for c in text) or not text.endswith("\n"):
        raise Failure("the checkpoint is not a signed note")
    cut = text.rfind("\n\n")
    if cut < 0 or cut + 2 == len(text):
        raise Failure("the checkpoint has no signatures")
    lines = text[cut + 2 : -1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise Failure("the checkpoint has too many signatures")
    signatures = []
    for line in lines:
        name, space, encoded = line.removeprefix("— ").partition(" ")
        if not line.startswith("— ") or not space or not name or " " in encoded:
            raise Failure("the checkpoint has a malformed signature line")
        raw = b64(encoded, "a checkpoint signature")
        if len(raw) < 5:
            raise Failure("the checkpoint has a malformed signature line")
        signatures.append((name, raw))
    return text[: cut + 1], signatures


def check_signature(body: str, key: Key, raw: bytes) -> None:
    message, signature = body.encode(), raw[4:]
    if key.key_type == COSIGNATURE_V1:  # key ID || timestamp || signature
        if len(raw) != 76 or raw[4] & 0x80:
            raise Failure(f"the cosignature of {key.name} is malformed")
        stamp = int.from_bytes(raw[4:12], "big")
        message = f"cosignature/v1\ntime {stamp}\n{body}".encode()
        signature = raw[12:]
    try:
        key.public.verify(signature, message)
    except InvalidSignature:
        raise Failure(f"the signature of {key.name} on the checkpoint is invalid") from None


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes


def open_checkpoint(note: bytes, key: Key, witnesses: Sequence[Key]) -> Checkpoint:
    """The checkpoint, if the log's key and every witness key signed it validly."""
    body, signatures = split_note(note)
    wanted = {(k.name, k.key_id): k for k in (key, *witnesses)}
    done = set()
    for name, raw in signatures:
        known = wanted.get((name, raw[:4]))
        if known is not None and (name, raw[:4]) not in done:
            check_signature(body, known, raw)  # a known key that fails fails the note
            done.add((name, raw[:4]))
    for k in (key, *witnesses):
        if (k.name, k.key_id) not in done:
            role = "log" if k is key else "witness"
            raise Failure(f"the checkpoint is not signed by the {role} key {k.name}")
    return parse_checkpoint(body)


def parse_checkpoint(body: str) -> Checkpoint:
    lines = body[:-1].split("\n")
    if len(lines) < 3 or not all(lines):
        raise Failure("the checkpoint text is not origin, size and root lines")
    origin, size_text, root_text = lines[:3]
    if not re.fullmatch(r"0|[1-9][0-9]{0,18}", size_text) or int(size_text) >= 1 << 63:
        raise Failure("the checkpoint size is not a decimal number")
    root = b64(root_text, "the checkpoint root")
    if len(root) != 32:
        raise Failure("the checkpoint root is not 32 bytes")
    return Checkpoint(origin, int(size_text), root)


# --- the log export -------------------------------------------------------------------


def entry_seq(body: bytes) -> int | None:
    """The seq a healthcamp entry body names: subjects line, then a JSON object."""
    _subjects, newline, text = body.partition(b"\n")
    if not newline:
        raise Failure("an entry body has no subjects line")
    try:
        fields = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        raise Failure("an entry body is not a subjects line and a JSON object") from None
    if not isinstance(fields, dict):
        raise Failure("an entry body is not a subjects line and a JSON object")
    seq = fields.get("seq")
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None


def read_entries(lines: Iterable[str | bytes]) -> Iterable[bytes]:
    """Leaf hashes of the export, checking seqs run 1, 2, 3... with no gap or repeat."""
    expected = 1
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            raise Failure(f"export line {number} is empty")
        try:
            record = json.loads(line)
        except (UnicodeDecodeError, ValueError):
            raise Failure(f"export line {number} is not JSON") from None
        if not isinstance(record, dict) or set(record) != {"seq", "body"}:
            raise Failure(f'export line {number} is not {{"seq": n, "body": base64}}')
        seq = record["seq"]
        if not isinstance(seq, int) or isinstance(seq, bool) or seq != expected:
            raise Failure(f"export line {number} has seq {seq!r}, expected {expected}")
        body = b64(record["body"], f"the body of entry {seq}")
        named = entry_seq(body)
        if named is not None and named != seq:
            raise Failure(f"entry {seq}'s body says it is entry {named}")
        expected += 1
        yield leaf_hash(body)


def verify_log(
    *,
    entries: Iterable[str | bytes],
    checkpoints: Sequence[tuple[bytes, bool]],
    key: str,
    witness_keys: Sequence[str] = (),
) -> str:
    """Check an export against checkpoints (note bytes, whether witnesses must cosign)."""
    log_key = parse_key(key, "the log key")
    witnesses = [parse_key(k, "a witness key") for k in witness_keys]
    opened = [
        open_checkpoint(note, log_key, witnesses if need else []) for note, need in checkpoints
    ]
    if not opened:
        raise Failure("no checkpoint to verify against")
    if len({c.origin for c in opened}) != 1:
        raise Failure("the checkpoints are of different logs (origins differ)")
    count = 0

    def counted() -> Iterable[bytes]:
        nonlocal count
        for digest in read_entries(entries):
            count += 1
            yield digest

    roots = roots_at(counted(), {c.size for c in opened})
    for c in opened:
        if c.size > count:
            raise Failure(f"the export has {count} entries but a checkpoint covers {c.size}")
        if roots[c.size] != c.root:
            raise Failure(f"the entries do not hash to the root signed for tree size {c.size}")
    last = max(opened, key=lambda c: c.size)
    extra = count - last.size
    tail = f"; {extra} later entries not yet covered by a checkpoint" if extra else ""
    root = base64.b64encode(last.root).decode()
    return f"OK: {last.size} entries, root {root} ({last.origin}){tail}"


def proof_hashes(value: Any, what: str) -> list[bytes]:
    if not isinstance(value, list):
        raise Failure(f"{what} is not a list of base64 hashes")
    hashes = [b64(h, what) for h in value]
    if any(len(h) != 32 for h in hashes):
        raise Failure(f"{what} holds a hash that is not 32 bytes")
    return hashes


def number(document: dict[str, Any], field: str) -> int:
    value = document.get(field)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Failure(f'"{field}" is not a non-negative integer')
    return value


def load_json(text: str | bytes, what: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except (UnicodeDecodeError, ValueError):
        raise Failure(f"{what} is not JSON") from None
    if not isinstance(document, dict):
        raise Failure(f"{what} is not a JSON object")
    return document


def verify_inclusion(*, proof: str | bytes, key: str, witness_keys: Sequence[str] = ()) -> str:
    document = load_json(proof, "the inclusion proof")
    log_key = parse_key(key, "the log key")
    witnesses = [parse_key(k, "a witness key") for k in witness_keys]
    note = document.get("checkpoint")
    if not isinstance(note, str):
        raise Failure('"checkpoint" is not a signed note')
    checkpoint = open_checkpoint(note.encode("utf-8", "surrogatepass"), log_key, witnesses)
    index, size = number(document, "index"), number(document, "tree_size")
    if size != checkpoint.size:
        raise Failure(f"the proof is for tree size {size}, the checkpoint for {checkpoint.size}")
    entry = b64(document.get("entry"), "the entry")
    named = entry_seq(entry)
    if named is not None and named != index + 1:
        raise Failure(f"the entry says it is entry {named}, the proof puts it at {index + 1}")
    hashes = proof_hashes(document.get("proof"), "the proof")
    if not inclusion_ok(leaf_hash(entry), index, size, hashes, checkpoint.root):
        raise Failure(f"the entry is not in the log at index {index} of tree size {size}")
    root = base64.b64encode(checkpoint.root).decode()
    return f"OK: entry {index + 1} is in the log of {size} entries, root {root}"


def verify_consistency(*, old: bytes, new: bytes, proof: str | bytes, key: str) -> str:
    log_key = parse_key(key, "the log key")
    first, second = open_checkpoint(old, log_key, []), open_checkpoint(new, log_key, [])
    if first.origin != second.origin:
        raise Failure("the two checkpoints are of different logs (origins differ)")
    document = load_json(proof, "the consistency proof")
    if (number(document, "old_size"), number(document, "new_size")) != (first.size, second.size):
        raise Failure("the proof's sizes are not the two checkpoints' sizes")
    hashes = proof_hashes(document.get("proof"), "the proof")
    if not consistency_ok(first.size, second.size, first.root, second.root, hashes):
        raise Failure(f"tree size {first.size} is not a prefix of tree size {second.size}")
    root = base64.b64encode(second.root).decode()
    return (
        f"OK: the log of {first.size} entries is a prefix of the log of {second.size}, root {root}"
    )


# --- command line ---------------------------------------------------------------------


def read_bytes(path: str, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as error:
        raise Failure(f"cannot read {what} {path}: {error.strerror or error}") from None


def read_text(path: str, what: str) -> str:
    try:
        return read_bytes(path, what).decode("utf-8")
    except UnicodeDecodeError:
        raise Failure(f"{what} {path} is not UTF-8") from None


def export_lines(path: str) -> Iterable[bytes]:
    try:
        with Path(path).open("rb") as handle:
            yield from handle
    except OSError as error:
        raise Failure(f"cannot read the export {path}: {error.strerror or error}") from None


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, like every other failure
        self.exit(2, f"FAIL: usage: {message}\n")


def parser() -> argparse.ArgumentParser:
    top = Parser(description="Check a healthcamp audit log export, proofs and checkpoints.")
    commands = top.add_subparsers(dest="command", required=True, parser_class=Parser)
    log = commands.add_parser("log", help="recompute the root of an export")
    log.add_argument("--entries", required=True, help="JSON Lines export: {seq, body}")
    log.add_argument("--checkpoint", required=True, help="a checkpoint signed by the log")
    log.add_argument("--cosigned", action="append", default=[], help="a witnessed checkpoint")
    inclusion = commands.add_parser("inclusion", help="check an inclusion proof")
    inclusion.add_argument("--proof", required=True)
    consistency = commands.add_parser("consistency", help="check a consistency proof")
    consistency.add_argument("--old", required=True)
    consistency.add_argument("--new", required=True)
    consistency.add_argument("--proof", required=True)
    for command in (log, inclusion, consistency):
        command.add_argument("--key", required=True, help="the log's verifier key, or @FILE")
    for command in (log, inclusion):
        command.add_argument("--witness-key", action="append", default=[], help="or @FILE")
    return top


def run(args: argparse.Namespace) -> str:
    if args.command == "log":
        alone = bool(args.witness_key) and not args.cosigned
        notes = [(read_bytes(args.checkpoint, "the checkpoint"), alone)]
        notes += [(read_bytes(path, "the cosigned checkpoint"), True) for path in args.cosigned]
        return verify_log(
            entries=export_lines(args.entries),
            checkpoints=notes,
            key=args.key,
            witness_keys=args.witness_key,
        )
    if args.command == "inclusion":
        proof = read_bytes(args.proof, "the proof")
        return verify_inclusion(proof=proof, key=args.key, witness_keys=args.witness_key)
    return verify_consistency(
        old=read_bytes(args.old, "the old checkpoint"),
        new=read_bytes(args.new, "the new checkpoint"),
        proof=read_bytes(args.proof, "the proof"),
        key=args.key,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        print(run(args))
    except Failure as failure:
        print(f"FAIL: {failure}")
        return 1
    except Exception as error:  # a verifier answers in one line, always
        print(f"FAIL: unexpected {type(error).__name__}: {error}".splitlines()[0])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
