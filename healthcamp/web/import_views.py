"""The import page: a lab file or paper forms' values, checked first, then written whole.

Thin over healthcamp.imports: the check and the import are the CLI's and the API's. With
htmx only the outcome is swapped in, so the chosen file stays chosen for "fix, check again,
import"; without it the whole page comes back.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from healthcamp.access.staff import Actor
from healthcamp.imports.problems import FileRefused, ProblemsFound
from healthcamp.imports.results import SOURCES, results_check, results_import
from healthcamp.services import programmes
from healthcamp.web.views import staff_view

MAX_BYTES = 50 * 1024 * 1024  # a 2 M-row CSV is about 80 MB; a page upload is a lab file


@staff_view
@require_http_methods(["GET", "POST"])
def results(request: HttpRequest, actor: Actor, programme_id: int) -> HttpResponse:
    programme = next((p for p in programmes.programmes(actor=actor) if p.id == programme_id), None)
    context: dict[str, Any] = {
        "actor": actor,
        "programme_id": programme_id,
        "programme": programme.name if programme else "",
        "source": request.POST.get("source", "lab_file"),
    }
    if request.method == "POST":
        context.update(_outcome(request, actor, programme_id))
    if request.headers.get("HX-Target") == "outcome":  # the form's own swap, not hx-boost
        return render(request, "web/imports/_outcome.html", context)
    return render(request, "web/imports/results.html", context)


def _outcome(request: HttpRequest, actor: Actor, programme_id: int) -> dict[str, Any]:
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
    try:
        if request.POST.get("step") == "import":
            summary = results_import(
                actor=actor, programme_id=programme_id, data=data, encoding=encoding, source=source
            )
            return {"summary": summary, "name": upload.name}
        checked = results_check(
            actor=actor, programme_id=programme_id, data=data, encoding=encoding
        )
    except FileRefused as refused:
        return {"refused": str(refused)}
    except ProblemsFound as found:
        return {"problems": found.problems, "name": upload.name}
    return {
        "problems": checked.problems,
        "checked": checked,
        "name": upload.name,
    }
