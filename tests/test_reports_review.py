"""Programme reports, what the review asked for (issue 11): the programme page's consent
figures disclosure-controlled, spreadsheet cells that cannot run, k that cannot be
lowered after a release, audit entries that name what was delivered, a consent rebuild
that cannot overwrite a withdrawal, one snapshot per dashboard, and the two indicators
that were missing (critical values acted on the same day; HEARTS / Simple BP controlled).
"""

from __future__ import annotations

import csv
import io
import threading
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from healthcamp.access.errors import Conflict
from healthcamp.audit import chain
from healthcamp.audit.models import AuditEntry
from healthcamp.purposes import CONSENT_PURPOSES
from healthcamp.reports import consents
from healthcamp.reports import services as reports
from healthcamp.reports.models import CurrentConsent, ReportPolicy
from healthcamp.services import consent as consent_service
from healthcamp.services import programmes
from tests.conftest import NEEDS_CHROMIUM, ON_POSTGRESQL, PAGES_ON_SQLITE
from tests.reports_programme import Person, Visit, build
from tests.test_accessibility import browser  # noqa: F401 - the fixture
from tests.test_reports_indicators import wilson
from tests.test_web import _login

pytestmark = pytest.mark.django_db

MARKET = "Market Hall"
FORMULA = '=HYPERLINK("http://example.org/x","click")'


def _people(n: int, sex: str, band: str, *visits: Visit, **kw: object) -> list[Person]:
    return [Person(sex, band, list(visits), **kw) for _ in range(n)]  # type: ignore[arg-type]


def _entries_after(before: int) -> list[dict]:
    found = []
    for entry in AuditEntry.objects.filter(seq__gt=before).order_by("seq"):
        subjects, fields = chain.decode(bytes(entry.body))
        assert subjects == []  # a report names no one
        found.append(fields)
    return found


# ---- 1. the programme page --------------------------------------------------------------


def test_the_programme_page_shows_consent_figures_suppressed_and_links_the_report(
    coordinator, programme, document
) -> None:
    ReportPolicy.objects.create(programme_id=programme.id, k=5)
    day = Visit(MARKET, date(2026, 3, 2))
    build(
        programme.id,
        document.id,
        coordinator.actor.staff_id,
        _people(12, "female", "40-44", day)
        # Three said no to research: a count under k, withheld (and a complement with it).
        + _people(3, "male", "40-44", day, answers={"deidentified_research": "no"}),
    )
    page = _login(coordinator).get(f"/programmes/{programme.id}/").content.decode()
    assert f'href="/programmes/{programme.id}/reports/"' in page
    research = page[page.index("Research without a name") :].split("</tr>")[0]
    assert "Suppressed" in research
    assert "<td>3</td>" not in research
    assert "<td>15</td>" in page  # 15 said yes to screening: at least k, shown
    # Programme statistics itself is no row: everyone counted said yes to it.
    assert page.count('<th scope="row">') == len(CONSENT_PURPOSES) - 1
    # The old raw-count path is gone.
    assert not hasattr(consent_service, "consent_rates")


# ---- 2a. spreadsheet formulas -----------------------------------------------------------


@pytest.fixture
def formula_site(coordinator, programme, document):
    programmes.site_create(actor=coordinator.actor, programme_id=programme.id, name=FORMULA)
    ReportPolicy.objects.create(programme_id=programme.id, k=5)
    build(
        programme.id,
        document.id,
        coordinator.actor.staff_id,
        _people(6, "female", "40-44", Visit(FORMULA, date(2026, 3, 2), raised_bp=True))
        + _people(6, "female", "40-44", Visit(FORMULA, date(2026, 3, 2), raised_bp=False)),
    )
    return programme


