"""What a check found wrong with a file: a row, a column, and what to do about it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

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
