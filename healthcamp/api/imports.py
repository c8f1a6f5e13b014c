"""Import jobs: a results file or a file of paper registration forms posted whole
(multipart), checked and written in the background; its progress, then its summary or its
problems, read by its id."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema, Status, UploadedFile
from pydantic import Field

from healthcamp.access.errors import InvalidInput
from healthcamp.access.forbidden import refusal
from healthcamp.api.common import ERRORS, PathId, RowId, Word, acting
from healthcamp.imports import jobs

router = Router(tags=["imports"])

MAX_BYTES = 50 * 1024 * 1024  # as the page: a larger file goes in with `healthcamp import`
_FIELDS = {"kind", "dry_run", "encoding", "source", "site_id"}


class ImportForm(Schema):
    kind: Word = Field(
        "results", description="results (lab files, station forms) or registrations (paper forms)"
    )
    dry_run: bool = Field(False, description="check only: nothing is written")
    encoding: Word = Field("", description="the text encoding of a CSV file, e.g. cp1252")
    source: Word = Field("lab_file", description="lab_file or paper_form")
    site_id: RowId | None = Field(None, description="the site of a FHIR Bundle's samples")


class JobStarted(Schema):
    id: uuid.UUID


class ProblemOut(Schema):
    row: int  # as a spreadsheet numbers it (the header is 1); 0: the file as a whole
    column: str
    message: str


class CardOut(Schema):
    form_reference: str
    card_code: str


class JobOut(Schema):
    id: uuid.UUID
    status: str = Field(description="queued, checking, importing, done, problems, refused, failed")
    kind: str
    dry_run: bool
    rows_done: int
    rows_total: int
    summary: dict[str, Any]
    problems: list[ProblemOut]
    problems_more: int = Field(description="problems found beyond those listed")
    cards: list[CardOut] = Field(
        description="registrations: each paper form's reference and the card code of the "
        "person it registered, for the staff member who started the import (kept an hour)"
    )
    details: str = Field(
        description="registrations: 'shown'; 'starter' when only the staff member who "
        "started it may see the problems and cards; 'gone' when they are no longer kept"
    )


def _only_known_fields(request: HttpRequest) -> None:
    """As every body here: a field not listed is refused by name (a forbidden one with the
    'does not collect' message)."""
    for name in sorted(set(request.POST.keys()) - _FIELDS) + sorted(
        set(request.FILES.keys()) - {"file"}
    ):
        raise InvalidInput(
            {
                name: refusal(name)
                or f"Unknown field '{name}'; send file, and if needed {', '.join(sorted(_FIELDS))}."
            }
        )


@router.post("/programmes/{programme_id}/imports", response={202: JobStarted, **ERRORS})
def start_import(
    request: HttpRequest,
    programme_id: PathId,
    file: File[UploadedFile],
    form: Form[ImportForm],
) -> Status[dict[str, Any]]:
    """Post a results file (CSV, XLSX or a FHIR R4 Bundle) or, with kind=registrations, a
    file of paper registration forms (CSV or XLSX); multipart, field `file`: 202 with the
    job's id at once; read its progress and outcome at /imports/{id}. dry_run: check only,
    nothing written."""
    _only_known_fields(request)
    if file.size is not None and file.size > MAX_BYTES:
        raise InvalidInput(
            {"file": "The file is larger than 50 MB; import it with `healthcamp import`."}
        )
    job_id = jobs.job_start(
        actor=acting(request),
        programme_id=programme_id,
        data=file.read(),
        name=file.name or "",
        kind=form.kind,
        dry_run=form.dry_run,
        encoding=form.encoding or None,
        source=form.source,
        site_id=form.site_id,
    )
    return Status(202, {"id": job_id})


@router.get("/imports/{job_id}", response={200: JobOut, **ERRORS})
def read_import(request: HttpRequest, job_id: uuid.UUID) -> dict[str, Any]:
    """Where an import is: rows done of total while it runs; then its summary, or the
    problems found (nothing written). Only its starter and the programme's coordinators
    see it."""
    state = jobs.job_status(actor=acting(request), job_id=job_id)
    return {
        "id": state.id,
        "status": state.status,
        "kind": state.kind,
        "dry_run": state.dry_run,
        "rows_done": state.rows_done,
        "rows_total": state.rows_total,
        "summary": state.summary,
        "problems": state.problems,
        "problems_more": state.problems_more,
        "cards": [{"form_reference": r, "card_code": c} for r, c in state.cards],
        "details": state.details,
    }
