"""What the access layer raises; interfaces turn these into 4xx answers."""

from __future__ import annotations


class AccessError(Exception):
    """Base class: the message is safe to show and says what to do."""


class AccessDenied(AccessError):
    pass


class NotFound(AccessError):
    pass


class InvalidInput(AccessError):
    """One or more fields are wrong; ``errors`` maps field name to message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


class Conflict(AccessError):
    pass


class VaultUnavailable(AccessError):
    """A vault key is missing, wrong or damaged: nothing can be opened or sealed."""
