"""Encounters and observations: thin handlers over the access layer."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router, Schema, Status
from pydantic import Field, StrictFloat, StrictInt

from healthcamp.access.errors import InvalidInput
from healthcamp.api.common import (
    ERRORS,
    Closed,
    ObservedText,
    PathId,
    RowId,
    Title,
    Word,
    acting,
)
from healthcamp.services import exams, observations, participants, referrals, returns

router = Router(tags=["exams"])


class EncounterIn(Closed):
    site_id: RowId


class EncounterOut(Schema):
    id: uuid.UUID


class ObservationIn(Closed):
    code: Word
    # A measurement as typed: a number, or a coded result such as a blood type.
    value: (
        Annotated[StrictInt, Field(ge=-(10**9), le=10**9)]
        | Annotated[StrictFloat, Field(allow_inf_nan=False)]
        | ObservedText
    )
    unit: Word = ""
    # The station read back a rare, extreme value (e.g. glucose above the meter's range).
    confirmed: bool = False


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
    comparator: str
    absent_reason: str


class ResultOut(Schema):
    """One result of the visit as its decision reads it (blood pressure: the office mean)."""

    code: str
    shown: str
    label: str
    level: str
    interpretation: str
    note: str
    final: bool
    source: str


class Recorded(Schema):
    critical: bool
    message: str
    observations: list[ObservationOut]
    level: str  # the visit's most severe level: neutral, fine, watch, care, act, soon, urgent
    results: list[ResultOut]
    prompts: list[str]  # what the station still has to ask or measure
    referred: list[str]


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
    done = exams.observation_record(
        actor=acting(request),
        encounter_id=encounter_id,
        code=payload.code,
        value=payload.value,
        unit=payload.unit,
        confirmed=payload.confirmed,
    )
    decision = done.decision
    message = (
        "CRITICAL value: act now - tell the participant; an urgent referral is open."
        if done.critical
        else "Recorded."
    )
    results = [
        {
            "code": r.code,
            "shown": r.shown,
            "label": r.finding.label,
            "level": r.finding.level,
            "interpretation": r.finding.flag,
            "note": r.note,
            "final": r.final,
            "source": r.finding.source,
        }
        for r in decision.results
    ]
    return Status(
        201,
        {
            "critical": done.critical,
            "message": message,
            "observations": done.made,
            "level": decision.level,
            "results": results,
            "prompts": list(decision.prompts),
            "referred": done.referred,
        },
    )


@router.get(
    "/participants/{participant_id}/letter",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {
            200: {
                "description": "The results letter",
                "content": {
                    "text/html": {"schema": {"type": "string"}},
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def results_letter(
    request: HttpRequest,
    participant_id: uuid.UUID,
    format: Word = "html",
    paper: Word = "a4",
    visit: uuid.UUID | None = None,
) -> HttpResponse:
    """The results letter for print services and integrations: the same letter, consent
    rules and audit as the staff page. format html or pdf; paper a4 or letter; visit: one
    visit's letter (the newest by default)."""
    from healthcamp.results import letter_page

    problems = {}
    if format not in letter_page.FORMATS:
        problems["format"] = "format is html or pdf."
    if paper not in letter_page.PAPERS:
        problems["paper"] = "paper is a4 or letter."
    if problems:
        raise InvalidInput(problems)
    data = exams.letter_data(actor=acting(request), participant_id=participant_id, visit_id=visit)
    done = letter_page.render(
        data, fmt=format, paper=paper, portal_url=request.build_absolute_uri("/me/")
    )
    response = HttpResponse(done.body, content_type=done.content_type)
    response["Content-Disposition"] = f'inline; filename="{done.filename}"'
    return response


@router.get(
    "/participants/{participant_id}/observations", response={200: list[ObservationOut], **ERRORS}
)
def list_observations(
    request: HttpRequest, participant_id: uuid.UUID, purpose: Word = "screening"
) -> list[observations.ObservationView]:
    return exams.observations_of(
        actor=acting(request),
        participant_id=participant_id,
        purpose=participants.parse_purpose(purpose),
    )


class ClinicIn(Closed):
    name: Title


class ClinicOut(Schema):
    id: int
    name: str


class ReferralIn(Closed):
    measure_code: Word
    urgency: Word
    clinic_id: RowId | None = None


class ReferralStatusIn(Closed):
    status: Word


class ReferralOut(Schema):
    id: uuid.UUID
    participant_id: uuid.UUID
    clinic: str
    urgency: str
    measure_code: str
    measure: str
    classification: str
    status: str
    created_at: datetime
    updated_at: datetime


