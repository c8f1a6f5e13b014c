"""A lab's FHIR R4 Bundle of Observations read as the long layout of result rows.

Each Observation (or each component of a panel such as blood pressure) becomes one row:
the subject's card code (Patient identifier of healthcamp's card-code system), the day of
`effectiveDateTime`, the LOINC code, the value and its UCUM unit. The rows then go through
the same check and write as a CSV's. A problem's "row" is the entry's number in the Bundle
(1 for the first entry). Repeated readings of a code for a person on a day are numbered in
the Bundle's order, so re-importing the same Bundle is recognised.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext

from healthcamp.imports.files import Table
from healthcamp.imports.problems import FileRefused
from healthcamp.interop import fhir_terms as t

COLUMNS = ["card_code", "visit_date", "site_id", "code", "value", "unit", "reading"]
_SKIPPED_STATUS = frozenset({"entered-in-error", "cancelled"})


def is_bundle(data: bytes) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def bundle_table(data: bytes, site_id: int | None) -> Table:
    """The Bundle's Observations as rows; `site_id` is where the samples were taken."""
    try:
        bundle = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as error:
        raise FileRefused(
            gettext("This file is not readable JSON (%(error)s); send a FHIR R4 Bundle.")
            % {"error": error}
        ) from None
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise FileRefused(
            gettext("This JSON is not a FHIR R4 Bundle: its resourceType must be Bundle.")
        )
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise FileRefused(gettext("The Bundle's entry must be a list of entries."))
    return Table(list(COLUMNS), _rows(entries, "" if site_id is None else str(site_id)))


def _rows(entries: list[Any], site: str) -> Iterator[tuple[int, dict[str, str]]]:
    readings: dict[tuple[str, str, str], int] = {}
    for number, entry in enumerate(entries, start=1):
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
