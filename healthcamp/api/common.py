"""What every API module shares: the acting staff member, the error shapes, the input types.

Every value a request carries has a type here with its limit: strings are at most so
many characters and never hold a NUL byte; ids are whole numbers from 1 to 2^31 - 1
(what PostgreSQL's integer holds, enforced the same on SQLite); dates are YYYY-MM-DD
text, never a number. Bodies are JSON, sent as application/json.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Schema
from ninja.params.functions import Path
from ninja.parser import Parser
from ninja.types import DictStrAny
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    model_validator,
)
from pydantic_core import PydanticCustomError

from healthcamp.access.errors import InvalidInput
from healthcamp.access.staff import Actor
from healthcamp.registry import validation

INT32_MAX = 2**31 - 1
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def refuse_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "contains a NUL byte (\\x00); remove it")
    return value


def _iso_date(value: object) -> object:
    if isinstance(value, date) or (isinstance(value, str) and _ISO_DATE.fullmatch(value)):
        return value
    raise PydanticCustomError(
        "iso_date", "is a date written YYYY-MM-DD (for example 1984-03-15), not a number"
    )


# Codes and choices (sex, method, purpose codes, units, statuses): short words.
Word = Annotated[StrictStr, Field(max_length=32), AfterValidator(refuse_nul)]
# A person's given, family or guardian's name (registry.validation.clean_name).
Name = Annotated[StrictStr, Field(max_length=validation.NAME_MAX), AfterValidator(refuse_nul)]
# A programme's, site's or clinic's name; a document's title.
Title = Annotated[StrictStr, Field(max_length=200), AfterValidator(refuse_nul)]
LanguageTag = Annotated[
    StrictStr,
    Field(max_length=validation.LANGUAGE_MAX, description=validation.LANGUAGE_FORM),
    AfterValidator(refuse_nul),
]
Phone = Annotated[StrictStr, Field(max_length=validation.PHONE_MAX), AfterValidator(refuse_nul)]
CardCode = Annotated[StrictStr, Field(max_length=40), AfterValidator(refuse_nul)]
PaperReference = Annotated[
    StrictStr,
    Field(
        max_length=validation.PAPER_REFERENCE_MAX,
        pattern=r"^$|^[A-Za-z0-9][A-Za-z0-9/-]*$",
        description=validation.PAPER_REFERENCE_FORM,
    ),
    AfterValidator(refuse_nul),
]
Description = Annotated[StrictStr, Field(max_length=2_000), AfterValidator(refuse_nul)]
DocumentText = Annotated[StrictStr, Field(max_length=20_000), AfterValidator(refuse_nul)]
ObservedText = Annotated[StrictStr, Field(max_length=32), AfterValidator(refuse_nul)]
# A database id in a body, and in a path.
RowId = Annotated[StrictInt, Field(ge=1, le=INT32_MAX)]
PathId = Annotated[int, Path(ge=1, le=INT32_MAX)]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]

# Friendly words for the pattern a field must match (the message names the allowed form).
PATTERN_FORMS = {"paper_reference": validation.PAPER_REFERENCE_FORM}


def _nul_path(value: object, path: str) -> str | None:
    """Where a NUL byte hides in a JSON value (keys and list items too), or None."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return where.replace("\x00", "\\x00")
            if (found := _nul_path(item, where)) is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            if (found := _nul_path(item, f"{path}.{index}")) is not None:
                return found
    return None


class Closed(Schema):
    """A request body that refuses any field it does not list (422, naming the field),
    and a NUL byte anywhere in it (422, naming where)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul_anywhere(cls, data: Any) -> Any:
        where = _nul_path(data, "")
        if where is not None:
            raise InvalidInput({where: "contains a NUL byte (\\x00); remove it."})
        return data


class Message(Schema):
    message: str


ERRORS: dict[int, Any] = {
    400: Message,
    401: Message,
    403: Message,
    404: Message,
    409: Message,
    413: Message,
    415: Message,
    422: Message,
}


class UnsupportedMediaType(ValueError):
    """A request body that is not sent as JSON."""


class JsonOnly(Parser):
    """Bodies are JSON, declared as such (application/json or application/...+json)."""

    def parse_body(self, request: HttpRequest) -> DictStrAny:
        kind = (request.content_type or "").lower()
        if kind != "application/json" and not (
            kind.startswith("application/") and kind.endswith("+json")
        ):
            raise UnsupportedMediaType(kind or "none")
        return super().parse_body(request)


def acting(request: HttpRequest) -> Actor:
    actor = request.auth  # type: ignore[attr-defined]
    assert isinstance(actor, Actor)  # noqa: S101 - guaranteed by the bearer authentication
    return actor


def plain_message(error: Any, field: str) -> str | None:
    """A validation error in words that say what to send instead; None keeps pydantic's."""
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    what = field.rsplit(".", 1)[-1].replace("_", " ") or "value"
    form = PATTERN_FORMS.get(field.rsplit(".", 1)[-1])
    if kind == "string_too_long":
        limit = context.get("max_length")
        advice = f"write it as {form}" if form else "shorten it"
        return f"The {what} is longer than {limit} characters; {advice}."
    if kind == "nul_character":
        return f"The {what} contains a NUL byte (\\x00); remove it."
    if kind == "iso_date":
        return f"The {what} is a date written YYYY-MM-DD (for example 1984-03-15), not a number."
    bounds = (context.get("ge", 1), context.get("le", INT32_MAX))
    if kind in {"greater_than_equal", "less_than_equal"} and bounds == (1, INT32_MAX):
        return f"The {what} is a whole number from 1 to {INT32_MAX}."
    if kind == "string_pattern_mismatch" and form:
        return f"The {what} is {form}."
    return None
