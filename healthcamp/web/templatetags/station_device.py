"""The header's "this device is station X at site Y (change)"."""

from __future__ import annotations

from typing import Any

from django import template

from healthcamp.access.policy import permitted
from healthcamp.access.roles import Action, Purpose
from healthcamp.access.staff import Actor
from healthcamp.web.station_device import Device, device_of, may_work_at

register = template.Library()


@register.simple_tag(takes_context=True)
def station_device(context: dict[str, Any]) -> Device | None:
    request, actor = context.get("request"), context.get("actor")
    if request is None or not isinstance(actor, Actor):
        return None
    return device_of(request, actor)


@register.filter
def records_values(role: Any) -> bool:
    """Whether a member of this role measures people at a station: a scan there opens the
    person's visit, so recording values is not enough (a lab sends its values as files)."""
    return any(
        permitted(role=role, action=Action.OBSERVATION_RECORD, purpose=p).allowed
        and permitted(role=role, action=Action.ENCOUNTER_START, purpose=p).allowed
        for p in (Purpose.SCREENING, Purpose.BLOOD_TESTS)
    )


@register.filter
def works_at(actor: Any, device: Device | None) -> bool:
    """Whether a scan on this device opens a visit for this member."""
    return device is not None and may_work_at(actor, device)