@router.post("/programmes/{programme_id}/clinics", response={201: ClinicOut, **ERRORS})
def create_clinic(
    request: HttpRequest, programme_id: PathId, payload: ClinicIn
) -> Status[dict[str, Any]]:
    clinic_id, name = referrals.clinic_create(
        actor=acting(request), programme_id=programme_id, name=payload.name
    )
    return Status(201, {"id": clinic_id, "name": name})


@router.post("/participants/{participant_id}/referrals", response={201: ReferralOut, **ERRORS})
def create_referral(
    request: HttpRequest, participant_id: uuid.UUID, payload: ReferralIn
) -> Status[referrals.ReferralView]:
    return Status(
        201,
        referrals.referral_create(
            actor=acting(request),
            participant_id=participant_id,
            measure_code=payload.measure_code,
            urgency=payload.urgency,
            clinic_id=payload.clinic_id,
        ),
    )


@router.post("/referrals/{referral_id}/status", response={200: ReferralOut, **ERRORS})
def update_referral(
    request: HttpRequest, referral_id: uuid.UUID, payload: ReferralStatusIn
) -> referrals.ReferralView:
    return referrals.referral_update(
        actor=acting(request), referral_id=referral_id, status=payload.status
    )


@router.get("/programmes/{programme_id}/referrals", response={200: list[ReferralOut], **ERRORS})
def follow_up_referrals(
    request: HttpRequest, programme_id: PathId, status: Word = "open"
) -> list[referrals.ReferralView]:
    return referrals.referrals_to_follow(
        actor=acting(request), programme_id=programme_id, status=status
    )


@router.get("/participants/{participant_id}/fhir", response={200: dict[str, Any], **ERRORS})
def own_record(request: HttpRequest, participant_id: uuid.UUID) -> HttpResponse:
    """The participant's own record as a FHIR R4 Bundle, handed to them on request."""
    bundle = exams.own_record_export(actor=acting(request), participant_id=participant_id)
    return JsonResponse(bundle, content_type="application/fhir+json")


class ReturnedIn(Closed):
    how: Word


class ReturnedOut(Schema):
    encounter_ids: list[uuid.UUID]


class UnreturnedOut(Schema):
    encounter_id: uuid.UUID
    participant_id: uuid.UUID
    site: str
    started_at: datetime
    days_waiting: int


@router.post(
    "/participants/{participant_id}/results-returned", response={200: ReturnedOut, **ERRORS}
)
def results_returned(
    request: HttpRequest, participant_id: uuid.UUID, payload: ReturnedIn
) -> dict[str, list[uuid.UUID]]:
    """How the letter reached the person: handed, printed, sent, or declined."""
    owed = returns.results_returned(
        actor=acting(request), participant_id=participant_id, how=payload.how
    )
    return {"encounter_ids": owed}


@router.get(
    "/programmes/{programme_id}/unreturned-results", response={200: list[UnreturnedOut], **ERRORS}
)
def unreturned_results(
    request: HttpRequest,
    response: HttpResponse,
    programme_id: PathId,
    page: Annotated[int, Field(ge=1, le=2**31 - 1)] = 1,
) -> list[returns.EncounterReturn]:
    """Visits whose results have not reached the person yet, newest first, 25 a page
    (?page=N); no names. X-Total-Count says how many in all, Link the pages around."""
    shown = returns.results_unreturned(actor=acting(request), programme_id=programme_id, page=page)
    response["X-Total-Count"] = str(shown.total)
    links = [(shown.previous, "prev")] if shown.has_previous else []
    links += [(shown.next, "next")] if shown.has_next else []
    if links:
        response["Link"] = ", ".join(f'<{request.path}?page={n}>; rel="{rel}"' for n, rel in links)
    return list(shown.items)


class NoteResultOut(Schema):
    when: datetime
    name: str
    shown: str
    note: str
    label: str
    level: str
    source: str


class NoteReferralOut(Schema):
    id: uuid.UUID
    clinic: str
    urgency: str
    status: str
    created_at: datetime
    measure: str  # empty unless the person agreed to share with the clinic
    classification: str


class ClinicNoteOut(Schema):
    referral: NoteReferralOut
    shared: bool
    given_name: str
    family_name: str
    date_of_birth: date | None
    sex: str
    results: list[NoteResultOut]


@router.get("/referrals/{referral_id}/note", response={200: ClinicNoteOut, **ERRORS})
def referral_note(request: HttpRequest, referral_id: uuid.UUID) -> referrals.ClinicNote:
    """What the named clinic receives: results only with referral_sharing consent."""
    return referrals.referral_note(actor=acting(request), referral_id=referral_id)
