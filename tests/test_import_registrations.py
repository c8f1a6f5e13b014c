"""Paper registration forms: checked whole with nothing written, then every person
enrolled by the enrolment service (the desk's validation, sealing, audit),
or nobody; the same forms imported again register nobody new."""

from __future__ import annotations

import io
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

from healthcamp import cli
from healthcamp.access.errors import AccessDenied, InvalidInput
from healthcamp.access.forbidden import refusal
from healthcamp.audit import selectors
from healthcamp.audit.chain import verify
from healthcamp.imports.problems import FileRefused, ProblemsFound
from healthcamp.imports.registrations import registrations_check, registrations_import
from healthcamp.services import consent, enrolment
from tests.conftest import ALL_PURPOSES, ON_POSTGRESQL, publish_document

pytestmark = pytest.mark.django_db

COLUMNS = [
    "form_reference",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "phone",
    "preferred_language",
    "consent_method",
    "witness",
    "guardian_name",
    "guardian_relationship",
    "assent",
]
PURPOSE_COLUMNS = [f"consent:{p}" for p in ALL_PURPOSES]
HEADER = [*COLUMNS, *PURPOSE_COLUMNS]
TODAY = date.today()


def _years_ago(years: int) -> str:
    return TODAY.replace(year=TODAY.year - years, day=1).isoformat()


def form(reference: str = "F-2026/0001", **cells: str) -> dict[str, str]:
    """A paper form as a row: an adult who signed on paper and agrees to everything."""
    row = {
        "form_reference": reference,
        "given_name": "Amina",
        "family_name": "Haddad",
        "date_of_birth": "1984-03-15",
        "sex": "female",
        "phone": "",
        "preferred_language": "en",
        "consent_method": "paper",
        "witness": "",
        "guardian_name": "",
        "guardian_relationship": "",
        "assent": "",
        **dict.fromkeys(PURPOSE_COLUMNS, "yes"),
    }
    for key, value in cells.items():  # consent_screening="no" is the column consent:screening
        purpose = key.startswith("consent_") and key != "consent_method"
        row[f"consent:{key.removeprefix('consent_')}" if purpose else key] = value
    return row


def _csv(*rows: dict[str, str], header: list[str] = HEADER) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(c, "") for c in header])
    return out.getvalue().encode("utf-8")


def _xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _counts() -> tuple[int, int, int]:
    return (
        apps.get_model("registry", "Participant").objects.count(),
        apps.get_model("consent", "Consent").objects.count(),
        apps.get_model("audit", "AuditEntry").objects.count(),
    )


def _last_entry() -> bytes:
    return bytes(apps.get_model("audit", "AuditEntry").objects.order_by("-seq").first().body)


def _consent_of(registrar: Any, card: str) -> Any:
    person = apps.get_model("registry", "Participant").objects.get(card_code=card.replace("-", ""))
    (view,) = consent.consents_of(actor=registrar.actor, participant_id=person.id)
    return person, view


@pytest.fixture
def camp(registrar, coordinator, lab, programme, document) -> int:
    return programme.id


def test_paper_forms_are_checked_with_nothing_written_then_registered_whole(
    registrar, coordinator, camp
) -> None:
    french = publish_document(coordinator, camp, language="fr")
    data = _csv(
        form("F-2026/0001"),
        form(
            "F-2026/0002",
            given_name="Élodie",
            family_name="Martin",
            preferred_language="fr-FR",
            sex="Female",
            phone="+33 6 12 34 56 78",
            consent_blood_tests="no",
            consent_deidentified_research="N",
        ),
    )
    before = _counts()
    checked = registrations_check(actor=registrar.actor, programme_id=camp, data=data)
    assert checked.problems == []
    assert (len(checked.rows), len(checked.new)) == (2, 2)
    assert _counts() == before  # a check writes nothing

    summary = registrations_import(actor=registrar.actor, programme_id=camp, data=data)
    assert (summary.rows, summary.registered, summary.already_in) == (2, 2, 0)
    assert [ref for ref, _card in summary.cards] == ["F-2026/0001", "F-2026/0002"]
    assert _counts()[:2] == (before[0] + 2, before[1] + 2)
    entry = _last_entry()

    person, amina = _consent_of(registrar, summary.cards[0][1])
    assert (amina.method, amina.paper_reference, amina.recorded_by) == (
        "paper",
        "F-2026/0001",
        registrar.actor.username,
    )
    assert all(d.granted for d in amina.decisions)
    assert bytes(person.given_name_sealed) != b"Amina"  # sealed, as at the desk
    other, elodie = _consent_of(registrar, summary.cards[1][1])
    # The document in the person's language, as the consent page picks it.
    assert (elodie.document.id, other.preferred_language, other.sex) == (
        french.id,
        "fr-FR",
        "female",
    )
    assert {d.purpose: d.granted for d in elodie.decisions}["blood_tests"] is False
    assert {d.purpose: d.granted for d in elodie.decisions}["deidentified_research"] is False

    # One entry for the import naming everyone it registered, with the file's digest ...
    assert b"registrations.import" in entry
    assert b"registered from a paper form: 2 form(s), file sha256" in entry
    assert {person.id.hex, other.id.hex} <= set(entry.decode().split("\n")[0].split(","))
    # ... so each person's own log says it, after the services' own entries.
    acts = [line.action for line in selectors.log_for_participant(participant_id=person.id.hex)]
    assert {"participant.register", "consent.record", "registrations.import"} <= set(acts)
    assert verify(check_head_file=False).ok


