"""Measurements as services show them: the view of one observation, and one value per
measure and visit. Shared by exams, referrals and the portal (so neither of exams and
referrals needs the other's helpers)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from healthcamp.clinical import catalogue
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

    @property
    def shown(self) -> str:
        """The value as a person reads it: the coded value, or the number and its unit."""
        return self.code_value or f"{self.value:g} {self.unit}"


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
        source=m.source,
        recorded_at=o.recorded_at,
    )


BLOOD_PRESSURE = ("8480-6", "8462-4")


def per_visit(observations: list[ObservationView], *, sex: str) -> list[ObservationView]:
    """One value per measure and visit, oldest first: the visit's newest, or for blood
    pressure ESH's mean of the visit's last two readings."""
    newest: dict[tuple[str, uuid.UUID], ObservationView] = {}
    for o in observations:  # oldest first
        newest[(o.code, o.encounter_id)] = o
    values = [
        office_blood_pressure(observations, o, sex=sex) if o.code in BLOOD_PRESSURE else o
        for o in newest.values()
    ]
    return sorted(values, key=lambda o: o.recorded_at)


def office_blood_pressure(
    shown: list[ObservationView], newest: ObservationView, *, sex: str
) -> ObservationView:
    """ESH 2023: the office blood pressure is the mean of the last two of the readings
    taken at one visit; one reading stands alone."""
    readings = [
        o.value
        for o in shown
        if o.code == newest.code and o.encounter_id == newest.encounter_id and o.value is not None
    ]
    if len(readings) < 2:
        return newest
    mean = round(sum(readings[-2:]) / 2, 1)
    label, critical = catalogue.classify(catalogue.measure(newest.code), mean, sex=sex, adult=True)
    return replace(
        newest,
        value=mean,
        classification=label,
        critical=critical or newest.critical,
        original_value=f"mean of the last 2 of {len(readings)} readings",
    )


def view_in(o: ObservationView, language: str) -> ObservationView:
    return replace(o, name=catalogue.measure(o.code).name(language))
