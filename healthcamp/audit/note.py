"""C2SP signed notes, tlog checkpoints and tlog cosignatures, with Ed25519 keys.

Formats (https://c2sp.org/signed-note, /tlog-checkpoint, /tlog-cosignature),
behaving as golang.org/x/mod/sumdb/note does where the specs leave room:

- key ID: SHA-256(name || "\\n" || type || public key)[:4], type 0x01 for a log's
  Ed25519 key and 0x04 for a witness's timestamped cosignature key;
- verifier key: name+hex(key ID)+base64(type || public key);
- signer key: PRIVATE+KEY+name+hex(key ID)+base64(type || 32-byte seed);
- note: text ending in a newline, a blank line, then one line per signature:
  "— name base64(key ID || signature)" (U+2014 em dash);
- a 0x04 cosignature signs "cosignature/v1\\ntime <t>\\n" + the note text, and its
  signature bytes are key ID || 8-byte big-endian t || Ed25519 signature.

`open_note` accepts a note only if a known key's signature verifies and no known
key's signature fails; signatures by unknown keys are ignored, as the spec says
they MUST be (a witness's line on a log's note is one).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
COSIGNATURE_V1 = 0x04
KEY_TYPES = (ED25519, COSIGNATURE_V1)

MAX_NOTE_BYTES = 1 << 16  # a checkpoint is ~100 bytes; a note this big is an attack
MAX_LINE_BYTES = 8 << 10  # room for a post-quantum signature line, and no more
MAX_SIGNATURES = 100  # the spec asks for at least 16; Go's reference allows 100
MAX_TIMESTAMP = (1 << 63) - 1
MAX_TREE_SIZE = (1 << 63) - 1

_DASH = "— "  # em dash, space
_COSIGNATURE_HEADER = "cosignature/v1\n"
_SIZE = re.compile(r"(0|[1-9][0-9]{0,18})")


class NoteError(ValueError):
    """A note, key or checkpoint that is malformed or does not verify."""


@dataclass(frozen=True)
class Verifier:
    name: str
    key_id: bytes
    key_type: int
    public_key: Ed25519PublicKey

    @property
    def text(self) -> str:
        raw = self.public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
        return _key_text(self.name, self.key_id, self.key_type, raw)


@dataclass(frozen=True)
class Signer:
    name: str
    key_id: bytes
    key_type: int
    private_key: Ed25519PrivateKey

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.key_id, self.key_type, self.private_key.public_key())


@dataclass(frozen=True)
class Signature:
    """A signature line of a note that verified; timestamp only for cosignatures."""

    name: str
    key_id: bytes
    key_type: int
    timestamp: int | None


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()


# --- keys ---------------------------------------------------------------------------


def valid_name(name: str) -> bool:
    """Non-empty, no Unicode space, no '+': the spec's rule for key names."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_id(*, name: str, key_type: int, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + public_key).digest()[:4]


def _key_text(name: str, kid: bytes, key_type: int, material: bytes) -> str:
    return f"{name}+{kid.hex()}+{base64.b64encode(bytes([key_type]) + material).decode()}"


