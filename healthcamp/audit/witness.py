"""A witness of the audit log: someone other than the operator, on another machine.

The witness keeps its own Ed25519 cosignature key (C2SP tlog-cosignature, key type
0x04) and a small state file: the last checkpoint it cosigned. Each round it fetches
the log's newest checkpoint over HTTP, opens it with the log's published key, and
cosigns it only if it is a consistent extension of the one it cosigned before:

- the same origin;
- a size no smaller (smaller: a rollback);
- at the same size, the same root; at a greater size, an RFC 9162 consistency proof
  from the log that verifies (otherwise: a fork).

Anything else it refuses loudly (exit 3, the kind named on stderr) and keeps both
checkpoints in its state folder as evidence. The first round has nothing to compare
with and accepts the checkpoint as it is (trust on first use: start a witness while
the log is young, and compare its first checkpoint with a published one).

The witness needs nothing of the log's server but its two public endpoints: this
module imports no Django at module level, and the witness's path never sets Django
up. Only `cosigned_history_problems`, run by the log's own `audit verify`, reads the
database, importing what it needs when called.

The log side: the witnesses it knows are the verifier keys in the environment
variable HEALTHCAMP_AUDIT_WITNESSES (newline- or comma-separated), read at use time.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from healthcamp.audit import merkle, note
from healthcamp.lib.key_files import write_private

KEY_FILE = "witness-key"
STATE_FILE = "witness-state.json"
WITNESSES_ENV = "HEALTHCAMP_AUDIT_WITNESSES"
CHECKPOINT_PATH = "/api/v1/audit/checkpoint"
CONSISTENCY_PATH = "/api/v1/audit/consistency"
COSIGNATURES_PATH = "/api/v1/audit/cosignatures"
TIMEOUT_SECONDS = 30
MAX_RESPONSE_BYTES = 1 << 20  # two checkpoints and ~64 hashes fit many times over

EXIT_OK = 0
EXIT_FAILED = 1  # the log could not be reached, or did not take the cosignature
EXIT_USAGE = 2  # a key, the state or the arguments are wrong
EXIT_REFUSED = 3  # the log showed a history this witness will not sign

ROLLBACK = "rollback"
FORK = "fork"
ORIGIN = "different origin"
SIGNATURE = "bad signature"


class WitnessError(Exception):
    """A problem on the witness's side or with reaching the log: nothing was signed."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


