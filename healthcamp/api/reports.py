"""Programme reports: the indicators and their disclosure-controlled tables (analysts and
coordinators of the programme). No request here may carry a participant id."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field, StrictInt

from healthcamp.access.errors import InvalidInput
from healthcamp.api.common import ERRORS, Closed, PathId, Title, acting
from healthcamp.reports import services as reports

router = Router(tags=["reports"])

# A participant id (a UUID, with or without dashes) or a card code (11 Crockford
# base32 characters, perhaps grouped with dashes or spaces), anywhere in the request.
_UUID = re.compile(
    r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)
_GROUP = "[0-9A-HJKMNP-TV-Z]{3,4}"
_CARD = re.compile(rf"(?<![0-9A-Za-z]){_GROUP}[- ]?{_GROUP}[- ]?{_GROUP}(?![0-9A-Za-z])")
_QUERY = {"by", "epsilon"}


def _no_person(request: HttpRequest, *parts: str) -> None:
    """Reports are about groups: a request naming a person is refused, whatever it asks."""
    texts = [*parts, request.path, *request.GET.keys()]
    texts += [value for _, values in request.GET.lists() for value in values]
    if any("participant" in t.lower() or _UUID.search(t) or _CARD.search(t) for t in texts):
        raise InvalidInput(
            {
                "participant_id": "Reports never take a participant id or card code: they "
                "count groups of people, never one person."
            }
        )
    unknown = sorted(set(request.GET.keys()) - _QUERY)
    if unknown:
        raise InvalidInput(
            {unknown[0]: f"Unknown query parameter {unknown[0]!r}; use 'by' or 'epsilon'."}
        )


class IndicatorOut(Schema):
    code: str
    title: str
    definition: str
    numerator: str
    denominator: str | None
    source: str
    kind: str
    unit: str
    dimensions: list[str]
    age_standardised: bool


class CellOut(Schema):
    group: dict[str, str]
    numerator: int | None
    denominator: int | None
    value: float | None
    ci: list[float] | None
    suppressed: bool


class TableOut(Schema):
    indicator: str
    by: list[str]
    k: int
    counted: int | None
    not_counted: int | None
    cells: list[CellOut]
    margins: list[CellOut]
    noise: dict[str, Any] | None = None


@router.get("/programmes/{programme_id}/indicators", response={200: list[IndicatorOut], **ERRORS})
def indicators(request: HttpRequest, programme_id: PathId) -> list[dict[str, Any]]:
    """The indicators this programme's reports publish: code, title, definition, source."""
    _no_person(request)
    found = reports.indicator_list(actor=acting(request), programme_id=programme_id)
    return [i.as_dict() for i in found]


@router.get("/programmes/{programme_id}/indicators/{code}", response={200: TableOut, **ERRORS})
def indicator(request: HttpRequest, programme_id: PathId, code: Title) -> dict[str, Any]:
    """One indicator's fixed table: by zero, one or two of its dimensions (by=site,sex).
    Every count is 0 or at least k; suppressed cells carry null numbers. epsilon=0.5: a
    noisy release (OpenDP), paid for from the programme's privacy budget."""
    _no_person(request, code)
    table = reports.indicator_table(
        actor=acting(request),
        programme_id=programme_id,
        code=code,
        by=request.GET.get("by"),
        epsilon=_epsilon(request.GET.get("epsilon")),
    )
    return table.as_dict()


def _epsilon(raw: str | None) -> float | None:
    """epsilon=0.5: a noisy release that spends that much of the programme's budget."""
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        raise InvalidInput({"epsilon": "ε is a number, such as 0.5."}) from None


class BudgetIn(Closed):
    epsilon: float = Field(gt=0, le=100)


class BudgetOut(Schema):
    epsilon: float


@router.post("/programmes/{programme_id}/privacy-budget", response={200: BudgetOut, **ERRORS})
def privacy_budget(
    request: HttpRequest, programme_id: PathId, payload: BudgetIn
) -> Status[dict[str, float]]:
    """A coordinator sets the programme's total ε for noisy releases (not below what was
    spent)."""
    done = reports.privacy_budget_set(
        actor=acting(request), programme_id=programme_id, epsilon=payload.epsilon
    )
    return Status(200, {"epsilon": done})


class PolicyIn(Closed):
    k: StrictInt = Field(ge=5, le=1000)


class PolicyOut(Schema):
    k: int


@router.post("/programmes/{programme_id}/report-policy", response={200: PolicyOut, **ERRORS})
def report_policy(
    request: HttpRequest, programme_id: PathId, payload: PolicyIn
) -> Status[dict[str, int]]:
    """A coordinator sets the programme's smallest published count k (at least 5)."""
    done = reports.report_k_set(actor=acting(request), programme_id=programme_id, k=payload.k)
    return Status(200, {"k": done})
