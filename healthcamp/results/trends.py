"""A measure's values over the years, drawn over its healthy and unhealthy ranges."""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from datetime import datetime

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates
from matplotlib.figure import Figure

from healthcamp.clinical import catalogue
from healthcamp.results.letters import COLOURS, tone


def trend_picture(bands: catalogue.BandSet | None, points: Sequence[tuple[datetime, float]]) -> str:
    """An SVG data URI: the cut-offs the newest value was read on as calm background
    stripes (none for a child read on growth charts), the values as a line."""
    cuts = bands.cuts if bands is not None else ()
    values = [v for _, v in points]
    low = min([*values, *(c.bound for c in cuts[:1] if c.bound is not None)]) * 0.9
    high = max([*values, *(c.bound for c in cuts[-2:-1] if c.bound is not None)]) * 1.1
    figure = Figure(figsize=(4.2, 1.7))
    axes = figure.add_axes((0.13, 0.2, 0.84, 0.74))
    start = low
    for cut in cuts:  # ordered by upper bound; each stripe starts where the last ended
        end = min(cut.bound if cut.bound is not None else high, high)
        if end > start:
            axes.axhspan(start, end, color=COLOURS[tone(cut.level)], alpha=0.28, lw=0)
            start = end
    axes.plot(
        [mdates.date2num(when) for when, _ in points],  # type: ignore[no-untyped-call]
        values,
        marker="o",
        markersize=5,
        linewidth=2,
        color="#1d2a33",
    )
    axes.set_ylim(low, high)
    locator = mdates.AutoDateLocator(maxticks=5)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    days = (points[-1][0] - points[0][0]).days
    shown = "%Y-%m" if days > 90 else "%Y-%m-%d"
    axes.xaxis.set_major_formatter(mdates.DateFormatter(shown))  # type: ignore[no-untyped-call]
    axes.tick_params(labelsize=7, length=2)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def describe(name: str, points: Sequence[tuple[datetime, str]]) -> str:
    """The picture's words, for screen readers and for anyone who prefers numbers."""
    return f"{name}: " + ", ".join(f"{shown} ({when:%Y-%m-%d})" for when, shown in points)
