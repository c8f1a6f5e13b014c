"""Consent as plain records, handed to the layers above (services, FHIR, pages).

Frozen dataclasses built by the consent service from the models; nothing here reads
the database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import langcodes
from django.utils import timezone

from healthcamp.consent.rules import ConsentStatus, DecisionFact, status_of

_RTL_SCRIPTS = {"Arab", "Hebr", "Thaa", "Syrc", "Nkoo", "Adlm", "Rohg", "Mand", "Samr"}


def is_rtl(language: str) -> bool:
    """Whether text in this language is written right to left (by its likely script)."""
    try:
        return langcodes.Language.get(language).maximize().script in _RTL_SCRIPTS
    except (ValueError, LookupError):
        return False


@dataclass(frozen=True)
class PurposeText:
    code: str
    description: str


@dataclass(frozen=True)
class DocumentView:
    id: int
    programme_id: int
    language: str
    version: int
    title: str
    body: str
    status: str
    sha256: str
    published_at: datetime | None
    purposes: tuple[PurposeText, ...]

    @property
    def rtl(self) -> bool:
        return is_rtl(self.language)


@dataclass(frozen=True)
class DecisionView:
    purpose: str
    granted: bool
    withdrawn_at: datetime | None

    @property
    def status(self) -> ConsentStatus:
        return status_of(
            [DecisionFact(self.purpose, self.granted, self.withdrawn_at)],
            self.purpose,
            at=timezone.now(),
        )


@dataclass(frozen=True)
class ConsentView:
    id: int
    participant_id: uuid.UUID
    document: DocumentView
    method: str
    recorded_by: str
    witness: str
    paper_reference: str
    guardian_name: str
    guardian_relationship: str
    assent: bool | None
    recorded_at: datetime
    decisions: tuple[DecisionView, ...]
    current: bool  # the newest consent: the one in force
    # A newer version of the document was published since: ask again at the next visit.
    # What this consent covers stays in force until then.
    renewal_due: bool

    def status(self, purpose: str) -> ConsentStatus:
        if not self.current:
            return ConsentStatus.NOT_ASKED
        facts = [DecisionFact(d.purpose, d.granted, d.withdrawn_at) for d in self.decisions]
        return status_of(facts, purpose, at=timezone.now())
