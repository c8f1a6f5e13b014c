"""Result files: checked whole with nothing written, then all or nothing, through the
same consent check, clinical decision, referral rules and audit as the station."""

from __future__ import annotations

import codecs
from datetime import date, timedelta

import pytest
from django.apps import apps

from healthcamp.access.errors import AccessDenied
from healthcamp.access.forbidden import refusal
from healthcamp.imports import files
from healthcamp.imports.problems import FileRefused, Problem, ProblemsFound, report_csv
from healthcamp.imports.results import results_check, results_import
from tests.conftest import give_consent, register_person

pytestmark = pytest.mark.django_db

HEADER = "card_code,visit_date,site_id,code,value,unit"
DAY = (date.today() - timedelta(days=3)).isoformat()


def _observations() -> int:
    return apps.get_model("exams", "Observation").objects.count()


def _audit_count() -> int:
    return apps.get_model("audit", "AuditEntry").objects.count()


@pytest.fixture
def camp(registrar, lab, clinician, coordinator, programme, document):
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    amina = register_person(registrar, programme, consent_document=document)
    bilal = register_person(registrar, programme, given="Bilal", family="Omar")
    # Bilal agrees to everything but blood tests.
    give_consent(registrar, bilal.id, document.id, no=("blood_tests",))
    return {"site": site, "amina": amina, "bilal": bilal, "programme": programme.id}


