"""Lists read a page at a time (issue 15): 25 rows, newest first, the total from a SQL
COUNT, the same number of queries whatever the list's length, and a list view audits
the people on the page it shows, not everyone the list could show."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from healthcamp.audit import chain
from healthcamp.audit.models import AuditEntry, AuditSubject
from healthcamp.audit.selectors import log_for_participant, log_page
from healthcamp.lib import paging
from healthcamp.services import participants, returns, visit_facts
from tests.test_portal import BORN, _person, _sign_in
from tests.test_web import _login

pytestmark = pytest.mark.django_db


@given(total=st.integers(0, 10_000), number=st.integers(-5, 10_000), size=st.integers(1, 100))
def test_a_window_is_always_a_page_that_exists(total: int, number: int, size: int) -> None:
    at = paging.window(total=total, number=number, size=size)
    assert 1 <= at.number <= at.pages
    assert at.pages == max(1, -(-total // size))
    assert at.offset == (at.number - 1) * size
    assert at.offset < total or total == 0
    if 1 <= number <= at.pages:
        assert at.number == number


@pytest.mark.parametrize(
    ("raw", "number"), [(None, 1), ("", 1), ("3", 3), ("0", 1), ("-2", 1), ("x", 1), ("9" * 40, 1)]
)
def test_a_page_number_from_the_query_string(raw: str | None, number: int) -> None:
    assert paging.page_number(raw) == number


# ---- the coordinator's unreturned results ------------------------------------------


def _owed(programme, registrar, count: int) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """count visits with a result, one person each, a day apart: (encounter, person)."""
    Encounter = apps.get_model("exams", "Encounter")
    Observation = apps.get_model("exams", "Observation")
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id)
    start = timezone.now() - timedelta(days=count + 1)
    made = []
    for n in range(count):
        person = participants.participant_register(
            actor=registrar.actor,
            programme_id=programme.id,
            given_name="Owed",
            family_name="Person",
            date_of_birth=date(1970, 1, 1) + timedelta(days=n),
            sex="other",
            preferred_language="en",
        )
        visit = Encounter.objects.create(
            participant_id=person.id, site=site, started_at=start + timedelta(days=n)
        )
        Observation.objects.create(
            encounter=visit,
            code="8480-6",
            purpose="screening",
            value=120,
            unit="mm[Hg]",
            original_value="120",
            classification="normal",
            recorded_at=visit.started_at,
        )
        made.append((visit.id, person.id))
    visit_facts.backfill()  # the facts a station's recording writes with each value
    return made


def _owed_the_slow_way(programme_id: int) -> list[uuid.UUID]:
    """The list's definition, read off the records: visits of the programme's people with a
    value stored and no return, newest first (what the facts and their index must give)."""
    Encounter = apps.get_model("exams", "Encounter")
    Observation = apps.get_model("exams", "Observation")
    return list(
        Encounter.objects.filter(
            Exists(Observation.objects.filter(encounter=OuterRef("pk"))),
            participant__programme_id=programme_id,
            returned__isnull=True,
        )
        .order_by("-started_at", "-pk")
        .values_list("pk", flat=True)
    )


def test_the_owed_visits_are_those_the_records_say_in_every_state(
    coordinator, registrar, clinician, programme, document
) -> None:
    """Owed, returned, started with nothing measured, a value refused, values erased by a
    withdrawal, another programme's: the count on the facts' index and the page along the
    encounters' start index agree with the records, read the slow way."""
    from healthcamp.services import consent, exams, programmes
    from tests.conftest import publish_document, register_person

    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk

    def visit(person, *values, days: int = 0):
        at = timezone.now() - timedelta(days=days)
        encounter = exams.encounter_start(
            actor=clinician.actor, participant_id=person.id, site_id=site, at=at
        )
        for code, value, unit in values:
            exams.observation_record(
                actor=clinician.actor, encounter_id=encounter, code=code, value=value, unit=unit
            )
        return encounter

    bp = ("8480-6", 128, "mm[Hg]")
    people = [
        register_person(registrar, programme, given=name, consent_document=document)
        for name in ("Amina", "Bilal", "Chen", "Dina", "Emre")
    ]
    visit(people[0], bp, days=5)  # both returned together
    visit(people[0], bp, days=4)
    returns.results_returned(actor=registrar.actor, participant_id=people[0].id, how="handed")
    visit(people[0], bp, days=1)  # owed again: a later visit
    visit(people[1], days=3)  # started, nothing measured: nothing to return
    visit(people[2], ("35200-5", "not_done", ""), days=2)  # only a value not done: owed
    erased = visit(people[3], bp, days=6)
    view = consent.consents_of(actor=registrar.actor, participant_id=people[3].id)[0]
    consent.consent_withdraw(
        actor=registrar.actor,
        participant_id=people[3].id,
        consent_id=view.id,
        purposes=["screening"],
        erase=True,
    )
    visit(people[4], bp, ("14743-9", 5.1, "mmol/L"), days=7)  # owed
    other = programmes.programme_create(actor=coordinator.actor, name="Other Camp")
    from tests.conftest import join_everyone

    join_everyone(other.id)
    programmes.site_create(actor=coordinator.actor, programme_id=other.id, name="Hall")
    elsewhere = register_person(
        registrar, other, given="Farah", consent_document=publish_document(coordinator, other.id)
    )
    site_elsewhere = apps.get_model("registry", "Site").objects.get(programme_id=other.id).pk
    encounter = exams.encounter_start(
        actor=clinician.actor, participant_id=elsewhere.id, site_id=site_elsewhere
    )
    exams.observation_record(
        actor=clinician.actor, encounter_id=encounter, code=bp[0], value=120, unit=bp[2]
    )

    expected = _owed_the_slow_way(programme.id)
    assert erased not in expected
    assert len(expected) == 3
    shown = returns.results_unreturned(actor=coordinator.actor, programme_id=programme.id)
    assert [r.encounter_id for r in shown] == expected
    assert shown.total == returns.owed_count(programme_id=programme.id) == len(expected)
    assert returns.owed_count(programme_id=other.id) == len(_owed_the_slow_way(other.id)) == 1