def test_every_problem_is_named_with_its_row_and_column(registrar, coordinator, camp) -> None:
    future = (TODAY + timedelta(days=3)).isoformat()
    data = _csv(
        form("F-1"),  # 2: fine
        form("F-2", given_name="Amina2"),  # 3: digits in a name
        form("F-3", date_of_birth="30757"),  # 4: an Excel serial date
        form("F-4", date_of_birth=future),  # 5: born in the future
        form("F-5", sex="yes"),  # 6: not a sex the page offers
        form("F-6", preferred_language="klingon"),  # 7: not a language the page offers
        form("F-7", phone="call me"),  # 8: not a phone number
        form("F-8", consent_method="nod"),  # 9: not a way of confirming consent
        form("F-9", consent_method="witnessed_verbal"),  # 10: witnessed, no witness
        form("F-10", consent_method="witnessed_mark", witness="nobody"),  # 11: unknown witness
        form("F-11", consent_method="witnessed_verbal", witness="registrar-1"),  # 12: the importer
        form("F-12", date_of_birth=_years_ago(12)),  # 13: a minor without a guardian
        form("F-13", consent_screening="maybe"),  # 14: not yes or no
        form("f-1"),  # 15: the same form as row 2 (case does not matter)
        form("F-15", family_name="=A1&B1"),  # 16: a formula
        form(""),  # 17: no reference
        form(
            "F-17",
            date_of_birth=_years_ago(12),
            guardian_name="Samir Haddad",
            guardian_relationship="uncle",
            assent="yes",
        ),  # 18: not a guardian's relationship the consent page offers
        form("F-18", guardian_name="Samir Haddad", guardian_relationship="parent"),  # 19: adult
        form("F-19", assent="perhaps"),  # 20: not yes or no
    )
    checked = registrations_check(actor=registrar.actor, programme_id=camp, data=data)
    found = {(p.row, p.column): p.message for p in checked.problems}
    assert sorted(found) == [
        (3, "given_name"),
        (4, "date_of_birth"),
        (5, "date_of_birth"),
        (6, "sex"),
        (7, "preferred_language"),
        (8, "phone"),
        (9, "consent_method"),
        (10, "witness"),
        (11, "witness"),
        (12, "witness"),
        (13, "assent"),
        (13, "guardian_name"),
        (13, "guardian_relationship"),
        (14, "consent:screening"),
        (15, "form_reference"),
        (16, "family_name"),
        (17, "form_reference"),
        (18, "guardian_relationship"),
        (19, "guardian_name"),
        (19, "guardian_relationship"),
        (20, "assent"),
    ]
    assert "contains digits" in found[(3, "given_name")]
    assert "Excel serial date" in found[(4, "date_of_birth")]
    assert "in the future" in found[(5, "date_of_birth")]
    assert "Sex must be one of" in found[(6, "sex")]
    assert "not a language tag" in found[(7, "preferred_language")]
    assert "not a phone number" in found[(8, "phone")]
    assert "paper, witnessed_mark, witnessed_verbal" in found[(9, "consent_method")]
    assert "names the staff member who witnessed it" in found[(10, "witness")]
    assert "No active staff member is called 'nobody'" in found[(11, "witness")]
    assert "someone other than the person recording" in found[(12, "witness")]
    assert "write the consenting guardian's name" in found[(13, "guardian_name")]
    assert "write yes or no" in found[(14, "consent:screening")]
    assert "Row 2 has the same form reference" in found[(15, "form_reference")]
    assert "formula" in found[(16, "family_name")]
    assert "Write the reference printed on the paper form" in found[(17, "form_reference")]
    assert "legal_guardian, parent" in found[(18, "guardian_relationship")]
    assert "an adult: they consent for themselves" in found[(19, "guardian_name")]
    assert "not yes or no" in found[(20, "assent")]
    # All or nothing: the import of this file registers nobody and writes no entry.
    before = _counts()
    with pytest.raises(ProblemsFound) as refused:
        registrations_import(actor=registrar.actor, programme_id=camp, data=data)
    assert len(refused.value.problems) == len(found)
    assert _counts() == before


