"""The visits' decided facts that programme reports count (healthcamp.reports).

Written in the transaction that changes a visit's decision (a value recorded), its
follow-up (results returned, a referral attended) or its values (an erasure), so the
reports read one narrow row per visit and never re-derive a decision. `backfill` writes
them for visits recorded before the facts existed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import fields as dataclass_fields
from datetime import date, datetime
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import DateField, DateTimeField, UUIDField
from django.utils import timezone

from healthcamp.clinical.visit import Decision
from healthcamp.exams.models import Encounter
from healthcamp.lib.bulk_rows import insert_rows
from healthcamp.purposes import Purpose
from healthcamp.registry.models import Participant
from healthcamp.reports import facts
from healthcamp.reports.models import VisitFact
from healthcamp.services import erasure, identity
from healthcamp.services.observations import consented_purposes, decide_visit, observation_view


def record(*, encounter: Encounter, participant: Participant, decision: Decision) -> None:
    """Inside the act's transaction: the visit's facts follow its new decision."""
    facts.store(
        encounter=encounter,
        sex=participant.sex,
        programme_id=participant.programme_id,
        decision=decision,
    )


class NewVisit(NamedTuple):
    """A visit started by a bulk import, as its facts are written."""

    encounter_id: uuid.UUID
    participant_id: uuid.UUID
    programme_id: int
    site_id: int
    started_at: datetime
    sex: str
    decision: Decision
    urgency: str  # the most pressing referral it opened, "" when none


def _columns() -> tuple[list[str], list[Callable[[Any], Any]], dict[str, Any]]:
    """VisitFact's columns, how each value is written, and the defaults of the ones a new
    visit does not set (its markers, its follow-up)."""
    native_uuid = connection.features.has_native_uuid_field
    names: list[str] = []
    adapt: list[Callable[[Any], Any]] = []
    defaults: dict[str, Any] = {}
    for f in VisitFact._meta.concrete_fields:
        target = getattr(f, "target_field", f) if f.is_relation else f
        names.append(str(f.column))
        if isinstance(target, UUIDField):
            adapt.append(_same if native_uuid else _hex)
        elif isinstance(target, DateTimeField):
            adapt.append(connection.ops.adapt_datetimefield_value)
        elif isinstance(target, DateField):
            adapt.append(connection.ops.adapt_datefield_value)
        else:
            adapt.append(_same)
        if f.has_default() or f.null:
            defaults[f.attname] = f.get_default()
    return names, adapt, defaults


def _same(value: Any) -> Any:
    return value


def _hex(value: Any) -> Any:
    # How Django's UUIDField stores ids without a native type (SQLite): 32 hex digits.
    return None if value is None else value.hex


def record_new_visits(*, visits: Iterable[NewVisit], batch: int = 2000, mark: bool = True) -> None:
    """Inside the act's transaction: the facts of visits started in it (a bulk import), as
    `record` writes them one by one, written in batches (COPY / executemany); a new visit has
    no follow-up yet. The person-level markers are set once per person (unless `mark` is
    False: then the caller calls mark_people once for all)."""
    names, adapt, defaults = _columns()
    attnames = [f.attname for f in VisitFact._meta.concrete_fields]
    table = connection.ops.quote_name(VisitFact._meta.db_table)
    columns = [connection.ops.quote_name(n) for n in names]
    # A decision shared by visits is read once (kept with it, so its id stays its own).
    by_decision: dict[int, tuple[Decision, dict[str, Any]]] = {}
    rows: list[tuple[Any, ...]] = []
    people: set[uuid.UUID] = set()
    days: dict[datetime, date] = {}
    for v in visits:
        known = by_decision.get(id(v.decision))
        if known is None:
            found = facts.facts_of(v.decision)
            known = by_decision[id(v.decision)] = (
                v.decision,
                {
                    **{f.name: getattr(found, f.name) for f in dataclass_fields(found)},
                    "screened": found.screened,
                    "diabetes": found.diabetes,
                },
            )
        decided = known[1]
        day = days.get(v.started_at)
        if day is None:  # the new visits of a day share their start
            day = days[v.started_at] = timezone.localdate(v.started_at)
        values = {
            **defaults,
            **decided,
            "encounter_id": v.encounter_id,
            "participant_id": v.participant_id,
            "programme_id": v.programme_id,
            "site_id": v.site_id,
            "visit_date": day,
            "month": day.strftime("%Y-%m"),
            "sex": v.sex,
            "referral_urgency": v.urgency,
        }
        rows.append(tuple(a(values[n]) for a, n in zip(adapt, attnames, strict=True)))
        people.add(v.participant_id)
        if len(rows) >= batch:
            insert_rows(table=table, columns=columns, rows=rows)
            rows = []
    insert_rows(table=table, columns=columns, rows=rows)
    if mark:
        mark_people(participant_ids=people)


def mark_people(*, participant_ids: Iterable[uuid.UUID]) -> None:
    """The person-level markers of many people (a bulk import), in a few queries."""
    facts.mark_many(participant_ids)


def returned(*, encounter_ids: Iterable[uuid.UUID], at: datetime) -> None:
    facts.returned(encounter_ids=encounter_ids, at=at)


def referral_changed(*, encounter_id: uuid.UUID | None) -> None:
    facts.referral_changed(encounter_id=encounter_id)


def backfill(*, batch: int = 500) -> int:
    """Decide and write the facts of every visit with values that has none yet (visits
    recorded before the facts table existed). Returns how many were written."""
    written = 0
    while True:
        todo = list(
            Encounter.objects.filter(observations__isnull=False, participant__isnull=False)
            .exclude(pk__in=VisitFact.objects.values("encounter_id"))
            .distinct()
            .select_related("participant")
            .order_by("pk")[:batch]
        )
        if not todo:
            return written
        for encounter in todo:
            participant = encounter.participant
            assert participant is not None  # noqa: S101 - filtered above
            with transaction.atomic():
                born = identity.open_identity(participant).date_of_birth
                rows = [
                    observation_view(o)
                    for o in encounter.observations.filter(
                        purpose__in=consented_purposes(participant.id)
                    ).order_by("recorded_at", "pk")
                ]
                decision = decide_visit(
                    found=rows,
                    sex=participant.sex,
                    born=born,
                    on=timezone.localdate(encounter.started_at),
                )
                record(encounter=encounter, participant=participant, decision=decision)
                returned_at = getattr(getattr(encounter, "returned", None), "at", None)
                if returned_at is not None:
                    facts.returned(encounter_ids=[encounter.pk], at=returned_at)
            written += 1


def _forgetter(purpose: Purpose) -> erasure.Eraser:
    def forget(participant_id: uuid.UUID) -> int:
        # Counted in the eraser's total as facts changed, not records deleted: 0.
        facts.forget(participant_id=participant_id, purpose=purpose.value)
        return 0

    return forget


# An erased purpose's values no longer decide anything in the reports.
for _purpose in (Purpose.SCREENING, Purpose.BLOOD_TESTS):
    erasure.register(_purpose, _forgetter(_purpose))
