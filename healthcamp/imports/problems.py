"""What a check found wrong with a file: a row, a column, and what to do about it."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext

from healthcamp.access.forbidden import refusal

HEADER_ROW = 1  # problems with the columns themselves name the header row


@dataclass(frozen=True, order=True)
class Problem:
    row: int  # as a spreadsheet numbers it: the header is row 1
    column: str
    message: str


class FileRefused(Exception):
    """The whole file is refused before any row is read (a forbidden column, an unreadable
    encoding); the message says what to do."""

    def __init__(self, message: str, column: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.column = column


class ProblemsFound(Exception):
    """The file has problems: nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) found; nothing was written.")
        self.problems = problems


# A spreadsheet runs a cell starting with one of these as a formula (OWASP: CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """A cell a spreadsheet will show as text, never run."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def report_csv(problems: Iterable[Problem]) -> str:
    """The problem report as CSV (row, column, message), safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["row", "column", "message"])
    for p in problems:
        writer.writerow([p.row, neutralised(p.column), neutralised(p.message)])
    return out.getvalue()


def header_problems(
    columns: list[str],
    *,
    required: Sequence[str],
    known: Sequence[str],
    also_missing: Sequence[Problem] = (),
    unread: Callable[[str], Problem | None] = lambda name: None,
) -> list[Problem]:
    """What every importer finds wrong with a header row: a column for data healthcamp
    does not collect refuses the file (FileRefused, the API's own sentence); then each
    required column missing (and `also_missing`), each column not `known` (`unread` may
    say it in its own words), and each column named twice."""
    for name in columns:
        message = refusal(name)
        if message:
            raise FileRefused(message, column=name)
    problems = [
        Problem(
            HEADER_ROW,
            name,
            gettext("Add the column '%(name)s': every row needs it.") % {"name": name},
        )
        for name in required
        if name not in columns
    ]
    problems += also_missing
    for name in columns:
        if name in known:
            continue
        problems.append(
            unread(name)
            or Problem(
                HEADER_ROW,
                name,
                gettext(
                    "healthcamp does not read a column '%(name)s'. Remove it, or name it as "
                    "one of: %(known)s."
                )
                % {"name": name, "known": ", ".join(known)},
            )
        )
    twice = sorted({c for c in columns if columns.count(c) > 1})
    problems += [
        Problem(
            HEADER_ROW, c, gettext("The column '%(name)s' appears twice; keep one.") % {"name": c}
        )
        for c in twice
    ]
    return problems


def formula_message(cell: str) -> str:
    """A formula cell, as every importer says it."""
    return gettext(
        "'%(cell)s' is a spreadsheet formula, not a value. Copy the column and paste it as "
        "values, then save again."
    ) % {"cell": cell[:40]}
