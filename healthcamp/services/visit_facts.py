"""The visits' decided facts that programme reports count (healthcamp.reports).

Written in the transaction that changes a visit's decision (a value recorded), its
follow-up (results returned, a referral attended) or its values (an erasure), so the
reports read one narrow row per visit and never re-derive a decision. `backfill` writes
them for visits recorded before the facts existed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from healthcamp.clinical.visit import Decision
from healthcamp.exams.models import Encounter
from healthcamp.purposes import Purpose
from healthcamp.registry.models import Participant
from healthcamp.reports import facts
from healthcamp.reports.models import VisitFact
from healthcamp.services import erasure, identity
from healthcamp.services.observations import consented_purposes, decide_visit, observation_view


def record(*, encounter: Encounter, participant: Participant, decision: Decision) -> None:
    """Inside the act's transaction: the visit's facts follow its new decision."""
    facts.store(
        encounter=encounter,
        sex=participant.sex,
        programme_id=participant.programme_id,
        decision=decision,
    )


def record_new_visits(
    *, visits: list[tuple[Encounter, Participant, Decision, str]], batch: int = 2000
) -> None:
    """Inside the act's transaction: the facts of visits started in it (a bulk import), as
    `record` writes them one by one. Each item: the visit, its person, its decision, and
    the most pressing referral it opened ("" when none); a new visit has no follow-up yet.
    The person-level markers are set once per person."""
    rows = []
    for encounter, participant, decision, urgency in visits:
        found = facts.facts_of(decision)
        day = timezone.localdate(encounter.started_at)
        rows.append(
            VisitFact(
                **asdict(found),
                screened=found.screened,
                diabetes=found.diabetes,
                encounter_id=encounter.pk,
                participant_id=participant.pk,
                programme_id=participant.programme_id,
                site_id=encounter.site_id,
                visit_date=day,
                month=day.strftime("%Y-%m"),
                sex=participant.sex,
                referral_urgency=urgency,
            )
        )
    VisitFact.objects.bulk_create(rows, batch_size=batch)
    # The person-level markers, for the whole batch in a few queries.
    facts.mark_many(p.pk for _, p, _, _ in visits)


def returned(*, encounter_ids: Iterable[uuid.UUID], at: datetime) -> None:
    facts.returned(encounter_ids=encounter_ids, at=at)


def referral_changed(*, encounter_id: uuid.UUID | None) -> None:
    facts.referral_changed(encounter_id=encounter_id)


def backfill(*, batch: int = 500) -> int:
    """Decide and write the facts of every visit with values that has none yet (visits
    recorded before the facts table existed). Returns how many were written."""
    written = 0
    while True:
        todo = list(
            Encounter.objects.filter(observations__isnull=False, participant__isnull=False)
            .exclude(pk__in=VisitFact.objects.values("encounter_id"))
            .distinct()
            .select_related("participant")
            .order_by("pk")[:batch]
        )
        if not todo:
            return written
        for encounter in todo:
            participant = encounter.participant
            assert participant is not None  # noqa: S101 - filtered above
            with transaction.atomic():
                born = identity.open_identity(participant).date_of_birth
                rows = [
                    observation_view(o)
                    for o in encounter.observations.filter(
                        purpose__in=consented_purposes(participant.id)
                    ).order_by("recorded_at", "pk")
                ]
                decision = decide_visit(
                    found=rows,
                    sex=participant.sex,
                    born=born,
                    on=timezone.localdate(encounter.started_at),
                )
                record(encounter=encounter, participant=participant, decision=decision)
                returned_at = getattr(getattr(encounter, "returned", None), "at", None)
                if returned_at is not None:
                    facts.returned(encounter_ids=[encounter.pk], at=returned_at)
            written += 1


def _forgetter(purpose: Purpose) -> erasure.Eraser:
    def forget(participant_id: uuid.UUID) -> int:
        # Counted in the eraser's total as facts changed, not records deleted: 0.
        facts.forget(participant_id=participant_id, purpose=purpose.value)
        return 0

    return forget


# An erased purpose's values no longer decide anything in the reports.
for _purpose in (Purpose.SCREENING, Purpose.BLOOD_TESTS):
    erasure.register(_purpose, _forgetter(_purpose))
