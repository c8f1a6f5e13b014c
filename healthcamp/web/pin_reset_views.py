"""The desk removes a forgotten portal PIN: only with the person there, holding their card."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from healthcamp.access.errors import InvalidInput
from healthcamp.access.policy import permitted
from healthcamp.access.roles import Action, Purpose
from healthcamp.access.staff import Actor
from healthcamp.services import portal
from healthcamp.web.forms import CardSearchForm, show_errors
from healthcamp.web.views import staff_view


@require_http_methods(["GET", "POST"])
@staff_view
def reset(request: HttpRequest, actor: Actor, participant_id: uuid.UUID) -> HttpResponse:
    """The card's code, scanned or typed from the card the person holds, must be the
    record's; then their PIN is removed and the card's sign-in lock lifted (audited)."""
    may = permitted(role=actor.role, action=Action.PORTAL_PIN_RESET, purpose=Purpose.REGISTRATION)
    form = CardSearchForm(request.POST if request.method == "POST" else None)
    done: bool | None = None  # whether a PIN was removed, once reset
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                done = portal.portal_pin_reset(
                    actor=actor,
                    participant_id=participant_id,
                    card_code=form.cleaned_data["card_code"],
                )
            except InvalidInput as error:
                show_errors(form, error)
            else:
                status = 200
    return render(
        request,
        "web/pin_reset.html",
        {
            "actor": actor,
            "participant_id": participant_id,
            "form": form,
            "may": may,
            "done": done,
        },
        status=status if may.allowed else 403,
    )
