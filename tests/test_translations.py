"""The translation catalogues (locale/<lang>/LC_MESSAGES/django.po): one per shipped
language, every message translated (none empty, none fuzzy), placeholders kept, the
plural forms Django uses for the language, `msgfmt --check` clean, a medical-review line
in each header, and nothing in the code that `makemessages` would add or drop."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from healthcamp.lib import languages
from healthcamp.lib.message_catalogues import LOCALE, MAKEMESSAGES

ROOT = LOCALE.parent
SOURCE = settings.LANGUAGE_CODE  # English: the msgids themselves
TRANSLATED = [code for code in languages.shipped() if code != SOURCE]
DJANGO_LOCALE = Path(translation.__file__).resolve().parent.parent.parent / "conf" / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|\{(\w*)\}")
REVIEW_STATES = {
    "machine/AI-drafted, no native medical review yet",
    "reviewed by a native speaker with medical training",
}


def po_path(code: str) -> Path:
    return LOCALE / translation.to_locale(code) / "LC_MESSAGES" / "django.po"


def catalogue(code: str) -> polib.POFile:
    return polib.pofile(str(po_path(code)))


def placeholders(text: str) -> list[str]:
    return sorted(a or b for a, b in PLACEHOLDER.findall(text))


def nplurals(plural_forms: str) -> int:
    found = re.search(r"nplurals\s*=\s*(\d+)", plural_forms)
    assert found, plural_forms
    return int(found[1])


def entries(po: polib.POFile) -> set[tuple[str, str, str]]:
    return {(e.msgctxt or "", e.msgid, e.msgid_plural or "") for e in po if not e.obsolete}


def test_every_shipped_language_has_a_catalogue_and_no_other_does() -> None:
    found = {p.parent.parent.name for p in LOCALE.glob("*/LC_MESSAGES/django.po")}
    assert found == {translation.to_locale(code) for code in TRANSLATED}


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_message_is_translated(code: str) -> None:
    po = catalogue(code)
    assert len(po) > 100
    assert [e.msgid for e in po if e.obsolete] == []
    assert [e.msgid for e in po if "fuzzy" in e.flags] == []
    empty = [
        e.msgid
        for e in po
        if (
            not e.msgstr.strip()
            if not e.msgid_plural
            else not all(text.strip() for text in e.msgstr_plural.values())
        )
    ]
    assert empty == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_placeholders_are_kept(code: str) -> None:
    """A translation fills in exactly the names the code passes, in any order. A plural
    form may leave out the count itself ("one thing", Arabic's "two things"), nothing else."""
    differ = []
    for e in catalogue(code):
        if not e.msgid_plural:
            if placeholders(e.msgstr) != placeholders(e.msgid):
                differ.append((e.msgid, e.msgstr))
            continue
        allowed = set(placeholders(e.msgid_plural))
        for text in e.msgstr_plural.values():
            used = set(placeholders(text))
            if not used <= allowed or len(allowed - used) > 1:
                differ.append((e.msgid, text))
    assert differ == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_plural_forms_are_djangos_and_each_plural_message_has_them_all(code: str) -> None:
    po = catalogue(code)
    django_po = polib.pofile(
        str(DJANGO_LOCALE / translation.to_locale(code) / "LC_MESSAGES" / "django.po")
    )
    # One plural rule per language, or Django keeps two catalogues that disagree.
    assert po.metadata["Plural-Forms"] == django_po.metadata["Plural-Forms"]
    count = nplurals(po.metadata["Plural-Forms"])
    plural = [e for e in po if e.msgid_plural]
    assert plural, "at least one message counts something"
    assert [e.msgid for e in plural if sorted(e.msgstr_plural) != list(range(count))] == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_each_header_names_its_language_and_its_medical_review(code: str) -> None:
    po = catalogue(code)
    assert po.metadata["Language"] == translation.to_locale(code)
    assert po.metadata["X-Medical-Review"] in REVIEW_STATES
    assert f"Medical review: {po.metadata['X-Medical-Review']}." in po.header
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next((line for line in readme.splitlines() if line.startswith(f"| `{code}` |")), "")
    assert po.metadata["X-Medical-Review"] in row, "the README lists each language's review"


@pytest.mark.parametrize("code", TRANSLATED)
def test_msgfmt_checks_the_catalogue(code: str, tmp_path: Path) -> None:
    """GNU msgfmt's own checks: format strings against their flags, plural forms, header."""
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "GNU gettext is a prerequisite (Debian package gettext)"
    done = subprocess.run(
        [msgfmt, "--check", "-o", str(tmp_path / "out.mo"), str(po_path(code))],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr, done.stderr


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalogue_is_the_one_django_reads(code: str) -> None:
    """A sentence comes out translated: the .mo is compiled and found (LOCALE_PATHS)."""
    with translation.override(code):
        assert translation.gettext("Your health check results") != "Your health check results"


def test_makemessages_finds_no_string_the_catalogues_lack(tmp_path: Path) -> None:
    """Every string the code and the templates mark is in the catalogues, and the
    catalogues hold no string the code no longer has."""
    assert shutil.which("xgettext"), "GNU gettext is a prerequisite (Debian package gettext)"
    (tmp_path / "locale").mkdir()
    (tmp_path / "healthcamp").symlink_to(ROOT / "healthcamp")
    settings_text = "from healthcamp.settings import *  # noqa\n"
    settings_text += f"LOCALE_PATHS = [{str(tmp_path / 'locale')!r}]\n"
    (tmp_path / "extract_settings.py").write_text(settings_text, encoding="utf-8")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "extract_settings",
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]),
        "HEALTHCAMP_HOME": str(tmp_path / "home"),
    }
    command = [sys.executable, "-m", "django", "makemessages", *MAKEMESSAGES]
    command += ["--symlinks", "--keep-pot", "-l", "xx"]
    done = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    extracted = entries(polib.pofile(str(tmp_path / "locale" / "django.pot")))
    assert len(extracted) > 100
    update = (
        "run, from the repository's root: DJANGO_SETTINGS_MODULE=healthcamp.settings "
        f".venv/bin/python -m django makemessages {' '.join(MAKEMESSAGES)} "
        + " ".join(f"-l {translation.to_locale(c)}" for c in TRANSLATED)
        + ", then translate what it added"
    )
    for code in TRANSLATED:
        committed = entries(catalogue(code))
        assert sorted(extracted - committed) == [], f"{code} lacks these: {update}"
        assert sorted(committed - extracted) == [], f"{code} has stale ones: {update}"


