"""Consent documents and participants' consent: thin handlers over the access layer."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse, JsonResponse
from ninja import Router, Schema, Status
from pydantic import Field, StrictBool

from healthcamp.api.common import (
    ERRORS,
    Closed,
    Description,
    DocumentText,
    LanguageTag,
    Name,
    PaperReference,
    PathId,
    RowId,
    Title,
    Word,
    acting,
)
from healthcamp.consent import records
from healthcamp.interop.fhir_consent import consent_resource
from healthcamp.services import consent

router = Router(tags=["consent"])


class PurposeIn(Closed):
    code: Word
    description: Description


class DocumentIn(Closed):
    language: LanguageTag
    version: RowId
    title: Title
    body: DocumentText
    purposes: Annotated[list[PurposeIn], Field(max_length=32)]


class PurposeOut(Schema):
    code: str
    description: str


class DocumentOut(Schema):
    id: int
    programme_id: int
    language: str
    version: int
    title: str
    body: str
    status: str
    sha256: str
    published_at: datetime | None
    purposes: list[PurposeOut]


class GuardianIn(Closed):
    name: Name
    relationship: Word


class ConsentIn(Closed):
    document_id: RowId
    decisions: Annotated[dict[Word, StrictBool], Field(max_length=32)]
    method: Word
    witness_id: RowId | None = None
    paper_reference: PaperReference = ""
    guardian: GuardianIn | None = None
    assent: StrictBool | None = None


class DecisionOut(Schema):
    purpose: str
    granted: bool
    withdrawn_at: datetime | None
    status: str


class ConsentOut(Schema):
    id: int
    participant_id: uuid.UUID
    document_id: int
    document_version: int
    language: str
    method: str
    witness: str
    paper_reference: str
    guardian_name: str
    guardian_relationship: str
    assent: bool | None
    recorded_at: datetime
    current: bool
    renewal_due: bool
    decisions: list[DecisionOut]


class WithdrawIn(Closed):
    purposes: Annotated[list[Word], Field(max_length=32)] | Literal["all"]
    erase: StrictBool


class WithdrawOut(Schema):
    withdrawn: list[str]
    erased: int
    participant_erased: bool
    consent: ConsentOut | None


def _consent_out(view: records.ConsentView) -> dict[str, Any]:
    return {
        "id": view.id,
        "participant_id": view.participant_id,
        "document_id": view.document.id,
        "document_version": view.document.version,
        "language": view.document.language,
        "method": view.method,
        "witness": view.witness,
        "paper_reference": view.paper_reference,
        "guardian_name": view.guardian_name,
        "guardian_relationship": view.guardian_relationship,
        "assent": view.assent,
        "recorded_at": view.recorded_at,
        "current": view.current,
        "renewal_due": view.renewal_due,
        "decisions": [
            {
                "purpose": d.purpose,
                "granted": d.granted,
                "withdrawn_at": d.withdrawn_at,
                "status": view.status(d.purpose).value,
            }
            for d in view.decisions
        ],
    }


@router.post("/programmes/{programme_id}/consent-documents", response={201: DocumentOut, **ERRORS})
def create_document(
    request: HttpRequest, programme_id: PathId, payload: DocumentIn
) -> Status[records.DocumentView]:
    return Status(
        201,
        consent.document_create(
            actor=acting(request),
            programme_id=programme_id,
            language=payload.language,
            version=payload.version,
            title=payload.title,
            body=payload.body,
            purposes=[p.model_dump() for p in payload.purposes],
        ),
    )


@router.post(
    "/programmes/{programme_id}/consent-documents/{document_id}/publish",
    response={200: DocumentOut, **ERRORS},
)
def publish_document(
    request: HttpRequest, programme_id: PathId, document_id: PathId
) -> records.DocumentView:
    return consent.document_publish(
        actor=acting(request), programme_id=programme_id, document_id=document_id
    )


@router.get(
    "/programmes/{programme_id}/consent-documents", response={200: list[DocumentOut], **ERRORS}
)
def list_documents(request: HttpRequest, programme_id: PathId) -> list[records.DocumentView]:
    return consent.documents(actor=acting(request), programme_id=programme_id)


@router.post("/participants/{participant_id}/consents", response={201: ConsentOut, **ERRORS})
def record_consent(
    request: HttpRequest, participant_id: uuid.UUID, payload: ConsentIn
) -> Status[dict[str, Any]]:
    guardian = (
        consent.Guardian(payload.guardian.name, payload.guardian.relationship)
        if payload.guardian
        else None
    )
    view = consent.consent_record(
        actor=acting(request),
        participant_id=participant_id,
        document_id=payload.document_id,
        decisions=payload.decisions,
        method=payload.method,
        witness_id=payload.witness_id,
        paper_reference=payload.paper_reference,
        guardian=guardian,
        assent=payload.assent,
    )
    return Status(201, _consent_out(view))


@router.get("/participants/{participant_id}/consents", response={200: list[ConsentOut], **ERRORS})
def list_consents(request: HttpRequest, participant_id: uuid.UUID) -> list[dict[str, Any]]:
    views = consent.consents_of(actor=acting(request), participant_id=participant_id)
    return [_consent_out(view) for view in views]


@router.post(
    "/participants/{participant_id}/consents/{consent_id}/withdraw",
    response={200: WithdrawOut, **ERRORS},
)
def withdraw_consent(
    request: HttpRequest, participant_id: uuid.UUID, consent_id: PathId, payload: WithdrawIn
) -> dict[str, Any]:
    result = consent.consent_withdraw(
        actor=acting(request),
        participant_id=participant_id,
        consent_id=consent_id,
        purposes=None if payload.purposes == "all" else payload.purposes,
        erase=payload.erase,
    )
    return {
        "withdrawn": list(result.withdrawn),
        "erased": result.erased,
        "participant_erased": result.participant_erased,
        "consent": _consent_out(result.consent) if result.consent else None,
    }


@router.get(
    "/participants/{participant_id}/consents/{consent_id}/fhir",
    response={200: dict[str, Any], **ERRORS},
)
def consent_fhir(
    request: HttpRequest, participant_id: uuid.UUID, consent_id: PathId
) -> HttpResponse:
    view = consent.consent_of(
        actor=acting(request), participant_id=participant_id, consent_id=consent_id
    )
    return JsonResponse(consent_resource(view), content_type="application/fhir+json")
