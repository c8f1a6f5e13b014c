"""Results returned: an encounter counts only once its letter reached the person.

Handed, printed or sent - or the person declined it. Recording that is part of the
programme's duty to the person, not a use of their health data, so it needs no
consent of its own (purpose registration); the coordinator's list of what is still
owed names encounters and participant ids, never names.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from healthcamp.access.errors import InvalidInput, NotFound
from healthcamp.access.guard import audit, require_role
from healthcamp.access.roles import Action, Purpose
from healthcamp.access.staff import Actor
from healthcamp.exams.models import Encounter, Observation, ResultsReturn
from healthcamp.lib import paging
from healthcamp.lib.paging import Page
from healthcamp.registry.models import Participant
from healthcamp.reports.models import VisitFact
from healthcamp.services import visit_facts

HOW = {h.value: h.label for h in ResultsReturn.How}


@dataclass(frozen=True)
class EncounterReturn:
    encounter_id: uuid.UUID
    participant_id: uuid.UUID
    site: str
    started_at: datetime
    how: str  # "" while not returned
    returned_at: datetime | None

    @property
    def days_waiting(self) -> int:
        return (timezone.now() - self.started_at).days


def _view(e: Encounter) -> EncounterReturn:
    returned = getattr(e, "returned", None)
    assert e.participant_id is not None  # noqa: S101 - filtered above
    return EncounterReturn(
        encounter_id=e.id,
        participant_id=e.participant_id,
        site=e.site.name,
        started_at=e.started_at,
        how=returned.how if returned else "",
        returned_at=returned.at if returned else None,
    )


def results_returned(*, actor: Actor, participant_id: uuid.UUID, how: str) -> list[uuid.UUID]:
    """Record how the letter reached the person, for each visit not yet returned."""
    require_role(actor, Action.RESULTS_RETURN, Purpose.REGISTRATION, [participant_id])
    if how not in HOW:
        # The codes a request sends (a page offers the ways in words).
        raise InvalidInput({"how": gettext("How is one of %(codes)s.") % {"codes": ", ".join(HOW)}})
    with transaction.atomic():
        # The person's row locked: two desks recording at once do not both write.
        if not Participant.objects.select_for_update().filter(pk=participant_id).exists():
            raise NotFound(
                gettext("No participant with id %(id)s. Check it and try again.")
                % {"id": participant_id}
            )
        owed = list(
            Encounter.objects.filter(
                participant_id=participant_id, observations__isnull=False, returned__isnull=True
            )
            .distinct()
            .values_list("pk", flat=True)
        )
        if not owed:
            raise InvalidInput({"how": gettext("Every visit's results were already returned.")})
        now = timezone.now()
        ResultsReturn.objects.bulk_create(
            [ResultsReturn(encounter_id=e, how=how, at=now, by_id=actor.staff_id) for e in owed]
        )
        visit_facts.returned(encounter_ids=owed, at=now)
        audit(
            actor,
            Action.RESULTS_RETURN,
            Purpose.REGISTRATION,
            "allowed",
            [participant_id],
            f"{how}: {len(owed)} visit(s)",
        )
    return owed


def returns_of(*, actor: Actor, participant_id: uuid.UUID) -> list[EncounterReturn]:
    """Each visit with results (an empty visit owes no letter), and whether they reached
    the person: for the staff page."""
    require_role(actor, Action.RESULTS_RETURN, Purpose.REGISTRATION, [participant_id])
    found = (
        Encounter.objects.filter(participant_id=participant_id, observations__isnull=False)
        .distinct()
        .select_related("site", "returned")
        .order_by("started_at")
    )
    return [_view(e) for e in found]


def _owed_facts(programme_id: int) -> QuerySet[VisitFact]:
    """The programme's visits whose results have not reached the person (a visit's facts
    are written with its first value, and its return), along their partial index."""
    return VisitFact.objects.filter(programme_id=programme_id, returned_at__isnull=True)


def owed_count(*, programme_id: int) -> int:
    """How many of the programme's visits with results still owe them: counted on the
    owed facts' index. A screened visit has a value stored (an erasure clears `screened`
    with the values it erases); only the others are checked for one."""
    owed = _owed_facts(programme_id)
    screened = owed.filter(screened=True).count()
    others = owed.filter(screened=False)
    return (
        screened
        + others.filter(
            Exists(Observation.objects.filter(encounter_id=OuterRef("encounter_id")))
        ).count()
    )


def results_unreturned(*, actor: Actor, programme_id: int, page: int = 1) -> Page[EncounterReturn]:
    """The coordinator's list, a page at a time: visits with results that have not reached
    the person, newest first, with their number counted by the database. The audit entry
    names the people on the page shown, never everyone the list could show."""
    require_role(actor, Action.RESULTS_FOLLOW_UP, Purpose.REGISTRATION, programme_id=programme_id)
    total = owed_count(programme_id=programme_id)
    at = paging.window(total=total, number=page)
    # Newest first along the encounters' start index, stopping at the page's last row.
    rows = (
        Encounter.objects.filter(
            Exists(_owed_facts(programme_id).filter(encounter_id=OuterRef("pk"))),
            Exists(Observation.objects.filter(encounter=OuterRef("pk"))),
        )
        .order_by("-started_at", "-pk")
        .values_list("pk", "participant_id", "site__name", "started_at")[
            at.offset : at.offset + at.size
        ]
    )
    shown = [
        EncounterReturn(
            encounter_id=pk,
            participant_id=pid,
            site=site,
            started_at=started,
            how="",
            returned_at=None,
        )
        for pk, pid, site, started in rows
    ]
    with transaction.atomic():
        audit(
            actor,
            Action.RESULTS_FOLLOW_UP,
            Purpose.REGISTRATION,
            "allowed",
            sorted({r.participant_id for r in shown}),
            f"results not yet returned: page {at.number} of {at.pages}, "
            f"{len(shown)} of {total} visit(s)",
        )
    return Page(items=shown, number=at.number, pages=at.pages, total=total)