def test_no_string_is_marked_inside_an_f_string() -> None:
    """xgettext does not look inside f-strings: a gettext("...") there is never extracted,
    so it would stay English in every language. Mark the text outside, with a placeholder."""
    inside = re.compile(r"""\{\s*(?:_|(?:n|p|np)?gettext(?:_lazy|_noop)?)\(\s*["']""")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "healthcamp").rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if inside.search(line)
    ]
    assert found == []


def test_every_measure_is_named_in_every_shipped_language() -> None:
    """The measures' names are catalogue data (healthcamp/clinical/catalogues): each
    shipped language has them, so no letter falls back to English mid-table."""
    from healthcamp.clinical import catalogue as measures

    missing = {
        (m.code, code)
        for m in measures.load().values()
        for code in languages.shipped()
        if not m.names.get(code.partition("-")[0], "").strip()
    }
    assert missing == set()


def test_every_coded_answer_and_unit_has_words() -> None:
    """What the catalogue can store is never shown as a code: each coded answer has its
    words, and each unit is either written as people write it or has words (mm[Hg])."""
    from healthcamp.clinical import catalogue as measures
    from healthcamp.lib import code_words

    answers = {a.code for m in measures.load().values() for a in m.answers}
    assert answers <= set(code_words.ANSWERS)
    units = {u for m in measures.load().values() for u in m.units}
    unwritten = {u for u in units if u not in code_words.UNITS and re.search(r"[\[\]{}]", u)}
    assert unwritten == set()
    assert code_words.unit("mm[Hg]") == "mmHg"
    assert code_words.unit("kg/m2") == "kg/m²"
    with translation.override("es"):
        assert code_words.humane("8.0 hours") == "8.0 horas"
        assert code_words.humane("138 mm[Hg]") == "138 mmHg"
        assert code_words.answer("negative") == "Negativo"  # was "Factor Rh negative"


def test_compiling_makes_what_django_reads_and_refuses_a_broken_catalogue(
    tmp_path: Path,
) -> None:
    """`healthcamp compilemessages` (and ./run): msgfmt --check, only what changed."""
    from healthcamp.lib.message_catalogues import CatalogueError, compile_catalogues

    folder = tmp_path / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(po_path("es"), folder / "django.po")
    assert compile_catalogues(locale=tmp_path) == [folder / "django.po"]
    compiled = polib.mofile(str(folder / "django.mo"))
    assert compiled.find("Your health check results").msgstr == "Sus resultados del chequeo"
    assert compile_catalogues(locale=tmp_path) == []  # up to date: nothing to do
    broken = (
        (folder / "django.po")
        .read_text(encoding="utf-8")
        .replace('msgstr "Su visita del %(date)s en %(site)s"', 'msgstr "Su visita del %(fecha)s"')
    )
    (folder / "django.po").write_text(broken, encoding="utf-8")
    with pytest.raises(CatalogueError, match="does not compile"):
        compile_catalogues(locale=tmp_path, only_stale=False)
