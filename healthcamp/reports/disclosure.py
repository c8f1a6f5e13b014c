"""Disclosure control: every published count is 0 or at least k, and no suppressed cell
can be worked out from what is published beside it.

A table is its interior cells plus totals (the margins a table is published with, and
the totals that other published tables show: a day's cells add up to the month's
figure). Each cell carries additive quantities - (n,) for a count; (n, m) for a
proportion, m being the denominator's part without the condition - and publishes n (and
its denominator n + m). The steps:

1. Primary suppression: a cell any of whose published counts (n, the denominator, or
   the denominator less n) is 1..k-1 is suppressed.
2. Totals that another table publishes keep that table's status (a margin is the same
   figure wherever it appears), so requests for different tables cannot be set against
   each other to recover a margin.
3. Complementary suppression, checked by linear programming: for each suppressed cell,
   the smallest and largest value its numerator (and a rate's denominator) can take given
   every published cell and total (and counts being at least 0) are solved for; while
   that range spans fewer than k + 1 values (high - low < k), one more
   cell that shares a total with it is suppressed (preferring a cell of at least k, the
   smallest such). Suppressing a cell only removes an equation, so ranges only widen and
   a cell once checked stays safe.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

Key = tuple[str | None, ...]  # None: a dimension summed over
Counts = tuple[int, ...]


@dataclass
class Layout:
    """The cells of one published table and how they add up."""

    interior: list[Key]
    values: dict[Key, Counts]  # every published key: interior cells and totals
    members: dict[Key, list[Key]]  # each total: the interior cells it sums
    relations: list[tuple[Key, list[Key]]]  # a total and the cells one step below it
    fixed: dict[Key, bool] = field(default_factory=dict)  # status set by another table


def published_counts(counts: Counts) -> Counts:
    """What a cell shows: n for a count; n, the denominator and its remainder for a rate."""
    if len(counts) == 1:
        return counts
    n, m = counts
    return (n, n + m, m)


def sensitive(counts: Counts, k: int) -> bool:
    return any(0 < c < k for c in published_counts(counts))


def _total(counts: Counts) -> int:
    return sum(counts)


def ranges(layout: Layout, suppressed: set[Key], key: Key) -> list[tuple[float, float]]:
    """For each quantity: the least and greatest value `key` can take, given every
    published cell and total of the layout and counts at least 0."""
    quantities = len(layout.values[key])
    free = [c for c in layout.interior if c in suppressed]
    index = {c: i for i, c in enumerate(free)}
    target = layout.members.get(key, [key])
    out: list[tuple[float, float]] = []
    for q in range(quantities):
        known = sum(layout.values[c][q] for c in target if c not in suppressed)
        aim = [index[c] for c in target if c in suppressed]
        if not aim:
            out.append((known, known))
            continue
        rows: list[list[int]] = []
        rhs: list[float] = []
        for total, cells in layout.members.items():
            if total in suppressed:
                continue
            part = [index[c] for c in cells if c in suppressed]
            if part:
                rows.append(part)
                rhs.append(
                    layout.values[total][q]
                    - sum(layout.values[c][q] for c in cells if c not in suppressed)
                )
        low, high = _solve(len(free), aim, rows, rhs)
        out.append((known + low, known + high))
    return out


def _solve(
    n: int, aim: Sequence[int], rows: Sequence[Sequence[int]], rhs: Sequence[float]
) -> tuple[float, float]:
    """min and max of the sum of the `aim` variables subject to the row sums, x >= 0."""
    if not rows:
        return 0.0, math.inf
    cost = np.zeros(n)
    cost[list(aim)] = 1.0
    data = [1.0 for row in rows for _ in row]
    indices = [i for row in rows for i in row]
    pointers = np.cumsum([0] + [len(row) for row in rows])
    a_eq = csr_matrix((data, indices, pointers), shape=(len(rows), n))
    b_eq = np.asarray(rhs, dtype=float)
    found = []
    for sign in (1.0, -1.0):
        result = linprog(sign * cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if result.status == 3:  # unbounded
            found.append(-sign * math.inf)
        elif result.status != 0:
            raise RuntimeError(f"The disclosure check could not solve a table: {result.message}")
        else:
            found.append(sign * result.fun)
    return found[0], found[1]


def width_ok(layout: Layout, suppressed: set[Key], key: Key, k: int) -> bool:
    """Whether each count the cell would publish could be any of more than k values: n,
    and for a rate its denominator n + m (the two parts are solved apart, as they share
    no equation, so the denominator's bounds are the sums of theirs)."""
    found = ranges(layout, suppressed, key)
    d = (sum(low for low, _ in found), sum(high for _, high in found))
    # Every part is published with a rate (n, and d - n: those without the condition),
    # so every part's range must be wide, not only n's and d's.
    return all(_hidden(r, k) for r in (*found, d))


def _hidden(bounds: tuple[float, float], k: int) -> bool:
    """At least k wide; or forced to 0, which tells no more than a published 0 (a total
    of 0 that is published says every cell under it is 0 too)."""
    low, high = bounds
    return high - low >= k or high == 0


def _candidates(layout: Layout, suppressed: set[Key], key: Key) -> list[Key]:
    near: list[Key] = []
    for total, cells in layout.relations:
        group = [total, *cells]
        if key in group:
            near += [c for c in group if c not in suppressed and c not in layout.fixed]
    return list(dict.fromkeys(near))


def _preference(layout: Layout, k: int):  # type: ignore[no-untyped-def]
    def score(key: Key) -> tuple[int, int, int]:
        counts = layout.values[key]
        empty = _total(counts) == 0
        big = all(c >= k for c in published_counts(counts))
        # Non-empty first, then cells that are at least k in every count, smallest first.
        return (int(empty), int(not big), _total(counts))

    return score


def protect(layout: Layout, k: int) -> set[Key]:
    """The keys to suppress: primary cells, fixed ones, and enough complements."""
    suppressed = {
        key for key, counts in layout.values.items() if layout.fixed.get(key, sensitive(counts, k))
    }
    queue = sorted(suppressed, key=str)
    checked: set[Key] = set()
    while queue:
        key = queue.pop(0)
        if key in checked:
            continue
        while not width_ok(layout, suppressed, key, k):
            options = _candidates(layout, suppressed, key) or [
                c for c in layout.interior if c not in suppressed
            ]
            if not options:
                break  # everything is already suppressed: nothing more to hide
            chosen = min(options, key=_preference(layout, k))
            suppressed.add(chosen)
            queue.append(chosen)
        checked.add(key)
    return suppressed


# ---- the fixed table shapes ------------------------------------------------------------


def add_up(counts: Sequence[Counts], width: int) -> Counts:
    return tuple(sum(c[q] for c in counts) for q in range(width))


def layout_for(
    interior: Mapping[Key, Counts],
    categories: Sequence[Sequence[str]],
    *,
    width: int,
    nested: Mapping[str, str] | None = None,
) -> Layout:
    """The layout of a table of zero, one or two dimensions with its margins.

    interior: counts by full key (missing keys are zero cells); categories: the values
    of each dimension, in order. nested (one dimension only): each category's parent
    (a day's month), whose subtotals other tables publish.
    """
    zero: Counts = (0,) * width
    dims = len(categories)
    cells: list[Key] = [()]
    for choices in categories:
        cells = [(*c, v) for c in cells for v in choices]
    values: dict[Key, Counts] = {c: tuple(interior.get(c, zero)) for c in cells}
    members: dict[Key, list[Key]] = {}
    relations: list[tuple[Key, list[Key]]] = []
    grand: Key = (None,) * dims
    if dims == 0:
        return Layout(cells, values, members, relations)
    members[grand] = list(cells)
    if dims == 1 and nested:
        parents = sorted({nested[c[0] or ""] for c in cells})
        for parent in parents:
            key: Key = ("^" + parent,)
            below = [c for c in cells if nested[c[0] or ""] == parent]
            members[key] = below
            relations.append((key, below))
        relations.append((grand, [("^" + p,) for p in parents]))
    elif dims == 1:
        relations.append((grand, list(cells)))
    else:
        rows = [(r, None) for r in categories[0]]
        cols = [(None, c) for c in categories[1]]
        for row in rows:
            members[row] = [c for c in cells if c[0] == row[0]]
            relations.append((row, members[row]))
        for col in cols:
            members[col] = [c for c in cells if c[1] == col[1]]
            relations.append((col, members[col]))
        relations.append((grand, list(rows)))
        relations.append((grand, list(cols)))
    for total, below in members.items():
        values[total] = add_up([values[c] for c in below], width)
    return Layout(cells, values, members, relations)
