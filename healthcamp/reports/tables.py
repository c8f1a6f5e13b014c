"""A published table: grouped counts turned into cells and margins, disclosure-
controlled, with their values and intervals. Nothing here touches the database."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from healthcamp.reports import disclosure
from healthcamp.reports.disclosure import Counts, Key
from healthcamp.reports.indicators import Indicator
from healthcamp.reports.statistics import age_standardised, median_of_counts, wilson

PLACES = 4  # decimals of a published rate


@dataclass(frozen=True)
class Cell:
    group: dict[str, str]
    numerator: int | None
    denominator: int | None
    value: float | None
    ci: tuple[float, float] | None
    suppressed: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "value": self.value,
            "ci": list(self.ci) if self.ci else None,
            "suppressed": self.suppressed,
        }


@dataclass(frozen=True)
class Table:
    indicator: Indicator
    by: tuple[str, ...]
    k: int
    counted: int | None  # None: suppressed (1..k-1)
    not_counted: int | None
    cells: list[Cell]
    margins: list[Cell]
    # A noisy release (reports.privacy): mechanism, ε spent, scale; None: exact counts.
    noise: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator.code,
            "by": list(self.by),
            "k": self.k,
            "counted": self.counted,
            "not_counted": self.not_counted,
            "cells": [c.as_dict() for c in self.cells],
            "margins": [c.as_dict() for c in self.margins],
            "noise": self.noise,
        }


def shown_count(value: int, k: int) -> int | None:
    """A headline count: 0 or at least k, else withheld."""
    return None if 0 < value < k else value


# Extra figures a cell's value needs beyond its additive counts: the age bands of a
# standardised rate, the days of a median.
Detail = Mapping[Key, Mapping[Any, Counts]]


def _value(
    indicator: Indicator, counts: Counts, detail: Mapping[Any, Counts], k: int
) -> tuple[int, int | None, float | None, tuple[float, float] | None]:
    n = counts[0]
    if indicator.kind == "count":
        return n, None, float(n), None
    if indicator.kind == "median":
        median = median_of_counts({day: c[0] for day, c in detail.items()})
        return n, None, median, None
    d = n + counts[1]
    if d == 0:
        return n, d, None, None
    if indicator.standardised:
        # The rate is a weighted sum of its age bands' rates: with the crude tables it
        # could give back a band's small counts, so it is shown only when no band's n,
        # d or d - n is 1..k-1.
        if any(0 < part < k for c in detail.values() for part in (c[0], c[1], c[0] + c[1])):
            return n, d, None, None
        found = age_standardised({band: (c[0], c[0] + c[1]) for band, c in detail.items()})
        if found is None:
            return n, d, None, None
        rate, (low, high) = found
        return n, d, round(rate, PLACES), (round(low, PLACES), round(high, PLACES))
    low, high = wilson(n, d)
    return n, d, round(n / d, PLACES), (round(low, PLACES), round(high, PLACES))


def build(
    *,
    indicator: Indicator,
    by: Sequence[str],
    categories: Sequence[Sequence[str]],
    interior: Mapping[Key, Counts],
    detail: Detail,
    k: int,
    counted: int,
    not_counted: int,
    label: Callable[[str, str], str],
    nested: Mapping[str, str] | None = None,
) -> Table:
    """The published table: every cell and margin, suppressed where it must be."""
    width = 1 if indicator.kind in ("count", "median") else 2
    layout = disclosure.layout_for(interior, categories, width=width, nested=nested)
    layout.fixed = fixed_margins(
        interior=interior, categories=categories, width=width, k=k, nested=nested
    )
    suppressed = disclosure.protect(layout, k)

    def cell(key: Key) -> Cell:
        group = {}
        for dim, part in zip(by, key, strict=True):
            if part is None:
                continue
            if part.startswith("^"):  # a day table's month subtotal
                group["month"] = part[1:]
            else:
                group[dim] = label(dim, part)
        if key in suppressed:
            return Cell(group, None, None, None, None, True)
        members = layout.members.get(key, [key])
        n, d, value, ci = _value(indicator, layout.values[key], _merge(members, detail), k)
        return Cell(group, n, d, value, ci, False)

    totals = [key for key in layout.values if key not in set(layout.interior)]
    return Table(
        indicator=indicator,
        by=tuple(by),
        k=k,
        counted=shown_count(counted, k),
        not_counted=shown_count(not_counted, k),
        cells=[cell(key) for key in layout.interior],
        margins=[cell(key) for key in totals] if by else [cell(key) for key in layout.interior],
    )


def _merge(members: Sequence[Key], detail: Detail) -> dict[Any, Counts]:
    merged: dict[Any, list[int]] = {}
    for cell in members:
        for extra, counts in detail.get(cell, {}).items():
            into = merged.setdefault(extra, [0] * len(counts))
            for q, c in enumerate(counts):
                into[q] += c
    return {extra: tuple(v) for extra, v in merged.items()}


def fixed_margins(
    *,
    interior: Mapping[Key, Counts],
    categories: Sequence[Sequence[str]],
    width: int,
    k: int,
    nested: Mapping[str, str] | None = None,
) -> dict[Key, bool]:
    """The status each margin has in the smaller table that publishes it on its own (the
    grand total; each dimension's table), so a margin is the same wherever it appears."""
    dims = len(categories)
    if dims == 0:
        return {}
    grand_counts = disclosure.add_up(list(interior.values()), width) if interior else (0,) * width
    fixed: dict[Key, bool] = {(None,) * dims: disclosure.sensitive(grand_counts, k)}
    if dims == 1 and nested:
        parents = sorted({nested[c] for c in categories[0]})
        above = _project(interior, lambda key: (nested[key[0] or ""],))
        status = _status_1d(above, parents, width, k, fixed[(None,)])
        fixed.update({("^" + p,): status[(p,)] for p in parents})
    if dims == 2:
        for axis in (0, 1):
            above = _project(interior, lambda key, a=axis: (key[a],))  # type: ignore[misc]
            status = _status_1d(above, categories[axis], width, k, fixed[(None, None)])
            for (value,), hidden in status.items():
                fixed[(value, None) if axis == 0 else (None, value)] = hidden
    return fixed


def _project(interior: Mapping[Key, Counts], onto: Callable[[Key], Key]) -> dict[Key, Counts]:
    out: dict[Key, list[int]] = {}
    for key, counts in interior.items():
        into = out.setdefault(onto(key), [0] * len(counts))
        for q, c in enumerate(counts):
            into[q] += c
    return {key: tuple(v) for key, v in out.items()}


def _status_1d(
    interior: Mapping[Key, Counts], values: Sequence[str], width: int, k: int, grand: bool
) -> dict[Key, bool]:
    layout = disclosure.layout_for(interior, [values], width=width)
    layout.fixed = {(None,): grand}
    suppressed = disclosure.protect(layout, k)
    return {cell: cell in suppressed for cell in layout.interior}
