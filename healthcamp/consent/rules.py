"""The consent rules as plain functions: what a set of decisions means, who must agree."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


class ConsentStatus(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"  # said no
    WITHDRAWN = "withdrawn"  # said yes, then took it back
    NOT_ASKED = "not_asked"  # no consent on record, or the current one does not cover it


@dataclass(frozen=True)
class DecisionFact:
    purpose: str
    granted: bool
    withdrawn_at: datetime | None


def status_of(
    decisions: Sequence[DecisionFact] | None, purpose: str, *, at: datetime
) -> ConsentStatus:
    """The status of one purpose under the participant's newest consent (None: no consent).

    The newest consent replaces older ones whole: a purpose it does not ask about is
    not consented, whatever an older consent said.
    """
    if decisions is None:
        return ConsentStatus.NOT_ASKED
    for decision in decisions:
        if decision.purpose == purpose:
            if not decision.granted:
                return ConsentStatus.REFUSED
            if decision.withdrawn_at is not None and decision.withdrawn_at <= at:
                return ConsentStatus.WITHDRAWN
            return ConsentStatus.GRANTED
    return ConsentStatus.NOT_ASKED


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


@dataclass(frozen=True)
class MinorRequirement:
    guardian: bool
    assent: bool


def minor_requirement(
    *, born: date, day: date, age_of_majority: int, assent_age: int
) -> MinorRequirement:
    """A minor needs a guardian's consent; from the assent age, also their own assent."""
    age = age_on(born, day)
    if age >= age_of_majority:
        return MinorRequirement(guardian=False, assent=False)
    return MinorRequirement(guardian=True, assent=age >= assent_age)


def canonical_text(
    *, language: str, version: int, title: str, body: str, purposes: Sequence[tuple[str, str]]
) -> bytes:
    """The exact text a participant is shown, as the bytes whose SHA-256 pins it."""
    document = {
        "language": language,
        "version": version,
        "title": title,
        "body": body,
        "purposes": [{"code": code, "description": text} for code, text in purposes],
    }
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def text_sha256(**document: object) -> str:
    return hashlib.sha256(canonical_text(**document)).hexdigest()  # type: ignore[arg-type]
