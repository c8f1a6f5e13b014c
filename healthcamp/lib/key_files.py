"""Key files: made in one step (a complete, fsynced 0600 file or nothing), never overwritten
by a second process making the same key at the same moment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from healthcamp.lib.durable import fsync_dir


def write_private(path: Path, content: bytes, *, replace: bool) -> None:
    """Put content at path in one step. Without replace, an existing file wins
    (FileExistsError): two processes making the same key end up with one key."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        try:
            os.write(fd, content)
            os.fsync(fd)
        finally:
            os.close(fd)
        if replace:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)  # fails if the file exists: never overwrites a key
    finally:
        temporary.unlink(missing_ok=True)
    fsync_dir(path.parent)
