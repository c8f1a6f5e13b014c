"""The participant portal: public pages, mobile-first, in the participant's language.

A signed-in participant is remembered in the session by their id alone, for
IDLE minutes without activity and never past closing the browser (phones are shared).
Everything shown comes from access.portal, which audits it.

A browser a card signed in from keeps a long-lived signed cookie (DEVICE_COOKIE) naming
the card's keyed HMAC, never the code: its later tries on that card are limited by its
own wrong tries, not by the card's, so a guesser elsewhere cannot lock the holder out.
"""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from django.conf import settings
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from healthcamp.access.errors import AccessError, InvalidInput, NotFound, VaultUnavailable
from healthcamp.access.staff import Actor, participant_actor
from healthcamp.clinical import visit
from healthcamp.results import letters, trends
from healthcamp.results.words import (
    ACTS,
    LANGUAGE_NAMES,
    LANGUAGES,
    LETTER,
    PORTAL,
    PURPOSES,
    ROLES,
    RTL,
    pick,
)
from healthcamp.services import portal
from healthcamp.web.forms import PortalSignInForm

SESSION_KEY = "portal_participant"
SEEN_KEY = "portal_seen"
IDLE = timedelta(minutes=15)
LOG_FIRST = 12  # the newest lines; the rest fold away on a phone
DEVICE_COOKIE = "portal_device"
DEVICE_SALT = "healthcamp.portal.device"
DEVICE_AGE = timedelta(days=400)  # the longest browsers keep a cookie
DEVICE_CARDS = 6  # a family's phone: the newest cards signed in from it

PortalView = Callable[..., HttpResponse]


def _language(request: HttpRequest) -> str:
    """The sign-in page's language: chosen, remembered, or the browser's first we have."""
    chosen = request.GET.get("lang", "").partition("-")[0].lower()
    if chosen in LANGUAGES:
        request.session["portal_lang"] = chosen
        return chosen
    remembered = request.session.get("portal_lang", "")
    if remembered in LANGUAGES:
        return str(remembered)
    # Django's own negotiation over settings.LANGUAGES, which are the portal's languages.
    browser = translation.get_language_from_request(request).partition("-")[0]
    return browser if browser in LANGUAGES else "en"


def client_address(request: HttpRequest) -> str:
    """Whom the per-address limit counts: the proxy's view of the client when one is
    configured (the last address in its header: the one it appended itself, which the
    client cannot forge), the socket's peer otherwise."""
    if settings.CLIENT_ADDRESS_HEADER:
        forwarded = request.headers.get(settings.CLIENT_ADDRESS_HEADER, "")
        if last := forwarded.split(",")[-1].strip():
            return last
    return str(request.META.get("REMOTE_ADDR", ""))


def device(request: HttpRequest) -> portal.Device | None:
    """The device this request comes from, as its signed cookie says; None without one,
    or when it is forged, damaged or too old."""
    raw = request.COOKIES.get(DEVICE_COOKIE, "")
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=DEVICE_SALT, max_age=DEVICE_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("d"), str):
        return None
    cards = data.get("c")
    if not isinstance(cards, list):
        return None
    return portal.Device(id=data["d"], cards=tuple(c for c in cards if isinstance(c, str)))


def _remember_device(response: HttpResponse, known: portal.Device | None, card: str) -> None:
    """After a right sign-in: this device has now signed in with this card."""
    ident = known.id if known is not None else secrets.token_urlsafe(16)
    cards = [c for c in (known.cards if known is not None else ()) if c != card]
    value = signing.dumps({"d": ident, "c": [*cards, card][-DEVICE_CARDS:]}, salt=DEVICE_SALT)
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=int(DEVICE_AGE.total_seconds()),
        path="/me/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _is_date(raw: str) -> bool:
    try:
        return parse_date(raw) is not None
    except ValueError:  # well-formed but impossible, such as 2001-02-30
        return False


def _page(
    request: HttpRequest, template: str, language: str, status: int = 200, **extra: Any
) -> HttpResponse:
    context = {
        "w": pick(PORTAL, language),
        "lang": language,
        "rtl": language.partition("-")[0] in RTL,
        "languages": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        **extra,
    }
    with translation.override(language):  # Django's own messages in their language too
        return render(request, template, context, status=status)


