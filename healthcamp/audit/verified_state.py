"""How far `audit verify` got last time, kept outside the database, so the next run checks
only what is new.

The file holds the size verified, the stored chain hash of that last entry, and the
Merkle tree of the verified prefix as its perfect subtrees. The next run checks that the
log still holds that entry with that hash (a rewritten history changes it) and that the
stored tree's root at that size is the one remembered, then scans only the entries after
it. It is keyed to this log (origin) and carries a MAC under the audit key, like the
entries; a damaged or foreign file is a failure that asks for `audit verify --full`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from pathlib import Path

from django.conf import settings

from healthcamp.audit import signing
from healthcamp.audit.scan import Progress

MAGIC = "healthcamp audit verified v1"


class StateError(Exception):
    """The state file cannot be trusted; the message says what to do."""


def path() -> Path:
    return Path(settings.AUDIT_VERIFIED_FILE)


def _mac(text: str) -> str:
    key = signing.load().mac_key
    digest = hashlib.blake2b(
        text.encode("ascii"), key=key, digest_size=32, person=b"hc-verified"
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def _text(progress: Progress) -> str:
    lines = [
        MAGIC,
        str(settings.AUDIT_ORIGIN),
        str(progress.size),
        base64.b64encode(progress.last_hash).decode("ascii"),
        str(progress.scrub),
        *(f"{level} {base64.b64encode(h).decode('ascii')}" for level, h in progress.stack),
    ]
    return "\n".join(lines) + "\n"


def save(progress: Progress) -> None:
    """Atomically replace the file (0600) with this progress."""
    text = _text(progress)
    target = path()
    scratch = target.with_name(f".{target.name}.{os.getpid()}")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(f"{text}mac {_mac(text)}\n")
        handle.flush()
        os.fsync(handle.fileno())
    scratch.replace(target)


def forget() -> Path | None:
    """Set the file aside (after a restore the log is a new history); returns where."""
    target = path()
    if not target.exists():
        return None
    aside = target.with_name(f"{target.name}.before-restore")
    target.replace(aside)
    return aside


def load() -> Progress | None:
    """The remembered progress, None if there is none yet."""
    target = path()
    redo = f"run `healthcamp audit verify --full` to check the whole log and start {target} anew"
    try:
        raw = target.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StateError(
            f"the verification state {target} cannot be read ({error}); {redo}"
        ) from None
    try:
        text = raw.decode("ascii")
        body, mac_line = text.rsplit("mac ", 1)
        if not hmac.compare_digest(_mac(body), mac_line.strip()):
            raise ValueError("MAC")
        lines = body.rstrip("\n").split("\n")
        if lines[0] != MAGIC or lines[1] != str(settings.AUDIT_ORIGIN):
            raise ValueError("another log")
        stack = []
        for line in lines[5:]:
            level, digest = line.split(" ")
            stack.append((int(level), base64.b64decode(digest, validate=True)))
        last = base64.b64decode(lines[3], validate=True)
        progress = Progress(int(lines[2]), last, stack, int(lines[4]))
    except (UnicodeDecodeError, ValueError, IndexError, binascii.Error):
        raise StateError(
            f"the verification state {target} was altered or is not this log's; {redo}"
        ) from None
    return progress
