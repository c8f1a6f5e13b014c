"""Import templates built from a programme: the header the importers read, and in the XLSX
a sheet explaining each column, the catalogue's measures, the sites and the consent
document's purposes, in the programme's language; only for staff whose role imports that
kind of rows."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import openpyxl
import pytest
import python_calamine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from healthcamp.access.errors import AccessDenied, Conflict, InvalidInput
from healthcamp.clinical import catalogue
from healthcamp.imports import templates
from healthcamp.imports.results import results_check, results_import
from healthcamp.services import programmes
from tests.conftest import ALL_PURPOSES, join_everyone, publish_document, register_person
from tests.test_import_registrations import COLUMNS

pytestmark = pytest.mark.django_db

CONTRACT = COLUMNS  # the paper form's columns, as the registrations importer's tests write them
RESULTS = ["card_code", "visit_date", "site_id", "code", "value", "unit", "reading", "confirmed"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DAY = (date.today() - timedelta(days=3)).isoformat()


@pytest.fixture
def camp(registrar, lab, clinician, coordinator, programme, document) -> dict[str, Any]:
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    amina = register_person(registrar, programme, consent_document=document)
    return {"programme": programme.id, "site": site, "amina": amina}


def _made(staff: Any, programme_id: int, kind: str, fmt: str) -> templates.Template:
    return templates.template(actor=staff.actor, programme_id=programme_id, kind=kind, fmt=fmt)


def _book(data: bytes) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data))


def _rows(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _header_of_csv(data: bytes) -> list[str]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with its BOM: Excel reads it right
    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == 1
    return next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize("kind", ["results", "registrations"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_each_kind_and_format_is_a_file_with_the_importers_header(
    coordinator, lab, camp, kind, fmt
) -> None:
    staff = lab if kind == "results" else coordinator
    made = _made(staff, camp["programme"], kind, fmt)
    assert made.filename == f"healthcamp-{kind}-programme-{camp['programme']}.{fmt}"
    expected = RESULTS if kind == "results" else CONTRACT + [f"consent:{p}" for p in ALL_PURPOSES]
    if fmt == "csv":
        assert made.content_type == "text/csv; charset=utf-8"
        assert _header_of_csv(made.data) == expected
        return
    assert made.content_type == XLSX
    book = _book(made.data)
    extra = ["measures", "sites"] if kind == "results" else ["purposes", "sites"]
    assert book.sheetnames == ["data", "columns", *extra]
    data = book["data"]
    assert [c.value for c in data[1]] == expected
    assert all(c.font.bold for c in data[1])
    assert data.freeze_panes == "A2"
    # One explanation per column, in the data sheet's order, each saying if it is required.
    explained = _rows(book["columns"])
    assert [r[0] for r in explained[1:]] == expected
    assert all(r[1] in ("required", "optional") and r[2] for r in explained[1:])
    # python-calamine (the importer's reader) opens it too, and reads the same header.
    read = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(made.data))
    assert read.sheet_names == book.sheetnames
    assert read.get_sheet_by_index(0).to_python()[0] == expected


def test_the_results_template_lists_what_the_role_may_import(lab, clinician, camp) -> None:
    """A lab imports blood tests only: its template offers only their measures."""

    def codes(staff: Any) -> list[str]:
        book = _book(_made(staff, camp["programme"], "results", "xlsx").data)
        return [r[0] for r in _rows(book["measures"])[1:]]

    blood = [
        m.code for m in catalogue.load().values() if m.purpose == "blood_tests" and not m.derived
    ]
    assert codes(lab) == blood
    everything = codes(clinician)
    assert set(blood) < set(everything)
    assert "8480-6" in everything
    assert "85354-9" not in everything
    assert "39156-5" not in everything
    book = _book(_made(lab, camp["programme"], "results", "xlsx").data)
    measures = {r[0]: r for r in _rows(book["measures"])}
    assert measures["4548-4"][2] == "%, mmol/mol"  # the units the importer accepts
    assert measures["4548-4"][4] == "3 to 20 %"  # the plausible range
    assert measures["4548-4"][5] == "Blood tests"
    assert measures["883-9"][3] == "A, B, AB, O"  # a coded measure's answers
    assert measures["10331-7"][3] == "positive (Positive), negative (Negative)"
    site = apps.get_model("registry", "Site").objects.get(pk=camp["site"])
    assert _rows(book["sites"])[1:] == [[site.pk, site.name]]


def test_closed_columns_offer_a_list_to_choose_from(lab, coordinator, camp) -> None:
    def lists(kind: str, staff: Any) -> dict[str, str]:
        data = _book(_made(staff, camp["programme"], kind, "xlsx").data)["data"]
        header = [c.value for c in data[1]]
        found = {}
        for rule in data.data_validations.dataValidation:
            assert rule.type == "list"
            (cells,) = rule.sqref.ranges
            assert cells.min_row == 2
            assert cells.max_row == 1048576
            found[header[cells.min_col - 1]] = rule.formula1
        return found

    results = lists("results", lab)
    assert set(results) == {"site_id", "code", "unit", "confirmed"}
    blood = [m for m in catalogue.load().values() if m.purpose == "blood_tests" and not m.derived]
    assert results["code"] == f"'measures'!$A$2:$A${len(blood) + 1}"
    assert results["site_id"] == "'sites'!$A$2:$A$2"
    assert results["confirmed"] == '"yes,no"'
    assert "mmol/mol" in results["unit"]
    assert "mm[Hg]" not in results["unit"]
    registrations = lists("registrations", coordinator)
    assert registrations["sex"] == '"female,male,other,not_stated"'
    assert registrations["consent_method"] == '"on_screen,witnessed_verbal,witnessed_mark,paper"'
    assert registrations["assent"] == '"yes,no"'
    assert registrations["consent:blood_tests"] == '"yes,no"'


def test_the_purposes_are_those_of_the_current_published_document(coordinator, camp) -> None:
    pid = camp["programme"]
    publish_document(coordinator, pid, version=2, purposes=("screening", "results_contact"))
    header = _header_of_csv(_made(coordinator, pid, "registrations", "csv").data)
    assert header == [*CONTRACT, "consent:screening", "consent:results_contact"]
    book = _book(_made(coordinator, pid, "registrations", "xlsx").data)
    assert _rows(book["purposes"])[1:] == [
        ["screening", "Screening measurements", "We use your data for screening."],
        ["results_contact", "Contact about results", "We use your data for results_contact."],
    ]
    explained = {r[0]: r[2] for r in _rows(book["columns"])}
    assert "We use your data for screening." in explained["consent:screening"]


def test_a_filled_results_template_imports(lab, camp) -> None:
    """A row written in the template's data sheet, or under its CSV header, goes in."""
    card, site, pid = camp["amina"].card_code, camp["site"], camp["programme"]
    book = _book(_made(lab, pid, "results", "xlsx").data)
    book["data"].append([card, DAY, site, "4548-4", "5.4", "%", None, None])
    out = io.BytesIO()
    book.save(out)
    summary = results_import(actor=lab.actor, programme_id=pid, data=out.getvalue())
    assert (summary.rows, summary.written) == (1, 1)

    data = (
        _made(lab, pid, "results", "csv").data + f"{card},{DAY},{site},4548-4,5.6,%,2,\r\n".encode()
    )
    checked = results_check(actor=lab.actor, programme_id=pid, data=data)
    assert (checked.problems, len(checked.new)) == ([], 1)