def _newest_entry_subjects() -> set[uuid.UUID]:
    newest = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True)[0]
    subjects = AuditSubject.objects.filter(entry_id=newest).values_list("participant_id", flat=True)
    return {uuid.UUID(str(s)) for s in subjects}


def test_the_unreturned_list_is_paged_newest_first_and_audits_only_its_page(
    coordinator, registrar, programme
) -> None:
    made = _owed(programme, registrar, 30)
    newest_first = list(reversed(made))

    entries = AuditEntry.objects.count()
    first = returns.results_unreturned(actor=coordinator.actor, programme_id=programme.id)
    assert AuditEntry.objects.count() == entries + 1  # one entry for the page
    assert (first.number, first.pages, first.total) == (1, 2, 30)
    assert [r.encounter_id for r in first] == [e for e, _ in newest_first[:25]]
    assert _newest_entry_subjects() == {p for _, p in newest_first[:25]}

    second = returns.results_unreturned(actor=coordinator.actor, programme_id=programme.id, page=2)
    assert [r.encounter_id for r in second] == [e for e, _ in newest_first[25:]]
    assert _newest_entry_subjects() == {p for _, p in newest_first[25:]}
    detail = chain.decode(AuditEntry.objects.order_by("-seq").values_list("body", flat=True)[0])
    assert "page 2 of 2, 5 of 30 visit(s)" in detail[1]["detail"]
    # A page past the end shows the last one.
    assert (
        returns.results_unreturned(actor=coordinator.actor, programme_id=programme.id, page=9).items
        == second.items
    )


def test_the_unreturned_list_costs_the_same_queries_for_3_or_30_visits(
    coordinator, registrar, programme
) -> None:
    _owed(programme, registrar, 3)

    def queries() -> int:
        with CaptureQueriesContext(connection) as seen:
            page = returns.results_unreturned(actor=coordinator.actor, programme_id=programme.id)
            [r.site for r in page]  # everything the page shows, read
        return len(seen.captured_queries)

    few = queries()
    _owed(programme, registrar, 27)
    assert queries() == few  # no query per visit, and the total is one COUNT