def test_the_columns_are_checked_before_any_row(registrar, camp) -> None:
    missing = [c for c in HEADER if c not in ("sex", "consent:screening")]
    data = _csv(form(), header=[*missing, "consent:marketing", "nickname"])
    problems = registrations_check(actor=registrar.actor, programme_id=camp, data=data).problems
    found = {p.column: p for p in problems}
    assert sorted(found) == ["consent:marketing", "consent:screening", "nickname", "sex"]
    assert {p.row for p in problems} == {1}
    assert "every row needs it" in found["sex"].message
    assert "asks every participant about it" in found["consent:screening"].message
    assert "does not ask about 'marketing'" in found["consent:marketing"].message
    assert "does not read a column 'nickname'" in found["nickname"].message


@pytest.mark.parametrize("column", ["ethnicity", "Fingerprint", "dna_profile", "religion"])
def test_a_column_for_data_never_collected_refuses_the_file_as_the_api_does(
    registrar, camp, column
) -> None:
    data = _csv(form(), header=[*HEADER, column])
    with pytest.raises(FileRefused) as refused:
        registrations_check(actor=registrar.actor, programme_id=camp, data=data)
    assert refused.value.message == refusal(column)
    assert "does not collect" in refused.value.message
    with pytest.raises(FileRefused):
        registrations_import(actor=registrar.actor, programme_id=camp, data=data)
    assert _counts()[:2] == (0, 0)


def test_one_bad_row_writes_no_participant_no_consent_and_no_audit_entry(registrar, camp) -> None:
    data = _csv(form("F-1"), form("F-2", sex="?"), form("F-3", given_name="Bilal"))
    before = _counts()
    with pytest.raises(ProblemsFound) as refused:
        registrations_import(actor=registrar.actor, programme_id=camp, data=data)
    assert [(p.row, p.column) for p in refused.value.problems] == [(3, "sex")]
    assert _counts() == before


def test_a_service_refusing_a_row_during_the_import_undoes_every_row(
    registrar, camp, monkeypatch
) -> None:
    """Rows are enrolled a batch at a time by the enrolment service: a refusal the check did
    not foresee still leaves nothing (the batch after it, enrolled, is undone too), and is
    named with its row and the file's column."""
    real = consent.consent_errors
    calls = []

    def refuses_the_second(**kwargs: Any) -> Any:
        calls.append(kwargs["given"].paper_reference)
        if len(calls) == 2:
            return {"witness_id": "No.", "decisions.screening": "Also no."}
        return real(**kwargs)

    monkeypatch.setattr(enrolment, "MOST", 2)  # batches [F-1, F-2] and [F-3]
    monkeypatch.setattr(consent, "consent_errors", refuses_the_second)
    data = _csv(form("F-1"), form("F-2", given_name="Bilal"), form("F-3", given_name="Chen"))
    before = _counts()
    with pytest.raises(ProblemsFound) as refused:
        registrations_import(actor=registrar.actor, programme_id=camp, data=data)
    assert [(p.row, p.column, p.message) for p in refused.value.problems] == [
        (3, "consent:screening", "Also no."),
        (3, "witness", "No."),
    ]
    assert calls == ["F-1", "F-2", "F-3"]  # every row is tried, so every problem is named
    assert _counts() == before  # the third person's registration is undone too


