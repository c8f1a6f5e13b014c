"""Compiling the translations: locale/<lang>/LC_MESSAGES/django.po into the django.mo
Django reads. The .mo files are build output (not in git); `./run` and `healthcamp demo`
and `serve` compile the ones older than their .po. Needs GNU gettext's msgfmt (Debian
package `gettext`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

LOCALE = Path(__file__).resolve().parent.parent.parent / "locale"


class CatalogueError(Exception):
    """A catalogue could not be compiled; the message says which and what to do."""


def catalogues(locale: Path = LOCALE) -> list[Path]:
    return sorted(locale.glob("*/LC_MESSAGES/*.po"))


def stale(locale: Path = LOCALE) -> list[Path]:
    """The catalogues whose compiled file is missing or older than the source."""
    out = []
    for po in catalogues(locale):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            out.append(po)
    return out


def compile_catalogues(*, locale: Path = LOCALE, only_stale: bool = True) -> list[Path]:
    """Compile with `msgfmt --check` (formats, plural forms, header); return what was made.

    Each .mo is written beside its .po under a temporary name and renamed, so a server
    or a parallel test worker never reads half a file.
    """
    todo = stale(locale) if only_stale else catalogues(locale)
    if not todo:
        return []
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        raise CatalogueError(
            "msgfmt is missing, so the translations cannot be compiled: install GNU gettext "
            "(Debian/Ubuntu: apt-get install gettext) and run `healthcamp compilemessages`."
        )
    for po in todo:
        fd, partial = tempfile.mkstemp(prefix=".django-", suffix=".mo", dir=po.parent)
        os.close(fd)
        done = subprocess.run(  # noqa: S603 - msgfmt from PATH, on our own files
            [msgfmt, "--check", "-o", partial, str(po)],
            check=False,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            Path(partial).unlink(missing_ok=True)
            raise CatalogueError(f"{po} does not compile:\n{done.stderr.strip()}")
        os.chmod(partial, 0o644)  # mkstemp makes it 0600; a server user reads it
        Path(partial).replace(po.with_suffix(".mo"))
    return todo


# How the catalogues are brought up to date with the code (tests/test_translations.py runs
# the same into a temporary folder and fails when the committed ones are stale):
#   .venv/bin/python -m django makemessages <MAKEMESSAGES...> -l ar -l ug ...
# with DJANGO_SETTINGS_MODULE=healthcamp.settings, from the repository's root.
MAKEMESSAGES = [
    "--domain=django",
    "--add-location=file",
    "--no-obsolete",
    *(f"--ignore={folder}/*" for folder in ("tests", "bench", "scripts", "tools", "docs", "build")),
]
