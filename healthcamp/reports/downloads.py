"""The published tables as files: CSV (one row per cell and margin), XLSX (the same
figures, and a sheet of definitions) and PDF (the report page printed). Only what the
page shows: suppressed cells stay empty and say so."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

from django.utils.translation import gettext, pgettext
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from healthcamp.reports import words
from healthcamp.reports.indicators import DIMENSIONS
from healthcamp.reports.tables import Cell, Table


def header() -> list[str]:
    """The figures' column names in the active language (the indicator's code, then words)."""
    return [
        pgettext("report column", "Indicator code"),
        pgettext("report column", "Title"),
        pgettext("report column", "Row"),
        *[words.header(d) for d in DIMENSIONS],
        pgettext("report column", "Numerator"),
        pgettext("report column", "Denominator"),
        pgettext("report column", "Value"),
        # "% i" is not a placeholder here: the words are shown as they are.
        # xgettext:no-python-format
        pgettext("report column", "95 % interval, low"),
        # xgettext:no-python-format
        pgettext("report column", "95 % interval, high"),
        pgettext("report column", "Suppressed"),
        "k",
    ]


def suppressed_note() -> str:
    return gettext(
        "Suppressed: withheld because a count in it, or one that could be worked out from "
        "it, is between 1 and k - 1."
    )


# What a spreadsheet may run as a formula: = + - @, also in their full-width forms (some
# spreadsheets fold them to ASCII), after any leading spaces or line breaks; and a
# leading tab or carriage return.
_FORMULA_SIGNS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")
_CONTROL_STARTS = ("\t", "\r", "\n")


def runnable(value: str) -> bool:
    """Whether a spreadsheet could take this text for a formula."""
    return value.startswith(_CONTROL_STARTS) or value.lstrip()[:1] in _FORMULA_SIGNS


def safe(value: object) -> object:
    """A text cell a spreadsheet would run as a formula (a site named "=HYPERLINK(...)")
    is written to the CSV with a leading apostrophe, so it is only ever shown (OWASP, CSV
    injection). Numbers stay numbers."""
    if isinstance(value, str) and runnable(value):
        return "'" + value
    return value


def _rows(tables: Sequence[Table]) -> Iterator[list[object]]:
    for table in tables:
        for kind, cells in (("cell", table.cells), ("margin", table.margins)):
            for cell in cells:
                yield _row(table, kind, cell)


def _row(table: Table, kind: str, cell: Cell) -> list[object]:
    low, high = cell.ci if cell.ci else (None, None)
    return [
        table.indicator.code,
        str(table.indicator.title),
        pgettext("report row", "total") if kind == "margin" else pgettext("report row", "cell"),
        *[words.label(d, cell.group[d]) if d in cell.group else "" for d in DIMENSIONS],
        cell.numerator,
        cell.denominator,
        cell.value,
        low,
        high,
        pgettext("suppressed", "yes") if cell.suppressed else pgettext("suppressed", "no"),
        table.k,
    ]


def csv_bytes(tables: Sequence[Table]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header())
    for row in _rows(tables):
        writer.writerow(["" if v is None else safe(v) for v in row])
    return buffer.getvalue().encode("utf-8")


def definition_header() -> list[str]:
    """The definitions sheet's column names in the active language."""
    return [
        pgettext("report column", "Indicator code"),
        pgettext("report column", "Title"),
        pgettext("report column", "Definition"),
        pgettext("report column", "Numerator"),
        pgettext("report column", "Denominator"),
        pgettext("report column", "Source"),
        pgettext("report column", "Unit"),
        pgettext("report column", "Dimensions"),
        pgettext("report column", "People counted"),
        pgettext("report column", "People not counted"),
    ]


def xlsx_bytes(tables: Sequence[Table]) -> bytes:
    book = Workbook()
    figures = book.active
    figures.title = pgettext("report sheet", "Figures")
    figures.append(header())
    for row in _rows(tables):
        _append_text(figures, row)
    figures.append([])
    figures.append([suppressed_note()])
    definitions = book.create_sheet(pgettext("report sheet", "Definitions"))
    definitions.append(definition_header())
    for table in tables:
        i = table.indicator
        _append_text(
            definitions,
            [
                i.code,
                str(i.title),
                str(i.definition),
                str(i.numerator),
                str(i.denominator),
                i.source,
                words.unit(i.unit),
                ", ".join(words.dimension(d) for d in i.dimensions),
                table.counted,
                table.not_counted,
            ],
        )
    for sheet in (figures, definitions):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _append_text(sheet: Worksheet, row: list[object]) -> None:
    """A row whose text cells are stored as text, never as formulas: the cell keeps what
    it says (no visible apostrophe) and is marked as quoted text, as typing '= would."""
    sheet.append(row)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and runnable(cell.value):
            cell.data_type = "s"  # openpyxl took "=..." for a formula
            cell.quotePrefix = True


def pdf_bytes(html: str) -> bytes:
    """The report page as a PDF (WeasyPrint, as the letters are), fetching nothing: the
    page carries its own style and no pictures."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    return bytes(HTML(string=html, url_fetcher=fetcher).write_pdf())