class Refused(Exception):
    """The log showed a checkpoint this witness will not cosign."""

    def __init__(self, kind: str, message: str, new_note: str, proof: object = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.new_note = new_note
        self.proof = proof
        self.old_note: str | None = None  # what was cosigned before, if anything


class WitnessConfigError(ValueError):
    """HEALTHCAMP_AUDIT_WITNESSES holds something that is not a witness's verifier key."""


# ---- the log's side: which witnesses it knows -----------------------------------------


def configured_witnesses() -> list[note.Verifier]:
    """The witnesses' verifier keys in HEALTHCAMP_AUDIT_WITNESSES (none if unset)."""
    text = os.environ.get(WITNESSES_ENV, "")
    found: list[note.Verifier] = []
    for number, raw in enumerate(text.replace(",", "\n").splitlines(), start=1):
        item = raw.strip()
        if not item or item.startswith("#"):
            continue
        try:
            verifier = note.parse_verifier(key=item)
        except note.NoteError as error:
            raise WitnessConfigError(
                f"{WITNESSES_ENV}: key {number} is not a verifier key ({error})"
            ) from None
        if verifier.key_type != note.COSIGNATURE_V1:
            raise WitnessConfigError(
                f"{WITNESSES_ENV}: key {number} ({verifier.name}) is not a witness's "
                "cosignature key (made with `healthcamp witness init`)"
            )
        found.append(verifier)
    return found


def line_key(line: str) -> tuple[str, bytes]:
    """(key name, key ID) of a signature line that note.split_note already accepted."""
    name, _, b64 = line.rstrip("\n").removeprefix("— ").partition(" ")
    return name, base64.b64decode(b64)[:4]


# On the log's server: each witness's newest cosignature, kept outside the database too.
# Deleting the cosignature rows (with database access alone) must not erase what the
# witnesses vouched for: `audit verify` checks this file's cosignatures as it checks
# the rows'. A restore sets it aside with the checkpoint file (the restore is a
# recorded fork, not a rewrite).
def cosigned_file() -> Path:
    from django.conf import settings

    return Path(settings.AUDIT_COSIGNED_FILE)


def _remembered(path: Path) -> dict[str, tuple[int, str]]:
    """witness name -> (size, cosignature line); {} when there is no file yet. Raises
    ValueError (with why) when the file is there but is not one this log wrote."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise ValueError(error.strerror or str(error)) from None
    try:
        found = json.loads(raw.decode("utf-8"))["witnesses"]
        remembered = {str(name): (kept["size"], str(kept["line"])) for name, kept in found.items()}
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"not a file of cosignatures: {error}") from None
    for name, (size, _line) in remembered.items():
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise ValueError(f"the size kept for witness {name} is not a number of entries")
    return remembered


def remember_cosigned(*, size: int, lines: dict[str, str]) -> str:
    """After cosignatures at `size` are stored: keep each witness's newest in the file.
    Returns "" or why the file was left alone (a damaged file is evidence: never
    replaced here; `audit verify` reports it)."""
    path = cosigned_file()
    try:
        kept = _remembered(path)
    except ValueError as error:
        return f"{path} cannot be read ({error}); it was left as it is"
    for name, line in lines.items():
        if kept.get(name, (0, ""))[0] < size:
            kept[name] = (size, line.rstrip("\n"))
    document = {
        "witnesses": {name: {"size": n, "line": line} for name, (n, line) in sorted(kept.items())}
    }
    write_private(path, (json.dumps(document, indent=1) + "\n").encode(), replace=True)
    return ""


def cosigned_history_problems(
    *, entries: int | None = None, against_tiles: bool = True, every: bool = False
) -> str:
    """On the log's server: "" if the history the witnesses cosigned is still the log's,
    else a one-line reason.

    For each witness, its newest stored cosignature must verify, with that witness's
    configured key, on the checkpoint the log now holds at that size (so the root it
    signed is that checkpoint's root), and the log must hold at least that many entries
    (`entries`, counted if not given). `audit verify` checks every checkpoint's root
    against the entries' bytes; with against_tiles the root is also compared here with
    the Merkle tree's stored tiles (for a caller that has not scanned the entries).
    Older cosignatures need no signature check: a witness cosigns only a consistent
    extension of what it cosigned before, so the newest covers them (`every` checks
    them all anyway); each must still have its checkpoint. A cosignature by a witness
    no longer configured is checked by its checkpoint's root alone.
    """
    from django.db.models import Max

    from healthcamp.audit import tree
    from healthcamp.audit.models import AuditCheckpoint, AuditEntry

    try:
        witnesses = configured_witnesses()
    except WitnessConfigError as error:
        return str(error)
    orphan = _orphaned_cosignature()
    if orphan:
        return orphan
    to_check = _to_check(every=every)
    path = cosigned_file()
    try:
        remembered = _remembered(path)
    except ValueError as error:
        return f"the file of witnessed checkpoints {path} cannot be read ({error})"
    listed = {(size, name) for size, name, _ in to_check}
    to_check += [
        (size, name, line)
        for name, (size, line) in sorted(remembered.items())
        if (size, name) not in listed
    ]
    if not to_check:
        return ""
    if entries is None:
        entries = int(AuditEntry.objects.aggregate(last=Max("seq"))["last"] or 0)
    held = dict(
        AuditCheckpoint.objects.filter(size__in={size for size, _, _ in to_check}).values_list(
            "size", "note"
        )
    )
    log_verifier = tree.signer().verifier
    tiles_size = tree.stored_size() if against_tiles else 0
    reader = tree.reader() if against_tiles else None
    tile_roots: dict[int, bytes] = {}
    for size, name, line in to_check:
        if size > entries:
            return (
                f"witness {name} cosigned the log at {size} entries, but it holds only "
                f"{entries}: history a witness cosigned was removed"
            )
        checkpoint = _cosigned(held.get(size), line, log_verifier, witnesses)
        if checkpoint is None or checkpoint.size != size:
            return (
                f"witness {name}'s cosignature of the checkpoint at {size} entries does not "
                "verify on the checkpoint the log now holds at that size: history a witness "
                "cosigned was rewritten"
            )
        if reader is not None:
            if size > tiles_size:
                return (
                    f"witness {name} cosigned the log at {size} entries, but its tree holds "
                    f"only {tiles_size}: history a witness cosigned was removed"
                )
            if size not in tile_roots:
                tile_roots[size] = merkle.root(size=size, reader=reader)
            if tile_roots[size] != checkpoint.root:
                return (
                    f"the log's tree at {size} entries no longer has the root that witness "
                    f"{name} cosigned: history a witness cosigned was rewritten"
                )
    return ""


def _orphaned_cosignature() -> str:
    from healthcamp.audit.models import AuditCheckpoint, AuditCosignature

    orphan = (
        AuditCosignature.objects.exclude(checkpoint_id__in=AuditCheckpoint.objects.values("size"))
        .order_by("checkpoint_id")
        .values_list("checkpoint_id", "witness")
        .first()
    )
    if orphan is None:
        return ""
    return (
        f"witness {orphan[1]} cosigned the checkpoint at {orphan[0]} entries, which the "
        "log no longer holds: history a witness cosigned was removed"
    )


def _to_check(*, every: bool) -> list[tuple[int, str, str]]:
    """(size, witness, line): each witness's newest cosignature, or every one."""
    from healthcamp.audit.models import AuditCosignature

    rows = AuditCosignature.objects.order_by("-checkpoint_id", "witness").values_list(
        "checkpoint_id", "witness", "line"
    )
    chosen: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for size, name, line in rows.iterator(chunk_size=2000):
        if every or name not in seen:
            chosen.append((size, name, line))
            seen.add(name)
    return chosen


def _cosigned(
    held: str | None,
    line: str,
    log_verifier: note.Verifier,
    witnesses: list[note.Verifier],
) -> note.Checkpoint | None:
    """The log's checkpoint with the stored cosignature line, if the line verifies on it
    (or is by a witness no longer configured) and the log's signature does too."""
    if held is None:
        return None
    try:
        body, lines = note.split_note(note=held)
        joined = note.join_note(body=body, lines=[*lines, line.rstrip("\n") + "\n"])
        checkpoint, _ = note.open_checkpoint(
            note=joined, verifier=log_verifier, witnesses=witnesses
        )
    except note.NoteError:
        return None
    return checkpoint


# ---- HTTP, standard library only (tests replace these two) ----------------------------


def http_get(url: str) -> tuple[int, bytes]:
    """(status, body) of a GET; WitnessError if the log cannot be reached."""
    return _http(_request(url, None, {}))


def http_post(url: str, body: bytes) -> tuple[int, bytes]:
    return _http(_request(url, body, {"Content-Type": "application/json"}))


_HEADERS = {"User-Agent": "healthcamp-witness", "Accept": "text/plain, application/json"}


def _request(url: str, body: bytes | None, headers: dict[str, str]) -> urllib.request.Request:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise WitnessError(f"{url}: the log's URL starts with http:// or https://", EXIT_USAGE)
    method = "GET" if body is None else "POST"
    # Only http and https reach here (no file://): checked just above.
    return urllib.request.Request(url, data=body, headers={**_HEADERS, **headers}, method=method)  # noqa: S310


def _http(request: urllib.request.Request) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return int(response.status), response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code), error.read(MAX_RESPONSE_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise WitnessError(f"the log at {request.full_url} cannot be reached: {reason}") from None


# ---- the witness's own files ----------------------------------------------------------


def init(*, name: str, state_dir: Path) -> str:
    """Make the witness's key in state_dir (never over an existing one); its verifier key."""
    if not note.valid_name(name):
        raise WitnessError("A witness's name has no spaces and no '+'.", EXIT_USAGE)
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    signer_key, verifier_key = note.generate_key(name=name, key_type=note.COSIGNATURE_V1)
    try:
        write_private(state_dir / KEY_FILE, (signer_key + "\n").encode(), replace=False)
    except FileExistsError:
        raise WitnessError(
            f"{state_dir / KEY_FILE} already exists: this folder has a witness key already "
            "(its verifier key: `healthcamp witness run` prints it; or use another folder).",
            EXIT_USAGE,
        ) from None
    return verifier_key


def load_signer(state_dir: Path) -> note.Signer:
    path = state_dir / KEY_FILE
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise WitnessError(
            f"{path} does not exist: make the key with `healthcamp witness init`.", EXIT_USAGE
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise WitnessError(f"{path} cannot be read: {error}", EXIT_USAGE) from None
    if stat.S_IMODE(mode) & 0o077:
        raise WitnessError(
            f"{path} can be read by others: make it private (chmod 600 {path}).", EXIT_USAGE
        )
    try:
        signer = note.parse_signer(key=text)
    except note.NoteError as error:
        raise WitnessError(f"{path} is not a witness key: {error}", EXIT_USAGE) from None
    if signer.key_type != note.COSIGNATURE_V1:
        raise WitnessError(f"{path} is not a cosignature key (type 0x04).", EXIT_USAGE)
    return signer


@dataclass(frozen=True)
class State:
    """The last checkpoint this witness cosigned: the note with its cosignature."""

    checkpoint: note.Checkpoint
    note: str


def load_state(state_dir: Path, log: note.Verifier) -> State | None:
    path = state_dir / STATE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise WitnessError(
            f"The witness state {path} cannot be read: {error}", EXIT_USAGE
        ) from None
    text = data.get("note") if isinstance(data, dict) else None
    if not isinstance(text, str):
        raise WitnessError(f"The witness state {path} holds no checkpoint.", EXIT_USAGE)
    try:
        checkpoint, _ = note.open_checkpoint(note=text, verifier=log)
    except note.NoteError as error:
        raise WitnessError(
            f"The checkpoint in {path} does not open with the log key given ({error}): this "
            "state belongs to another log or key; give its key, or use another folder.",
            EXIT_USAGE,
        ) from None
    return State(checkpoint, text)


def save_state(state_dir: Path, *, cosigned: str, checkpoint: note.Checkpoint) -> None:
    """Atomically: a temporary file, fsynced, renamed over the state (see lib.key_files)."""
    data = {
        "origin": checkpoint.origin,
        "size": checkpoint.size,
        "root": base64.b64encode(checkpoint.root).decode("ascii"),
        "note": cosigned,
        "cosigned_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    payload = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    write_private(state_dir / STATE_FILE, payload.encode("utf-8"), replace=True)


def write_evidence(state_dir: Path, *, old: str, new: str, proof: object = None) -> list[Path]:
    """Both checkpoints (and the failed proof, if any), as the log served them."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    files = [("old.txt", old), ("new.txt", new)]
    if proof is not None:
        files.append(("proof.json", json.dumps(proof, indent=2) + "\n"))
    written = []
    for suffix, text in files:
        path = state_dir / f"evidence-{stamp}-{suffix}"
        write_private(path, text.encode("utf-8"), replace=False)
        written.append(path)
    return written


# ---- one round ------------------------------------------------------------------------


@dataclass(frozen=True)
class Cosigned:
    checkpoint: note.Checkpoint
    note: str
    delivered: str  # "" if the log took the cosignature, else why not


def _get_text(url: str, what: str) -> str:
    status, body = http_get(url)
    if status != 200:
        raise WitnessError(f"{what} {url} answered HTTP {status}: {_snippet(body)}")
    if len(body) > MAX_RESPONSE_BYTES:
        raise WitnessError(f"{what} {url} answered with more than {MAX_RESPONSE_BYTES} bytes")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise WitnessError(f"{what} {url} is not UTF-8 text") from None


def _snippet(body: bytes) -> str:
    return body[:200].decode("utf-8", errors="replace").strip() or "(empty)"


def _consistency(base: str, old: State, new: note.Checkpoint, new_text: str) -> None:
    """Refused(FORK) unless the log proves that `new` extends what was cosigned."""
    query = urllib.parse.urlencode({"first": old.checkpoint.size, "second": new.size})
    url = f"{base}{CONSISTENCY_PATH}?{query}"
    status, body = http_get(url)
    if status == 404:
        raise Refused(
            FORK,
            f"the log cannot prove that its checkpoint at {new.size} extends the one at "
            f"{old.checkpoint.size} that this witness cosigned (it no longer has that "
            f"checkpoint: HTTP 404, {_snippet(body)})",
            new_text,
        )
    if status != 200:
        raise WitnessError(f"the consistency proof {url} answered HTTP {status}: {_snippet(body)}")
    try:
        data = json.loads(body)
        hashes = data["proof"]
        if (data["first"], data["second"]) != (old.checkpoint.size, new.size):
            raise ValueError("for other sizes")
        if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
            raise ValueError("the proof is not a list of base64 hashes")
        proof = [base64.b64decode(h, validate=True) for h in hashes]
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise WitnessError(f"the consistency proof {url} is malformed: {error}") from None
    if not merkle.verify_consistency(
        old_size=old.checkpoint.size,
        new_size=new.size,
        old_root=old.checkpoint.root,
        new_root=new.root,
        proof=proof,
    ):
        raise Refused(
            FORK,
            f"the log's consistency proof from {old.checkpoint.size} to {new.size} entries "
            "does not verify: its history is not an extension of the one this witness cosigned",
            new_text,
            proof=data,
        )


def check(*, old: State | None, new: note.Checkpoint, new_text: str, base: str) -> None:
    """Refused unless `new` is a consistent extension of `old` (fetching the proof)."""
    if old is None:
        return  # the first checkpoint: nothing to compare with (and no proof from 0)
    was = old.checkpoint
    if new.origin != was.origin:
        raise Refused(
            ORIGIN,
            f"the checkpoint names the origin {new.origin!r}, not {was.origin!r} that this "
            "witness cosigned",
            new_text,
        )
    if new.size < was.size:
        raise Refused(
            ROLLBACK,
            f"the log now shows {new.size} entries, fewer than the {was.size} this witness "
            "cosigned: it was rolled back or truncated",
            new_text,
        )
    if new.size == was.size:
        if new.root != was.root:
            raise Refused(
                FORK,
                f"the log shows a different root at {new.size} entries than the one this "
                "witness cosigned: two histories of the same size",
                new_text,
            )
        return
    if was.size == 0:
        return  # every tree extends the empty one
    _consistency(base, old, new, new_text)


def run_once(*, state_dir: Path, log_url: str, log_key: str) -> Cosigned:
    """One round: fetch, check, cosign, save, deliver. Refused or WitnessError if not."""
    signer = load_signer(state_dir)
    try:
        log = note.parse_verifier(key=log_key)
    except note.NoteError as error:
        raise WitnessError(f"--log-key is not a verifier key: {error}", EXIT_USAGE) from None
    if log.key_type != note.ED25519:
        raise WitnessError("--log-key is a witness's key, not the log's (type 0x01).", EXIT_USAGE)
    base = log_url.rstrip("/")
    old = load_state(state_dir, log)
    text = _get_text(f"{base}{CHECKPOINT_PATH}", "the checkpoint")
    try:
        try:
            new, _ = note.open_checkpoint(note=text, verifier=log)
        except note.NoteError as error:
            raise Refused(
                SIGNATURE, f"the checkpoint is not signed by the log's key: {error}", text
            ) from None
        check(old=old, new=new, new_text=text, base=base)
    except Refused as refusal:
        refusal.old_note = old.note if old is not None else None
        raise
    if old is not None and (old.checkpoint.size, old.checkpoint.root) == (new.size, new.root):
        cosigned = old.note  # nothing new: offer the log the cosignature it may have lost
    else:
        try:
            cosigned = note.cosign(note=text, signer=signer, timestamp=int(time.time()))
        except note.NoteError as error:
            raise WitnessError(f"the checkpoint cannot be cosigned: {error}") from None
        save_state(state_dir, cosigned=cosigned, checkpoint=new)
    return Cosigned(new, cosigned, deliver(base, cosigned))


def deliver(base: str, cosigned: str) -> str:
    """POST the cosigned note to the log; "" if it took it, else why not."""
    url = f"{base}{COSIGNATURES_PATH}"
    try:
        status, body = http_post(url, json.dumps({"checkpoint": cosigned}).encode("utf-8"))
    except WitnessError as error:
        return str(error)
    if status in (200, 201):
        return ""
    return f"the log at {url} did not take the cosignature: HTTP {status}, {_snippet(body)}"


# ---- the command ----------------------------------------------------------------------


def refuse(state_dir: Path, refusal: Refused, err: TextIO) -> int:
    old_text = refusal.old_note or "(no checkpoint cosigned before)\n"
    try:
        files = write_evidence(state_dir, old=old_text, new=refusal.new_note, proof=refusal.proof)
        where = "Evidence: " + ", ".join(str(f) for f in files)
    except OSError as error:
        where = f"The evidence could not be written to {state_dir}: {error}"
    print(
        f"WITNESS REFUSED ({refusal.kind}): {refusal}. Nothing was cosigned. {where}",
        file=err,
        flush=True,
    )
    return EXIT_REFUSED


def run(
    *,
    state_dir: Path,
    log_url: str,
    log_key: str,
    once: bool,
    interval: float = 60.0,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """`healthcamp witness run`: one round with once, else a round every interval seconds
    until a refusal (exit 3) or a problem with the witness's own key or state (exit 2)."""
    out = out or sys.stdout
    err = err or sys.stderr
    while True:
        try:
            done = run_once(state_dir=state_dir, log_url=log_url, log_key=log_key)
        except Refused as refusal:
            return refuse(state_dir, refusal, err)
        except WitnessError as error:
            print(f"witness: {error}", file=err, flush=True)
            code = error.code
        except OSError as error:  # the state folder: full, read-only, gone
            print(f"witness: the state folder {state_dir}: {error}", file=err, flush=True)
            code = EXIT_USAGE
        else:
            print(
                f"cosigned {done.checkpoint.origin} at {done.checkpoint.size}", file=out, flush=True
            )
            code = EXIT_OK
            if done.delivered:
                print(f"witness: {done.delivered}", file=err, flush=True)
                code = EXIT_FAILED
        if once or code == EXIT_USAGE:
            return code
        time.sleep(interval)


def verifier_key_of(state_dir: Path) -> str:
    return load_signer(state_dir).verifier.text
