"""Staff pages: thin views over the access layer."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from healthcamp.access.errors import (
    AccessDenied,
    Conflict,
    InvalidInput,
    NotFound,
    VaultUnavailable,
)
from healthcamp.access.forbidden import refusals
from healthcamp.access.policy import default_purpose, permitted
from healthcamp.access.roles import Action, Purpose, Role
from healthcamp.access.staff import Actor, actor_for_user
from healthcamp.lib import languages, paging
from healthcamp.services import consent, exams, participants, programmes, returns
from healthcamp.web.forms import CardSearchForm, NameSearchForm, RegisterForm, show_errors

View = Callable[..., HttpResponse]


def staff_view(view: View) -> View:
    """Log-in required; the view receives the acting staff member; denials render calmly."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        actor = actor_for_user(request.user)
        if actor is None:
            return _problem(
                request, 403, gettext("This account is not a staff member of any role.")
            )
        if settings.STAFF_TWO_FACTOR and not request.user.is_verified():  # type: ignore[union-attr]
            # Password alone is one factor: the code from the member's app comes next.
            return redirect(
                f"{reverse('web:second_factor')}?{urlencode({'next': request.get_full_path()})}"
            )
        try:
            return view(request, actor, *args, **kwargs)
        except AccessDenied as error:
            return _problem(request, 403, str(error))
        except NotFound as error:
            return _problem(request, 404, str(error))
        except InvalidInput as error:
            return _problem(request, 422, " ".join(error.errors.values()))
        except Conflict as error:
            return _problem(request, 409, str(error))
        except VaultUnavailable as error:
            return _problem(
                request, 503, gettext("The vault cannot open this record: %(why)s") % {"why": error}
            )

    return wrapper


def _problem(request: HttpRequest, status: int, message: str) -> HttpResponse:
    return render(request, "web/problem.html", {"message": message}, status=status)


def _programme_choices(actor: Actor) -> list[tuple[int, str]]:
    return [(p.id, p.name) for p in programmes.programmes(actor=actor)]


def _with_programme(actor: Actor, records: list[participants.ParticipantRecord]) -> list[Any]:
    """Pair each record with its programme's name, for display."""
    names = dict(_programme_choices(actor))
    return [(record, names.get(record.programme_id, "")) for record in records]


def desk_context(actor: Actor, **extra: Any) -> dict[str, Any]:
    return {
        "actor": actor,
        "purpose": default_purpose(actor.role),
        "card_form": extra.pop("card_form", None) or CardSearchForm(),
        "name_form": extra.pop("name_form", None) or NameSearchForm(),
        "programmes": programmes.programmes(actor=actor),
        "may_import": may_import(actor),
        "may_import_forms": permitted(
            role=actor.role, action=Action.REGISTRATIONS_IMPORT, purpose=Purpose.REGISTRATION
        ).allowed,
        **extra,
    }


def may_import(actor: Actor) -> bool:
    """Whether the desk offers the results import page to this role."""
    return any(
        permitted(role=actor.role, action=Action.RESULTS_IMPORT, purpose=p).allowed
        for p in (Purpose.SCREENING, Purpose.BLOOD_TESTS)
    )


@require_GET
@staff_view
def desk(request: HttpRequest, actor: Actor) -> HttpResponse:
    return render(request, "web/desk.html", desk_context(actor))


