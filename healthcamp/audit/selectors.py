"""Reads of the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from healthcamp.audit import chain
from healthcamp.audit.models import AuditEntry, AuditSubject
from healthcamp.lib import paging
from healthcamp.lib.paging import Page


@dataclass(frozen=True)
class LogLine:
    seq: int
    at: datetime
    role: str
    site: str
    action: str
    purpose: str
    outcome: str
    subjects: int


def _line(seq: int, body: bytes | memoryview) -> LogLine:
    subjects, fields = chain.decode(body)
    return LogLine(
        seq=seq,
        at=datetime.fromisoformat(fields["at"]),
        role=fields["role"],
        site=fields.get("site", ""),
        action=fields["action"],
        purpose=fields["purpose"],
        outcome=fields["outcome"],
        subjects=len(subjects),
    )


def log_for_participant(*, participant_id: str) -> list[LogLine]:
    """Every entry naming this participant, newest first, as they may see it: for the
    copy of their whole record (FHIR) and for tests. Pages read log_page."""
    entries = (
        AuditEntry.objects.filter(auditsubject__participant_id=participant_id)
        .order_by("-seq")
        .values_list("seq", "body")
    )
    return [_line(seq, body) for seq, body in entries]


def log_page(*, participant_id: str, number: int = 1, size: int = paging.SIZE) -> Page[LogLine]:
    """One page of the entries naming this participant, newest first, and how many there
    are: both read through the (participant, entry) key, so a page costs the same for a
    person with ten entries or with a hundred thousand."""
    mine = AuditSubject.objects.filter(participant_id=participant_id)
    total = mine.count()
    at = paging.window(total=total, number=number, size=size)
    rows = mine.order_by("-entry_id").values_list("entry_id", "entry__body")
    items = [_line(seq, body) for seq, body in rows[at.offset : at.offset + at.size]]
    return Page(items=items, number=at.number, pages=at.pages, total=total)


def entry_count() -> int:
    return AuditEntry.objects.count()