def test_the_unreturned_page_and_api_show_the_pages(
    api_as, coordinator, registrar, programme
) -> None:
    _owed(programme, registrar, 27)
    html = _login(coordinator).get(f"/programmes/{programme.id}/unreturned/").content.decode()
    assert len(re.findall(r"Open record", html)) == 25
    assert "27 visits." in html
    assert re.search(r'<nav class="pager" aria-label="[^"]+">', html)
    assert "Page 1 of 2" in html
    assert 'rel="next" href="?page=2"' in html
    assert 'rel="prev"' not in html
    last = _login(coordinator).get(f"/programmes/{programme.id}/unreturned/?page=2")
    assert len(re.findall(r"Open record", last.content.decode())) == 2
    assert 'rel="prev" href="?page=1"' in last.content.decode()

    answer = api_as(coordinator).get(f"/programmes/{programme.id}/unreturned-results")
    assert len(answer.json()) == 25
    assert answer["X-Total-Count"] == "27"
    assert 'page=2>; rel="next"' in answer["Link"]
    tail = api_as(coordinator).get(f"/programmes/{programme.id}/unreturned-results", page=2)
    assert len(tail.json()) == 2
    assert 'page=1>; rel="prev"' in tail["Link"]
    assert (
        api_as(coordinator)
        .get(f"/programmes/{programme.id}/unreturned-results", page=0)
        .status_code
        == 422
    )


# ---- a person's access log ----------------------------------------------------------


def _logged(pid: uuid.UUID, count: int) -> None:
    for _ in range(count):
        chain.append(
            actor="staff:1:bench",
            role="registrar",
            action="read",
            purpose="registration",
            outcome="allowed",
            subjects=[pid.hex],
        )


def test_a_log_page_is_read_through_the_index_with_its_count(registrar, programme) -> None:
    person = participants.participant_register(
        actor=registrar.actor,
        programme_id=programme.id,
        given_name="Logged",
        family_name="Person",
        date_of_birth=date(1980, 1, 1),
        sex="other",
        preferred_language="en",
    )
    _logged(person.id, 10)

    def read(number: int) -> tuple[int, paging.Page]:
        with CaptureQueriesContext(connection) as seen:
            page = log_page(participant_id=person.id.hex, number=number)
        return len(seen.captured_queries), page

    few, page = read(1)
    _logged(person.id, 290)
    many, page = read(1)
    assert many == few == 2  # the COUNT and the page, whatever the log's length
    whole = log_for_participant(participant_id=person.id.hex)
    assert page.total == len(whole) == 301  # the registration too
    assert page.pages == 13
    assert [line.seq for line in page] == [line.seq for line in whole[:25]]
    _, third = read(3)
    assert [line.seq for line in third] == [line.seq for line in whole[50:75]]
    _, last = read(13)
    assert [line.seq for line in last] == [line.seq for line in whole[300:]]


def test_the_staff_page_and_the_portal_show_a_page_of_the_log(
    registrar, coordinator, programme, document
) -> None:
    person = _person(registrar, programme, document, language="en")
    _logged(person.id, 60)
    staff = _login(coordinator)
    first = staff.get(f"/participants/{person.id}/").content.decode()
    log_section = first[first.index('id="log"') :]
    assert re.search(r'<nav class="pager" aria-label="[^"]+">', log_section)
    assert 'rel="next" href="?log=2#log"' in log_section
    pages = int(re.search(r"Page 1 of (\d+)", log_section)[1])  # type: ignore[index]
    assert pages == -(-AuditSubject.objects.filter(participant_id=person.id).count() // 25)
    second = staff.get(f"/participants/{person.id}/?log=2").content.decode()
    assert f"Page 2 of {pages}" in second
    assert 'rel="prev" href="?log=1#log"' in second

    client = Client()
    assert _sign_in(client, person.card_code, BORN).status_code == 302
    # Every entry (the portal folds a day's repeated entries unless asked: test_log_folding).
    mine = client.get("/me/record/?every=1&log=2").content.decode()
    assert re.search(r'<nav class="pager" aria-label="[^"]+">', mine)
    assert 'rel="prev" href="?every=1&log=1#log"' in mine
    assert re.search(r"Page 2 of \d+", mine)
    assert len(re.findall(r'class="proof"', mine)) == 25  # 12 shown, 13 folded away