def _b64decode(text: str) -> bytes:
    """Strict standard base64: anything that would not round-trip is refused, so that
    one signature or hash has exactly one spelling."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError("bad base64") from None
    if base64.b64encode(raw).decode() != text:
        raise NoteError("bad base64")
    return raw


def _split_key(text: str, parts: int) -> list[str]:
    fields = text.split("+", parts - 1)  # base64 may hold "+" too
    if len(fields) != parts:
        raise NoteError("malformed key")
    return fields


def _key_material(name: str, kid_hex: str, b64: str) -> tuple[bytes, int, bytes]:
    if not valid_name(name) or not re.fullmatch(r"[0-9a-f]{8}", kid_hex):
        raise NoteError("malformed key")
    raw = _b64decode(b64)
    if len(raw) != 33 or raw[0] not in KEY_TYPES:
        raise NoteError("unknown key type or wrong key length")
    return bytes.fromhex(kid_hex), raw[0], raw[1:]


def parse_verifier(*, key: str) -> Verifier:
    name, kid_hex, b64 = _split_key(key.strip(), 3)
    kid, key_type, material = _key_material(name, kid_hex, b64)
    if kid != key_id(name=name, key_type=key_type, public_key=material):
        raise NoteError("the key ID does not match the key")
    return Verifier(name, kid, key_type, Ed25519PublicKey.from_public_bytes(material))


def parse_signer(*, key: str) -> Signer:
    private, word, name, kid_hex, b64 = _split_key(key.strip(), 5)
    if (private, word) != ("PRIVATE", "KEY"):
        raise NoteError("malformed key")
    kid, key_type, seed = _key_material(name, kid_hex, b64)
    private_key = Ed25519PrivateKey.from_private_bytes(seed)
    public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    if kid != key_id(name=name, key_type=key_type, public_key=public):
        raise NoteError("the key ID does not match the key")
    return Signer(name, kid, key_type, private_key)


def signer_key(*, signer: Signer) -> str:
    seed = signer.private_key.private_bytes_raw()
    return "PRIVATE+KEY+" + _key_text(signer.name, signer.key_id, signer.key_type, seed)


def generate_key(*, name: str, key_type: int = ED25519) -> tuple[str, str]:
    """A new (signer key, verifier key); COSIGNATURE_V1 for a witness."""
    if not valid_name(name) or key_type not in KEY_TYPES:
        raise NoteError("a key name is non-empty, without spaces or '+'")
    private_key = Ed25519PrivateKey.generate()
    public = private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    signer = Signer(
        name, key_id(name=name, key_type=key_type, public_key=public), key_type, private_key
    )
    return signer_key(signer=signer), signer.verifier.text


# --- checkpoints --------------------------------------------------------------------


def checkpoint_body(
    *, origin: str, size: int, root: bytes, extensions: tuple[str, ...] = ()
) -> str:
    if not origin or "\n" in origin or not 0 <= size <= MAX_TREE_SIZE or len(root) != 32:
        raise NoteError("a checkpoint has an origin, a size and a 32-byte root")
    if any(not line or "\n" in line for line in extensions):
        raise NoteError("checkpoint extension lines are non-empty single lines")
    lines = [origin, str(size), base64.b64encode(root).decode(), *extensions]
    return "".join(line + "\n" for line in lines)


def parse_checkpoint(*, body: str) -> Checkpoint:
    if not body.endswith("\n"):
        raise NoteError("a checkpoint ends with a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3 or any(not line for line in lines):
        raise NoteError("a checkpoint is at least three non-empty lines")
    origin, size_text, root_text, *extensions = lines
    if not _SIZE.fullmatch(size_text) or int(size_text) > MAX_TREE_SIZE:
        raise NoteError("the checkpoint size is not a decimal number")
    root = _b64decode(root_text)
    if len(root) != 32:
        raise NoteError("the checkpoint root is not a SHA-256 hash")
    return Checkpoint(origin, int(size_text), root, tuple(extensions))


# --- notes --------------------------------------------------------------------------


def _signed_message(body: str, key_type: int, timestamp: int | None) -> bytes:
    if key_type == COSIGNATURE_V1:
        return f"{_COSIGNATURE_HEADER}time {timestamp}\n{body}".encode()
    return body.encode()


def signature_line(*, body: str, signer: Signer, timestamp: int | None = None) -> str:
    """One note signature line; a cosigner signs with a POSIX timestamp, a log without."""
    _check_text(body)
    if (signer.key_type == COSIGNATURE_V1) != (timestamp is not None):
        raise NoteError("a cosignature needs a timestamp, and only a cosignature has one")
    stamp = b""
    if timestamp is not None:
        if not 0 <= timestamp <= MAX_TIMESTAMP:
            raise NoteError("the cosignature timestamp is out of range")
        stamp = timestamp.to_bytes(8, "big")
    signature = signer.private_key.sign(_signed_message(body, signer.key_type, timestamp))
    encoded = base64.b64encode(signer.key_id + stamp + signature).decode()
    return f"{_DASH}{signer.name} {encoded}\n"


def sign(*, body: str, signer: Signer) -> str:
    return body + "\n" + signature_line(body=body, signer=signer)


def cosign(*, note: str, signer: Signer, timestamp: int) -> str:
    """The note with this witness's cosignature added (replacing an older one of its).

    The witness must have opened the note with the log's key, and checked consistency
    with what it cosigned before, first: this only signs.
    """
    body, lines = split_note(note=note)
    line = signature_line(body=body, signer=signer, timestamp=timestamp)
    mine = f"{_DASH}{signer.name} "
    kept = [
        old for old in lines if not (old.startswith(mine) and _line_key_id(old) == signer.key_id)
    ]
    return join_note(body=body, lines=[*kept, line])


def join_note(*, body: str, lines: list[str]) -> str:
    return body + "\n" + "".join(lines)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("malformed note: the text must end with a newline")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("malformed note: control character")


def _as_text(note: str | bytes) -> str:
    raw = note if isinstance(note, bytes) else note.encode("utf-8", "surrogatepass")
    if len(raw) > MAX_NOTE_BYTES:
        raise NoteError("malformed note: too long")
    try:
        text = raw.decode("utf-8")  # strict: refuses invalid UTF-8 and lone surrogates
    except UnicodeDecodeError:
        raise NoteError("malformed note: not UTF-8") from None
    if any(len(line.encode()) > MAX_LINE_BYTES for line in text.split("\n")):
        raise NoteError("malformed note: line too long")
    return text


def split_note(*, note: str | bytes) -> tuple[str, list[str]]:
    """(text, signature lines) by syntax alone: nothing is verified here."""
    text = _as_text(note)
    _check_text(text)
    split = text.rfind("\n\n")  # the text may hold blank lines; the last one separates
    if split < 0:
        raise NoteError("malformed note: no signatures")
    body, sigs = text[: split + 1], text[split + 2 :]
    if not sigs:
        raise NoteError("malformed note: no signatures")
    lines = [line + "\n" for line in sigs[:-1].split("\n")]
    if len(lines) > MAX_SIGNATURES:
        raise NoteError("malformed note: too many signatures")
    for line in lines:
        _parse_line(line)
    return body, lines


def _parse_line(line: str) -> tuple[str, bytes]:
    """(key name, key ID || signature bytes) of one signature line."""
    if not line.startswith(_DASH) or not line.endswith("\n"):
        raise NoteError("malformed note: bad signature line")
    name, space, b64 = line[len(_DASH) : -1].partition(" ")
    if not space or not valid_name(name) or not b64:
        raise NoteError("malformed note: bad signature line")
    raw = _b64decode(b64)
    if len(raw) < 5:
        raise NoteError("malformed note: signature too short")
    return name, raw


def _line_key_id(line: str) -> bytes:
    return _parse_line(line)[1][:4]


def _verify_line(body: str, verifier: Verifier, raw: bytes) -> int | None:
    """Check one known key's signature; its timestamp if a cosignature."""
    timestamp = None
    signature = raw[4:]
    if verifier.key_type == COSIGNATURE_V1:
        if len(raw) != 4 + 8 + 64:
            raise NoteError(f"invalid signature for key {verifier.name}")
        timestamp = int.from_bytes(raw[4:12], "big")
        if timestamp > MAX_TIMESTAMP:
            raise NoteError(f"invalid signature for key {verifier.name}")
        signature = raw[12:]
    try:
        message = _signed_message(body, verifier.key_type, timestamp)
        verifier.public_key.verify(signature, message)
    except InvalidSignature:
        raise NoteError(f"invalid signature for key {verifier.name}") from None
    return timestamp


