"""Reads of the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from healthcamp.audit import chain
from healthcamp.audit.models import AuditEntry


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


def log_for_participant(*, participant_id: str) -> list[LogLine]:
    """Every entry naming this participant, newest first, as they may see it."""
    entries = (
        AuditEntry.objects.filter(auditsubject__participant_id=participant_id)
        .order_by("-seq")
        .values_list("seq", "body")
    )
    lines = []
    for seq, body in entries:
        subjects, fields = chain.decode(body)
        lines.append(
            LogLine(
                seq=seq,
                at=datetime.fromisoformat(fields["at"]),
                role=fields["role"],
                site=fields.get("site", ""),
                action=fields["action"],
                purpose=fields["purpose"],
                outcome=fields["outcome"],
                subjects=len(subjects),
            )
        )
    return lines


def entry_count() -> int:
    return AuditEntry.objects.count()