def test_importing_the_same_forms_again_registers_nobody_new_and_says_so(registrar, camp) -> None:
    data = _csv(form("F-1"), form("F-2", given_name="Bilal", family_name="Omar"))
    first = registrations_import(actor=registrar.actor, programme_id=camp, data=data)
    assert first.registered == 2
    counts = _counts()
    again = registrations_import(actor=registrar.actor, programme_id=camp, data=data)
    assert (again.registered, again.already_in, again.nothing_new) == (0, 2, True)
    assert _counts() == counts  # no person, no consent, no audit entry
    # A file with one form more registers that one alone; case in a reference is no matter.
    more = _csv(form("f-1"), form("F-3", given_name="Chen", family_name="Li"))
    checked = registrations_check(actor=registrar.actor, programme_id=camp, data=more)
    assert [(r.form_reference, r.already_in) for r in checked.rows] == [
        ("f-1", True),
        ("F-3", False),
    ]
    added = registrations_import(actor=registrar.actor, programme_id=camp, data=more)
    assert ([ref for ref, _ in added.cards], added.already_in) == (["F-3"], 1)
    # A reference already imported for somebody else is a problem, never a second person.
    clash = _csv(form("F-2", given_name="Dana"))
    (problem,) = registrations_check(actor=registrar.actor, programme_id=camp, data=clash).problems
    assert (problem.row, problem.column) == (2, "form_reference")
    assert "already imported for someone else" in problem.message


def test_a_minor_needs_a_guardian_and_their_own_assent(registrar, camp) -> None:
    child = {"date_of_birth": _years_ago(12), "given_name": "Yusuf"}
    guarded = {"guardian_name": "Samir Haddad", "guardian_relationship": "parent"}
    refused = _csv(
        form("F-1", **child),
        form("F-2", **child, **guarded),  # no assent
        form("F-3", **child, **guarded, assent="no"),
    )
    problems = registrations_check(actor=registrar.actor, programme_id=camp, data=refused).problems
    assert [(p.row, p.column) for p in problems] == [
        (2, "assent"),
        (2, "guardian_name"),
        (2, "guardian_relationship"),
        (3, "assent"),
        (4, "assent"),
    ]
    assert "old enough to assent" in problems[-1].message
    assert _counts()[:2] == (0, 0)

    toddler = {"date_of_birth": _years_ago(4), "given_name": "Lina"}
    accepted = _csv(
        form("F-4", **child, **guarded, assent="Yes"),
        form("F-5", **toddler, **guarded),  # too young to be asked
    )
    summary = registrations_import(actor=registrar.actor, programme_id=camp, data=accepted)
    _, yusuf = _consent_of(registrar, summary.cards[0][1])
    assert (yusuf.guardian_name, yusuf.guardian_relationship, yusuf.assent) == (
        "Samir Haddad",
        "parent",
        True,
    )
    _, lina = _consent_of(registrar, summary.cards[1][1])
    assert (lina.guardian_relationship, lina.assent) == ("parent", None)


def test_a_witnessed_mark_names_its_witness_and_is_recognised_when_imported_again(
    registrar, coordinator, camp
) -> None:
    data = _csv(
        form(
            "F-7/2026",
            consent_method="Witnessed_Mark",
            witness=coordinator.actor.username,
        )
    )
    summary = registrations_import(actor=registrar.actor, programme_id=camp, data=data)
    _, view = _consent_of(registrar, summary.cards[0][1])
    assert (view.method, view.witness) == ("witnessed_mark", coordinator.actor.username)
    # The consent service keeps a reference only for a signed form; the form is still
    # recognised by its index.
    assert view.paper_reference == ""
    again = registrations_import(actor=registrar.actor, programme_id=camp, data=data)
    assert (again.registered, again.already_in) == (0, 1)


def test_a_lab_is_refused_as_the_registration_service_refuses_it(lab, camp) -> None:
    before = _counts()
    with pytest.raises(AccessDenied, match=r"The laboratory role may not register participants\."):
        registrations_import(actor=lab.actor, programme_id=camp, data=_csv(form()))
    with pytest.raises(AccessDenied, match="may not register participants"):
        registrations_check(actor=lab.actor, programme_id=camp, data=_csv(form()))
    assert _counts()[:2] == before[:2]
    assert b'"outcome":"denied"' in _last_entry()  # the attempt is on record


def test_a_coordinator_may_import_forms(coordinator, camp) -> None:
    summary = registrations_import(actor=coordinator.actor, programme_id=camp, data=_csv(form()))
    assert summary.registered == 1


