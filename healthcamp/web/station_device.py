"""Which site and station this device (a tablet or laptop at a desk) is: chosen once,
kept in a signed cookie until changed, so a scanned card opens today's visit here.

A cookie and not the staff member's session: the device stays at its desk while nurses
log in and out of it. It holds no one's data, only where the device stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from healthcamp.access.policy import permitted
from healthcamp.access.roles import Action, Purpose
from healthcamp.access.staff import Actor
from healthcamp.services import programmes
from healthcamp.web.views import staff_view

COOKIE = "healthcamp_station"
_SALT = "healthcamp.station.device"
_KEPT = 365 * 24 * 60 * 60  # a year: a desk's device is set up once per programme


@dataclass(frozen=True)
class Kind:
    """A kind of station: what it is called, the consent it works under, the part of the
    form it opens at (a section of the station page)."""

    words: Promise
    purpose: Purpose
    section: str


KINDS: dict[str, Kind] = {
    "blood_pressure": Kind(_("Blood pressure"), Purpose.SCREENING, "blood_pressure"),
    "measurements": Kind(
        _("Height, weight and other measurements"), Purpose.SCREENING, "screening"
    ),
    "blood_tests": Kind(_("Blood tests"), Purpose.BLOOD_TESTS, "blood_tests"),
}


@dataclass(frozen=True)
class Device:
    site_id: int
    site: str  # its name, as the header shows it
    kind: str

    @property
    def station(self) -> Kind:
        return KINDS[self.kind]

    @property
    def station_words(self) -> str:
        return str(self.station.words)


def device_of(request: HttpRequest, actor: Actor | None) -> Device | None:
    """The device's station for this member, or None when it was never set up, the cookie
    was altered, or its site is not one of the member's programmes'. The site is read
    afresh: a renamed site shows its new name, another programme's nurse sees no station."""
    try:
        kept = signing.loads(request.COOKIES.get(COOKIE, ""), salt=_SALT)
        site_id, kind = int(kept["site_id"]), str(kept["kind"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    if kind not in KINDS or actor is None:
        return None
    site = next((s for s in _sites(actor) if s[0] == site_id), None)
    return Device(site_id, site[1], kind) if site is not None else None


def _remember(response: HttpResponse, request: HttpRequest, device: Device) -> None:
    value = signing.dumps(
        {"site_id": device.site_id, "site": device.site, "kind": device.kind}, salt=_SALT
    )
    response.set_cookie(
        COOKIE, value, max_age=_KEPT, httponly=True, samesite="Lax", secure=request.is_secure()
    )


def may_work_at(actor: Actor, device: Device) -> bool:
    """A scan opens a visit only for a member who may start one for the station's purpose."""
    return permitted(
        role=actor.role, action=Action.ENCOUNTER_START, purpose=device.station.purpose
    ).allowed


def _sites(actor: Actor) -> list[tuple[int, str, str]]:
    """(site id, site, programme) of every programme the member works for."""
    return [(s.id, s.name, p.name) for p in programmes.programmes(actor=actor) for s in p.sites]


@require_http_methods(["GET", "POST"])
@staff_view
def choose(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Set up (or change) this device's site and station."""
    sites = _sites(actor)
    current = device_of(request, actor)
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    back = (
        wanted
        if url_has_allowed_host_and_scheme(wanted, {request.get_host()}, request.is_secure())
        else ""
    )
    errors: dict[str, str] = {}
    chosen: dict[str, Any] = {
        "site_id": str(current.site_id) if current else "",
        "kind": current.kind if current else "",
    }
    if request.method == "POST":
        chosen = {"site_id": request.POST.get("site_id", ""), "kind": request.POST.get("kind", "")}
        site = next((s for s in sites if str(s[0]) == chosen["site_id"]), None)
        if site is None:
            errors["site_id"] = gettext("Choose the site where this device stands.")
        if chosen["kind"] not in KINDS:
            errors["kind"] = gettext("Choose what this station measures.")
        if site is not None and not errors:
            response = redirect(back or "web:desk")
            _remember(response, request, Device(site[0], site[1], chosen["kind"]))
            return response
    context = {
        "actor": actor,
        "sites": sites,
        "kinds": [(key, str(kind.words)) for key, kind in KINDS.items()],
        "chosen": chosen,
        "errors": errors,
        "next": back,
    }
    return render(request, "web/station_device.html", context, status=422 if errors else 200)
