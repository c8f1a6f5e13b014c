"""What the access layer raises; interfaces turn these into 4xx answers."""

from __future__ import annotations


class AccessError(Exception):
    """Base class: the message is safe to show and says what to do."""


class AccessDenied(AccessError):
    """The message is for the reader (in their language); `reason` is the door's own
    English reason, as the audit log keeps it, for code that must tell refusals apart."""

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


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