def test_an_xlsx_file_names_serial_dates_and_formulas_then_registers(registrar, camp) -> None:
    def line(reference: str, born: Any, given: str = "Amina") -> list[Any]:
        cells = form(reference, given_name=given)
        cells["date_of_birth"] = born
        return [cells[c] for c in HEADER]

    sheet = [
        HEADER,
        line("F-1", date(1984, 3, 15)),  # a real date cell: fine
        line("F-2", 30757),  # an Excel serial date
        line("F-3", date(1990, 1, 2), given='=CONCAT("A","mina")'),  # a formula
    ]
    problems = registrations_check(
        actor=registrar.actor, programme_id=camp, data=_xlsx(sheet)
    ).problems
    assert [(p.row, p.column) for p in problems] == [(3, "date_of_birth"), (4, "given_name")]
    assert "Excel serial date" in problems[0].message
    assert "formula" in problems[1].message
    summary = registrations_import(actor=registrar.actor, programme_id=camp, data=_xlsx(sheet[:2]))
    assert summary.registered == 1


def test_windows_1252_is_read_when_named(registrar, camp) -> None:
    data = _csv(form(given_name="José")).decode("utf-8").encode("cp1252")
    with pytest.raises(FileRefused, match="not UTF-8"):
        registrations_check(actor=registrar.actor, programme_id=camp, data=data)
    summary = registrations_import(
        actor=registrar.actor, programme_id=camp, data=data, encoding="cp1252"
    )
    assert summary.registered == 1


def test_the_command_registers_forms_checks_them_and_says_what_is_wrong(
    tmp_path: Path, capsys, registrar, lab, camp
) -> None:
    path = tmp_path / "forms.csv"
    path.write_bytes(_csv(form("F-1"), form("F-2", sex="?")))
    args = ["import", "registrations", str(path), "--programme", str(camp)]

    def run(*more: str) -> tuple[int, str, str]:
        code = cli.main([*args, *more])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("--as", "")[0] == 2
    code, _, err = run("--as", lab.actor.username)
    assert (code, "may not register participants" in err) == (2, True)

    code, _, err = run("--as", registrar.actor.username)
    assert code == 1, err
    assert "row 3, column sex:" in err
    report = (tmp_path / "forms.csv.problems.csv").read_text(encoding="utf-8")
    assert report.startswith("row,column,message\n3,sex,")
    assert _counts()[:2] == (0, 0)

    path.write_bytes(_csv(form("F-1"), form("F-2", given_name="Bilal")))
    code, out, _ = run("--as", registrar.actor.username, "--dry-run")
    assert (code, "2 form(s) would register someone" in out) == (0, True)
    assert _counts()[:2] == (0, 0)
    code, out, err = run("--as", registrar.actor.username)
    assert code == 0, err
    assert "Registered 2 participant(s) from paper forms" in out
    assert "form F-1: card " in out
    code, out, _ = run("--as", registrar.actor.username)
    assert (code, out.split(":")[0]) == (0, "Nothing new")
    assert _counts()[:2] == (2, 2)
    # `import FILE` still means results, and an unknown kind is a usage error.
    assert cli.main(["import", "people", str(path), "--programme", str(camp)]) == 2


def test_the_check_reads_witnesses_documents_and_imported_forms_once_per_file(
    registrar, coordinator, camp
) -> None:
    """A file of twenty forms costs the check the queries of a file of two."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(count: int) -> int:
        rows = [
            form(
                f"F-{i}",
                consent_method="witnessed_verbal",
                witness=coordinator.actor.username,
                preferred_language=("en", "fr", "ar")[i % 3],
            )
            for i in range(count)
        ]
        with CaptureQueriesContext(connection) as done:
            checked = registrations_check(
                actor=registrar.actor, programme_id=camp, data=_csv(*rows)
            )
        assert (checked.problems, len(checked.rows)) == ([], count)
        return len(done.captured_queries)

    queries(1)  # the first import of a test run makes the vault's keys
    assert queries(20) == queries(3)


def _waiting_on_a_lock() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.postgres_only
@pytest.mark.skipif(not ON_POSTGRESQL, reason="two connections at once: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_file_at_once_register_each_person_once(registrar, camp) -> None:
    """The second import waits for the first, then finds its forms already in."""
    import threading
    import time

    from django.db import connections

    data = _csv(form("F-1"), form("F-2", given_name="Bilal"))
    writing, finish = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def run(name: str, progress: Any = None) -> None:
        try:
            outcome[name] = registrations_import(
                actor=registrar.actor, programme_id=camp, data=data, progress=progress
            )
        except Exception as error:  # shown by the assertion below
            outcome[name] = error
        finally:
            connections.close_all()

    def held(done: int, total: int) -> None:  # inside the first import's transaction
        writing.set()
        finish.wait(timeout=20)

    first = threading.Thread(target=run, args=("first", held))
    first.start()
    assert writing.wait(timeout=20)
    second = threading.Thread(target=run, args=("second",))
    second.start()
    for _ in range(400):  # until the second import waits on the first one's lock
        if _waiting_on_a_lock() or not second.is_alive():
            break
        time.sleep(0.05)
    finish.set()
    first.join(timeout=20)
    second.join(timeout=20)
    done, waited = outcome["first"], outcome["second"]
    assert getattr(done, "registered", done) == 2
    assert (getattr(waited, "registered", waited), getattr(waited, "already_in", None)) == (0, 2)
    assert _counts()[:2] == (2, 2)


def test_an_erased_persons_form_does_not_register_them_again(registrar, coordinator, camp) -> None:
    """Erasure is for good: re-importing last week's file must not bring back someone who
    asked to be erased. Only the form's keyed index outlives them (no name, no reference),
    and the row is a problem that says what to do; the others' forms are unaffected."""
    from healthcamp.services import erasure

    data = _csv(form("F-1"), form("F-2", given_name="Bilal", family_name="Omar"))
    first = registrations_import(actor=registrar.actor, programme_id=camp, data=data)
    erased = first.registered_ids[0]
    erasure.participant_erase(actor=coordinator.actor, participant_id=erased)
    counts = _counts()
    with pytest.raises(ProblemsFound) as refused:
        registrations_import(actor=registrar.actor, programme_id=camp, data=data)
    (problem,) = refused.value.problems
    assert (problem.row, problem.column) == (2, "form_reference")
    assert "asked to be erased" in problem.message
    assert _counts() == counts  # nobody registered, nothing written
    # Without that row the file goes through: the other form was imported before.
    rest = registrations_import(
        actor=registrar.actor,
        programme_id=camp,
        data=_csv(form("F-2", given_name="Bilal", family_name="Omar")),
    )
    assert (rest.registered, rest.already_in) == (0, 1)


