"""Withdrawal raced against reads and writes: nothing is recorded or served after it.

Each act checks consent inside its own transaction with the person held (guard.hold);
a withdrawal holds the person exclusively. Whatever the interleaving, the audit log
shows no allowed act on the purpose after the withdrawal, and an erasing withdrawal
leaves no measurement behind.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection, connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthcamp.access.errors import AccessDenied
from healthcamp.access.guard import ConsentOutsideTransaction, check_consent
from healthcamp.access.roles import Action, Purpose
from healthcamp.audit.models import AuditEntry, AuditSubject
from healthcamp.exams.models import Observation
from healthcamp.services import consent, exams, participants
from tests.test_portal import _person

ACTS = ("record", "read_observations", "read_participant", "visits")
started = threading.Event()


def _act(kind: str, clinician: Any, person: Any, encounter_id: Any) -> None:
    if kind == "record":
        exams.observation_record(
            actor=clinician.actor, encounter_id=encounter_id, code="29463-7", value=70, unit="kg"
        )
    elif kind == "read_observations":
        exams.observations_of(
            actor=clinician.actor, participant_id=person.id, purpose=Purpose.SCREENING
        )
    elif kind == "read_participant":
        participants.participant_read(
            actor=clinician.actor, purpose=Purpose.SCREENING, participant_id=person.id
        )
    else:
        exams.visits_of(actor=clinician.actor, participant_id=person.id, purpose=Purpose.SCREENING)


def _worker(
    kind: str, clinician: Any, person: Any, encounter_id: Any, stop: float, errors: list[str]
) -> None:
    try:
        while time.monotonic() < stop:
            try:
                _act(kind, clinician, person, encounter_id)
                started.set()
            except AccessDenied:
                return  # refused from now on: what the test expects
    except BaseException as error:  # re-raised by the test: a crashed worker tests nothing
        errors.append(f"{kind}: {error!r}")
    finally:
        connections.close_all()


def _withdraw(
    registrar: Any, person: Any, consent_id: int, delay: float, errors: list[str]
) -> None:
    try:
        started.wait(timeout=10)  # the acts are under way: the withdrawal races them
        time.sleep(delay)
        consent.consent_withdraw(
            actor=registrar.actor,
            participant_id=person.id,
            consent_id=consent_id,
            purposes=["screening"],
            erase=True,
        )
    except BaseException as error:
        errors.append(f"withdraw: {error!r}")
    finally:
        connections.close_all()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    kinds=st.lists(st.sampled_from(ACTS), min_size=2, max_size=4),
    delay=st.floats(min_value=0.0, max_value=0.15),
)
def test_nothing_is_recorded_or_served_after_a_withdrawal(
    registrar, clinician, programme, document, kinds, delay
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("threads on one in-memory SQLite database lock out instead of waiting")
    person = _person(registrar, programme, document, language="en")
    site = programme_site(programme)
    encounter_id = exams.encounter_start(
        actor=clinician.actor, participant_id=person.id, site_id=site
    )
    consent_id = consent.consents_of(actor=registrar.actor, participant_id=person.id)[0].id
    stop = time.monotonic() + delay + 0.4
    errors: list[str] = []
    started.clear()
    threads = [
        threading.Thread(target=_worker, args=(kind, clinician, person, encounter_id, stop, errors))
        for kind in kinds
    ]
    threads.append(
        threading.Thread(target=_withdraw, args=(registrar, person, consent_id, delay, errors))
    )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    seqs = AuditSubject.objects.filter(participant_id=person.id).values_list("entry_id", flat=True)
    entries = [
        (seq, bytes(body).decode())
        for seq, body in AuditEntry.objects.filter(seq__in=seqs)
        .order_by("seq")
        .values_list("seq", "body")
    ]
    assert errors == []
    withdrawn_at = next(seq for seq, body in entries if '"consent.withdraw"' in body)
    raced = [
        body
        for seq, body in entries
        if seq < withdrawn_at and '"allowed"' in body and '"clinician"' in body
    ]
    assert len(raced) > 1  # the acts really ran against the withdrawal, not only after it
    after = [
        body
        for seq, body in entries
        if seq > withdrawn_at and '"allowed"' in body and '"purpose":"screening"' in body
    ]
    assert after == [], after
    assert not Observation.objects.filter(
        encounter__participant_id=person.id, purpose="screening"
    ).exists()


def programme_site(programme: Any) -> int:
    from healthcamp.registry.models import Site

    return Site.objects.filter(programme_id=programme.id).values_list("pk", flat=True).first()


@pytest.mark.django_db
def test_a_consent_check_outside_the_acts_transaction_is_refused_as_a_bug(
    registrar, clinician, programme, document
) -> None:
    """A check whose answer could be stale by the time the act runs is a programming error."""
    person = _person(registrar, programme, document, language="en")
    with pytest.raises(ConsentOutsideTransaction):
        check_consent(clinician.actor, Action.READ, Purpose.SCREENING, person.id)
