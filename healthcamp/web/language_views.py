"""A staff member chooses the language of their own pages (kept on their account)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from healthcamp.access.staff import Actor
from healthcamp.lib import languages
from healthcamp.services import staff_admin
from healthcamp.web import staff_language
from healthcamp.web.views import staff_view


def _back(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()}):
        return wanted
    return "/"


@require_http_methods(["GET", "POST"])
@staff_view
def choose(request: HttpRequest, actor: Actor) -> HttpResponse:
    if request.method == "POST":
        chosen = staff_admin.staff_language_set(
            actor=actor, language=request.POST.get("language", "")
        )
        staff_language.remember(request, chosen)
        return redirect(_back(request))
    reader = translation.get_language()
    return render(
        request,
        "web/language.html",
        {
            "actor": actor,
            "current": request.session.get(staff_language.SESSION_KEY, ""),
            # Each language in its own words, and in the reader's when they differ.
            "choices": [
                (code, languages.own_name(code), languages.name(code, reader=reader))
                for code in languages.shipped()
            ],
            "next": _back(request),
        },
    )