def _csv(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def test_a_lab_file_is_checked_with_nothing_written_then_written_whole(lab, camp) -> None:
    card, site = camp["amina"].card_code, camp["site"]
    data = _csv(f"{card},{DAY},{site},4548-4,5.4,%", f"{card},{DAY},{site},35200-5,5.0,mmol/L")
    before = _audit_count()
    checked = results_check(actor=lab.actor, programme_id=camp["programme"], data=data)
    assert checked.problems == []
    assert len(checked.rows) == 2
    assert (_observations(), _audit_count()) == (0, before)  # a check writes nothing

    summary = results_import(actor=lab.actor, programme_id=camp["programme"], data=data)
    assert (summary.written, summary.already_in, summary.visits_started) == (2, 0, 1)
    stored = apps.get_model("exams", "Observation").objects.order_by("code")
    # Labelled by the visit's one decision, as the station labels them.
    assert [(o.code, o.classification) for o in stored] == [
        ("35200-5", "desirable"),
        ("4548-4", "normal"),
    ]
    # The reports' facts follow the visit's decision.
    assert apps.get_model("reports", "VisitFact").objects.count() == 1
    # One entry for the import, naming the person, saying where the values came from.
    entry = apps.get_model("audit", "AuditEntry").objects.order_by("-seq").first()
    assert b"results.import" in bytes(entry.body)
    assert b"results entered from a lab file: 2 value(s)" in bytes(entry.body)
    assert camp["amina"].id.hex in bytes(entry.body).decode().split("\n")[0]


def test_every_problem_is_named_with_its_row_and_column(lab, camp) -> None:
    amina, bilal, site = camp["amina"].card_code, camp["bilal"].card_code, camp["site"]
    future = (date.today() + timedelta(days=2)).isoformat()
    data = _csv(
        f"{amina},{DAY},{site},4548-4,5.4,%",  # 2: fine
        f"ZZZZZZZZZZZ,{DAY},{site},4548-4,5.4,%",  # 3: not a card code
        f"{amina},{DAY},{site},4548-4,55,%",  # 4: implausible (and a new reading number)
        f"{bilal},{DAY},{site},4548-4,5.4,%",  # 5: no consent to blood tests
        f"{amina},{future},{site},35200-5,5.0,mmol/L",  # 6: in the future
        f"{amina},45321,{site},35200-5,5.0,mmol/L",  # 7: an Excel serial date
        f"{amina},{DAY},{site},35200-5,=A1*2,mmol/L",  # 8: a formula
        f"{amina},{DAY},{site},4548-4,5.4,%",  # 9: the same as row 2
        f"{amina},{DAY},{site},1234-5,5.4,%",  # 10: not a measure
        f"{amina},{DAY},{site},35200-5,5.0,stones",  # 11: not a unit of cholesterol
        f"{amina},{DAY},999,14743-9,5.0,mmol/L",  # 12: not a site of the programme
    )
    checked = results_check(actor=lab.actor, programme_id=camp["programme"], data=data)
    found = {(p.row, p.column): p.message for p in checked.problems}
    assert sorted(found) == [
        (3, "card_code"),
        (4, "value"),
        (5, "code"),
        (6, "visit_date"),
        (7, "visit_date"),
        (8, "value"),
        (9, "code"),
        (10, "code"),
        (11, "unit"),
        (12, "site_id"),
    ]
    assert "typing mistake" in found[(3, "card_code")] or "Check" in found[(3, "card_code")]
    assert "not plausible" in found[(4, "value")]
    assert "does not agree to Blood tests" in found[(5, "code")]
    assert "in the future" in found[(6, "visit_date")]
    assert "Excel serial date" in found[(7, "visit_date")]
    assert "formula" in found[(8, "value")]
    assert "same value as row 2" in found[(9, "code")]
    assert "not a measure" in found[(10, "code")]
    assert "'stones' is not one of them" in found[(11, "unit")]
    assert "not a site of this programme" in found[(12, "site_id")]
    # All or nothing: the import of this file writes nothing at all.
    with pytest.raises(ProblemsFound) as refused:
        results_import(actor=lab.actor, programme_id=camp["programme"], data=data)
    assert len(refused.value.problems) == len(found)
    assert _observations() == 0


def test_an_unknown_card_and_a_missing_column_are_named(lab, camp) -> None:
    from healthcamp.registry import cardcode

    stranger = cardcode.generate()
    data = _csv(f"{stranger},{DAY},{camp['site']},4548-4,5.4,%")
    (problem,) = results_check(actor=lab.actor, programme_id=camp["programme"], data=data).problems
    assert (problem.row, problem.column) == (2, "card_code")
    assert "register the person first" in problem.message
    headless = _csv("x", header="card_code,visit_date,site_id,code,value")
    (missing,) = results_check(
        actor=lab.actor, programme_id=camp["programme"], data=headless
    ).problems
    assert (missing.row, missing.column) == (1, "unit")


@pytest.mark.parametrize("column", ["ethnicity", "Fingerprint", "dna_profile", "religion"])
def test_a_column_for_data_never_collected_refuses_the_file_as_the_api_does(
    lab, camp, column
) -> None:
    data = _csv(f"x,{DAY},1,4548-4,5.4,%,y", header=f"{HEADER},{column}")
    with pytest.raises(FileRefused) as refused:
        results_check(actor=lab.actor, programme_id=camp["programme"], data=data)
    assert refused.value.message == refusal(column)
    assert "does not collect" in refused.value.message


def test_re_importing_writes_nothing_new_and_says_so(lab, camp) -> None:
    card, site = camp["amina"].card_code, camp["site"]
    data = _csv(f"{card},{DAY},{site},4548-4,5.4,%", f"{card},{DAY},{site},14743-9,5.0,mmol/L")
    results_import(actor=lab.actor, programme_id=camp["programme"], data=data)
    counts = (_observations(), _audit_count())
    again = results_import(actor=lab.actor, programme_id=camp["programme"], data=data)
    assert (again.written, again.already_in, again.nothing_new) == (0, 2, True)
    assert (_observations(), _audit_count()) == counts
    # A second reading is new; reading 1 with another value is a problem, never overwritten.
    more = _csv(f"{card},{DAY},{site},4548-4,5.6,%,2", header=f"{HEADER},reading")
    assert results_import(actor=lab.actor, programme_id=camp["programme"], data=more).written == 1
    changed = _csv(f"{card},{DAY},{site},4548-4,6.1,%,1", header=f"{HEADER},reading")
    (problem,) = results_check(
        actor=lab.actor, programme_id=camp["programme"], data=changed
    ).problems
    assert (problem.row, problem.column) == (2, "value")
    assert "already stored as 5.4 %" in problem.message


def test_a_critical_value_opens_its_urgent_referral(lab, coordinator, camp) -> None:
    from healthcamp.services import referrals

    card, site = camp["amina"].card_code, camp["site"]
    data = _csv(f"{card},{DAY},{site},14743-9,2.5,mmol/L")  # very low glucose: act today
    summary = results_import(actor=lab.actor, programme_id=camp["programme"], data=data)
    assert len(summary.referred) == 1
    (referral,) = referrals.referrals_to_follow(
        actor=coordinator.actor, programme_id=camp["programme"], status="open"
    )
    assert (referral.urgency, referral.measure_code) == ("urgent", "14743-9")
    assert referral.participant_id == camp["amina"].id
    stored = apps.get_model("exams", "Observation").objects.get()
    assert (stored.classification, stored.critical) == ("very_low", True)


def test_blood_pressure_readings_are_decided_as_the_station_decides_them(clinician, camp) -> None:
    card, site = camp["amina"].card_code, camp["site"]
    lines = [
        f"{card},{DAY},{site},8480-6,150,mm[Hg],1",
        f"{card},{DAY},{site},8480-6,146,mm[Hg],2",
        f"{card},{DAY},{site},8462-4,94,mm[Hg],1",
        f"{card},{DAY},{site},8462-4,92,mm[Hg],2",
    ]
    data = _csv(*lines, header=f"{HEADER},reading")
    results_import(actor=clinician.actor, programme_id=camp["programme"], data=data)
    labels = set(
        apps.get_model("exams", "Observation").objects.values_list("classification", flat=True)
    )
    assert labels == {"hypertension_grade_1"}  # the mean of two pairs, 148/93


def test_a_registrar_cannot_import_lab_results(registrar, camp) -> None:
    data = _csv(f"{camp['amina'].card_code},{DAY},{camp['site']},4548-4,5.4,%")
    with pytest.raises(AccessDenied, match="may not import result files"):
        results_import(actor=registrar.actor, programme_id=camp["programme"], data=data)
    entry = apps.get_model("audit", "AuditEntry").objects.order_by("-seq").first()
    assert b'"outcome":"denied"' in bytes(entry.body)
    assert _observations() == 0


def test_a_lab_cannot_import_blood_pressure(lab, camp) -> None:
    data = _csv(f"{camp['amina'].card_code},{DAY},{camp['site']},8480-6,120,mm[Hg]")
    (problem,) = results_check(actor=lab.actor, programme_id=camp["programme"], data=data).problems
    assert (problem.row, problem.column) == (2, "code")
    assert "Your role may not import" in problem.message


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16"])
def test_utf8_with_or_without_bom_and_utf16_are_recognised(lab, camp, codec) -> None:
    text = _csv(f"{camp['amina'].card_code},{DAY},{camp['site']},4548-4,5.4,%").decode()
    summary = results_import(
        actor=lab.actor, programme_id=camp["programme"], data=text.encode(codec)
    )
    assert summary.written == 1


def test_windows_1252_is_read_when_named_and_explained_when_not() -> None:
    data = "card_code,note\nx,café\n".encode("cp1252")
    with pytest.raises(FileRefused, match="cp1252"):
        files.decode(data)
    assert files.decode(data, "cp1252").endswith("café\n")
    assert files.decode(codecs.BOM_UTF8 + b"a,b\n") == "a,b\n"
    with pytest.raises(FileRefused, match="not an encoding"):
        files.decode(data, "klingon")


def test_the_problem_report_neutralises_spreadsheet_formulas() -> None:
    report = report_csv([Problem(3, "=cmd", "-2+3 is not a value"), Problem(4, "value", "ok")])
    assert report.splitlines() == [
        "row,column,message",
        "3,'=cmd,'-2+3 is not a value",
        "4,value,ok",
    ]


def test_new_visits_facts_are_what_the_station_hook_writes(lab, camp) -> None:
    """The batch of facts for new visits equals visit_facts.record's, visit by visit."""
    from healthcamp.services import visit_facts

    card, site = camp["amina"].card_code, camp["site"]
    days = [(date.today() - timedelta(days=n)).isoformat() for n in (3, 2)]
    data = _csv(
        f"{card},{days[0]},{site},4548-4,7.1,%",
        f"{card},{days[0]},{site},35200-5,7.0,mmol/L",
        f"{card},{days[1]},{site},14743-9,2.5,mmol/L",  # critical: an urgent referral
    )
    results_import(actor=lab.actor, programme_id=camp["programme"], data=data)
    facts = apps.get_model("reports", "VisitFact").objects

    def rows() -> list[dict]:
        return sorted(facts.values(), key=lambda f: f["visit_date"])

    batched = rows()
    assert [f["referral_urgency"] for f in batched] == ["", "urgent"]
    assert [f["latest_diabetes"] for f in batched] == [False, True]
    assert [f["counted"] for f in batched] == [True, True]  # she grants statistics
    facts.all().delete()
    assert visit_facts.backfill() == 2  # the one-by-one hook
    assert rows() == batched


def _xlsx(rows: list[list[object]]) -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_xlsx_file_names_serial_dates_and_formulas_then_imports(lab, camp) -> None:
    card, site = camp["amina"].card_code, camp["site"]
    day = date.today() - timedelta(days=3)
    header = HEADER.split(",")
    sheet = [
        header,
        [card, day, site, "4548-4", 5.4, "%"],  # a real date cell and a number: fine
        [card, 45321, site, "35200-5", 5.0, "mmol/L"],  # an Excel serial date
        [card, day, site, "14743-9", "=2.5*2", "mmol/L"],  # a formula
    ]
    problems = results_check(
        actor=lab.actor, programme_id=camp["programme"], data=_xlsx(sheet)
    ).problems
    assert [(p.row, p.column) for p in problems] == [(3, "visit_date"), (4, "value")]
    assert "Excel serial date" in problems[0].message
    assert "formula" in problems[1].message
    summary = results_import(actor=lab.actor, programme_id=camp["programme"], data=_xlsx(sheet[:2]))
    assert summary.written == 1
    assert apps.get_model("exams", "Observation").objects.get().original_value == "5.4"


def test_marking_a_batch_of_people_sets_exactly_what_marking_each_one_sets(
    lab, clinician, camp
) -> None:
    """facts.mark_many (the import's few queries) gives the rows facts.mark gives person
    by person: every marker, latest_visit and the critical column included."""
    from healthcamp.reports import facts

    amina, bilal, site = camp["amina"].card_code, camp["bilal"].card_code, camp["site"]
    day = [(date.today() - timedelta(days=n)).isoformat() for n in (9, 6, 4, 2)]
    results_import(
        actor=lab.actor,
        programme_id=camp["programme"],
        data=_csv(
            f"{amina},{day[0]},{site},4548-4,7.1,%",
            f"{amina},{day[1]},{site},14743-9,2.5,mmol/L",  # critical
            f"{amina},{day[3]},{site},35200-5,4.0,mmol/L",
        ),
    )
    results_import(
        actor=clinician.actor,
        programme_id=camp["programme"],
        data=_csv(
            f"{bilal},{day[1]},{site},8480-6,150,mm[Hg]",
            f"{bilal},{day[1]},{site},8462-4,95,mm[Hg]",
            f"{bilal},{day[2]},{site},8480-6,118,mm[Hg]",
            f"{bilal},{day[2]},{site},8462-4,76,mm[Hg]",
        ),
    )
    model = apps.get_model("reports", "VisitFact").objects

    def rows() -> list[dict]:
        return sorted(model.values(), key=lambda f: (str(f["participant_id"]), f["visit_date"]))

    marked = rows()
    assert [f["critical"] for f in marked if f["participant_id"] == camp["amina"].id] == [
        False,
        True,
        False,
    ]
    assert sum(f["latest_visit"] for f in marked) == 2
    people = [camp["amina"].id, camp["bilal"].id]
    wrong = dict.fromkeys(facts._MARKERS, True)
    for mark in (lambda: [facts.mark(p) for p in people], lambda: facts.mark_many(people)):
        model.update(**wrong)
        assert rows() != marked
        mark()
        assert rows() == marked
