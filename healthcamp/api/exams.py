"""Encounters and observations: thin handlers over the access layer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, StrictFloat, StrictInt, StrictStr

from healthcamp.access import exams, participants
from healthcamp.api.common import ERRORS, acting

router = Router(tags=["exams"])


class Closed(Schema):
    model_config = ConfigDict(extra="forbid")


class EncounterIn(Closed):
    site_id: StrictInt


class EncounterOut(Schema):
    id: uuid.UUID


class ObservationIn(Closed):
    code: StrictStr
    value: StrictInt | StrictFloat | StrictStr
    unit: StrictStr = ""


class ObservationOut(Schema):
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


class Recorded(Schema):
    critical: bool
    message: str
    observations: list[ObservationOut]


@router.post("/participants/{participant_id}/encounters", response={201: EncounterOut, **ERRORS})
def start_encounter(
    request: HttpRequest, participant_id: uuid.UUID, payload: EncounterIn
) -> Status[dict[str, uuid.UUID]]:
    encounter_id = exams.encounter_start(
        actor=acting(request), participant_id=participant_id, site_id=payload.site_id
    )
    return Status(201, {"id": encounter_id})


@router.post("/encounters/{encounter_id}/observations", response={201: Recorded, **ERRORS})
def record_observation(
    request: HttpRequest, encounter_id: uuid.UUID, payload: ObservationIn
) -> Status[dict[str, Any]]:
    made = exams.observation_record(
        actor=acting(request),
        encounter_id=encounter_id,
        code=payload.code,
        value=payload.value,
        unit=payload.unit,
    )
    critical = any(o.critical for o in made)
    message = (
        "CRITICAL value: act now - tell the participant, and refer them urgently."
        if critical
        else "Recorded."
    )
    return Status(201, {"critical": critical, "message": message, "observations": made})


@router.get(
    "/participants/{participant_id}/observations", response={200: list[ObservationOut], **ERRORS}
)
def list_observations(
    request: HttpRequest, participant_id: uuid.UUID, purpose: str = "screening"
) -> list[exams.ObservationView]:
    return exams.observations_of(
        actor=acting(request),
        participant_id=participant_id,
        purpose=participants.parse_purpose(purpose),
    )