def signed_in(view: PortalView) -> PortalView:
    """The view receives the participant's own actor; otherwise back to sign-in."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        raw = request.session.get(SESSION_KEY)
        seen = request.session.get(SEEN_KEY)
        if not raw or not seen:
            return redirect("web:portal")
        if request.user.is_authenticated:
            # A staff log-in since: the browser is no longer the participant's alone.
            for key in (SESSION_KEY, SEEN_KEY):
                request.session.pop(key, None)
            return redirect("web:portal")
        if timezone.now() - datetime.fromisoformat(str(seen)) > IDLE:
            language = request.session.get("portal_lang", "en")
            request.session.flush()
            request.session["portal_lang"] = language
            return redirect("/me/?expired=1")
        request.session[SEEN_KEY] = timezone.now().isoformat()
        try:
            return view(request, participant_actor(uuid.UUID(str(raw))), *args, **kwargs)
        except (portal.SignInRefused, NotFound):  # erased since signing in
            request.session.flush()
            return redirect("web:portal")
        except VaultUnavailable as error:
            return _page(request, "web/portal/problem.html", "en", 503, message=f"{error}")
        except AccessError as error:  # e.g. a consent replaced at the desk meanwhile
            request.session["portal_flash"] = str(error)
            return redirect("web:portal_record")

    return wrapper


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    w = pick(PORTAL, language)
    notice = (
        w["expired"]
        if request.GET.get("expired")
        else w["signed_out"]
        if request.GET.get("out")
        else w["erased"]
        if request.GET.get("erased")
        else w["pin_locked_out"]
        if request.GET.get("locked")
        else ""
    )
    if request.method == "GET":
        form = PortalSignInForm(initial={"card_code": request.GET.get("card", "")})
        return _page(request, "web/portal/sign_in.html", language, form=form, notice=notice)
    form = PortalSignInForm(request.POST)
    problem = ""
    status = 200
    known = device(request)
    if form.is_valid():
        try:
            signed = portal.portal_sign_in(
                card_code=form.cleaned_data["card_code"],
                date_of_birth=form.cleaned_data["date_of_birth"],
                pin=form.cleaned_data["pin"],
                address=client_address(request),
                device=known,
            )
        except VaultUnavailable:
            problem = f"{w['no_match']} {w['ask_desk']}"  # the same for every card
            status = 503
        except portal.SignInLocked as locked:
            problem = f"{w['locked']} {timezone.localtime(locked.until):%H:%M}. {w['ask_desk']}"
            status = 429
        except portal.SignInRefused as refused:
            problem = w["no_match"] if refused.tries_left is not None else w["card_bad"]
            if refused.tries_left is not None:
                problem += f" {w['tries_left']} {refused.tries_left}"
            status = 401 if refused.tries_left is not None else 422
        else:
            # A fresh session: whoever used this browser before is signed out.
            request.session.flush()
            rotate_token(request)
            request.session[SESSION_KEY] = str(signed.actor.participant_id)
            request.session["portal_lang"] = signed.language
            request.session[SEEN_KEY] = timezone.now().isoformat()
            request.session.set_expiry(0)  # gone when the browser closes
            response = redirect("web:portal_record")
            _remember_device(response, known, signed.card)
            return response
    else:
        status = 422
    return _page(
        request,
        "web/portal/sign_in.html",
        language,
        status,
        form=form,
        problem=problem,
        notice=notice,
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    language = request.session.get("portal_lang", "en")
    request.session.flush()
    return redirect(f"/me/?out=1&lang={language}")


@dataclass(frozen=True)
class MeasureHistory:
    name: str
    latest: letters.LetterLine
    picture: str  # a trend when there are two visits or more, else the range picture
    description: str
    values: list[tuple[datetime, str]]


def _histories(record: portal.PortalRecord) -> list[MeasureHistory]:
    """Each measure: the newest visit's line (its decision), and earlier visits as a trend."""
    by_code: dict[str, list[tuple[datetime, Any, Any]]] = {}
    for seen in record.results:  # oldest first
        lines = letters.letter_lines(seen.decision, language=record.language, pictures=False)
        for result, line in zip(seen.decision.results, lines, strict=True):
            by_code.setdefault(result.code, []).append((seen.visit.started_at, result, line))
    histories = []
    for seen_values in by_code.values():
        _, newest, line = seen_values[-1]
        drawn = letters.picture_bands(newest, record.results[-1].decision.person)
        # Blood pressure is drawn as the number that set its category (drawn.measure).
        component = drawn.measure.code if drawn and newest.code == visit.BP else None
        points = [
            (at, dict(r.components).get(component, r.value) if component else r.value)
            for at, r, _ in seen_values
            if r.value is not None and not r.comparator
        ]
        picture = ""
        if len(points) >= 2:
            picture = trends.trend_picture(drawn.bands if drawn else None, points)
        elif drawn is not None:
            picture = letters.range_picture(drawn.bands, drawn.value, drawn.plausible)
        histories.append(
            MeasureHistory(
                name=line.name,
                latest=line,
                picture=picture,
                # A trend is told as every visit's value; a single value as its band.
                description=trends.describe(line.name, [(at, r.shown) for at, r, _ in seen_values])
                if len(points) >= 2 or not line.picture_text
                else line.picture_text,
                values=[(at, r.shown) for at, r, _ in reversed(seen_values)],
            )
        )
    return histories