def open_note_signatures(
    *, note: str | bytes, verifiers: Sequence[Verifier]
) -> tuple[str, list[Signature]]:
    """(text, the signatures by known keys, all verified), or NoteError."""
    body, lines = split_note(note=note)
    known: dict[tuple[str, bytes], Verifier] = {}
    for v in verifiers:
        if known.setdefault((v.name, v.key_id), v).text != v.text:
            raise NoteError(f"ambiguous key {v.name}+{v.key_id.hex()}")
    seen: set[tuple[str, bytes]] = set()
    verified = []
    for line in lines:
        name, raw = _parse_line(line)
        verifier = known.get((name, raw[:4]))
        if verifier is None or (name, raw[:4]) in seen:
            continue  # unknown keys are ignored, as the spec requires; so are repeats
        seen.add((name, raw[:4]))
        timestamp = _verify_line(body, verifier, raw)
        verified.append(Signature(name, raw[:4], verifier.key_type, timestamp))
    if not verified:
        raise NoteError("note has no verifiable signatures")
    return body, verified


def open_note(*, note: str | bytes, verifiers: Sequence[Verifier]) -> tuple[str, list[str]]:
    """(text, names of the known keys whose signatures verified), or NoteError."""
    body, signatures = open_note_signatures(note=note, verifiers=verifiers)
    return body, [s.name for s in signatures]


def open_checkpoint(
    *, note: str | bytes, verifier: Verifier, witnesses: Sequence[Verifier] = ()
) -> tuple[Checkpoint, list[Signature]]:
    """A checkpoint signed by the log's key; any of the witnesses' cosignatures that it
    carries are verified and returned (a missing one is the caller's policy to judge)."""
    if verifier.key_type != ED25519:
        raise NoteError("the log's key must be an Ed25519 note key, not a cosigner's")
    body, signatures = open_note_signatures(note=note, verifiers=[verifier, *witnesses])
    if not any(s.name == verifier.name and s.key_id == verifier.key_id for s in signatures):
        raise NoteError("the checkpoint is not signed by the log's key")
    return parse_checkpoint(body=body), [s for s in signatures if s.key_type == COSIGNATURE_V1]
