"""REST API v1: thin handlers over the access layer."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer
from pydantic import Field, StrictStr

from healthcamp.access.errors import (
    AccessDenied,
    Conflict,
    InvalidInput,
    NotFound,
    VaultUnavailable,
)
from healthcamp.access.forbidden import refusal
from healthcamp.access.policy import default_purpose
from healthcamp.access.staff import Actor, actor_for_token
from healthcamp.api import consent as consent_api
from healthcamp.api import exams as exams_api
from healthcamp.api import imports as imports_api
from healthcamp.api import reports as reports_api
from healthcamp.api.common import (
    ERRORS,
    CardCode,
    Closed,
    IsoDate,
    JsonOnly,
    LanguageTag,
    Name,
    PathId,
    Phone,
    RowId,
    Title,
    UnsupportedMediaType,
    Word,
    acting,
    plain_message,
)
from healthcamp.api.openapi_once import built_once
from healthcamp.audit.witness import WitnessConfigError
from healthcamp.services import auditing, erasure, participants, programmes


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        return actor_for_token(token)


api = NinjaAPI(
    title="healthcamp API",
    version="1",
    urls_namespace="api",
    auth=BearerToken(),
    parser=JsonOnly(),
    docs_decorator=built_once,
    description=(
        "Every call acts as a staff member (Authorization: Bearer TOKEN), names a purpose, "
        "and is checked and written to the audit log by the access layer."
    ),
)


def _error(request: HttpRequest, status: int, message: str, **extra: Any) -> HttpResponse:
    return api.create_response(request, {"message": message, **extra}, status=status)


def _field_name(loc: list[Any] | tuple[Any, ...]) -> str:
    # ninja prefixes body fields with ("body", "<param name>"): name the field itself.
    # Only the prefix: a field may itself be called "body" (a consent document's text).
    parts = [str(p) for p in loc]
    if parts[:1] == ["body"]:
        parts = parts[2:]
    elif parts[:1] in (["query"], ["path"], ["header"], ["cookie"], ["form"], ["file"]):
        parts = parts[1:]
    return ".".join(parts) or ".".join(str(p) for p in loc)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    details = []
    for error in exc.errors:
        field = _field_name(error.get("loc", ()))
        message = str(error.get("msg", "is not valid"))
        if error.get("type") == "extra_forbidden":
            message = refusal(field.rsplit(".", 1)[-1]) or (
                f"Unknown field '{field}'; remove it (only the listed fields are accepted)."
            )
        elif error.get("type") == "json_invalid":
            message = "The request body is not valid JSON; send a JSON object."
        else:
            message = plain_message(error, field) or message
        details.append({"field": field, "message": message, "type": error.get("type", "")})
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
    return _error(request, 422, summary, detail=details)


@api.exception_handler(InvalidInput)
def on_invalid_input(request: HttpRequest, exc: InvalidInput) -> HttpResponse:
    details = [{"field": f, "message": m, "type": "invalid"} for f, m in exc.errors.items()]
    return _error(request, 422, str(exc), detail=details)


@api.exception_handler(AccessDenied)
def on_denied(request: HttpRequest, exc: AccessDenied) -> HttpResponse:
    return _error(request, 403, str(exc))


@api.exception_handler(NotFound)
def on_not_found(request: HttpRequest, exc: NotFound) -> HttpResponse:
    return _error(request, 404, str(exc))


@api.exception_handler(Conflict)
def on_conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    return _error(request, 409, str(exc))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    # On the record, without the token (a typo'd token is half a secret).
    sent = "a token that is not valid" if request.headers.get("Authorization") else "no token"
    auditing.record_unauthenticated(what=f"{request.method} {request.path}: {sent}")
    return _error(
        request,
        401,
        "Send a valid staff token as 'Authorization: Bearer TOKEN' "
        "(create one with: healthcamp staff add NAME --role ROLE).",
    )


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    if isinstance(exc.__cause__, UnsupportedMediaType):
        return _error(
            request,
            415,
            f"The request body is sent as {exc.__cause__}; send JSON, "
            "with the header 'Content-Type: application/json'.",
        )
    if exc.status_code == 400 and "parse" in message.lower():
        message = "The request body is not valid JSON; send one JSON object with the listed fields."
    return _error(request, exc.status_code, message)


@api.exception_handler(VaultUnavailable)
def on_vault_key(request: HttpRequest, exc: VaultUnavailable) -> HttpResponse:
    # A server-side key problem, not bad input: say which key, serve nothing.
    return _error(request, 503, f"The vault cannot open this record: {exc}")


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(
        request, 413, "The request body is too large; a request here is a few hundred bytes."
    )


class ParticipantIn(Closed):
    programme_id: RowId
    given_name: Name
    family_name: Name
    date_of_birth: IsoDate
    sex: Word
    preferred_language: LanguageTag
    phone: Phone = ""


class Registered(Schema):
    id: uuid.UUID
    card_code: str
    possible_duplicates: int


class ParticipantOut(Schema):
    id: uuid.UUID
    programme_id: int
    card_code: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    preferred_language: str
    phone: str
    registered_at: datetime


class SearchResults(Schema):
    purpose: str
    results: list[ParticipantOut]


class NameIn(Closed):
    name: Title


class CreatedOut(Schema):
    id: int
    name: str


@api.post("/participants", response={201: Registered, **ERRORS})
def register_participant(request: HttpRequest, payload: ParticipantIn) -> Status[Registered]:
    record = participants.participant_register(actor=acting(request), **payload.model_dump())
    duplicates = participants.likely_duplicates(actor=acting(request), participant_id=record.id)
    return Status(
        201,
        Registered(id=record.id, card_code=record.card_code, possible_duplicates=duplicates),
    )


@api.get("/participants/{participant_id}", response={200: ParticipantOut, **ERRORS})
def read_participant(
    request: HttpRequest, participant_id: uuid.UUID, purpose: Word
) -> participants.ParticipantRecord:
    return participants.participant_read(
        actor=acting(request),
        purpose=participants.parse_purpose(purpose),
        participant_id=participant_id,
    )


@api.get("/participants", response={200: SearchResults, **ERRORS})
def find_participants(
    request: HttpRequest,
    card_code: CardCode | None = None,
    given_name: Name | None = None,
    family_name: Name | None = None,
    date_of_birth: IsoDate | None = None,
    purpose: Word | None = None,
) -> dict[str, Any]:
    """Find one person by card code, or by name and date of birth. There is no listing."""
    actor = acting(request)
    chosen = participants.parse_purpose(purpose) if purpose else default_purpose(actor.role)
    if card_code is not None:
        try:
            found = [
                participants.participant_find_by_card(
                    actor=actor, purpose=chosen, card_code=card_code
                )
            ]
        except NotFound:
            found = []
    elif given_name is not None and family_name is not None and date_of_birth is not None:
        found = participants.participant_search(
            actor=actor,
            purpose=chosen,
            given_name=given_name,
            family_name=family_name,
            date_of_birth=date_of_birth,
        )
    else:
        raise InvalidInput(
            {
                "query": "Give card_code, or given_name, family_name and date_of_birth together. "
                "healthcamp never lists participants in bulk."
            }
        )
    return {"purpose": chosen.value, "results": found}


class ErasedOut(Schema):
    pseudonym: str
    erased_at: str


@api.post("/participants/{participant_id}/erase", response={200: ErasedOut, **ERRORS})
def erase_participant(request: HttpRequest, participant_id: uuid.UUID) -> erasure.Erased:
    """Carry out a participant's erasure request: their data key is destroyed."""
    return erasure.participant_erase(actor=acting(request), participant_id=participant_id)