@require_GET
@signed_in
def record(request: HttpRequest, actor: Actor) -> HttpResponse:
    data = portal.portal_record(actor=actor)
    request.session["portal_lang"] = data.language
    w = pick(PORTAL, data.language)
    current = data.consents[0] if data.consents else None
    consent_rows = []
    if current is not None:
        descriptions = {p.code: p.description for p in current.document.purposes}
        for decision in current.decisions:
            state = (
                "withdrawn"
                if decision.withdrawn_at is not None
                else "agreed"
                if decision.granted
                else "refused"
            )
            consent_rows.append((decision.purpose, descriptions.get(decision.purpose, ""), state))
    acts, roles = pick(ACTS, data.language), pick(ROLES, data.language)
    purposes = pick(PURPOSES, data.language)
    log = [
        {
            "seq": line.seq,
            "at": line.at,
            "who": roles.get(line.role, line.role),
            "site": line.site,
            "what": acts.get(line.action, line.action),
            "why": purposes.get(line.purpose, line.purpose),
            "outcome": w.get(line.outcome, line.outcome),
            "refused": line.outcome != "allowed",
        }
        for line in data.log
    ]
    return _page(
        request,
        "web/portal/record.html",
        data.language,
        record=data,
        histories=_histories(data),
        said=pick(LETTER, data.language),
        not_shown=[pick(LETTER, data.language)[f"purpose_{p}"] for p in data.not_shown],
        consent_rows=consent_rows,
        withdrawable=[row for row in consent_rows if row[2] == "agreed"],
        referrals=[
            (r, w.get(r.urgency, r.urgency), w.get(f"status_{r.status}", r.status))
            for r in data.referrals
        ],
        log=log[:LOG_FIRST],
        older_log=log[LOG_FIRST:],
        flash=request.session.pop("portal_flash", ""),
        pin_problem=request.session.pop("portal_pin_problem", ""),
    )


@require_POST
@signed_in
def withdraw(request: HttpRequest, actor: Actor) -> HttpResponse:
    language = request.session.get("portal_lang", "en")
    chosen = request.POST.getlist("purposes")
    erase = request.POST.get("erase") == "yes"
    w = pick(PORTAL, language)
    born = request.POST.get("date_of_birth", "")
    try:
        done = portal.portal_withdraw(
            actor=actor,
            purposes=None if "all" in chosen else chosen,
            erase=erase,
            date_of_birth=parse_date(born) if _is_date(born) else None,
        )
    except InvalidInput as error:
        request.session["portal_flash"] = (
            w["confirm_born_wrong"] if "date_of_birth" in error.errors else w["withdraw_none"]
        )
        return redirect("/me/record/#consent")
    if done.participant_erased:
        request.session.flush()
        return redirect(f"/me/?erased=1&lang={language}")
    names = pick(PURPOSES, language)
    request.session["portal_flash"] = (
        f"{w['withdraw_done']} {', '.join(names.get(p, p) for p in done.withdrawn)}"
    )
    return redirect("web:portal_record")


@require_POST
@signed_in
def pin(request: HttpRequest, actor: Actor) -> HttpResponse:
    language = request.session.get("portal_lang", "en")
    w = pick(PORTAL, language)
    new_pin = "" if request.POST.get("remove") else request.POST.get("pin", "")
    try:
        portal.portal_pin_set(
            actor=actor,
            pin=new_pin,
            current_pin=request.POST.get("current_pin", ""),
            address=client_address(request),
            device=device(request),
        )
    except portal.SignInLocked:
        # Whoever keeps guessing the PIN on an open session loses the session.
        request.session.flush()
        return redirect(f"/me/?locked=1&lang={language}")
    except portal.WrongCurrentPin as wrong:
        request.session["portal_pin_problem"] = (
            f"{w['pin_wrong']} {w['tries_left']} {wrong.tries_left}"
        )
    except InvalidInput as error:
        request.session["portal_pin_problem"] = (
            w["pin_current_needed"] if "current_pin" in error.errors else w["pin_bad"]
        )
    else:
        request.session["portal_flash"] = w["pin_saved"] if new_pin else w["pin_removed"]
    return redirect("/me/record/#pin")


@require_GET
@signed_in
def download(request: HttpRequest, actor: Actor) -> HttpResponse:
    bundle = portal.portal_export(actor=actor)
    response = HttpResponse(
        json.dumps(bundle, indent=2, ensure_ascii=False), content_type="application/fhir+json"
    )
    response["Content-Disposition"] = 'attachment; filename="my-health-record.fhir.json"'
    return response


@require_GET
@signed_in
def entry_proof(request: HttpRequest, actor: Actor, seq: int) -> HttpResponse:
    """One entry of the person's own log with its inclusion proof and the signed
    checkpoint, as a file to keep (and what verify-proof.js checks on the page)."""
    try:
        proof = portal.own_entry_proof(actor=actor, seq=seq)
    except NotFound:
        # Not theirs, or no such entry: the same answer, and the session stays.
        raise Http404("There is no such entry in your log.") from None
    response = HttpResponse(
        json.dumps(proof, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="entry-{seq}-proof.json"'
    response["Cache-Control"] = "no-store"
    return response
