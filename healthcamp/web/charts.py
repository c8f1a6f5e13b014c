"""Pictures for staff pages, drawn with matplotlib as SVG images."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # no display on a server

from matplotlib.figure import Figure

from healthcamp.services.consent import PurposeRate

YES, NO, WITHDRAWN = "#23663a", "#a3211b", "#8a6d00"


def _data_uri(figure: Figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def consent_rates_chart(rates: Sequence[PurposeRate]) -> str:
    """Stacked bars per purpose: how many said yes, no, or withdrew later."""
    figure = Figure(figsize=(7, 0.55 * len(rates) + 1.1))
    axes = figure.subplots()
    labels = [r.purpose.replace("_", " ") for r in rates]
    yes = [r.yes for r in rates]
    no = [r.no for r in rates]
    withdrawn = [r.withdrawn for r in rates]
    axes.barh(labels, yes, color=YES, label="yes")
    axes.barh(labels, no, left=yes, color=NO, label="no")
    axes.barh(
        labels,
        withdrawn,
        left=[a + b for a, b in zip(yes, no, strict=True)],
        color=WITHDRAWN,
        label="withdrew later",
    )
    axes.invert_yaxis()
    axes.set_xlabel("participants")
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(loc="lower right", frameon=False, ncols=3, bbox_to_anchor=(1, 1))
    return _data_uri(figure)
