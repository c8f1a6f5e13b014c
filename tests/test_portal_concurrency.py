"""A burst of parallel wrong tries on one card, at sign-in or at the current-PIN check: no
more get checked than the limit allows."""

from __future__ import annotations

import threading
import uuid
from datetime import date

import pytest
from django.db import connection, connections

from healthcamp.access.errors import InvalidInput
from healthcamp.access.staff import participant_actor
from healthcamp.services import portal
from tests.test_portal import _person

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres_only]

GUESSERS = 12


def _guess(card: str, n: int, barrier: threading.Barrier, outcomes: list[str]) -> None:
    try:
        barrier.wait()
        portal.portal_sign_in(
            card_code=card, date_of_birth=date(1990, 1, n + 1), pin="", address=f"10.1.0.{n}"
        )
        outcomes.append("in")
    except portal.SignInLocked:
        outcomes.append("locked")
    except portal.SignInRefused:
        outcomes.append("checked")
    except BaseException as error:  # reported by the assertion below
        outcomes.append(repr(error))
    finally:
        connections.close_all()


def test_parallel_guesses_cannot_slip_past_the_card_limit(registrar, programme, document) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer by design")
    person = _person(registrar, programme, document)
    barrier = threading.Barrier(GUESSERS)
    outcomes: list[str] = []
    threads = [
        threading.Thread(target=_guess, args=(person.card_code, n, barrier, outcomes))
        for n in range(GUESSERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(outcomes) <= {"checked", "locked"}, outcomes  # every try answered, none let in
    assert len(outcomes) == GUESSERS
    # Each try is written down before it is checked, so whatever the interleaving, no
    # more than the limit reach the birth-date check.
    assert outcomes.count("checked") <= portal.CARD_FAILURE_LIMIT


def _guess_pin(pid: uuid.UUID, n: int, barrier: threading.Barrier, outcomes: list[str]) -> None:
    try:
        barrier.wait()
        portal.portal_pin_set(actor=participant_actor(pid), pin="", current_pin=f"{1000 + n}")
        outcomes.append("removed")
    except portal.SignInLocked:
        outcomes.append("locked")
    except InvalidInput:  # a wrong current PIN (portal.WrongCurrentPin)
        outcomes.append("checked")
    except BaseException as error:  # reported by the assertion below
        outcomes.append(repr(error))
    finally:
        connections.close_all()


def test_parallel_current_pin_guesses_cannot_slip_past_the_card_limit(
    registrar, programme, document
) -> None:
    """A live session firing current-PIN guesses at once, to remove a PIN it does not know."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer by design")
    person = _person(registrar, programme, document)
    portal.portal_pin_set(actor=participant_actor(person.id), pin="9317")
    barrier = threading.Barrier(GUESSERS)
    outcomes: list[str] = []
    threads = [
        threading.Thread(target=_guess_pin, args=(person.id, n, barrier, outcomes))
        for n in range(GUESSERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert set(outcomes) <= {"checked", "locked"}, outcomes
    assert len(outcomes) == GUESSERS
    assert outcomes.count("checked") <= portal.CARD_FAILURE_LIMIT
