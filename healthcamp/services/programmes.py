"""Programme set-up by coordinators, audited like every other write."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from healthcamp.access.errors import Conflict, InvalidInput, NotFound
from healthcamp.access.guard import audit, member_programmes, require_role
from healthcamp.access.models import ProgrammeMembership
from healthcamp.access.roles import Action, Purpose
from healthcamp.access.staff import Actor
from healthcamp.registry.models import Programme, Site
from healthcamp.registry.selectors import ProgrammeInfo, programme_list
from healthcamp.services.staff_admin import membership_add


@dataclass(frozen=True)
class Created:
    id: int
    name: str


NAME_MAX = 200
# Each sentence whole, for a programme's name and a site's: what -> (empty, too long).
_NAME_MESSAGES = {
    "programme": (
        gettext_noop("Enter a name for the programme; it cannot be empty."),
        gettext_noop("The programme name is longer than %(max)s characters; shorten it."),
    ),
    "site": (
        gettext_noop("Enter a name for the site; it cannot be empty."),
        gettext_noop("The site name is longer than %(max)s characters; shorten it."),
    ),
    "clinic": (
        gettext_noop("Enter a name for the clinic; it cannot be empty."),
        gettext_noop("The clinic name is longer than %(max)s characters; shorten it."),
    ),
}


def no_programme(programme_id: int) -> str:
    """No programme with this id, in the reader's language."""
    return gettext("There is no programme %(id)s; check the programme id.") % {"id": programme_id}


def clean_name(value: str, what: str) -> str:
    """what: "programme", "site" or "clinic"."""
    empty, long = _NAME_MESSAGES[what]
    cleaned = " ".join(value.split())
    if not cleaned:
        raise InvalidInput({"name": gettext(empty)})
    if len(cleaned) > NAME_MAX:
        raise InvalidInput({"name": gettext(long) % {"max": NAME_MAX}})
    return cleaned


def programme_create(*, actor: Actor, name: str) -> Created:
    require_role(actor, Action.PROGRAMME_CREATE, Purpose.PROGRAMME_SETUP)
    cleaned = clean_name(name, "programme")
    with transaction.atomic():
        if Programme.objects.filter(name=cleaned).exists():
            raise Conflict(
                gettext("A programme called %(name)s already exists; choose another name.")
                % {"name": repr(cleaned)}
            )
        programme = Programme.objects.create(name=cleaned)
        if actor.staff_id is not None:  # whoever creates a programme works for it
            ProgrammeMembership.objects.create(staff_id=actor.staff_id, programme=programme)
        audit(
            actor,
            Action.PROGRAMME_CREATE,
            Purpose.PROGRAMME_SETUP,
            "allowed",
            detail=f"programme {programme.pk}",
        )
    return Created(programme.pk, programme.name)


def site_create(*, actor: Actor, programme_id: int, name: str) -> Created:
    require_role(actor, Action.SITE_CREATE, Purpose.PROGRAMME_SETUP, programme_id=programme_id)
    cleaned = clean_name(name, "site")
    with transaction.atomic():
        programme = Programme.objects.filter(pk=programme_id).first()
        if programme is None:
            raise NotFound(no_programme(programme_id))
        if Site.objects.filter(programme=programme, name=cleaned).exists():
            raise Conflict(
                gettext("Programme %(id)s already has a site called %(name)s; choose another name.")
                % {"id": programme_id, "name": repr(cleaned)}
            )
        site = Site.objects.create(programme=programme, name=cleaned)
        audit(
            actor,
            Action.SITE_CREATE,
            Purpose.PROGRAMME_SETUP,
            "allowed",
            detail=f"site {site.pk} in programme {programme.pk}",
        )
    return Created(site.pk, site.name)


def programmes(*, actor: Actor) -> list[ProgrammeInfo]:
    """The programmes a staff member works for, with their sites."""
    theirs = member_programmes(actor)
    return [p for p in programme_list() if p.id in theirs]


def member_add(*, actor: Actor, programme_id: int, username: str) -> Created:
    """A coordinator of the programme adds an existing staff member to it."""
    require_role(actor, Action.MEMBER_ADD, Purpose.PROGRAMME_SETUP, programme_id=programme_id)
    with transaction.atomic():
        if not Programme.objects.filter(pk=programme_id).exists():
            raise NotFound(no_programme(programme_id))
        added = membership_add(programme_id=programme_id, username=username)
        audit(
            actor,
            Action.MEMBER_ADD,
            Purpose.PROGRAMME_SETUP,
            "allowed",
            detail=f"staff {added.staff_id} ({added.role.value}) joined programme {programme_id}",
        )
    return Created(programme_id, added.username)