@api.post("/programmes", response={201: CreatedOut, **ERRORS})
def create_programme(request: HttpRequest, payload: NameIn) -> Status[programmes.Created]:
    return Status(201, programmes.programme_create(actor=acting(request), name=payload.name))


@api.post("/programmes/{programme_id}/sites", response={201: CreatedOut, **ERRORS})
def create_site(
    request: HttpRequest, programme_id: PathId, payload: NameIn
) -> Status[programmes.Created]:
    return Status(
        201,
        programmes.site_create(actor=acting(request), programme_id=programme_id, name=payload.name),
    )


api.add_router("", consent_api.router)
api.add_router("", exams_api.router)
api.add_router("", reports_api.router)
api.add_router("", imports_api.router)


class MemberIn(Closed):
    username: Word


class MemberOut(Schema):
    programme_id: int
    username: str


@api.post("/programmes/{programme_id}/members", response={201: MemberOut, **ERRORS})
def add_member(
    request: HttpRequest, programme_id: PathId, payload: MemberIn
) -> Status[dict[str, Any]]:
    """A coordinator of the programme adds an existing staff member to it."""
    added = programmes.member_add(
        actor=acting(request), programme_id=programme_id, username=payload.username
    )
    return Status(201, {"programme_id": added.id, "username": added.name})


class AuditEntryOut(Schema):
    seq: int
    prev_hash: str
    hash: str
    body: str