def test_csv_cells_never_start_a_formula(analyst, formula_site) -> None:
    got = _login(analyst).get(f"/programmes/{formula_site.id}/reports/report.csv", {"by": "site"})
    rows = list(csv.reader(io.StringIO(got.content.decode())))
    sites = {r[3] for r in rows[1:] if len(r) > 3}
    assert "'" + FORMULA in sites
    assert not [c for r in rows for c in r if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_xlsx_cells_are_text_not_formulas(analyst, formula_site) -> None:
    got = _login(analyst).get(f"/programmes/{formula_site.id}/reports/report.xlsx", {"by": "site"})
    book = load_workbook(io.BytesIO(got.content))
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
    assert [c for c in cells if c.data_type == "f"] == []
    sites = [c for c in cells if c.value == FORMULA]  # as named, stored as quoted text
    assert sites
    assert {(c.data_type, c.quotePrefix) for c in sites} == {("s", True)}


# ---- 2b. k may not be lowered below a published k --------------------------------------


def test_k_cannot_be_lowered_below_what_a_report_was_published_with(
    coordinator, analyst, programme
) -> None:
    # Before any release, a coordinator may choose any k from 5.
    reports.report_k_set(actor=coordinator.actor, programme_id=programme.id, k=20)
    reports.report_k_set(actor=coordinator.actor, programme_id=programme.id, k=15)
    reports.indicator_table(actor=analyst.actor, programme_id=programme.id, code="screened")
    with pytest.raises(Conflict, match="k cannot go below 15: reports were already published"):
        reports.report_k_set(actor=coordinator.actor, programme_id=programme.id, k=5)
    assert ReportPolicy.objects.get(programme_id=programme.id).k == 15
    reports.report_k_set(actor=coordinator.actor, programme_id=programme.id, k=30)
    reports.dashboard(actor=analyst.actor, programme_id=programme.id)
    with pytest.raises(Conflict, match="below 30"):
        reports.report_k_set(actor=coordinator.actor, programme_id=programme.id, k=15)


@pytest.mark.parametrize("epsilon", [None, 0.5])
def test_k_lowered_while_a_report_is_computed_refuses_that_report(
    coordinator, analyst, programme, monkeypatch, epsilon
) -> None:
    """A release computed with k = 20 while k went down to 5 would let the next release's
    small cells stand beside it: the report is refused and nothing is recorded as
    published, so k may stay where the coordinator put it."""
    reports.report_k_set(actor=coordinator.actor, programme_id=programme.id, k=20)
    reports.privacy_budget_set(actor=coordinator.actor, programme_id=programme.id, epsilon=2.0)
    computed_with = reports.report_k

    def read_then_lowered(programme_id: int) -> int:
        k = computed_with(programme_id)
        with connection.cursor():  # the coordinator's change lands mid-computation
            reports.report_k_set(actor=coordinator.actor, programme_id=programme_id, k=5)
        return k

    monkeypatch.setattr(reports, "report_k", read_then_lowered)
    before = AuditEntry.objects.latest("seq").seq
    with pytest.raises(Conflict, match="k changed"):
        reports.indicator_table(
            actor=analyst.actor, programme_id=programme.id, code="screened", epsilon=epsilon
        )
    policy = ReportPolicy.objects.get(programme_id=programme.id)
    assert (policy.k, policy.published_k) == (5, 0)
    # Only the coordinator's change is on the record: no release, and no word of a budget.
    assert [e["action"] for e in _entries_after(before)] == ["report.configure"]
    assert reports.privacy.spent(programme.id) == 0


def test_the_api_refuses_lowering_k_with_a_clear_message(
    api_as, coordinator, analyst, programme
) -> None:
    api_as(analyst).get(f"/programmes/{programme.id}/indicators/screened")  # published at 11
    refused = api_as(coordinator).post(f"/programmes/{programme.id}/report-policy", {"k": 5})
    assert refused.status_code == 409
    assert "k cannot go below 11" in refused.json()["message"]
    assert api_as(coordinator).post(
        f"/programmes/{programme.id}/report-policy", {"k": 12}
    ).json() == {"k": 12}


# ---- 2c. the audit entry names what was delivered --------------------------------------


def test_each_delivery_is_audited_with_its_tables_and_format(analyst, formula_site) -> None:
    client = _login(analyst)
    for fmt in ("csv", "xlsx"):
        before = AuditEntry.objects.latest("seq").seq
        client.get(f"/programmes/{formula_site.id}/reports/report.{fmt}", {"by": "sex"})
        (entry,) = _entries_after(before)
        assert entry["action"] == "report.read"
        assert f"as {fmt}:" in entry["detail"]
        assert "(by sex)" in entry["detail"]
        assert "raised_bp by sex" in entry["detail"]
        assert "critical_same_day by sex; bp_controlled by sex" in entry["detail"]
        assert "k=5" in entry["detail"]
    # The report page asks the service with its default format (drawing the page's 23
    # charts here would only add seconds; the axe test draws it).
    before = AuditEntry.objects.latest("seq").seq
    reports.dashboard(actor=analyst.actor, programme_id=formula_site.id)
    (entry,) = _entries_after(before)
    assert "(usual breakdowns) as page:" in entry["detail"]


# ---- 2d. the consent rebuild and a withdrawal at the same time -------------------------


@pytest.mark.skipif(not ON_POSTGRESQL, reason="two connections at once: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_during_a_rebuild_is_not_overwritten(
    coordinator, registrar, programme, document, monkeypatch
) -> None:
    (someone,) = build(
        programme.id, document.id, coordinator.actor.staff_id, _people(1, "female", "40-44")
    )
    consent_id = apps.get_model("consent", "Consent").objects.get(participant_id=someone).pk
    read = consents.from_records
    errors: list[BaseException] = []

    def withdraw() -> None:
        try:
            consent_service.consent_withdraw(
                actor=registrar.actor,
                participant_id=someone,
                consent_id=consent_id,
                purposes=["programme_statistics"],
                erase=False,
            )
        except BaseException as error:  # re-raised below
            errors.append(error)
        finally:
            connections.close_all()

    def read_then_race() -> dict:
        found = read()  # the rebuild has read "yes" ...
        worker = threading.Thread(target=withdraw)
        worker.start()
        worker.join(timeout=2)  # ... and the withdrawal tries to land before it writes
        read_then_race.worker = worker  # type: ignore[attr-defined]
        return found

    monkeypatch.setattr(consents, "from_records", read_then_race)
    consents.rebuild()
    read_then_race.worker.join(timeout=20)  # type: ignore[attr-defined]
    assert not errors
    assert CurrentConsent.objects.get(participant_id=someone).programme_statistics == "withdrawn"


# ---- 2e. one snapshot per dashboard ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_reads_in_one_snapshot(analyst, programme) -> None:
    with CaptureQueriesContext(connection) as seen:
        reports.dashboard(actor=analyst.actor, programme_id=programme.id)
    sql = [q["sql"] for q in seen.captured_queries]
    opened = next(
        i for i, s in enumerate(sql) if "REPEATABLE READ, READ ONLY" in s or s == "BEGIN DEFERRED"
    )
    closed = next(i for i, s in enumerate(sql) if i > opened and s.upper().startswith("COMMIT"))
    facts = [i for i, s in enumerate(sql) if "reports_visitfact" in s]
    consent = [i for i, s in enumerate(sql) if "reports_currentconsent" in s and "SELECT" in s]
    assert facts
    assert consent
    assert all(opened < i < closed for i in facts + consent)
    # The audit entry is written after the read-only snapshot closed.
    assert any("audit" in s and "INSERT" in s for s in sql[closed:])


# ---- 3. the two indicators -------------------------------------------------------------


@pytest.fixture
def k5(programme):
    ReportPolicy.objects.create(programme_id=programme.id, k=5)
    return programme


def test_critical_values_acted_on_the_same_day(coordinator, analyst, k5, document) -> None:
    day = date(2026, 3, 10)

    def critical(attended: int | None) -> Visit:
        return Visit(MARKET, day, referral="urgent", attended_days=attended)

    people = (
        _people(7, "female", "40-44", critical(0))  # attended the same day
        + _people(5, "female", "40-44", critical(2))  # two days later: not the same day
        + _people(5, "male", "40-44", critical(None))  # not attended
        + _people(20, "male", "40-44", Visit(MARKET, day))  # no critical value: not counted
    )
    ids = build(k5.id, document.id, coordinator.actor.staff_id, people)
    facts = apps.get_model("reports", "VisitFact").objects
    facts.filter(participant_id__in=ids[:17]).update(critical=True)
    table = reports.indicator_table(
        actor=analyst.actor, programme_id=k5.id, code="critical_same_day", by="sex"
    ).as_dict()
    total = next(c for c in table["margins"] if c["group"] == {})
    assert (total["numerator"], total["denominator"]) == (7, 17)
    assert total["value"] == round(7 / 17, 4)
    assert total["ci"] == wilson(7, 17)
    women = next(c for c in table["cells"] if c["group"] == {"sex": "female"})
    assert (women["numerator"], women["denominator"]) == (7, 12)
    men = next(c for c in table["cells"] if c["group"] == {"sex": "male"})
    assert (men["numerator"], men["denominator"]) == (0, 5)


def test_an_erased_value_is_no_longer_a_critical_one(coordinator, programme, document) -> None:
    from healthcamp.reports import facts as kept

    (someone,) = build(
        programme.id,
        document.id,
        coordinator.actor.staff_id,
        _people(1, "female", "40-44", Visit(MARKET, date(2026, 3, 2), referral="urgent")),
    )
    rows = apps.get_model("reports", "VisitFact").objects.filter(participant_id=someone)
    rows.update(critical=True)
    kept.forget(participant_id=someone, purpose="blood_tests")
    assert list(rows.values_list("critical", flat=True)) == [False]


def test_a_critical_decision_is_kept_in_the_visits_facts() -> None:
    from healthcamp.reports.facts import facts_of

    class Stub:
        def __init__(self, level: str) -> None:
            self.level, self.results, self.context = level, (), ()
            self.person = type("P", (), {"diagnosed": (), "age_months": 600})()

        def result(self, code: str) -> None:
            return None

    assert facts_of(Stub("urgent")).critical is True  # type: ignore[arg-type]
    assert facts_of(Stub("refer")).critical is False  # type: ignore[arg-type]


def test_bp_controlled_as_hearts_and_simple_define_it(coordinator, analyst, k5, document) -> None:
    today = timezone.localdate()
    old = today - timedelta(days=200)  # before the last 3 months: "registered" then
    recent = today - timedelta(days=20)  # within the last 3 months
    between = today - timedelta(days=150)  # within 12 months, not within 3
    long_ago = today - timedelta(days=500)
    people = (
        # Controlled: raised before, below 140/90 at the latest visit in the last 3 months.
        _people(
            6,
            "female",
            "40-44",
            Visit(MARKET, old, raised_bp=True),
            Visit(MARKET, recent - timedelta(days=10), raised_bp=True),
            Visit(MARKET, recent, raised_bp=False),
        )
        # Not controlled: the latest reading is raised.
        + _people(
            5,
            "female",
            "40-44",
            Visit(MARKET, old, raised_bp=True),
            Visit(MARKET, recent, raised_bp=True),
        )
        # Not controlled: no visit in the last 3 months (a missed visit), one within 12.
        + _people(
            5,
            "male",
            "60-64",
            Visit(MARKET, old, raised_bp=True),
            Visit(MARKET, between, raised_bp=False),
        )
        # Not in the denominator: first found raised within the last 3 months.
        + _people(5, "male", "60-64", Visit(MARKET, recent, raised_bp=True))
        # Not in the denominator: lost to follow-up (no visit in the last 12 months).
        + _people(5, "male", "60-64", Visit(MARKET, long_ago, raised_bp=True))
        # Not in the denominator: never raised.
        + _people(5, "male", "60-64", Visit(MARKET, old, raised_bp=False))
    )
    build(k5.id, document.id, coordinator.actor.staff_id, people)
    # The class the rules gave each reading (the facts' test helper sets the booleans).
    facts = apps.get_model("reports", "VisitFact").objects
    facts.filter(raised_bp=True).update(bp_class="hypertension_grade_1")
    facts.filter(raised_bp=False).update(bp_class="normal")
    table = reports.indicator_table(
        actor=analyst.actor, programme_id=k5.id, code="bp_controlled", by="sex"
    ).as_dict()
    total = next(c for c in table["margins"] if c["group"] == {})
    assert (total["numerator"], total["denominator"]) == (6, 16)
    assert total["ci"] == wilson(6, 16)
    women = next(c for c in table["cells"] if c["group"] == {"sex": "female"})
    assert (women["numerator"], women["denominator"]) == (6, 11)
    men = next(c for c in table["cells"] if c["group"] == {"sex": "male"})
    assert (men["numerator"], men["denominator"]) == (0, 5)


# ---- 4. the programme report as a PDF --------------------------------------------------


def test_the_report_pdf_has_every_table_marked_and_no_one_in_it(
    coordinator, analyst, k5, document
) -> None:
    import pypdfium2

    day = date(2026, 3, 2)
    people = (
        _people(7, "female", "40-44", Visit(MARKET, day, raised_bp=True))
        + _people(6, "female", "40-44", Visit(MARKET, day, raised_bp=False))
        + _people(3, "male", "60-64", Visit(MARKET, day, raised_bp=True))  # under k
        + _people(9, "male", "60-64", Visit(MARKET, day, raised_bp=False))
    )
    ids = build(k5.id, document.id, coordinator.actor.staff_id, people)
    before = AuditEntry.objects.latest("seq").seq
    got = _login(analyst).get(f"/programmes/{k5.id}/reports/report.pdf", {"by": "sex"})
    assert got.status_code == 200
    assert got["Content-Type"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(io.BytesIO(got.content))
    text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    words = " ".join(text.split())
    assert "Suppressed" in words
    assert "Smallest count shown (k) 5" in words
    assert "People counted 25" in words
    assert "BP controlled (HEARTS / Simple)" in words
    assert "Wilson 95 % interval" in words  # the definitions are there
    table = words[words.index("Raised blood pressure by sex") :][:200]
    assert "Female Suppressed Male Suppressed" in table  # 3 men under k; women its complement
    assert "all 10 25 40.0 % 23.4 % to 59.3 %" in table
    for pid in ids:
        assert str(pid) not in text
        assert pid.hex not in text
    (entry,) = _entries_after(before)
    assert "as pdf:" in entry["detail"]


# ---- 5. axe on the report page ---------------------------------------------------------


@NEEDS_CHROMIUM
@PAGES_ON_SQLITE
@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_report_page_has_no_wcag_violations(
    browser,  # noqa: F811 - test_accessibility's fixture
    live_server,
    coordinator,
    analyst,
    programme,
    document,
) -> None:
    """At a small phone's width, where the tables scroll (the widest pages are the
    desktop's; one width keeps the suite's budget)."""
    from tests.test_accessibility import REVIEWED, WIDTHS, _axe, _page, _staff_login

    ReportPolicy.objects.create(programme_id=programme.id, k=5)
    day = date(2026, 3, 2)
    build(
        programme.id,
        document.id,
        coordinator.actor.staff_id,
        _people(7, "female", "40-44", Visit(MARKET, day, raised_bp=True))
        + _people(3, "male", "60-64", Visit(MARKET, day, raised_bp=True))  # suppressed
        + _people(9, "male", "60-64", Visit(MARKET, day, raised_bp=False)),
    )
    found: dict[str, list[str]] = {}
    review: dict[str, set[str]] = {}
    page = _page(browser, live_server, WIDTHS["phone"])
    _staff_login(page, "analyst")
    page.goto(f"/programmes/{programme.id}/reports/?by=sex", timeout=120_000)  # a busy machine
    assert page.get_by_text("Suppressed").count() > 0
    _axe(page, "report phone", found, review)
    page.context.close()
    assert found == {}
    assert {rule for rule in review if rule not in REVIEWED} == set()


# ---- 6. optional differential privacy (OpenDP) -----------------------------------------


class _Rollback(Exception):
    pass


def test_noisy_releases_spend_the_budget_and_are_refused_past_it(
    coordinator, analyst, programme
) -> None:
    def release() -> object:
        return reports.indicator_table(
            actor=analyst.actor, programme_id=programme.id, code="raised_bp", epsilon=0.4
        )

    with pytest.raises(Conflict, match="no privacy budget"):
        release()
    reports.privacy_budget_set(actor=coordinator.actor, programme_id=programme.id, epsilon=1.0)
    release()
    release()
    with pytest.raises(Conflict, match=r"costs ε = 0.4 and 0.2 of 1 is left"):
        release()
    ledger = apps.get_model("reports", "PrivacyRelease").objects.filter(programme_id=programme.id)
    assert sorted(ledger.values_list("epsilon", flat=True)) == [0.4, 0.4]
    assert set(ledger.values_list("what", flat=True)) == {"raised_bp by total"}
    with pytest.raises(Conflict, match="below the ε already spent"):
        reports.privacy_budget_set(actor=coordinator.actor, programme_id=programme.id, epsilon=0.5)
    # Visits can repeat a person: no noisy release for them.
    with pytest.raises(Exception, match="cannot be released with noise"):
        reports.indicator_table(
            actor=analyst.actor, programme_id=programme.id, code="results_returned", epsilon=0.1
        )


def test_noisy_counts_pass_k_suppression_first(coordinator, analyst, k5, document) -> None:
    day = date(2026, 3, 2)
    build(
        k5.id,
        document.id,
        coordinator.actor.staff_id,
        _people(40, "female", "40-44", Visit(MARKET, day, raised_bp=True))
        + _people(40, "female", "40-44", Visit(MARKET, day, raised_bp=False))
        + _people(3, "male", "60-64", Visit(MARKET, day, raised_bp=True))  # under k
        + _people(30, "male", "60-64", Visit(MARKET, day, raised_bp=False))
        + _people(6, "other", "20-24", Visit(MARKET, day, raised_bp=True))  # the complement
        + _people(6, "other", "20-24", Visit(MARKET, day, raised_bp=False)),
    )
    reports.privacy_budget_set(actor=coordinator.actor, programme_id=k5.id, epsilon=5)
    exact = reports.indicator_table(
        actor=analyst.actor, programme_id=k5.id, code="raised_bp", by="sex"
    ).as_dict()
    noisy = reports.indicator_table(
        actor=analyst.actor, programme_id=k5.id, code="raised_bp", by="sex", epsilon=1.0
    ).as_dict()
    assert noisy["noise"] == {
        "mechanism": "discrete Laplace (OpenDP)",
        "epsilon": 1.0,
        "scale": 3.0,  # a person is in their cell, the total and the counted figure
    }
    every = zip(exact["cells"] + exact["margins"], noisy["cells"] + noisy["margins"], strict=True)
    for plain, blurred in every:
        if plain["suppressed"]:
            assert blurred["suppressed"]  # suppression on the true counts comes first
        for figure in (blurred["numerator"], blurred["denominator"]):
            assert figure is None or figure == 0 or figure >= 5
        if not blurred["suppressed"] and blurred["value"] is not None:
            low, high = blurred["ci"]
            assert low <= blurred["value"] <= high
    assert next(c for c in exact["cells"] if c["group"] == {"sex": "male"})["suppressed"]
    women = next(c for c in noisy["cells"] if c["group"] == {"sex": "female"})
    assert abs(women["denominator"] - 80) < 60  # noise of scale 3, not a different table


@given(
    budget=st.floats(min_value=0.1, max_value=5),
    asks=st.lists(st.floats(min_value=0.01, max_value=2), max_size=8),
)
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_the_ledger_never_goes_below_zero(coordinator, programme, budget, asks) -> None:
    from healthcamp.reports import privacy

    try:
        with transaction.atomic():
            reports.privacy_budget_set(
                actor=coordinator.actor, programme_id=programme.id, epsilon=budget
            )
            for ask in asks:
                try:
                    with transaction.atomic():
                        left = privacy.spend(programme_id=programme.id, epsilon=ask, what="t")
                    assert left >= -1e-9
                except Conflict:
                    assert privacy.spent(programme.id) + ask > budget
            assert privacy.spent(programme.id) <= budget + 1e-9
            raise _Rollback
    except _Rollback:
        pass


def test_a_table_by_two_dimensions_gets_noise_for_every_figure_a_person_is_in(
    coordinator, analyst, k5, document
) -> None:
    """By sex and age band a person is in their cell, two margins, the total and the counted
    figure: 2^2 + 1 figures, so the scale is 5 / ε; suppression on the true counts comes
    first, and no noisy figure lands in 1..k-1."""
    day = date(2026, 3, 2)
    people = []
    for sex, band, raised, plain in [
        ("female", "40-44", 30, 30),
        ("female", "60-64", 25, 20),
        ("male", "40-44", 20, 35),
        ("male", "60-64", 3, 30),  # a numerator under k: withheld, with its complements
    ]:
        people += _people(raised, sex, band, Visit(MARKET, day, raised_bp=True))
        people += _people(plain, sex, band, Visit(MARKET, day, raised_bp=False))
    build(k5.id, document.id, coordinator.actor.staff_id, people)
    reports.privacy_budget_set(actor=coordinator.actor, programme_id=k5.id, epsilon=5)
    exact = reports.indicator_table(
        actor=analyst.actor, programme_id=k5.id, code="raised_bp", by="sex,age_band"
    ).as_dict()
    noisy = reports.indicator_table(
        actor=analyst.actor, programme_id=k5.id, code="raised_bp", by="sex,age_band", epsilon=1.0
    ).as_dict()
    assert noisy["noise"]["scale"] == 5.0
    pairs = list(
        zip(exact["cells"] + exact["margins"], noisy["cells"] + noisy["margins"], strict=True)
    )
    assert len(pairs) > 6
    for plain, blurred in pairs:
        assert plain["group"] == blurred["group"]
        if plain["suppressed"]:
            assert blurred["suppressed"]
        for figure in (blurred["numerator"], blurred["denominator"]):
            assert figure is None or figure == 0 or figure >= 5
        if not blurred["suppressed"] and blurred["value"] is not None:
            low, high = blurred["ci"]
            assert low <= blurred["value"] <= high
    assert any(p["suppressed"] for p, _ in pairs)  # the small cell, so the check is not vacuous
    shown = [(p["numerator"], b["numerator"]) for p, b in pairs if not b["suppressed"]]
    assert any(a != b for a, b in shown)  # noise was drawn (all equal: about 1 in 10^6)