@require_GET
@staff_view
def find_by_card(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = CardSearchForm(request.GET)
    if form.is_valid():
        try:
            found = participants.participant_find_by_card(
                actor=actor,
                purpose=default_purpose(actor.role),
                card_code=form.cleaned_data["card_code"],
            )
        except InvalidInput as error:
            form.add_error("card_code", error.errors["card_code"])
        except NotFound as error:
            form.add_error("card_code", str(error))
        else:
            return redirect("web:participant", participant_id=found.id)
    return render(request, "web/desk.html", desk_context(actor, card_form=form), status=422)


@require_GET
@staff_view
def find_by_name(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = NameSearchForm(request.GET)
    status = 422
    results = None
    if form.is_valid():
        try:
            results = participants.participant_search(
                actor=actor, purpose=default_purpose(actor.role), **form.cleaned_data
            )
            status = 200
        except InvalidInput as error:
            show_errors(form, error)
    return render(
        request,
        "web/desk.html",
        desk_context(
            actor,
            name_form=form,
            results=_with_programme(actor, results or []),
            searched=results is not None,
        ),
        status=status,
    )


_IDENTITY = ("programme_id", "given_name", "family_name", "date_of_birth")


def _asked_about(cleaned: dict[str, Any]) -> str:
    """A signed token of the identity the duplicate question was about."""
    from django.core import signing

    who = [str(cleaned[key]).casefold() for key in _IDENTITY]
    return signing.Signer(salt="healthcamp.register.alike").sign("|".join(who))


@require_http_methods(["GET", "POST"])
@staff_view
def register(request: HttpRequest, actor: Actor) -> HttpResponse:
    choices = _programme_choices(actor)
    if request.method == "GET":
        form = RegisterForm(programmes=choices)
        return render(request, "web/register.html", {"form": form, "actor": actor})
    form = RegisterForm(request.POST, programmes=choices)
    unknown = set(request.POST) - set(form.fields) - {"csrfmiddlewaretoken", "confirm_new"}
    refused = refusals(unknown)
    if unknown:
        # Never silently drop a field: say what was refused, and why.
        for name in sorted(unknown):
            form.add_error(
                None,
                refused.get(name)
                or gettext("The form has no field '%(name)s'; nothing was saved.") % {"name": name},
            )
    elif form.is_valid():
        asked = _asked_about(form.cleaned_data)
        if request.POST.get("confirm_new") != asked and (
            alike := participants.registered_alike(
                actor=actor,
                **{key: form.cleaned_data[key] for key in _IDENTITY},
            )
        ):
            # Ask before a second card is printed for someone already registered; the
            # answer holds for this name and date only (changed, they are asked again).
            search = urlencode({k: form.data.get(k, "") for k in _IDENTITY[1:]})
            context = {
                "form": form,
                "actor": actor,
                "alike": alike,
                "search": search,
                "asked": asked,
            }
            return render(request, "web/register.html", context)
        try:
            record = participants.participant_register(actor=actor, **form.cleaned_data)
        except InvalidInput as error:
            show_errors(form, error)
        else:
            return redirect("web:participant", participant_id=record.id)
    return render(request, "web/register.html", {"form": form, "actor": actor}, status=422)


def has_document_in(published: list[str], language: str) -> bool:
    base = language.partition("-")[0].lower()
    return not published or any(tag.partition("-")[0].lower() == base for tag in published)


def _qr_svg(text: str) -> str:
    # On the card the QR holds only the card code, so a handheld scanner types it into
    # the search box; on the letter, the portal's address with the code.
    return str(segno.make(text, error="m").svg_data_uri(scale=4, border=2))


@require_GET
@staff_view
def participant(request: HttpRequest, actor: Actor, participant_id: uuid.UUID) -> HttpResponse:
    purpose = participants.purpose_for(actor=actor, participant_id=participant_id)
    record, log = participants.participant_with_log(
        actor=actor,
        purpose=purpose,
        participant_id=participant_id,
        log_page=paging.page_number(request.GET.get("log")),
    )
    consents = consent.consents_of(actor=actor, participant_id=participant_id)
    current = consents[0] if consents else None
    may_return = permitted(
        role=actor.role, action=Action.RESULTS_RETURN, purpose=Purpose.REGISTRATION
    ).allowed
    visits = returns.returns_of(actor=actor, participant_id=record.id) if may_return else []
    # The record was readable for this purpose, so its consent allows listing the visits.
    station_visits = (
        exams.visits_of(actor=actor, participant_id=record.id, purpose=purpose)
        if actor.role in (Role.LAB, Role.CLINICIAN)
        else []
    )
    return render(
        request,
        "web/participant.html",
        {
            "actor": actor,
            "p": record,
            "programme": dict(_programme_choices(actor)).get(record.programme_id, ""),
            "log": log,
            "purpose": purpose,
            "qr": _qr_svg(record.card_code),
            "consent": current,
            "consent_rows": [
                (d.purpose, current.status(d.purpose).value) for d in current.decisions
            ]
            if current
            else [],
            "may_record_consent": actor.role.value in ("registrar", "coordinator"),
            "duplicates": participants.likely_duplicates(actor=actor, participant_id=record.id)
            if actor.role.value in ("registrar", "coordinator")
            else 0,
            "returns": visits,
            "language_served": languages.is_shipped(record.preferred_language),
            # The registrar is told before asking: the consent page says how to proceed.
            "no_consent_document": not has_document_in(
                consent.languages_of(programme_id=record.programme_id), record.preferred_language
            ),
            "station_visits": station_visits,
            "owed": any(not visit.how for visit in visits),
            "return_ways": returns.HOW.items(),
        },
    )


@require_GET
@staff_view
def card(request: HttpRequest, actor: Actor, participant_id: uuid.UUID) -> HttpResponse:
    purpose = default_purpose(actor.role)
    record = participants.participant_read(
        actor=actor, purpose=purpose, participant_id=participant_id
    )
    # The card is the person's: in their language, whoever prints it.
    language = languages.supported(record.preferred_language)
    staff_language = translation.get_language()  # the buttons around it stay the member's
    with translation.override(language):
        return render(
            request,
            "web/card.html",
            {
                "p": record,
                "programme": dict(_programme_choices(actor)).get(record.programme_id, ""),
                "qr": _qr_svg(record.card_code),
                "lang": language,
                "rtl": languages.is_rtl(language),
                "staff_language": staff_language,
            },
        )