def _paper_consent(registrar: Any, person_id: Any, document: Any, reference: str) -> None:
    """A consent typed at the desk from a signed paper form."""
    consent.consent_record(
        actor=registrar.actor,
        participant_id=person_id,
        document_id=document.id,
        decisions=dict.fromkeys(ALL_PURPOSES, True),
        method="paper",
        paper_reference=reference,
    )


def _desk_paper_consent(registrar: Any, programme: Any, document: Any, reference: str, **who: Any):
    """A person registered at the desk whose consent names a signed paper form."""
    from tests.conftest import register_person

    person = register_person(registrar, programme, **who)
    _paper_consent(registrar, person.id, document, reference)
    return person


def test_a_form_typed_at_the_desk_is_recognised_by_a_later_import(
    registrar, programme, document, camp
) -> None:
    """The desk typed form F-7 during a power cut's backlog; the same stack of forms is
    later imported: F-7 must not register the person a second time."""
    _desk_paper_consent(registrar, programme, document, "F-7")
    counts = _counts()
    again = registrations_import(actor=registrar.actor, programme_id=camp, data=_csv(form("f-7")))
    assert (again.registered, again.already_in) == (0, 1)
    assert _counts() == counts
    clash = _csv(form("F-7", given_name="Dana"))
    (problem,) = registrations_check(actor=registrar.actor, programme_id=camp, data=clash).problems
    assert (problem.row, problem.column) == (2, "form_reference")


def test_one_paper_form_is_one_persons_consent_at_the_desk(
    registrar, programme, document, camp
) -> None:
    person = _desk_paper_consent(registrar, programme, document, "F-8")
    _paper_consent(registrar, person.id, document, "F-8")  # a renewal on the same form
    counts = _counts()
    with pytest.raises(InvalidInput) as refused:
        _desk_paper_consent(registrar, programme, document, "f-8", given="Bilal", family="Omar")
    assert "already names the paper form" in refused.value.errors["paper_reference"]
    assert _counts()[1] == counts[1]  # no consent written for the second person


def test_an_erased_person_registering_again_on_their_old_form_is_found_by_the_old_file(
    registrar, coordinator, programme, document, camp
) -> None:
    from healthcamp.services import erasure

    data = _csv(form("F-9"))
    first = registrations_import(actor=registrar.actor, programme_id=camp, data=data)
    erasure.participant_erase(actor=coordinator.actor, participant_id=first.registered_ids[0])
    _desk_paper_consent(registrar, programme, document, "F-9")
    again = registrations_import(actor=registrar.actor, programme_id=camp, data=data)
    assert (again.registered, again.already_in) == (0, 1)
    assert not apps.get_model("consent", "ErasedForm").objects.exists()