def test_a_filled_registrations_template_is_read_by_the_registrations_import(
    coordinator, camp
) -> None:
    """The columns the template writes are those the registrations import reads."""
    from healthcamp.imports.registrations import registrations_import

    book = _book(_made(coordinator, camp["programme"], "registrations", "xlsx").data)
    cells = {
        "form_reference": "F-2026/0001",
        "given_name": "Leila",
        "family_name": "Nasser",
        "date_of_birth": "1979-06-02",
        "sex": "female",
        "preferred_language": "en",
        "consent_method": "paper",
    }
    header = [c.value for c in book["data"][1]]
    book["data"].append(
        [cells.get(name, "yes" if name.startswith("consent:") else None) for name in header]
    )
    out = io.BytesIO()
    book.save(out)
    summary = registrations_import(
        actor=coordinator.actor, programme_id=camp["programme"], data=out.getvalue()
    )
    assert (summary.rows, summary.registered) == (1, 1)


def test_required_columns_are_those_the_importers_require(lab, coordinator, camp) -> None:
    from healthcamp.imports import registrations, results

    for staff, kind, required in (
        (lab, "results", results.REQUIRED),
        (coordinator, "registrations", registrations.REQUIRED),
    ):
        book = _book(_made(staff, camp["programme"], kind, "xlsx").data)
        said = {r[0]: r[1] for r in _rows(book["columns"])[1:]}
        assert {c for c, r in said.items() if r == "required"} == {
            *required,
            *(c for c in said if c.startswith("consent:")),
        }


