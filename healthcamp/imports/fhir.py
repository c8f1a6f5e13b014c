"""A lab's FHIR R4 Bundle of Observations read as the long layout of result rows.

Each Observation (or each component of a panel such as blood pressure) becomes one row:
the subject's card code (Patient identifier of healthcamp's card-code system), the day of
`effectiveDateTime`, the LOINC code, the value and its UCUM unit. The rows then go through
the same check and write as a CSV's. A problem's "row" is the entry's number in the Bundle
(1 for the first entry). Repeated readings of a code for a person on a day are numbered in
the Bundle's order, so re-importing the same Bundle is recognised.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, BinaryIO

import ijson
from django.utils.translation import gettext

from healthcamp.imports.files import Table
from healthcamp.imports.problems import FileRefused
from healthcamp.interop import fhir_terms as t

COLUMNS = ["card_code", "visit_date", "site_id", "code", "value", "unit", "reading"]
_SKIPPED_STATUS = frozenset({"entered-in-error", "cancelled"})


def is_bundle(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def bundle_table(source: BinaryIO, site_id: int | None) -> Table:
    """The Bundle's Observations as rows; `site_id` is where the samples were taken.

    Read as a stream (ijson): one entry at a time is held, so a lab's file of any size
    costs the memory of its largest entry. The top level is looked at first (resourceType
    and the shape of `entry`), then the entries are read from the start again."""
    _check_top_level(source)
    return Table(list(COLUMNS), _rows(source, "" if site_id is None else str(site_id)))


def _unreadable(error: Exception) -> FileRefused:
    return FileRefused(
        gettext("This file is not readable JSON (%(error)s); send a FHIR R4 Bundle.")
        % {"error": error}
    )


def _from_start(source: BinaryIO) -> BinaryIO:
    """The file from its first byte after a UTF-8 byte order mark (yajl refuses one)."""
    source.seek(0)
    if source.read(3) != b"\xef\xbb\xbf":
        source.seek(0)
    return source


def _check_top_level(source: BinaryIO) -> None:
    """The file is one JSON object whose resourceType is Bundle and whose entry, if any, is
    a list: read up to the resourceType (FHIR writes it first), the whole file at worst."""
    resource_type: object = None
    entry_kind: str | None = None  # the first event of `entry`: start_array for a list
    try:
        for prefix, event, value in ijson.parse(_from_start(source), use_float=True):
            if prefix == "" and event not in ("start_map", "map_key", "end_map"):
                break  # a list or a value at the top: not a resource
            if prefix == "resourceType" and resource_type is None:
                resource_type = value
            elif prefix == "entry" and entry_kind is None:
                entry_kind = event
            if resource_type is not None and (resource_type != "Bundle" or entry_kind):
                break
    except (ijson.JSONError, UnicodeDecodeError) as error:
        raise _unreadable(error) from None
    if resource_type != "Bundle":
        raise FileRefused(
            gettext("This JSON is not a FHIR R4 Bundle: its resourceType must be Bundle.")
        )
    if entry_kind not in (None, "start_array", "null"):
        raise FileRefused(gettext("The Bundle's entry must be a list of entries."))


def _entries(source: BinaryIO) -> Iterator[Any]:
    try:
        yield from ijson.items(_from_start(source), "entry.item", use_float=True)
    except (ijson.JSONError, UnicodeDecodeError) as error:
        raise _unreadable(error) from None


def _rows(source: BinaryIO, site: str) -> Iterator[tuple[int, dict[str, str]]]:
    readings: dict[tuple[str, str, str], int] = {}
    for number, entry in enumerate(_entries(source), start=1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or resource.get("resourceType") != "Observation":
            continue  # Patients, Specimens, DiagnosticReports: not values
        if resource.get("status") in _SKIPPED_STATUS:
            continue
        card, day = _subject(resource), _day(resource)
        parts = resource.get("component") or [resource]
        for part in parts if isinstance(parts, list) else []:
            code, value, unit = _code(part), *_value(part)
            key = (card, day, code)
            readings[key] = readings.get(key, 0) + 1
            yield (
                number,
                {
                    "card_code": card,
                    "visit_date": day,
                    "site_id": site,
                    "code": code,
                    "value": value,
                    "unit": unit,
                    "reading": str(readings[key]),
                },
            )


def _subject(resource: dict[str, Any]) -> str:
    identifier = (resource.get("subject") or {}).get("identifier") or {}
    if identifier.get("system", t.CARD_SYSTEM) != t.CARD_SYSTEM:
        return ""
    return str(identifier.get("value", "")).strip()


def _day(resource: dict[str, Any]) -> str:
    when = resource.get("effectiveDateTime") or (resource.get("effectivePeriod") or {}).get(
        "start", ""
    )
    return str(when)[:10]


def _code(part: dict[str, Any]) -> str:
    codings = (part.get("code") or {}).get("coding") or []
    return next((str(c.get("code", "")) for c in codings if c.get("system") == t.LOINC), "")


def _value(part: dict[str, Any]) -> tuple[str, str]:
    quantity = part.get("valueQuantity")
    if not isinstance(quantity, dict) or "value" not in quantity:
        return "", ""
    unit = quantity.get("code") if quantity.get("system") == t.UCUM else quantity.get("unit")
    return f"{quantity.get('comparator', '')}{quantity['value']}", str(unit or "")
