"""What every API module shares: the acting staff member, the error shapes."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Schema
from pydantic import ConfigDict

from healthcamp.access.staff import Actor


class Closed(Schema):
    """A request body that refuses any field it does not list (422, naming the field)."""

    model_config = ConfigDict(extra="forbid")


class Message(Schema):
    message: str


ERRORS: dict[int, Any] = {
    400: Message,
    401: Message,
    403: Message,
    404: Message,
    409: Message,
    413: Message,
    422: Message,
}


def acting(request: HttpRequest) -> Actor:
    actor = request.auth  # type: ignore[attr-defined]
    assert isinstance(actor, Actor)  # noqa: S101 - guaranteed by the bearer authentication
    return actor
