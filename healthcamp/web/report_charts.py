"""A chart for each published report table, drawn with matplotlib as an SVG image: a
bar per group, the 95 % interval as a whisker for a rate. Suppressed groups are named
with no bar; the table beside the chart holds the same figures."""

from __future__ import annotations

import base64
import functools
import io
from typing import NamedTuple

import matplotlib

matplotlib.use("Agg")  # no display on a server

from django.utils.translation import gettext
from matplotlib.figure import Figure

from healthcamp.reports import words
from healthcamp.reports.tables import Table

BAR = "#1f5f8b"  # the pages' accent: 7.1:1 on white
WHISKER = "#1d2a33"


class _Drawn(NamedTuple):
    name: str
    value: float | None
    ci: tuple[float, float] | None
    suppressed: bool


def group_name(group: dict[str, str]) -> str:
    return words.group_name(group)


def table_chart(table: Table) -> str:
    """The table's cells as horizontal bars (percent for a rate), as a data: URI."""
    rate = table.indicator.kind == "proportion"
    cells = table.cells if table.by else table.margins
    drawn = tuple(
        (group_name(c.group), c.value, tuple(c.ci) if c.ci else None, c.suppressed) for c in cells
    )
    # xgettext:no-python-format
    per_cent = gettext("per cent (95 % interval)")  # shown as it is: "% i" fills nothing
    axis = per_cent if rate else words.unit(table.indicator.unit)
    return _chart(rate, axis, gettext("suppressed"), drawn)


# Drawing is the page's slowest part (a quarter of a second a chart): the same figures
# (tables of the same shape and counts, the page and its PDF) are drawn once. The key
# holds only what the chart shows, which is published anyway: group names and figures.
@functools.lru_cache(maxsize=256)
def _chart(
    rate: bool,
    axis: str,
    suppressed: str,
    drawn: tuple[tuple[str, float | None, tuple[float, float] | None, bool], ...],
) -> str:
    cells = [_Drawn(*d) for d in drawn]
    labels = [c.name for c in cells]
    figure = Figure(figsize=(6.4, 0.38 * len(cells) + 1.0))
    axes = figure.subplots()
    positions = list(range(len(cells)))
    values = [0.0 if c.value is None else c.value * (100 if rate else 1) for c in cells]
    axes.barh(positions, values, color=BAR)
    if rate:
        shown = [(i, c) for i, c in enumerate(cells) if c.ci is not None and c.value is not None]
        if shown:
            axes.errorbar(
                [c.value * 100 for _, c in shown],  # type: ignore[operator]
                [i for i, _ in shown],
                xerr=[
                    [(c.value - c.ci[0]) * 100 for _, c in shown],  # type: ignore[index,operator]
                    [(c.ci[1] - c.value) * 100 for _, c in shown],  # type: ignore[index,operator]
                ],
                fmt="none",
                ecolor=WHISKER,
                capsize=3,
            )
        axes.set_xlim(0, 100)
    axes.set_xlabel(axis)
    for i, cell in enumerate(cells):
        if cell.suppressed:
            axes.text(0.5, i, suppressed, va="center", color=WHISKER, fontsize=9)
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.spines[["top", "right"]].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
