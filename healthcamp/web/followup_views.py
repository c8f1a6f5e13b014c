"""Following up: results that have not reached people, and referrals to clinics."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from healthcamp.access.errors import Conflict, InvalidInput, NotFound
from healthcamp.access.staff import Actor
from healthcamp.lib import paging
from healthcamp.services import programmes, referrals, returns
from healthcamp.web.views import _problem, staff_view


@require_POST
@staff_view
def results_returned(request: HttpRequest, actor: Actor, participant_id: uuid.UUID) -> HttpResponse:
    try:
        returns.results_returned(
            actor=actor, participant_id=participant_id, how=request.POST.get("how", "")
        )
    except InvalidInput as error:
        return _problem(request, 422, " ".join(error.errors.values()))
    return redirect("web:participant", participant_id=participant_id)


def _programme_name(actor: Actor, programme_id: int) -> str:
    for p in programmes.programmes(actor=actor):
        if p.id == programme_id:
            return p.name
    raise NotFound(gettext("There is no programme %(id)s.") % {"id": programme_id})


@require_GET
@staff_view
def unreturned(request: HttpRequest, actor: Actor, programme_id: int) -> HttpResponse:
    """Visits whose results have not reached the person yet, newest first, a page at a time."""
    name = _programme_name(actor, programme_id)
    rows = returns.results_unreturned(
        actor=actor, programme_id=programme_id, page=paging.page_number(request.GET.get("page"))
    )
    return render(
        request,
        "web/unreturned.html",
        {"actor": actor, "programme_id": programme_id, "programme": name, "rows": rows},
    )


@require_http_methods(["GET", "POST"])
@staff_view
def referral_list(request: HttpRequest, actor: Actor, programme_id: int) -> HttpResponse:
    """The coordinator's follow-up of referrals: mark attended or closed."""
    name = _programme_name(actor, programme_id)
    problem = ""
    if request.method == "POST":
        try:
            referrals.referral_update(
                actor=actor,
                referral_id=uuid.UUID(request.POST.get("referral_id", "")),
                status=request.POST.get("status", ""),
            )
            return redirect(request.get_full_path())
        except (InvalidInput, Conflict) as error:
            problem = str(error)
        except ValueError:
            problem = gettext("That referral id is not valid; reload the page and try again.")
    status = request.GET.get("status", "open")
    rows = referrals.referrals_to_follow(actor=actor, programme_id=programme_id, status=status)
    return render(
        request,
        "web/referrals.html",
        {
            "actor": actor,
            "programme_id": programme_id,
            "programme": name,
            "rows": rows,
            "status": status,
            "statuses": sorted(referrals.STATUSES),
            "problem": problem,
        },
        status=422 if problem else 200,
    )


@require_GET
@staff_view
def referral_note(request: HttpRequest, actor: Actor, referral_id: uuid.UUID) -> HttpResponse:
    """The note for the clinic, printed or shown: results only with referral_sharing consent."""
    note = referrals.referral_note(
        actor=actor, referral_id=referral_id, language=translation.get_language() or "en"
    )
    return render(request, "web/referral_note.html", {"actor": actor, "note": note})
