"""Measurements as services show them: the view of one stored value, and the clinical
decision for each visit. Shared by exams, referrals and the portal, so the station, the
referral, the letter, the portal and the FHIR export all read the same decision.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime

from django.utils import timezone

from healthcamp.access.guard import consent_statuses
from healthcamp.access.roles import Purpose
from healthcamp.clinical import catalogue
from healthcamp.clinical.visit import Decision, Recorded, age_in_months, decide
from healthcamp.consent.rules import ConsentStatus
from healthcamp.exams.models import Observation


@dataclass(frozen=True)
class ObservationView:
    id: int
    encounter_id: uuid.UUID
    code: str
    name: str
    purpose: str
    value: float | None
    code_value: str
    unit: str
    original_value: str
    original_unit: str
    classification: str
    critical: bool
    source: str
    recorded_at: datetime
    comparator: str = ""
    absent_reason: str = ""

    @property
    def shown(self) -> str:
        """The value as a person reads it: rounded, in the unit people read."""
        m = catalogue.measure(self.code)
        if self.absent_reason:
            return self.absent_reason.replace("_", " ")
        if self.code_value or self.value is None:
            answer = m.answer(self.code_value)
            return answer.display if answer is not None else self.code_value
        if self.comparator:
            limit = f"{catalogue.shown_in(m, self.value)} {m.display_unit}"
            return f"{self.original_value} ({self.comparator} {limit})"
        return f"{catalogue.shown_in(m, self.value)} {m.display_unit}".strip()


def observation_view(o: Observation, language: str = "en") -> ObservationView:
    m = catalogue.measure(o.code)
    return ObservationView(
        id=o.pk,
        encounter_id=o.encounter_id,
        code=o.code,
        name=m.name(language),
        purpose=o.purpose,
        value=o.value,
        code_value=o.code_value,
        unit=o.unit,
        original_value=o.original_value,
        original_unit=o.original_unit,
        classification=o.classification,
        critical=o.critical,
        source=_source_of(m, o.classification),
        recorded_at=o.recorded_at,
        comparator=o.comparator,
        absent_reason=o.absent_reason,
    )


def _source_of(m: catalogue.Measure, label: str) -> str:
    """The guideline whose label the stored value carries, when only one set of cut-offs
    has that label (a woman's "normal" glucose may be fasting or random: then none)."""
    sources = {b.source for b in m.bands for c in b.cuts if c.label == label}
    return sources.pop() if len(sources) == 1 else ""


def view_in(o: ObservationView, language: str) -> ObservationView:
    return replace(o, name=catalogue.measure(o.code).name(language))


@dataclass(frozen=True)
class Visit:
    id: uuid.UUID
    started_at: datetime
    site: str


@dataclass(frozen=True)
class VisitResults:
    """One visit and the one decision every page and export shows for it."""

    visit: Visit
    decision: Decision
    observations: tuple[ObservationView, ...]  # what it was decided from, oldest first


MEASURING = (Purpose.SCREENING, Purpose.BLOOD_TESTS)


def consented_purposes(participant_id: uuid.UUID) -> list[str]:
    """Inside the act's transaction: the measuring purposes the person agrees to now, whose
    values the rules may read (whoever acts: the letter, the station, the clinic's note and
    the portal all read a visit the same way)."""
    return [
        p.value
        for p in MEASURING
        if consent_statuses([participant_id], p)[participant_id] is ConsentStatus.GRANTED
    ]


def recorded(o: ObservationView) -> Recorded:
    return Recorded(
        id=o.id,
        code=o.code,
        value=o.value,
        code_value=o.code_value,
        original_value=o.original_value,
        original_unit=o.original_unit,
        comparator=o.comparator,
        absent_reason=o.absent_reason,
        recorded_at=o.recorded_at,
    )


def decide_visit(*, found: list[ObservationView], sex: str, born: date, on: date) -> Decision:
    """The decision for one visit's values (oldest first), for the person's age that day."""
    return decide(sex=sex, age_months=age_in_months(born, on), rows=[recorded(o) for o in found])


def by_visit(
    found: list[ObservationView], *, visits: list[Visit], sex: str, born: date
) -> list[VisitResults]:
    """Each visit that has values, oldest first, with its decision."""
    rows: dict[uuid.UUID, list[ObservationView]] = {}
    for o in sorted(found, key=lambda o: (o.recorded_at, o.id)):
        rows.setdefault(o.encounter_id, []).append(o)
    return [
        VisitResults(
            v,
            decide_visit(found=rows[v.id], sex=sex, born=born, on=timezone.localdate(v.started_at)),
            tuple(rows[v.id]),
        )
        for v in sorted(visits, key=lambda v: v.started_at)
        if v.id in rows
    ]
