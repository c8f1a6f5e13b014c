"""The report pages and downloads in the staff member's language (issues 10 and 11): titles,
dimension names and coded groups go through gettext; no raw code is a column header."""

from __future__ import annotations

import io
from datetime import date
from html import escape

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext
from openpyxl import load_workbook

from healthcamp.lib import code_words
from healthcamp.reports import words
from healthcamp.reports.indicators import INDICATORS
from healthcamp.reports.models import ReportPolicy
from tests.reports_programme import Person, Visit, build
from tests.test_web import _login

pytestmark = pytest.mark.django_db


@pytest.fixture
def camp(coordinator, programme, document):
    ReportPolicy.objects.create(programme_id=programme.id, k=5)
    people = [
        Person(sex, "40-44", [Visit("Market Hall", date(2026, 3, 2), raised_bp=raised)])
        for sex, raised in [("female", True)] * 6 + [("female", False)] * 6
    ]
    build(programme.id, document.id, coordinator.actor.staff_id, people)
    return programme


def _fr(client):
    client.cookies["django_language"] = "fr"
    return client


def test_the_dashboard_in_french_says_titles_dimensions_and_groups_in_french(analyst, camp) -> None:
    page = _login(analyst).get(
        f"/programmes/{camp.id}/reports/", {"by": "age_band"}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    by_sex = _login(analyst).get(
        f"/programmes/{camp.id}/reports/", {"by": "sex"}, HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert page.status_code == by_sex.status_code == 200
    html, sexed = page.content.decode(), by_sex.content.decode()
    with translation.override("fr"):
        title = pgettext("report indicator", "Raised blood pressure")
        band = pgettext("report dimension", "age band")
        female = pgettext("sex", "Female")
    assert escape(title) in html
    assert f'<th scope="col">{escape(band[0].upper() + band[1:])}</th>' in html
    assert f'<th scope="row">{escape(female)}</th>' in sexed
    for code in words.DIMENSIONS:
        assert f'<th scope="col">{code}</th>' not in html + sexed
    assert '<option value="age_band" selected>age_band</option>' not in html


def test_the_xlsx_definitions_are_in_the_requested_language(coordinator, camp) -> None:
    got = _login(coordinator).get(
        f"/programmes/{camp.id}/reports/report.xlsx", HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert got.status_code == 200
    book = load_workbook(io.BytesIO(got.content))
    with translation.override("fr"):
        sheet = pgettext("report sheet", "Definitions")
        head = pgettext("report column", "Definition")
        title = str(INDICATORS["raised_bp"].title)
        definition = str(INDICATORS["raised_bp"].definition)
        unit = str(words.UNITS["people"])
    assert sheet in book.sheetnames
    rows = {r[0]: r for r in book[sheet].iter_rows(values_only=True)}
    first = next(iter(rows.values()))
    assert head in first
    assert rows["raised_bp"][1:3] == (title, definition)
    assert rows["raised_bp"][6] == unit


def test_indicator_words_follow_the_active_language() -> None:
    raised = INDICATORS["raised_bp"]
    with translation.override("en"):
        english = str(raised.definition)
    assert "Wilson 95 % interval." in english  # %% in the msgid, % when read
    assert "%(" not in english
    with translation.override("fr"):
        assert raised.as_dict()["title"] == pgettext("report indicator", "Raised blood pressure")
        assert words.group_name({}) == gettext("all")


@pytest.mark.parametrize(
    ("language", "written"),
    [
        ("fr", ("7,0", "11,1", "6,5 %", "6,2 mmol/L")),
        ("en", ("7.0", "11.1", "6.5 %", "6.2 mmol/L")),
    ],
)
def test_definitions_write_their_thresholds_with_the_readers_decimal_mark(
    language, written
) -> None:
    """A French planner reads "6,5 %", as the guideline's figure in French; the figure is
    the guideline's own ("7.0", not "7")."""
    with translation.override(language):
        said = str(INDICATORS["diabetes"].definition) + str(
            INDICATORS["raised_cholesterol"].definition
        )
    for figure in written:
        assert figure in said
    assert "%(" not in said


def test_the_group_words_are_the_staff_pages_words() -> None:
    """Repeated (reports may not import results), so they must stay the same msgids."""
    assert words.SEX == code_words.SEX
    assert words.URGENCY == code_words.URGENCY
    for code, said in words.PURPOSES.items():
        assert said == code_words.PURPOSES[code]
    assert words.ANSWER["withdrawn"] == code_words.CONSENT_STATUS["withdrawn"]


@pytest.mark.parametrize(
    ("language", "half"), [("fr", "50,0 %"), ("ru", "50,0 %"), ("en", "50.0 %")]
)
def test_rates_and_intervals_use_the_pages_decimal_mark(analyst, camp, language, half) -> None:
    import re

    page = _login(analyst).get(f"/programmes/{camp.id}/reports/", HTTP_ACCEPT_LANGUAGE=language)
    html = page.content.decode()
    assert page.status_code == 200
    assert half in html  # 6 of 12 with raised blood pressure
    if language != "en":
        # No figure in a table cell with an English point.
        assert not re.search(r"<td[^>]*>[^<]*\d\.\d %", html)


@pytest.mark.parametrize(
    ("epsilon", "english"), [("20", "ε is a number from"), ("0.8", "cannot pay")]
)
def test_a_refused_noisy_release_is_said_in_the_pages_language(
    coordinator, analyst, camp, epsilon, english
) -> None:
    from healthcamp.reports import services as reports

    reports.privacy_budget_set(actor=coordinator.actor, programme_id=camp.id, epsilon=1.0)
    client = _fr(_login(analyst))
    assert (
        client.post(
            f"/programmes/{camp.id}/reports/", {"indicator": "raised_bp", "epsilon": "0.5"}
        ).status_code
        == 200
    )
    page = client.post(
        f"/programmes/{camp.id}/reports/", {"indicator": "raised_bp", "epsilon": epsilon}
    )
    html = page.content.decode()
    assert page.status_code in (409, 422)
    assert english not in html
    assert "0,5" in html  # "0,01 à 10, par exemple 0,5" / "0,5 sur 1 reste"
