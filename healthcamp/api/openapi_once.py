"""The OpenAPI document, built once per process.

django-ninja builds the document (about 80 KB of JSON from every route's schemas) on
each request for /api/v1/openapi.json: about a second of CPU on this machine, for a URL
that needs no login. The routes cannot change while the process runs, so the first
answer's bytes are kept and served again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.openapi.views import openapi_json

View = Callable[..., HttpResponse]


def built_once(view: View) -> View:
    """Used as the API's docs_decorator: keeps the OpenAPI JSON (by path) after its first
    successful answer; the docs page, which ninja wraps too, is left as it is."""
    if getattr(view, "func", None) is not openapi_json:  # a functools.partial of it
        return view
    kept: dict[str, tuple[bytes, str]] = {}

    @wraps(view)
    def once(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        found = kept.get(request.path)
        if found is None:
            answer = view(request, *args, **kwargs)
            if answer.status_code != 200:
                return answer
            found = kept[request.path] = (answer.content, answer["Content-Type"])
        return HttpResponse(found[0], content_type=found[1])

    return once