def test_explanations_are_in_the_programmes_language(coordinator, lab) -> None:
    """A programme whose consent document is in French gets its templates in French."""
    camp = programmes.programme_create(actor=coordinator.actor, name="Camp de Lyon")
    join_everyone(camp.id)
    programmes.site_create(actor=coordinator.actor, programme_id=camp.id, name="Salle des fêtes")
    publish_document(coordinator, camp.id, language="fr")
    assert templates.programme_language(camp.id) == "fr"

    results = _book(_made(lab, camp.id, "results", "xlsx").data)
    assert _rows(results["columns"])[0][0] == "Colonne"  # "Column", from locale/fr
    measures = {r[0]: r for r in _rows(results["measures"])}
    assert _rows(results["measures"])[0][1] == "Mesure"
    assert measures["4548-4"][1] == catalogue.measure("4548-4").name("fr")
    assert measures["4548-4"][1] != catalogue.measure("4548-4").name("en")
    assert measures["4548-4"][5] == "Analyses de sang"
    registrations = _book(_made(coordinator, camp.id, "registrations", "xlsx").data)
    explained = {r[0]: r[2] for r in _rows(registrations["columns"])}
    assert "female (Femme)" in explained["sex"]
    assert _rows(registrations["purposes"])[1][1] == "Mesures de dépistage"
    # The CSV header never changes with the language: the importers read these names.
    header = _header_of_csv(_made(coordinator, camp.id, "registrations", "csv").data)
    assert header[: len(CONTRACT)] == CONTRACT


def test_an_english_programme_gets_english_explanations(lab, camp) -> None:
    book = _book(_made(lab, camp["programme"], "results", "xlsx").data)
    assert _rows(book["columns"])[0][0] == "Column"


def test_a_lab_role_is_refused_registration_templates(lab, registrar, camp) -> None:
    entries = apps.get_model("audit", "AuditEntry").objects
    before = entries.count()
    with pytest.raises(AccessDenied, match="may not register participants"):
        _made(lab, camp["programme"], "registrations", "xlsx")
    assert entries.count() == before + 1  # the refusal is on record
    assert b"denied" in bytes(entries.order_by("-seq").first().body)
    with pytest.raises(AccessDenied, match="may not import result files"):
        _made(registrar, camp["programme"], "results", "csv")
    _made(registrar, camp["programme"], "registrations", "csv")  # theirs to import


def test_staff_of_another_programme_are_refused(coordinator, lab, camp) -> None:
    other = programmes.programme_create(actor=coordinator.actor, name="Another Camp")
    with pytest.raises(AccessDenied):
        _made(lab, other.id, "results", "xlsx")


def test_an_unknown_kind_or_format_says_what_is_offered(lab, coordinator, camp) -> None:
    with pytest.raises(InvalidInput) as wrong:
        _made(lab, camp["programme"], "visits", "ods")
    assert wrong.value.errors == {
        "kind": "'visits' is not a kind of import template; use one of: results, registrations",
        "format": "'ods' is not a template format; use one of: csv, xlsx",
    }
    bare = programmes.programme_create(actor=coordinator.actor, name="No Document Yet")
    with pytest.raises(Conflict, match="no published consent document"):
        _made(coordinator, bare.id, "registrations", "csv")


def _client(staff: Any) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=staff.actor.username))
    return client


def test_the_page_view_returns_the_file_as_an_attachment(lab, camp) -> None:
    url = reverse("web:import_template", args=[camp["programme"]])
    response = _client(lab).get(url, {"kind": "results", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == (
        f'attachment; filename="healthcamp-results-programme-{camp["programme"]}.xlsx"'
    )
    assert _book(response.content).sheetnames[0] == "data"
    as_csv = _client(lab).get(url, {"kind": "results", "format": "csv"})
    assert as_csv["Content-Type"] == "text/csv; charset=utf-8"
    assert _header_of_csv(as_csv.content) == RESULTS


def test_the_page_view_refuses_calmly(lab, camp) -> None:
    url = reverse("web:import_template", args=[camp["programme"]])
    refused = _client(lab).get(url, {"kind": "registrations", "format": "xlsx"})
    assert refused.status_code == 403
    assert "may not register participants" in refused.content.decode()
    wrong = _client(lab).get(url, {"kind": "results", "format": "pdf"})
    assert wrong.status_code == 422
    assert "not a template format" in wrong.content.decode()
    assert Client().get(url).status_code == 302  # to the sign-in page
