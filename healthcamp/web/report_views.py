"""The programme report pages for coordinators and analysts: every indicator as a chart
and the table beside it, and the same figures as CSV or XLSX."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from healthcamp.access.errors import Conflict, InvalidInput
from healthcamp.access.staff import Actor
from healthcamp.lib.figures import written
from healthcamp.reports import downloads, words
from healthcamp.reports import services as reports
from healthcamp.reports.tables import Cell, Table
from healthcamp.services import programmes
from healthcamp.web.report_charts import table_chart
from healthcamp.web.views import staff_view

CHOICES = ("", "site", "sex", "age_band", "month")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _by(params: QueryDict) -> str:
    by = params.get("by", "")
    if by not in CHOICES:
        raise InvalidInput(
            {
                "by": gettext("Break the tables down by one of: %(choices)s.")
                % {"choices": ", ".join(CHOICES[1:])}
            }
        )
    return by


NONE = "\N{EN DASH}"  # no figure: no one in the group


def _percent(value: float | None) -> str:
    return NONE if value is None else f"{written(f'{value * 100:.1f}')} %"


def _row(table: Table, cell: Cell, *, total: bool) -> dict[str, Any]:
    """One line of a table as the page shows it: labels, then figures or "suppressed"."""
    rate = table.indicator.kind == "proportion"
    labels = [words.label(d, cell.group[d]) if d in cell.group else "" for d in table.by]
    labels = labels or [""]
    if "month" in cell.group and table.by == ("day",):
        labels = [gettext("%(month)s (month)") % {"month": cell.group["month"]}]
    return {
        "labels": labels,
        "total": total,
        "suppressed": cell.suppressed,
        "numerator": cell.numerator,
        "denominator": cell.denominator,
        "rate": _percent(cell.value) if rate else "",
        "ci": gettext("%(low)s to %(high)s")
        % {"low": _percent(cell.ci[0]), "high": _percent(cell.ci[1])}
        if cell.ci
        else NONE,
        "median": NONE if cell.value is None else written(f"{cell.value:g}"),
    }


def _shown(tables: list[Table], *, charts: bool) -> list[dict[str, Any]]:
    return [
        {
            "table": t,
            "chart": table_chart(t) if charts else "",
            "rate": t.indicator.kind == "proportion",
            "median": t.indicator.kind == "median",
            "headers": [words.header(d) for d in t.by],
            "by_words": ", ".join(words.dimension(d) for d in t.by),
            "rows": [_row(t, c, total=False) for c in t.cells]
            + ([_row(t, c, total=True) for c in t.margins] if t.by else []),
        }
        for t in tables
    ]


def _name(actor: Actor, programme_id: int) -> str:
    names = {p.id: p.name for p in programmes.programmes(actor=actor)}
    return names.get(programme_id, str(programme_id))


@require_http_methods(["GET", "POST"])
@staff_view
def dashboard(request: HttpRequest, actor: Actor, programme_id: int) -> HttpResponse:
    """GET: the exact, disclosure-controlled tables. POST (indicator, epsilon): the same
    page with that one table released with noise, paid for from the privacy budget; a
    release refused (ε out of bounds, the budget spent) is said beside its form."""
    # The breakdown travels in the release form's hidden field.
    by = _by(request.GET if request.method == "GET" else request.POST)
    noisy, refused, status = _noisy_asked(request), "", 200
    tables: list[Table] = []
    if noisy is not None:
        try:
            tables = reports.dashboard(
                actor=actor, programme_id=programme_id, by=by or None, noisy=noisy
            )
        except InvalidInput as error:
            refused, status = " ".join(error.errors.values()), 422
        except Conflict as error:
            refused, status = str(error), 409
    if not tables:
        tables = reports.dashboard(actor=actor, programme_id=programme_id, by=by or None)
    shown = _shown(tables, charts=True)
    for item in shown:
        t = item["table"]
        item["noise_possible"] = reports.noise_possible(code=t.indicator.code, by=t.by)
        item["refused"] = refused if noisy and noisy[0] == t.indicator.code else ""
    budget = reports.privacy_budget_read(actor=actor, programme_id=programme_id)
    return render(
        request,
        "reports/dashboard.html",
        {
            "actor": actor,
            "programme_id": programme_id,
            "programme_name": _name(actor, programme_id),
            "tables": shown,
            "k": tables[0].k if tables else None,
            "counted": tables[0].counted if tables else None,
            "not_counted": tables[0].not_counted if tables else None,
            "by": by,
            "choices": [(c, words.header(c)) for c in CHOICES[1:]],
            "budget": budget and _budget_words(*budget),
            "asked_epsilon": request.POST.get("epsilon", "") if refused else "",
        },
        status=status,
    )


def _budget_words(total: float, spent: float) -> dict[str, str]:
    """ε as a person reads it: 0.5, not 0.50 or 0.500000001."""
    return {
        "total": written(f"{total:.4g}"),
        "spent": written(f"{spent:.4g}"),
        "left": written(f"{max(0.0, total - spent):.4g}"),
    }


def _noisy_asked(request: HttpRequest) -> tuple[str, float] | None:
    if request.method != "POST":
        return None
    code = request.POST.get("indicator", "")
    raw = request.POST.get("epsilon", "").strip().replace(",", ".")
    try:
        epsilon = float(raw)
    except ValueError:
        epsilon = float("nan")  # refused by the service with its own sentence
    return code, epsilon


@require_GET
@staff_view
def download(request: HttpRequest, actor: Actor, programme_id: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise InvalidInput({"format": gettext("Download the report as csv, xlsx or pdf.")})
    by = _by(request.GET)
    tables = reports.dashboard(
        actor=actor, programme_id=programme_id, by=by or None, delivered_as=fmt
    )
    if fmt == "pdf":
        body = downloads.pdf_bytes(_report_html(request, actor, programme_id, tables))
    else:
        body = downloads.csv_bytes(tables) if fmt == "csv" else downloads.xlsx_bytes(tables)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    name = f"programme-{programme_id}-report{'-by-' + by if by else ''}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _report_html(request: HttpRequest, actor: Actor, programme_id: int, tables: list[Table]) -> str:
    """The PDF's page: every table with its marks, the definitions, k and who is counted,
    in the reader's language."""
    language = translation.get_language() or "en"
    return render_to_string(
        "reports/report_pdf.html",
        {
            "language": language,
            "rtl": translation.get_language_bidi(),
            "programme_name": _name(actor, programme_id),
            "computed_on": timezone.localdate().isoformat(),
            "tables": _shown(tables, charts=False),
            "k": tables[0].k if tables else None,
            "counted": tables[0].counted if tables else None,
            "not_counted": tables[0].not_counted if tables else None,
        },
        request=request,
    )
