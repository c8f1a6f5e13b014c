"""A programme's import template as a download: GET ?kind=results|registrations&format=
csv|xlsx. Thin over healthcamp.imports.templates, which checks who may have it."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from healthcamp.access.staff import Actor
from healthcamp.imports.templates import template
from healthcamp.web.views import staff_view


@staff_view
@require_GET
def download(request: HttpRequest, actor: Actor, programme_id: int) -> HttpResponse:
    made = template(
        actor=actor,
        programme_id=programme_id,
        kind=request.GET.get("kind", "results"),
        fmt=request.GET.get("format", "xlsx"),
    )
    response = HttpResponse(made.data, content_type=made.content_type)
    response["Content-Disposition"] = f'attachment; filename="{made.filename}"'
    return response
