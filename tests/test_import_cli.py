"""`healthcamp import`: exit 1 with the problems (also as CSV) and nothing written, exit 0
when everything is in, nothing new the second time, 2 when the command itself is wrong.

Run in-process through the command's own entry point (a real process costs a migration per
test); tests/test_import_crash.py runs it as a real process, killed.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from django.apps import apps

from healthcamp import cli
from tests.conftest import register_person

pytestmark = pytest.mark.django_db


def test_import_checks_then_writes_all_then_nothing_new(
    tmp_path: Path, capsys, lab, registrar, programme, document
) -> None:
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    card = register_person(registrar, programme, consent_document=document).card_code
    day = (date.today() - timedelta(days=1)).isoformat()
    good = f"{card},{day},{site},4548-4,5.4,%"
    lab_file = tmp_path / "lab.csv"
    lab_file.write_text(
        f"card_code,visit_date,site_id,code,value,unit\n{good}\n"
        f"{card},45321,{site},14743-9,=A1,mmol/L\n",
        encoding="utf-8",
    )
    args = ["import", str(lab_file), "--programme", str(programme.id)]

    def run(*more: str) -> tuple[int, str, str]:
        code = cli.main([*args, *more])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("--as", "")[0] == 2  # who imports must be said
    code, _, err = run("--as", registrar.actor.username)  # a registrar: no lab results
    assert (code, "may not import result files" in err) == (2, True)

    code, _, err = run("--as", lab.actor.username)
    assert code == 1, err
    assert "row 3, column value:" in err
    assert "formula" in err
    report = (tmp_path / "lab.csv.problems.csv").read_text(encoding="utf-8")
    assert report.startswith("row,column,message\n3,value,")
    assert apps.get_model("exams", "Observation").objects.count() == 0

    lab_file.write_text(f"card_code,visit_date,site_id,code,value,unit\n{good}\n", "utf-8")
    assert run("--as", lab.actor.username, "--dry-run")[0] == 0
    assert apps.get_model("exams", "Observation").objects.count() == 0
    code, out, err = run("--as", lab.actor.username)
    assert code == 0, err
    assert "Imported 1 value(s) for 1 participant(s)" in out
    code, out, _ = run("--as", lab.actor.username)
    assert (code, out.split(":")[0]) == (0, "Nothing new")
    assert cli.main(["import", "registrations", "x", "y", "--programme", "1"]) == 2


def test_import_template_writes_the_programmes_template(
    tmp_path: Path, capsys, lab, registrar, programme, document
) -> None:
    from openpyxl import load_workbook

    base = ["import", "--programme", str(programme.id)]
    xlsx = tmp_path / "results.xlsx"
    assert cli.main([*base, "template", str(xlsx), "--as", lab.actor.username]) == 0
    sheet = load_workbook(xlsx).worksheets[0]
    assert [c.value for c in sheet[1]][:6] == [
        "card_code", "visit_date", "site_id", "code", "value", "unit"
    ]  # fmt: skip
    forms = tmp_path / "forms.csv"
    registrations = [*base, "template", str(forms), "--kind", "registrations"]
    assert cli.main([*registrations, "--as", registrar.actor.username]) == 0
    header = forms.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("form_reference,given_name,family_name,date_of_birth")
    capsys.readouterr()
    # A lab imports no registrations, so it gets no such template; nor a file it cannot name.
    assert cli.main([*registrations, "--as", lab.actor.username]) == 2
    wrong = tmp_path / "forms.txt"
    assert cli.main([*base, "template", str(wrong), "--as", registrar.actor.username]) == 2
    assert "FILE.csv or FILE.xlsx" in capsys.readouterr().err
    assert not wrong.exists()


def test_the_command_hands_a_lab_file_to_the_import_by_its_path(
    tmp_path: Path, capsys, monkeypatch, lab, programme
) -> None:
    """A missing lab file is said at once; an existing one is handed to the import by its
    path (streamed), never as bytes, so the command holds no copy of a 2 M-row file."""
    from healthcamp.imports import results

    args = ["--programme", str(programme.id), "--as", lab.actor.username]
    assert cli.main(["import", str(tmp_path / "absent.csv"), *args]) == 2
    assert "Cannot read" in capsys.readouterr().err
    given: list[set[str]] = []
    real = results.results_import

    def spy(**kwargs: object) -> object:
        given.append({k for k in ("data", "path") if kwargs.get(k) is not None})
        return real(**kwargs)  # type: ignore[arg-type]

    read_whole: list[str] = []
    read_bytes = Path.read_bytes

    def watched(self: Path) -> bytes:
        read_whole.append(self.name)
        return read_bytes(self)

    monkeypatch.setattr(results, "results_import", spy)
    monkeypatch.setattr(Path, "read_bytes", watched)
    lab_file = tmp_path / "lab.csv"
    lab_file.write_text("card_code,visit_date,site_id,code,value,unit\n", encoding="utf-8")
    assert cli.main(["import", str(lab_file), *args]) == 0
    assert (given, read_whole) == ([{"path"}], [])