class AuditEntriesOut(Schema):
    entries: list[AuditEntryOut]
    next_after: int | None


@api.get("/audit/entries", response={200: AuditEntriesOut, **ERRORS})
def audit_entries(request: HttpRequest, after: int = 0, limit: int = 100) -> dict[str, Any]:
    """The auditor reads the log as stored: body is base64 of the exact bytes hashed
    (hash = SHA-256(prev_hash || body)); no names, no health values."""
    found = auditing.audit_entries(actor=acting(request), after=after, limit=limit)
    return {"entries": found, "next_after": found[-1].seq if len(found) == limit else None}


class VerificationOut(Schema):
    ok: bool
    entries: int
    first_bad_seq: int | None
    problem: str
    warning: str


@api.get("/audit/verification", response={200: VerificationOut, **ERRORS})
def audit_verification(request: HttpRequest) -> dict[str, Any]:
    """The auditor's `healthcamp audit verify`: the chain and its index recomputed."""
    result = auditing.audit_verification(actor=acting(request))
    return {
        "ok": result.ok,
        "entries": result.entries,
        "first_bad_seq": result.first_bad_seq,
        "problem": result.problem,
        "warning": result.warning,
    }


@api.get("/audit/checkpoint", auth=None, response={200: None, **ERRORS}, tags=["audit"])
def audit_checkpoint(request: HttpRequest) -> HttpResponse:
    """Public: the newest signed checkpoint of the audit log (C2SP tlog-checkpoint, a
    signed note: origin, size, base64 root hash, Ed25519 signature). It names no one; a
    programme publishes its key (`healthcamp audit public-key`) so anyone can check it."""
    return HttpResponse(auditing.audit_checkpoint(), content_type="text/plain; charset=utf-8")


class ConsistencyOut(Schema):
    first: int
    second: int
    proof: list[str]
    first_checkpoint: str
    second_checkpoint: str


@api.get("/audit/consistency", auth=None, response={200: ConsistencyOut, **ERRORS}, tags=["audit"])
def audit_consistency(request: HttpRequest, first: int, second: int) -> dict[str, object]:
    """Public: the RFC 9162 proof that the checkpoint of size `second` extends the one of
    size `first` (both issued checkpoints); proof hashes in base64."""
    return auditing.audit_consistency(first=first, second=second)


@api.get("/audit/checkpoint/cosigned", auth=None, response={200: None, **ERRORS}, tags=["audit"])
def audit_checkpoint_cosigned(request: HttpRequest) -> HttpResponse:
    """Public: the newest signed checkpoint with the cosignature lines of every witness
    that has cosigned it so far (a signed note; a reader checks the witnesses it trusts)."""
    return HttpResponse(
        auditing.audit_checkpoint_cosigned(), content_type="text/plain; charset=utf-8"
    )


class CosignatureIn(Closed):
    # A checkpoint is ~100 bytes and a signature line ~100 more: 64 KiB is an attack.
    checkpoint: Annotated[StrictStr, Field(max_length=1 << 16)]


class CosignatureOut(Schema):
    size: int
    witnesses: list[str]


@api.post(
    "/audit/cosignatures", auth=None, response={201: CosignatureOut, **ERRORS}, tags=["audit"]
)
def audit_cosignatures(request: HttpRequest, payload: CosignatureIn) -> Status[Any]:
    """Public, for witnesses (`healthcamp witness run`): one of this log's checkpoints,
    as a signed note carrying the witness's cosignature. Kept and shown beside the
    checkpoint when the note verifies with the log's key and a witness key the log
    knows (HEALTHCAMP_AUDIT_WITNESSES). 422: it does not verify, or the witness is
    unknown; 404: the log has no checkpoint of that size."""
    try:
        taken = auditing.audit_cosignatures_add(checkpoint=payload.checkpoint)
    except WitnessConfigError as error:
        raise HttpError(503, f"This log's witness keys are misconfigured: {error}") from None
    return Status(201, {"size": taken.size, "witnesses": taken.witnesses})


class ProofOut(Schema):
    entry: str
    index: int
    tree_size: int
    proof: list[str]
    checkpoint: str


@api.get("/audit/entries/{seq}/proof", response={200: ProofOut, **ERRORS}, tags=["audit"])
def audit_proof(request: HttpRequest, seq: int) -> dict[str, object]:
    """The auditor: an entry's bytes (base64) and its inclusion proof in the newest
    checkpoint, checkable with tools/verify_audit_log.py and nothing of healthcamp."""
    return auditing.audit_proof(actor=acting(request), seq=seq)
