"""The lock a running server holds on its database, so restore and key rotation wait.

A server keeps things in memory that a restore or a key rotation changes under it: an
open SQLite file (a restore swaps in a new one, and the server would go on writing to
the old, unlinked one) and the vault keys (after a rotation it would wrap new data keys
with the retired key). So `healthcamp serve` takes a shared lock on
HEALTHCAMP_HOME/server.lock for as long as it, or any of its workers, runs; `restore`
and `keys rotate` take it exclusively and refuse, changing nothing, while a server
holds it. A server refuses to start while a restore or rotation is under way.

The lock is flock(2) on a file in HEALTHCAMP_HOME: the kernel drops it when the last
process holding it ends, however it ends (no stale lock after a crash). It covers the
servers and commands that share this HEALTHCAMP_HOME - the folder that also holds the
vault keys they all need.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

# The descriptor a server holds; kept open for the life of the process (and, inherited
# across fork, of its workers).
_held: list[int] = []


class DatabaseInUse(Exception):
    """A server (or a restore or rotation) holds the database; the message says what to do."""


def lock_path() -> Path:
    return Path(settings.HOME) / "server.lock"


def _open() -> int:
    return os.open(lock_path(), os.O_RDWR | os.O_CREAT, 0o600)


def hold_for_server() -> None:
    """Take the server's shared lock for the rest of this process's life (several servers
    on one home may run together; a restore or rotation may not run beside any)."""
    if _held:
        return
    fd = _open()
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise DatabaseInUse(
            "A restore or a vault key rotation is running on this database: start the "
            "server when it has finished."
        ) from None
    _held.append(fd)


def release_server_hold() -> None:
    """Drop the server's lock (tests; a server process simply exits)."""
    while _held:
        os.close(_held.pop())


@contextmanager
def exclusive(task: str) -> Iterator[None]:
    """Hold the database alone while doing task; refuse at once if a server runs."""
    fd = _open()
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseInUse(
                f"A healthcamp server (or another restore or key rotation) is using this "
                f"database: stop it before {task}, then run this again. Nothing was changed."
            ) from None
        yield
    finally:
        os.close(fd)
