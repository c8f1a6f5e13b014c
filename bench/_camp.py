"""A bench's programme: staff, a site, a published consent document, and people enrolled
in batches (services.enrolment), each agreeing to every purpose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True)
class Camp:
    boss: Any  # the coordinator's actor
    lab: Any
    desk: Any  # a registrar
    programme_id: int
    site_id: int
    document_id: int
    purposes: list[str]


def camp() -> Camp:
    from healthcamp.access.staff import staff_add
    from healthcamp.purposes import CONSENT_PURPOSES
    from healthcamp.services import consent, programmes

    boss = staff_add(username="coord", role="coordinator", password=None, programme_ids=[])
    made = programmes.programme_create(actor=boss.actor, name="Bench Camp")
    site = programmes.site_create(actor=boss.actor, programme_id=made.id, name="Hall")
    lab = staff_add(username="lab-1", role="lab", password=None, programme_ids=[made.id])
    desk = staff_add(username="desk-1", role="registrar", password=None, programme_ids=[made.id])
    purposes = [p.value for p in CONSENT_PURPOSES]
    draft = consent.document_create(
        actor=boss.actor,
        programme_id=made.id,
        language="en",
        version=1,
        title="What we do",
        body="We measure and tell you.",
        purposes=[{"code": p, "description": f"We use it for {p}."} for p in purposes],
    )
    doc = consent.document_publish(actor=boss.actor, programme_id=made.id, document_id=draft.id)
    return Camp(boss.actor, lab.actor, desk.actor, made.id, site.id, doc.id, purposes)


def letters(number: int) -> str:
    """A distinct family name for each number (names hold no digits)."""
    word = ""
    while True:
        number, digit = divmod(number, 26)
        word += chr(97 + digit)
        if number == 0:
            return word


def person(i: int) -> dict[str, Any]:
    """The i-th bench person's registration fields."""
    return {
        "given_name": "Given",
        "family_name": "Family" + letters(i),
        "date_of_birth": date(1950, 1, 1) + timedelta(days=37 * i % 20000),
        "sex": "female" if i % 2 else "male",
        "preferred_language": "en",
        "phone": "",
    }


def enrol(c: Camp, count: int, first: int = 0) -> list[str]:
    """`count` people enrolled, each agreeing to everything: their card codes."""
    from healthcamp.services import consent, enrolment

    said = enrolment.ConsentGiven(
        document_id=c.document_id,
        decisions=dict.fromkeys(c.purposes, True),
        given=consent.Given("on_screen"),
    )
    cards: list[str] = []
    for start in range(first, first + count, enrolment.MOST):
        batch = range(start, min(start + enrolment.MOST, first + count))
        done = enrolment.participants_enrol(
            actor=c.desk,
            programme_id=c.programme_id,
            people=[enrolment.Enrolment(**person(i), consent=said) for i in batch],
        )
        cards += [d.card_code for d in done]
    return cards
