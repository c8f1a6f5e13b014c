"""Reading an uploaded file into rows: the encoding, the header, and cells a spreadsheet
left behind (formulas, serial dates) that are not the values they look like."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import BinaryIO

from django.utils.translation import gettext

from healthcamp.imports.problems import FileRefused

ENCODINGS = ("utf-8", "utf-16", "cp1252")
# Excel stores a date as days since 1899-12-30; 20000..80000 is 1954..2119.
_SERIAL_DATE = re.compile(r"^\d{5}(\.\d+)?$")


def _codec(head: bytes, encoding: str | None) -> str:
    """The codec a file is read with: the one named, else UTF-16 by its BOM, else UTF-8
    (with or without BOM)."""
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise FileRefused(
                gettext("'%(encoding)s' is not an encoding; use one of %(known)s.")
                % {"encoding": encoding, "known": ", ".join(ENCODINGS)}
            ) from None
        return "utf-8-sig" if codec == "utf-8" else codec
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


def _unreadable(encoding: str | None, byte: int) -> FileRefused:
    if encoding:
        return FileRefused(
            gettext(
                "The file is not %(encoding)s (byte %(byte)s cannot be read). Save it as "
                "CSV UTF-8, or name its encoding."
            )
            % {"encoding": encoding, "byte": byte}
        )
    return FileRefused(
        gettext(
            'The file is not UTF-8 (byte %(byte)s cannot be read). Save it as "CSV UTF-8", '
            "or name its encoding (for Excel on Windows: cp1252)."
        )
        % {"byte": byte}
    )


def decode(data: bytes, encoding: str | None = None) -> str:
    """The file's text. UTF-8 (with or without BOM) and UTF-16 (with its BOM) are
    recognised; anything else is named with `encoding` (e.g. cp1252 from Excel on Windows)."""
    codec = _codec(data[:4], encoding)
    try:
        return data.decode(codec)
    except UnicodeDecodeError as error:
        raise _unreadable(encoding, error.start) from None


@dataclass(frozen=True)
class Table:
    columns: list[str]  # as written in the header, stripped
    rows: Iterator[tuple[int, dict[str, str]]]  # (spreadsheet row number, cells by column)


def csv_table(text: str) -> Table:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise FileRefused(gettext("The file is empty: its first row must name the columns."))
    columns = [h.strip() for h in header]

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue  # a blank line, as spreadsheets leave at the end
            yield (
                number,
                {
                    name: (cells[i].strip() if i < len(cells) else "")
                    for i, name in enumerate(columns)
                },
            )

    return Table(columns, rows())


class _Counted(io.BufferedIOBase):
    """A binary file read for a text wrapper, counting the bytes before the chunk being
    decoded (so an undecodable byte is named by its place in the file)."""

    def __init__(self, source: BinaryIO) -> None:
        super().__init__()
        self.source = source
        self.before = 0  # bytes of the file before the last chunk read
        self.after = 0

    def readable(self) -> bool:
        return True

    def read1(self, size: int | None = -1) -> bytes:
        data = self.source.read(size if size and size > 0 else 1 << 16)
        self.before, self.after = self.after, self.after + len(data)
        return data

    read = read1


def csv_stream(source: BinaryIO, encoding: str | None = None) -> Table:
    """A CSV file decoded as it is read, a chunk at a time: a file of millions of rows is
    never held whole. An undecodable byte refuses the file when it is reached."""
    head = source.read(4)
    source.seek(0)
    codec = _codec(head, encoding)
    counted = _Counted(source)
    text = io.TextIOWrapper(counted, encoding=codec, newline="")  # type: ignore[type-var]
    reader = csv.reader(text)

    def refused(error: UnicodeDecodeError) -> FileRefused:
        return _unreadable(encoding, counted.before + error.start)

    try:
        header = next(reader, None)
    except UnicodeDecodeError as error:
        raise refused(error) from None
    if not header or not any(h.strip() for h in header):
        raise FileRefused(gettext("The file is empty: its first row must name the columns."))
    columns = [h.strip() for h in header]
    width = len(columns)

    def rows() -> Iterator[tuple[int, dict[str, str]]]:
        number = 1
        try:
            for cells in reader:
                number += 1
                if len(cells) == width:
                    stripped = [c.strip() for c in cells]
                else:
                    stripped = [c.strip() for c in cells[:width]]
                    stripped += [""] * (width - len(stripped))
                if not any(stripped) and not any(c.strip() for c in cells):
                    continue  # a blank line, as spreadsheets leave at the end
                yield number, dict(zip(columns, stripped, strict=True))
        except UnicodeDecodeError as error:
            raise refused(error) from None

    return Table(columns, rows())


def open_table(source: BinaryIO, encoding: str | None = None) -> Table:
    """A file object as a table, from its start: XLSX or CSV, both a row at a time."""
    head = source.read(4)
    source.seek(0)
    if head.startswith(XLSX_MAGIC):
        return xlsx_table(source)
    return csv_stream(source, encoding)


def is_formula(cell: str) -> bool:
    return cell.startswith("=")


def file_date(cell: str) -> tuple[date | None, str]:
    """A date cell written YYYY-MM-DD, or why it is not one (an Excel serial date named as
    such): the words every importer uses."""
    if is_serial_date(cell):
        return None, gettext(
            "'%(cell)s' is an Excel serial date, not a date. Format the column as a date "
            "written YYYY-MM-DD (e.g. 2026-03-15) and save again."
        ) % {"cell": cell}
    try:
        return date.fromisoformat(cell), ""
    except ValueError:
        return None, gettext(
            "'%(cell)s' is not a date; write it as YYYY-MM-DD (e.g. 2026-03-15)."
        ) % {"cell": cell}


def is_serial_date(cell: str) -> bool:
    return bool(_SERIAL_DATE.match(cell)) and 20000 <= float(cell) <= 80000


XLSX_MAGIC = b"PK\x03\x04"  # an XLSX file is a zip archive
# A cell holding a formula, in the sheet's XML: <c r="B7" ...>...<f>...</f>. Read with a
# pattern, not an XML parser, so that no entity in an uploaded file is ever expanded.
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*>(?:(?!</c>).)*?<f[ >/]', re.DOTALL)


def table(data: bytes, encoding: str | None = None) -> Table:
    """An uploaded file as a table: XLSX (its first sheet) or CSV."""
    if data.startswith(XLSX_MAGIC):
        return xlsx_table(data)
    return csv_table(decode(data, encoding))


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number - 1


XML_CHUNK = 1 << 20  # bytes of a sheet's XML scanned for formulas at a time


def _formula_cells(source: BinaryIO, sheet: int = 1) -> set[tuple[int, int]]:
    """(row, column), both from 0, of the first sheet's formula cells: the sheet's XML is
    read a chunk at a time (XML_CHUNK), each chunk cut before its last cell's start so that no cell
    is split between two chunks."""
    found: set[tuple[int, int]] = set()
    with zipfile.ZipFile(source) as archive:
        name = f"xl/worksheets/sheet{sheet}.xml"
        if name not in archive.namelist():
            return found
        with archive.open(name) as xml:
            pending = b""
            while True:
                chunk = xml.read(XML_CHUNK)
                pending += chunk
                cut = pending.rfind(b"<c ") if chunk else len(pending)
                if cut > 0:
                    found.update(
                        (int(row) - 1, _column_number(col))
                        for col, row in _FORMULA_CELL.findall(pending, 0, cut)
                    )
                    pending = pending[cut:]
                if not chunk:
                    return found


def _text(value: object) -> str:
    """A cell as the CSV layout writes it: dates as YYYY-MM-DD, whole numbers without .0."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return "" if value is None else str(value).strip()


