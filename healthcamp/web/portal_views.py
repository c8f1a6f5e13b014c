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
from django.utils.translation import gettext, gettext_noop, ngettext, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from healthcamp.access.errors import AccessError, InvalidInput, NotFound, VaultUnavailable
from healthcamp.access.staff import Actor, participant_actor
from healthcamp.clinical import visit
from healthcamp.lib import languages, paging
from healthcamp.results import letter_page, letters, log_words, trends
from healthcamp.services import portal
from healthcamp.web.forms import PortalSignInForm

SESSION_KEY = "portal_participant"
SEEN_KEY = "portal_seen"
IDLE = timedelta(minutes=15)
LOG_FIRST = 12  # the newest lines of a page of the log; the rest fold away on a phone
DEVICE_COOKIE = "portal_device"
DEVICE_SALT = "healthcamp.portal.device"
DEVICE_AGE = timedelta(days=400)  # the longest browsers keep a cookie
DEVICE_CARDS = 6  # a family's phone: the newest cards signed in from it

PortalView = Callable[..., HttpResponse]


def _language(request: HttpRequest) -> str:
    """The sign-in page's language: chosen, remembered, or the browser's first we have."""
    chosen = request.GET.get("lang", "")
    if chosen and languages.is_shipped(chosen):
        request.session["portal_lang"] = languages.supported(chosen)
        return languages.supported(chosen)
    remembered = str(request.session.get("portal_lang", ""))
    if remembered and languages.is_shipped(remembered):
        return languages.supported(remembered)
    # Django's own negotiation over settings.LANGUAGES, which are the portal's languages.
    return languages.supported(translation.get_language_from_request(request))


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
    language = languages.supported(language)
    context = {
        "lang": language,
        "rtl": languages.is_rtl(language),
        # Each language named in itself: what its speaker looks for in the list.
        "languages": [(code, languages.own_name(code)) for code in languages.shipped()],
        **extra,
    }
    with translation.override(language):  # the templates' words and Django's own
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


def _notice(request: HttpRequest) -> str:
    """Why the sign-in page is shown again, in the active language."""
    if request.GET.get("expired"):
        return gettext("You were signed out after 15 minutes without activity. Sign in again.")
    if request.GET.get("out"):
        return gettext("You are signed out.")
    if request.GET.get("erased"):
        return gettext("Your record was deleted, as you asked.")
    if request.GET.get("locked"):
        return gettext(
            "Too many wrong PINs, so you were signed out. Sign in again after 15 minutes, "
            "or ask at the desk of the health camp."
        )
    return ""


# Said more than once (translated where they are shown).
NO_MATCH = gettext_noop(
    "The card code, date of birth or PIN do not match. Check them and try again."
)
ASK_DESK = gettext_noop("Or ask at the desk of the health camp.")
TRIES_LEFT = gettext_noop("Tries left before a 15-minute wait:")
WRONG_PIN = gettext_noop("That is not your current PIN. Nothing was changed.")


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    language = _language(request)
    with translation.override(language):
        return _sign_in(request, language)


def _sign_in(request: HttpRequest, language: str) -> HttpResponse:
    notice = _notice(request)
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
            problem = f"{gettext(NO_MATCH)} {gettext(ASK_DESK)}"  # the same for every card
            status = 503
        except portal.SignInLocked as locked:
            until = languages.isolate(f"{timezone.localtime(locked.until):%H:%M}")
            problem = (
                gettext("Too many wrong tries. You can try again after %(time)s.") % {"time": until}
                + f" {gettext(ASK_DESK)}"
            )
            status = 429
        except portal.SignInRefused as refused:
            if refused.tries_left is not None:
                problem = f"{gettext(NO_MATCH)} {gettext(TRIES_LEFT)} {refused.tries_left}"
            else:
                problem = gettext(
                    "That card code cannot be right: check each letter and digit against your card."
                )
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
                # A trend is told as every visit's value, then as a single value is: the
                # newest one's band and the healthy range (issue 17, finding 7).
                description=" ".join(
                    part
                    for part in (
                        trends.describe(
                            line.name, [(at, ln.shown_value) for at, _, ln in seen_values]
                        )
                        + ".",
                        line.picture_text,
                    )
                    if part
                )
                if len(points) >= 2 or not line.picture_text
                else line.picture_text,
                values=[(at, ln.shown_value) for at, _, ln in reversed(seen_values)],
            )
        )
    return histories


URGENCY = {
    "urgent": pgettext_lazy("referral", "urgent"),
    "soon": pgettext_lazy("referral", "soon"),
    "routine": pgettext_lazy("referral", "routine"),
}
STATUS = {
    "open": pgettext_lazy("referral status", "open"),
    "attended": pgettext_lazy("referral status", "attended"),
    "closed": pgettext_lazy("referral status", "closed"),
}


def _folded(page: portal.FoldedPage) -> list[dict[str, Any]]:
    """Identical entries of a day as one line, "looked at your results 3 times", with the
    time and the proof of the newest of them."""
    return [
        {
            "seq": line.newest_seq,
            "at": line.newest_at,
            "who": log_words.role(line.role),
            "site": line.site,
            "what": ngettext("%(what)s %(count)s time", "%(what)s %(count)s times", line.count)
            % {"what": log_words.act(line.action), "count": line.count}
            if line.count > 1
            else log_words.act(line.action),
            "why": log_words.purpose(line.purpose),
            "outcome": log_words.outcome(line.outcome),
            "refused": line.outcome != "allowed",
        }
        for line in page
    ]


