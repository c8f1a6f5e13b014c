"""The second step of a staff log-in: a code from the member's authenticator app."""

from __future__ import annotations

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from healthcamp.access.staff import actor_for_user
from healthcamp.services import two_factor


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or "/"
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if safe else "/"


@require_http_methods(["GET", "POST"])
@login_required
def second_factor(request: HttpRequest) -> HttpResponse:
    actor = actor_for_user(request.user)
    if actor is None:
        return render(
            request,
            "web/problem.html",
            {"message": gettext("This account is not a staff member of any role.")},
            status=403,
        )
    if request.user.is_verified():  # type: ignore[union-attr]
        return redirect(_next(request))
    setup = two_factor.enrolment(user=request.user)  # type: ignore[arg-type]
    error, status = "", 200
    if request.method == "POST":
        code = request.POST.get("code", "").strip().replace(" ", "")
        if not (code.isdigit() and len(code) == 6):
            error, status = gettext("Type the 6 digits your authenticator app shows now."), 422
        else:
            checked = two_factor.check_code(
                actor=actor,
                user=request.user,  # type: ignore[arg-type]
                code=code,
            )
            if checked.device is not None:
                otp_login(request, checked.device)
                return redirect(_next(request))
            error, status = (
                (
                    ngettext(
                        "Too many wrong codes: wait %(seconds)s second, then type the code your "
                        "app shows at that moment.",
                        "Too many wrong codes: wait %(seconds)s seconds, then type the code your "
                        "app shows at that moment.",
                        checked.wait_seconds,
                    )
                    % {"seconds": checked.wait_seconds},
                    429,
                )
                if checked.wait_seconds
                else (
                    gettext(
                        "That code is not right. Check the app shows healthcamp for %(name)s, "
                        "and type the newest code."
                    )
                    % {"name": actor.username},
                    422,
                )
            )
    context = {
        "actor": actor,
        "setup": setup,
        "qr": segno.make(setup.config_url, error="m").svg_data_uri(scale=4) if setup else "",
        "error": error,
        "next": _next(request),
    }
    return render(request, "web/second_factor.html", context, status=status)