def xlsx_table(source: BinaryIO | bytes) -> Table:
    """The first sheet, read with python-calamine; a formula cell reads as "=...", so the
    check names it (the value a spreadsheet last computed is not a measurement). Rows are
    turned into Python a row at a time: the sheet itself stays in calamine's compact form."""
    import python_calamine

    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        source.seek(0)
        sheet = python_calamine.CalamineWorkbook.from_filelike(source).get_sheet_by_index(0)
        source.seek(0)
        formulas = _formula_cells(source)
        rows = iter(sheet.iter_rows())
        header = next(rows, None)
    except (python_calamine.CalamineError, zipfile.BadZipFile, ValueError):
        raise FileRefused(
            gettext(
                "The file looks like a spreadsheet but cannot be read; save it again as .xlsx "
                "or as CSV UTF-8."
            )
        ) from None
    if not header or not any(_text(c) for c in header):
        raise FileRefused(gettext("The sheet is empty: its first row must name the columns."))
    columns = [_text(c) for c in header]

    def cells() -> Iterator[tuple[int, dict[str, str]]]:
        for r, row in enumerate(rows, start=1):
            texts = ["=formula" if (r, c) in formulas else _text(v) for c, v in enumerate(row)]
            if any(texts):
                yield (
                    r + 1,
                    {name: texts[i] if i < len(texts) else "" for i, name in enumerate(columns)},
                )

    return Table(columns, cells())