@require_GET
@signed_in
def record(request: HttpRequest, actor: Actor) -> HttpResponse:
    # The log folds identical entries of a day; "every" shows each entry, with its proof.
    every = request.GET.get("every") == "1"
    data = portal.portal_record(
        actor=actor, log_page=paging.page_number(request.GET.get("log")), fold=not every
    )
    language = languages.supported(data.language)
    request.session["portal_lang"] = language
    with translation.override(language):
        return _record(request, data, language)


def _record(request: HttpRequest, data: portal.PortalRecord, language: str) -> HttpResponse:
    current = data.consents[0] if data.consents else None
    consent_rows = []
    descriptions: dict[str, str] = {}
    if current is not None:
        descriptions = {p.code: p.description for p in current.document.purposes if p.description}
        for decision in current.decisions:
            state = (
                "withdrawn"
                if decision.withdrawn_at is not None
                else "agreed"
                if decision.granted
                else "refused"
            )
            # The document's own words; a purpose it does not describe, in plain words.
            described = descriptions.get(decision.purpose) or log_words.purpose(decision.purpose)
            consent_rows.append((decision.purpose, described, state))
    log = [
        {
            "seq": line.seq,
            "at": line.at,
            "who": log_words.role(line.role),
            "site": line.site,
            "what": log_words.act(line.action),
            "why": log_words.purpose(line.purpose),
            "outcome": log_words.outcome(line.outcome),
            "refused": line.outcome != "allowed",
        }
        for line in data.log
    ]
    lines = _folded(data.folded) if data.folded is not None else log
    return _page(
        request,
        "web/portal/record.html",
        language,
        record=data,
        histories=_histories(data),
        not_shown=[letter_page.not_shown_purpose(p) for p in data.not_shown],
        consent_rows=consent_rows,
        # The document's descriptions are in the document's language (marked so).
        documented=set(descriptions),
        document_language=current.document.language if current is not None else "",
        withdrawable=[row for row in consent_rows if row[2] == "agreed"],
        referrals=[
            (r, URGENCY.get(r.urgency, r.urgency), STATUS.get(r.status, r.status))
            for r in data.referrals
        ],
        log=lines[:LOG_FIRST],
        older_log=lines[LOG_FIRST:],
        log_page=data.folded or data.log,
        folded=data.folded is not None,
        log_total=data.log.total,
        flash=request.session.pop("portal_flash", ""),
        pin_problem=request.session.pop("portal_pin_problem", ""),
        pin_field=request.session.pop("portal_pin_field", ""),
        withdraw_problem=request.session.pop("portal_withdraw_problem", None),
    )


@require_POST
@signed_in
def withdraw(request: HttpRequest, actor: Actor) -> HttpResponse:
    language = languages.supported(str(request.session.get("portal_lang", "en")))
    with translation.override(language):
        return _withdraw(request, actor, language)


def _withdraw(request: HttpRequest, actor: Actor, language: str) -> HttpResponse:
    chosen = request.POST.getlist("purposes")
    erase = request.POST.get("erase") == "yes"
    born = request.POST.get("date_of_birth", "")
    try:
        done = portal.portal_withdraw(
            actor=actor,
            purposes=None if "all" in chosen else chosen,
            erase=erase,
            date_of_birth=parse_date(born) if _is_date(born) else None,
        )
    except InvalidInput as error:
        wrong_date = "date_of_birth" in error.errors
        # Said beside the form and tied to the field in error, which takes focus; what
        # was chosen stays chosen (portal-flash.js, record.html).
        request.session["portal_withdraw_problem"] = {
            "message": gettext(
                'Nothing was deleted: to delete your whole record, choose "Everything" and '
                '"Delete" and type your date of birth again.'
            )
            if wrong_date
            else gettext("Choose at least one purpose to withdraw."),
            "field": "confirm_born" if wrong_date else "purposes",
            "chosen": chosen,
            "erase": erase,
        }
        # To the field itself: a browser that follows a link to an element it cannot
        # focus (the section's heading) takes focus away from the field.
        return redirect(f"/me/record/#{'confirm_born' if wrong_date else 'withdraw-first'}")
    if done.participant_erased:
        request.session.flush()
        return redirect(f"/me/?erased=1&lang={language}")
    request.session["portal_flash"] = gettext(
        "Done. From now on this is not used: %(purposes)s"
    ) % {"purposes": ", ".join(log_words.purpose(p) for p in done.withdrawn)}
    return redirect("web:portal_record")


@require_POST
@signed_in
def pin(request: HttpRequest, actor: Actor) -> HttpResponse:
    language = languages.supported(str(request.session.get("portal_lang", "en")))
    with translation.override(language):
        return _pin(request, actor, language)


def _pin(request: HttpRequest, actor: Actor, language: str) -> HttpResponse:
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
            f"{gettext(WRONG_PIN)} {gettext(TRIES_LEFT)} {wrong.tries_left}"
        )
        field = "current-pin"
    except InvalidInput as error:
        request.session["portal_pin_problem"] = (
            gettext("Enter your current PIN to change or remove it.")
            if "current_pin" in error.errors
            else gettext("A PIN is 4 to 8 digits (0-9).")
        )
        field = "current-pin" if "current_pin" in error.errors else "new-pin"
    else:
        request.session["portal_flash"] = (
            gettext("Your PIN is saved.") if new_pin else gettext("Your PIN is removed.")
        )
        return redirect("web:portal_record")  # the message takes focus (portal-flash.js)
    # To the box in error, which is marked and takes focus (as for a withdrawal).
    request.session["portal_pin_field"] = field
    return redirect(f"/me/record/#{field}")


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
