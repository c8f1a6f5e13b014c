"""The import pages: a lab file or paper forms' values (results), or paper registration
forms (registrations), checked first, then written whole.

Thin over healthcamp.imports: the check and the import are the CLI's and the API's.
"Check the file" runs at once and writes nothing; "Import" starts an import job
(healthcamp.imports.jobs) and shows its progress bar, refreshed by htmx every second until
the job ends and its summary (or its problems) takes the bar's place; without JavaScript
the page offers a Refresh link to the job's own page. With htmx only the outcome is
swapped in, so the chosen file stays chosen for "fix, check again, import"; without it the
whole page comes back.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods

from healthcamp.access.errors import NotFound
from healthcamp.access.staff import Actor
from healthcamp.imports import jobs
from healthcamp.imports.problems import FileRefused
from healthcamp.imports.registrations import registrations_check
from healthcamp.imports.results import SOURCES, results_check
from healthcamp.services import programmes
from healthcamp.web.views import staff_view

MAX_BYTES = 50 * 1024 * 1024  # a 2 M-row CSV is about 80 MB; a page upload is a lab file


PAGES = {"results": "web/imports/results.html", "registrations": "web/imports/registrations.html"}


def _page(
    actor: Actor, programme_id: int, source: str = "lab_file", kind: str = "results"
) -> dict[str, Any]:
    programme = next((p for p in programmes.programmes(actor=actor) if p.id == programme_id), None)
    return {
        "actor": actor,
        "programme_id": programme_id,
        "programme": programme.name if programme else "",
        "source": source,
        "kind": kind,
    }


def _import_page(request: HttpRequest, actor: Actor, programme_id: int, kind: str) -> HttpResponse:
    context = _page(actor, programme_id, request.POST.get("source", "lab_file"), kind)
    if request.method == "POST":
        context.update(_outcome(request, actor, programme_id, kind))
    if request.headers.get("HX-Target") == "outcome":  # the form's own swap, not hx-boost
        return render(request, "web/imports/_outcome.html", context)
    return render(request, PAGES[kind], context)


@staff_view
@require_http_methods(["GET", "POST"])
def results(request: HttpRequest, actor: Actor, programme_id: int) -> HttpResponse:
    return _import_page(request, actor, programme_id, "results")


@staff_view
@require_http_methods(["GET", "POST"])
def registrations(request: HttpRequest, actor: Actor, programme_id: int) -> HttpResponse:
    return _import_page(request, actor, programme_id, "registrations")


def _outcome(request: HttpRequest, actor: Actor, programme_id: int, kind: str) -> dict[str, Any]:
    upload = request.FILES.get("file")
    if upload is None:
        return {"refused": gettext("Choose a CSV or XLSX file first.")}
    if upload.size is not None and upload.size > MAX_BYTES:
        return {"refused": gettext("This file is larger than 50 MB: use the command line.")}
    data = upload.read()
    encoding = request.POST.get("encoding") or None
    source = request.POST.get("source", "lab_file")
    if source not in SOURCES:
        source = "file"
    if request.POST.get("step") == "import":
        job_id = jobs.job_start(
            actor=actor,
            programme_id=programme_id,
            data=data,
            name=upload.name or "",
            kind=kind,
            dry_run=False,
            encoding=encoding,
            source=source,
        )
        return _job_context(jobs.job_status(actor=actor, job_id=job_id))
    # The check runs here and now, and what it finds is shown once, never kept.
    check = registrations_check if kind == "registrations" else results_check
    try:
        checked = check(actor=actor, programme_id=programme_id, data=data, encoding=encoding)
    except FileRefused as refused:
        return {"refused": str(refused)}
    return {
        "problems": checked.problems,
        "problems_total": len(checked.problems),
        "checked": checked,
        "name": upload.name,
    }


def _job_context(job: jobs.JobState) -> dict[str, Any]:
    """A running job's progress; an ended one's outcome, as the check shows its own."""
    if not job.ended:
        return {"job": job, "progress": _progress_words(job)}
    if job.status == "done":
        summary = dict(job.summary)
        summary["nothing_new"] = not summary.get("written")
        return {
            "summary": summary,
            "name": job.file_name,
            "cards": job.cards,
            "details": job.details,
        }
    if job.status == "problems":
        return {
            "problems": job.problems,
            "problems_total": job.problems_total,
            "name": job.file_name,
            "details": job.details,
            "problems_unseen": not job.problems,
        }
    if job.status == "failed":
        return {
            "refused": gettext(
                "The import stopped before it ended: nothing of it was written. Import the "
                "file again."
            )
        }
    # Refused whole: the file (a forbidden column, an encoding) or the act, in its words.
    return {"refused": job.summary.get("message", "")}


def _progress_words(job: jobs.JobState) -> str:
    if job.status != "importing" or not job.rows_total:
        return gettext("Checking every row; nothing is written yet.")
    return ngettext(
        "%(done)s of %(total)s row written",
        "%(done)s of %(total)s rows written",
        job.rows_total,
    ) % {
        "done": number_format(job.rows_done, force_grouping=True),
        "total": number_format(job.rows_total, force_grouping=True),
    }


def _own_job(actor: Actor, programme_id: int, job_id: uuid.UUID) -> jobs.JobState:
    job = jobs.job_status(actor=actor, job_id=job_id)
    if job.programme_id != programme_id:
        raise NotFound(gettext("There is no such import in this programme."))
    return job


@staff_view
@require_http_methods(["GET"])
def job(request: HttpRequest, actor: Actor, programme_id: int, job_id: uuid.UUID) -> HttpResponse:
    """An import job's own page: where "Refresh" leads without JavaScript."""
    job = _own_job(actor, programme_id, job_id)
    context = _page(actor, programme_id, kind=job.kind)
    context.update(_job_context(job))
    return render(request, PAGES.get(job.kind, PAGES["results"]), context)


@staff_view
@require_http_methods(["GET"])
def job_progress(
    request: HttpRequest, actor: Actor, programme_id: int, job_id: uuid.UUID
) -> HttpResponse:
    """The progress bar htmx asks for every second. When the job has ended, its outcome
    replaces the whole job panel, and with it the polling."""
    job = _own_job(actor, programme_id, job_id)
    context = _page(actor, programme_id, kind=job.kind)
    context.update(_job_context(job))
    if "job" in context:
        return render(request, "web/imports/_progress.html", context)
    response = render(request, "web/imports/_outcome.html", context)
    response["HX-Retarget"] = "#import-job"
    response["HX-Reswap"] = "outerHTML"
    return response
