"""Reads of the audit log."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

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


@dataclass(frozen=True)
class FoldedLine:
    """Identical entries of one day (who, where, what, why, outcome) as one line."""

    day: str  # YYYY-MM-DD, where the sites are (Django's current time zone)
    role: str
    site: str
    action: str
    purpose: str
    outcome: str
    count: int
    newest_seq: int
    newest_at: datetime


# The entry's JSON (after its line of subject ids), read in the database: grouping needs
# no Python pass over the person's log. One statement per engine.
_FIELDS = ("at", "role", "site", "action", "purpose", "outcome")
_JSON = {
    "sqlite": (
        "substr(CAST(e.body AS TEXT), instr(CAST(e.body AS TEXT), char(10)) + 1)",
        "json_extract(j, '$.{}')",
    ),
    "postgresql": (
        "convert_from(substring(e.body from position('\\x0a'::bytea in e.body) + 1),"
        " 'UTF8')::jsonb",
        "(j ->> '{}')",
    ),
}


_ZONE_NAME = re.compile(r"[A-Za-z0-9_+\-/]+")


def _local_day(vendor: str) -> str:
    """The entry's day (its time is UTC) in Django's current time zone, the sites' own
    (HEALTHCAMP_TIME_ZONE), as the station's "today" is. SQLite has no zone database:
    it shifts by the zone's offset now, an hour off for entries across a DST change."""
    zone = timezone.get_current_timezone()
    if vendor == "postgresql":
        name = str(zone)
        if not _ZONE_NAME.fullmatch(name):  # written into the SQL: a zone's name only
            raise ValueError(f"Unexpected time zone name {name!r}")
        return f"to_char((\"at\")::timestamptz AT TIME ZONE '{name}', 'YYYY-MM-DD')"
    offset = timezone.now().astimezone(zone).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    return f"date(\"at\", '{minutes:+d} minutes')"


def _folded_sql(vendor: str, mine: str) -> tuple[str, str]:
    """Built from this module's constants, the time zone's name and Django's own SQL for
    `mine`; every value is a parameter."""
    body, field = _JSON[vendor]
    cols = ", ".join(f'{field.format(name)} AS "{name}"' for name in _FIELDS)
    inner = f"SELECT e.seq, {body} AS j FROM audit_entry e WHERE e.seq IN ({mine})"  # noqa: S608
    rows = f"SELECT e.seq AS seq, {cols} FROM ({inner}) e"  # noqa: S608
    day, site = _local_day(vendor), "COALESCE(\"site\", '')"
    keys = ", ".join((day, '"role"', site, '"action"', '"purpose"', '"outcome"'))
    groups = (
        f'SELECT {keys}, COUNT(*), MAX(seq), MAX("at") FROM ({rows}) r GROUP BY {keys}'  # noqa: S608
        " ORDER BY MAX(seq) DESC LIMIT %s OFFSET %s"
    )
    total = f"SELECT COUNT(*) FROM (SELECT 1 FROM ({rows}) r GROUP BY {keys}) g"  # noqa: S608
    return groups, total


def folded_log_page(
    *, participant_id: str, number: int = 1, size: int = paging.SIZE
) -> Page[FoldedLine]:
    """One page of the person's log with identical entries of a day folded into one line
    and counted (newest first): grouped by the database over the entries naming them,
    which their (participant, entry) key finds. log_page shows every entry."""
    from django.db import connection

    mine, params = (
        AuditSubject.objects.filter(participant_id=participant_id)
        .values("entry_id")
        .query.sql_with_params()
    )
    groups_sql, total_sql = _folded_sql(connection.vendor, mine)
    with connection.cursor() as cursor:
        cursor.execute(total_sql, params)
        total = cursor.fetchone()[0]
        at = paging.window(total=total, number=number, size=size)
        cursor.execute(groups_sql, (*params, at.size, at.offset))
        found = cursor.fetchall()
    items = [
        FoldedLine(
            day=day,
            role=role,
            site=site,
            action=action,
            purpose=purpose,
            outcome=outcome,
            count=count,
            newest_seq=seq,
            newest_at=datetime.fromisoformat(newest),
        )
        for day, role, site, action, purpose, outcome, count, seq, newest in found
    ]
    return Page(items=items, number=at.number, pages=at.pages, total=total)
