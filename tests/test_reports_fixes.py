"""Programme reports, the second review's findings (issue 11): a failed or refused noisy
release, ε's bounds, the budget and a release at the same time, BP controlled from the
latest reading (not the latest visit), published k for policies from before it, and
spreadsheet cells that cannot run whatever they start with.
"""

from __future__ import annotations

import importlib
import io
import threading
import time
from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection, connections, transaction
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from healthcamp.access.errors import Conflict, InvalidInput
from healthcamp.audit import chain
from healthcamp.audit.models import AuditEntry
from healthcamp.reports import downloads, privacy
from healthcamp.reports import services as reports
from healthcamp.reports.models import PrivacyBudget, PrivacyRelease, ReportPolicy
from healthcamp.reports.selectors import months_before
from tests.conftest import ON_POSTGRESQL
from tests.reports_programme import Person, Visit, build

MARKET = "Market Hall"


def _ledger(programme_id: int) -> list[float]:
    return list(
        PrivacyRelease.objects.filter(programme_id=programme_id).values_list("epsilon", flat=True)
    )


# ---- 1. a noisy release: paid for only when published; ε within bounds -------------------


@pytest.mark.django_db
def test_a_noisy_release_that_fails_spends_nothing(
    coordinator, analyst, programme, monkeypatch
) -> None:
    reports.privacy_budget_set(actor=coordinator.actor, programme_id=programme.id, epsilon=1.0)

    def broken(*args: object, **kwargs: object) -> None:
        raise ArithmeticError("the noise could not be drawn")

    monkeypatch.setattr(privacy, "noisy_table", broken)
    with pytest.raises(ArithmeticError):
        reports.indicator_table(
            actor=analyst.actor, programme_id=programme.id, code="raised_bp", epsilon=0.5
        )
    assert _ledger(programme.id) == []


@pytest.mark.django_db
def test_epsilon_outside_its_bounds_is_refused_before_anything_is_spent(
    coordinator, analyst, programme, api_as
) -> None:
    reports.privacy_budget_set(actor=coordinator.actor, programme_id=programme.id, epsilon=50)
    for bad in (float("nan"), float("inf"), -float("inf"), 0.0, -0.5, 1e-17, 1e-8, 0.009, 10.5):
        with pytest.raises(InvalidInput, match=r"ε is a number from 0\.01 to 10"):
            reports.indicator_table(
                actor=analyst.actor, programme_id=programme.id, code="raised_bp", epsilon=bad
            )
    client = api_as(analyst)
    for raw in ("nan", "inf", "-1", "0", "1e-17", "0.001", "11"):
        got = client.get(f"/programmes/{programme.id}/indicators/raised_bp?epsilon={raw}")
        assert got.status_code == 422, raw
        assert "0.01 to 10" in str(got.json()), raw
    assert _ledger(programme.id) == []
    # The floor itself is a release (a very noisy one).
    smallest = reports.indicator_table(
        actor=analyst.actor, programme_id=programme.id, code="raised_bp", epsilon=0.01
    )
    assert smallest.noise is not None
    assert _ledger(programme.id) == [0.01]


@pytest.mark.django_db
def test_a_refused_noisy_release_leaves_an_audit_entry(coordinator, analyst, programme) -> None:
    reports.privacy_budget_set(actor=coordinator.actor, programme_id=programme.id, epsilon=0.3)
    before = AuditEntry.objects.latest("seq").seq
    with pytest.raises(Conflict, match="cannot pay"):
        reports.indicator_table(
            actor=analyst.actor, programme_id=programme.id, code="raised_bp", epsilon=0.5
        )
    (entry,) = AuditEntry.objects.filter(seq__gt=before)
    subjects, fields = chain.decode(bytes(entry.body))
    assert subjects == []
    assert fields["outcome"] == "denied"
    assert "raised_bp by total with noise, ε = 0.5" in fields["detail"]


# ---- 2. the budget cannot go below an uncommitted release --------------------------------


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRESQL, reason="two connections at once: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_budget_waits_for_a_release_in_flight(coordinator, programme) -> None:
    reports.privacy_budget_set(actor=coordinator.actor, programme_id=programme.id, epsilon=1.0)
    spent, commit = threading.Event(), threading.Event()
    outcome: list[object] = []

    def release() -> None:
        try:
            with transaction.atomic():
                privacy.spend(programme_id=programme.id, epsilon=0.6, what="t")
                spent.set()
                commit.wait(timeout=20)
        finally:
            connections.close_all()

    def lower() -> None:
        try:
            reports.privacy_budget_set(
                actor=coordinator.actor, programme_id=programme.id, epsilon=0.5
            )
            outcome.append("lowered")
        except Conflict as refused:
            outcome.append(refused)
        finally:
            connections.close_all()

    releasing = threading.Thread(target=release)
    releasing.start()
    assert spent.wait(timeout=20)
    lowering = threading.Thread(target=lower)
    lowering.start()
    for _ in range(400):  # until the budget change waits on the release's lock
        if _waiting_on_a_lock() or not lowering.is_alive():
            break
        time.sleep(0.05)
    commit.set()
    releasing.join(timeout=20)
    lowering.join(timeout=20)
    (got,) = outcome
    assert isinstance(got, Conflict), got
    assert PrivacyBudget.objects.get(programme_id=programme.id).epsilon == 1.0
    assert _ledger(programme.id) == [0.6]


# ---- 3. BP controlled: the latest reading in the last 3 months --------------------------


