"""The report pages (issue 11): a chart and a table per indicator for coordinators and
analysts, suppressed cells marked and explained, CSV and XLSX downloads with a sheet of
definitions; nobody else may open them."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from healthcamp.audit import chain
from healthcamp.audit.models import AuditEntry
from healthcamp.reports.models import ReportPolicy
from tests.reports_programme import Person, Visit, build
from tests.test_web import _login

pytestmark = pytest.mark.django_db


@pytest.fixture
def camp(coordinator, programme, document):
    ReportPolicy.objects.create(programme_id=programme.id, k=5)
    people = [
        Person(sex, band, [Visit("Market Hall", date(2026, 3, 2), raised_bp=raised)])
        for sex, band, raised in [("female", "40-44", True)] * 7
        + [("female", "40-44", False)] * 6
        + [("male", "60-64", True)] * 3  # 3: under k, suppressed by sex ...
        + [("male", "60-64", False)] * 9
        + [("other", "20-24", True)] * 6  # ... with this group as its complement
        + [("other", "20-24", False)] * 5
    ]
    build(programme.id, document.id, coordinator.actor.staff_id, people)
    return programme


@pytest.mark.parametrize("role", ["coordinator", "analyst"])
def test_the_dashboard_shows_a_chart_and_a_table_per_indicator(role, request, camp) -> None:
    staff = request.getfixturevalue(role)
    before = AuditEntry.objects.count()
    page = _login(staff).get(f"/programmes/{camp.id}/reports/", {"by": "sex"})
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('src="data:image/svg+xml;base64,') >= 20
    assert "Raised blood pressure" in html
    assert '<th scope="col">Sex</th>' in html
    assert '<th scope="row">Female</th>' in html
    assert "Suppressed" in html
    assert 'aria-describedby="suppressed-note"' in html
    assert 'id="suppressed-note"' in html
    assert "53.8 %" in html  # 7 of 13 women
    assert AuditEntry.objects.count() == before + 1  # the whole dashboard: one entry


@pytest.mark.parametrize("role", ["registrar", "clinician", "lab", "auditor"])
def test_nobody_else_opens_the_reports(role, request, programme) -> None:
    staff = request.getfixturevalue(role)
    client = _login(staff)
    assert client.get(f"/programmes/{programme.id}/reports/").status_code == 403
    assert client.get(f"/programmes/{programme.id}/reports/report.csv").status_code == 403


def test_a_breakdown_not_offered_is_refused(analyst, programme) -> None:
    page = _login(analyst).get(f"/programmes/{programme.id}/reports/", {"by": "religion"})
    assert page.status_code == 422


def test_csv_has_the_same_figures_as_the_page(analyst, camp) -> None:
    response = _login(analyst).get(f"/programmes/{camp.id}/reports/report.csv", {"by": "sex"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    female = next(r for r in rows if r["Indicator code"] == "raised_bp" and r["Sex"] == "Female")
    assert (female["Numerator"], female["Denominator"], female["Suppressed"]) == ("7", "13", "no")
    male = next(r for r in rows if r["Indicator code"] == "raised_bp" and r["Sex"] == "Male")
    assert male["Suppressed"] == "yes"
    assert male["Numerator"] == male["Denominator"] == male["Value"] == ""
    for row in rows:
        for field in ("Numerator", "Denominator"):
            assert row[field] == "" or not 0 < int(row[field]) < 5, row


def test_xlsx_has_figures_and_definitions(coordinator, camp) -> None:
    response = _login(coordinator).get(f"/programmes/{camp.id}/reports/report.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Figures", "Definitions"]
    definitions = {row[0]: row for row in book["Definitions"].iter_rows(values_only=True)}
    assert "140/90" in definitions["raised_bp"][2]
    assert "WHO World Standard Population" in definitions["raised_bp_std"][5]
    figures = list(book["Figures"].iter_rows(values_only=True))
    assert figures[0][0] == "Indicator code"
    assert any(r[0] == "screened" for r in figures[1:])


def test_the_portal_says_the_person_is_counted_while_they_consent(
    registrar, programme, document
) -> None:
    from django.test import Client

    from healthcamp.services import consent
    from tests.test_portal import _person, _sign_in

    person = _person(registrar, programme, document, language="en")
    client = Client()
    _sign_in(client, person.card_code)
    assert "you are counted in the programme" in client.get("/me/record/").content.decode()
    current = consent.consents_of(actor=registrar.actor, participant_id=person.id)[0].id
    consent.consent_withdraw(
        actor=registrar.actor,
        participant_id=person.id,
        consent_id=current,
        purposes=["programme_statistics"],
        erase=False,
    )
    page = client.get("/me/record/").content.decode()
    assert "You are not counted in the programme" in page


def test_the_desk_links_each_programmes_report_for_analysts(analyst, registrar, programme):
    link = f'href="/programmes/{programme.id}/reports/"'
    assert link in _login(analyst).get("/").content.decode()
    assert link not in _login(registrar).get("/").content.decode()


# ---- a noisy release from the dashboard (differential privacy) ---------------------------


def _release(staff, programme_id: int, epsilon: str, code: str = "raised_bp"):
    return _login(staff).post(
        f"/programmes/{programme_id}/reports/",
        {"indicator": code, "epsilon": epsilon, "by": "sex"},
    )


def test_a_table_released_with_noise_is_marked_and_paid_for(coordinator, analyst, camp) -> None:
    from healthcamp.reports import privacy
    from healthcamp.reports import services as reports

    exact = _login(analyst).get(f"/programmes/{camp.id}/reports/").content.decode()
    assert "Release with noise" not in exact  # no budget: exact tables only
    assert "none set: tables are released exact only" in exact
    reports.privacy_budget_set(actor=coordinator.actor, programme_id=camp.id, epsilon=1.0)
    offered = _login(analyst).get(f"/programmes/{camp.id}/reports/").content.decode()
    assert 'name="indicator" value="raised_bp"' in offered
    assert 'name="indicator" value="raised_bp_std"' not in offered  # standardised: exact only

    page = _release(analyst, camp.id, "0.5")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Noisy figures" in html
    assert "(noisy figures)</caption>" in html  # the one table, in its caption
    assert html.count("(noisy figures)</caption>") == 1
    assert "0.5 of 1 spent, 0.5 left" in html
    assert privacy.spent(camp.id) == 0.5
    _, fields = chain.decode(bytes(AuditEntry.objects.latest("seq").body))
    assert "raised_bp by sex with noise: ε = 0.5 spent, 0.5 left" in fields["detail"]


@pytest.mark.parametrize(
    ("epsilon", "status", "said"), [("20", 422, "ε is a number from"), ("0.8", 409, "cannot pay")]
)
def test_a_refused_release_is_said_beside_its_form_and_spends_nothing(
    coordinator, analyst, camp, epsilon, status, said
) -> None:
    from healthcamp.reports import privacy
    from healthcamp.reports import services as reports

    reports.privacy_budget_set(actor=coordinator.actor, programme_id=camp.id, epsilon=1.0)
    assert _release(analyst, camp.id, "0.5").status_code == 200
    page = _release(analyst, camp.id, epsilon)
    html = page.content.decode()
    assert page.status_code == status
    assert said in html
    assert 'aria-describedby="eps-err-raised_bp"' in html
    assert f'value="{epsilon}"' in html  # what was typed, kept to correct
    assert "Noisy figures" not in html  # the exact tables, shown as before
    assert privacy.spent(camp.id) == 0.5
