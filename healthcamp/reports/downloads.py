"""The published tables as files: CSV (one row per cell and margin) and XLSX (the same
figures, and a sheet of definitions). Only what the page shows: suppressed cells stay
empty and say so."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

from openpyxl import Workbook
from openpyxl.styles import Font

from healthcamp.reports.indicators import DIMENSIONS
from healthcamp.reports.tables import Cell, Table

HEADER = [
    "indicator",
    "title",
    "row",
    *DIMENSIONS,
    "numerator",
    "denominator",
    "value",
    "ci_low",
    "ci_high",
    "suppressed",
    "k",
]
SUPPRESSED_NOTE = (
    "suppressed: withheld because a count in it, or one that could be worked out from it, "
    "is between 1 and k - 1"
)


def _rows(tables: Sequence[Table]) -> Iterator[list[object]]:
    for table in tables:
        for kind, cells in (("cell", table.cells), ("margin", table.margins)):
            for cell in cells:
                yield _row(table, kind, cell)


def _row(table: Table, kind: str, cell: Cell) -> list[object]:
    low, high = cell.ci if cell.ci else (None, None)
    return [
        table.indicator.code,
        table.indicator.title,
        kind,
        *[cell.group.get(d, "") for d in DIMENSIONS],
        cell.numerator,
        cell.denominator,
        cell.value,
        low,
        high,
        "yes" if cell.suppressed else "no",
        table.k,
    ]


def csv_bytes(tables: Sequence[Table]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in _rows(tables):
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode("utf-8")


DEFINITION_HEADER = [
    "indicator",
    "title",
    "definition",
    "numerator",
    "denominator",
    "source",
    "unit",
    "dimensions",
    "counted",
    "not counted",
]


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    book = Workbook()
    figures = book.active
    figures.title = "Figures"
    figures.append(HEADER)
    for row in _rows(tables):
        figures.append(row)
    figures.append([])
    figures.append([SUPPRESSED_NOTE])
    definitions = book.create_sheet("Definitions")
    definitions.append(DEFINITION_HEADER)
    for table in tables:
        i = table.indicator
        definitions.append(
            [
                i.code,
                i.title,
                i.definition,
                i.numerator,
                i.denominator,
                i.source,
                i.unit,
                ", ".join(i.dimensions),
                table.counted,
                table.not_counted,
            ]
        )
    for sheet in (figures, definitions):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