@pytest.mark.django_db
def test_bp_controlled_reads_the_latest_reading_not_the_latest_visit(
    coordinator, analyst, programme, document
) -> None:
    ReportPolicy.objects.create(programme_id=programme.id, k=5)
    today = timezone.localdate()
    window = months_before(today, 3)  # exactly 3 months ago
    old = today - timedelta(days=200)
    recent = today - timedelta(days=20)
    no_reading = Visit(MARKET, recent + timedelta(days=10))  # visited, no BP taken

    def people(n: int, sex: str, *visits: Visit, **kw: object) -> list[Person]:
        return [Person(sex, "40-44", list(visits), **kw) for _ in range(n)]  # type: ignore[arg-type]

    build(
        programme.id,
        document.id,
        coordinator.actor.staff_id,
        # Controlled, then a visit without a reading: still controlled.
        people(
            6,
            "female",
            Visit(MARKET, old, raised_bp=True),
            Visit(MARKET, recent, raised_bp=False),
            no_reading,
        )
        # The same, but they withdrew programme statistics: not counted at all.
        + people(
            5,
            "female",
            Visit(MARKET, old, raised_bp=True),
            Visit(MARKET, recent, raised_bp=False),
            answers={"programme_statistics": "withdrawn"},
        )
        # First found raised exactly 3 months ago (before the window): in the denominator.
        + people(
            5, "male", Visit(MARKET, window, raised_bp=True), Visit(MARKET, recent, raised_bp=False)
        )
        # Their only reading below 140/90 is exactly 3 months ago, outside the window; a
        # later visit without a reading: in the denominator, not controlled.
        + people(
            5,
            "male",
            Visit(MARKET, old, raised_bp=True),
            Visit(MARKET, window, raised_bp=False),
            no_reading,
        )
        # A raised reading, then a visit without one: not controlled.
        + people(
            5,
            "other",
            Visit(MARKET, old, raised_bp=True),
            Visit(MARKET, recent, raised_bp=True),
            no_reading,
        ),
    )
    table = reports.indicator_table(
        actor=analyst.actor, programme_id=programme.id, code="bp_controlled", by="sex"
    ).as_dict()
    figures = {
        tuple(c["group"].values()): (c["numerator"], c["denominator"])
        for c in table["cells"] + table["margins"]
    }
    assert figures[("female",)] == (6, 6)
    assert figures[("male",)] == (5, 10)
    assert figures[("other",)] == (0, 5)
    assert figures[()] == (11, 21)


# ---- 4. published k for policies from before the column ---------------------------------


@pytest.mark.django_db
def test_policies_from_before_published_k_cannot_lower_k(coordinator, programme) -> None:
    backfill = importlib.import_module("healthcamp.reports.migrations.0005_published_k_backfill")
    ReportPolicy.objects.create(programme_id=programme.id, k=20, published_k=0)
    backfill.published_as_k(apps, None)
    assert ReportPolicy.objects.get(programme_id=programme.id).published_k == 20
    with pytest.raises(Conflict, match="k cannot go below 20"):
        reports.report_k_set(actor=coordinator.actor, programme_id=programme.id, k=11)
    # A published k above today's k stays as it was.
    ReportPolicy.objects.filter(programme_id=programme.id).update(k=12, published_k=30)
    backfill.published_as_k(apps, None)
    assert ReportPolicy.objects.get(programme_id=programme.id).published_k == 30


# ---- 5. spreadsheet cells that cannot run -----------------------------------------------

HOSTILE = [
    " =1+1",
    "  +cmd|' /C calc'!A0",
    '\n=HYPERLINK("http://example.org")',
    "\r\n-2+3",
    "\t@SUM(A1:A2)",
    "\u3000=1",  # an ideographic space first
    "\u00a0@x",  # a no-break space first
    "\uff1d1+1",  # full-width =
    "\uff0bA1",  # full-width +
    "\uff0d5",  # full-width -
    "\uff20SUM(A1)",  # full-width @
    " \uff1dA1",
]
HARMLESS = ["Market Hall", "a=b", "Ward 5 - North", "1+1", "x@y.org", ""]


def test_csv_text_that_a_spreadsheet_could_run_is_quoted() -> None:
    for text in HOSTILE:
        assert downloads.safe(text) == "'" + text, repr(text)
    for text in HARMLESS:
        assert downloads.safe(text) == text
    assert downloads.safe(-3) == -3  # numbers stay numbers


@given(
    space=st.text(alphabet=" \t\r\n\u3000\u00a0\u2003", max_size=4),
    sign=st.sampled_from("=+-@\uff1d\uff0b\uff0d\uff20"),
    rest=st.text(max_size=10),
)
def test_any_formula_after_any_spaces_is_quoted(space: str, sign: str, rest: str) -> None:
    assert str(downloads.safe(space + sign + rest)).startswith("'")


def test_xlsx_text_that_could_run_is_stored_as_text_as_written() -> None:
    book = Workbook()
    downloads._append_text(book.active, [*HOSTILE, *HARMLESS, 7])
    saved = io.BytesIO()
    book.save(saved)
    (row,) = load_workbook(io.BytesIO(saved.getvalue())).active.iter_rows()
    hostile, harmless = row[: len(HOSTILE)], row[len(HOSTILE) : -1]
    for cell, text in zip(hostile, HOSTILE, strict=True):
        assert cell.data_type == "s", repr(text)
        assert cell.quotePrefix, repr(text)
        # No apostrophe added to what it says (XML keeps \r\n as \n).
        assert cell.value == text.replace("\r\n", "\n")
    assert [c.value or "" for c in harmless] == HARMLESS
    assert not any(c.quotePrefix for c in harmless)
    assert (row[-1].value, row[-1].data_type) == (7, "n")
