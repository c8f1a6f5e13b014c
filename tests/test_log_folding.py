"""The participant's log folds identical entries of a day (issue 10, section 5): "looked at
your results 3 times", grouped by the database, with every entry still one link away."""

from __future__ import annotations

import html
import re
import uuid
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from healthcamp import settings as settings_module
from healthcamp.audit import chain
from healthcamp.audit.selectors import folded_log_page, log_for_participant
from tests.test_portal import _person, _sign_in

pytestmark = pytest.mark.django_db


def _logged(pid: uuid.UUID, count: int, *, action="observation.read", role="clinician") -> None:
    for _ in range(count):
        chain.append(
            actor="staff:1:station",
            role=role,
            action=action,
            purpose="screening",
            outcome="allowed",
            subjects=[pid.hex],
            site="Market Hall",
        )


class _Yesterday(datetime):
    @classmethod
    def now(cls, tz=None):  # type: ignore[override]
        return datetime.now(tz) - timedelta(days=1)


def _text(body: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_identical_entries_of_a_day_are_one_line_and_every_entry_stays_one_link_away(
    registrar, programme, document
) -> None:
    person = _person(registrar, programme, document, language="en")
    with mock.patch.object(chain, "datetime", _Yesterday):
        _logged(person.id, 2)  # yesterday: a line of their own
    _logged(person.id, 3)
    _logged(person.id, 1, action="observation.record")
    client = Client()
    assert _sign_in(client, person.card_code).status_code == 302
    page = client.get("/me/record/").content.decode()
    log = _text(page[page.index('id="log"') :])
    assert log.count("looked at your results 3 times") == 1  # today's three
    assert log.count("looked at your results 2 times") == 1  # yesterday's two, apart
    assert "recorded a result" in log
    total = len(log_for_participant(participant_id=person.id.hex))
    assert f"See all {total} entries one by one" in log
    every = _text(client.get("/me/record/?every=1").content.decode())
    assert every.count("looked at your results") == 5  # nothing hidden from the full view
    assert "times" not in every.split("Who opened your record")[1]


def test_folding_is_done_by_the_database_in_two_queries_whatever_the_logs_length(
    registrar, programme, document
) -> None:
    person = _person(registrar, programme, document, language="en")

    def read() -> tuple[int, list]:
        with CaptureQueriesContext(connection) as queries:
            page = folded_log_page(participant_id=person.id.hex)
        return len(queries), list(page)

    _logged(person.id, 3)
    few, lines = read()
    _logged(person.id, 200)
    _logged(person.id, 4, role="registrar")
    many, lines = read()
    assert few == many == 2  # the count of lines and the page
    registrar_line, clinician_line, *_ = lines
    assert (registrar_line.role, registrar_line.count) == ("registrar", 4)
    assert (clinician_line.role, clinician_line.count) == ("clinician", 203)
    assert clinician_line.site == "Market Hall"
    newest = log_for_participant(participant_id=person.id.hex)[0]
    assert registrar_line.newest_seq == newest.seq
    assert registrar_line.newest_at == newest.at


def test_a_day_is_the_sites_day_not_utcs(registrar, programme, document) -> None:
    person = _person(registrar, programme, document, language="en")
    _logged(person.id, 1)
    # UTC-12 and UTC+14 are always on different dates: only the zone's own day fits both.
    for zone in ("Etc/GMT+12", "Etc/GMT-14"):
        with timezone.override(zone):
            lines = folded_log_page(participant_id=person.id.hex)
            (line,) = [x for x in lines if x.action == "observation.read"]
            assert line.day == timezone.localdate().isoformat(), zone


def test_the_sites_time_zone_is_read_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("HEALTHCAMP_TIME_ZONE", "Africa/Nairobi")
    assert settings_module.envzone("HEALTHCAMP_TIME_ZONE", "UTC") == "Africa/Nairobi"
    monkeypatch.delenv("HEALTHCAMP_TIME_ZONE")
    assert settings_module.envzone("HEALTHCAMP_TIME_ZONE", "UTC") == "UTC"
    for wrong in ("Mars/Base", "../etc/passwd", ""):
        monkeypatch.setenv("HEALTHCAMP_TIME_ZONE", wrong)
        with pytest.raises(ImproperlyConfigured, match="HEALTHCAMP_TIME_ZONE must be a time zone"):
            settings_module.envzone("HEALTHCAMP_TIME_ZONE", "UTC")
