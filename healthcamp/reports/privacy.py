"""Optional differential privacy for count tables: OpenDP's discrete Laplace noise, paid
for from a per-programme ε budget kept in a ledger.

Order of operations: the table is disclosure-controlled on its true counts first (every
published count 0 or at least k, complements chosen); then each published figure gets
independent noise; a noisy figure that lands in 1..k-1 is withheld too and negatives are
shown as 0 (both only post-processing, which costs no ε).

Sensitivity: one person adds 1 to one interior cell and to every margin above it, and to
the counted figure: 2^dims + 1 published figures in all (1 + 1 without a breakdown, 2 + 1
by one dimension, 4 + 1 by two). A rate publishes n and the denominator; the noise goes on
n and on m (the denominator less n), of which a person is in exactly one. So each figure
gets discrete Laplace noise of scale (2^dims + 1) / ε: the published figures are
ε-differentially private for a person's presence (pure DP, MaxDivergence).

What ε does not cover: which cells are withheld is decided on the true counts, so the
suppression pattern is not private (a cell going from k to k - 1 is withheld for
certain). And DP helps only when the exact tables are not also released to the same
audience: anyone who may ask for a noisy table may ask for the exact one.

Only tables that count people
once (unit "people", not by day, not medians, not age-standardised) may be released
noisy; visits can repeat a person, which would multiply the sensitivity.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext

from healthcamp.access.errors import Conflict, InvalidInput
from healthcamp.lib.figures import written
from healthcamp.reports.indicators import Indicator
from healthcamp.reports.models import PrivacyBudget, PrivacyRelease
from healthcamp.reports.statistics import Z95
from healthcamp.reports.tables import PLACES, Cell, Table

SLACK = 1e-9  # float sums of what was spent


def remaining(total: float, spent: Iterable[float]) -> float:
    return total - math.fsum(spent)


def affordable(total: float, spent: Iterable[float], ask: float) -> bool:
    """Whether a release costing `ask` fits what is left: never below 0."""
    return ask > 0 and remaining(total, spent) - ask >= -SLACK


def noisy_allowed(indicator: Indicator, by: tuple[str, ...]) -> None:
    if (
        indicator.unit != "people"
        or indicator.kind not in {"count", "proportion"}
        or indicator.standardised
        or "day" in by
    ):
        raise InvalidInput(
            {
                "epsilon": gettext(
                    "%(indicator)s cannot be released with noise: only tables that count each "
                    "person once (people, not visits; not by day; not age-standardised; not "
                    "medians)."
                )
                % {"indicator": capfirst(str(indicator.title))}
            }
        )


MIN_EPSILON = 0.01  # below this the noise swamps any count (and its arithmetic overflows)
MAX_EPSILON = 10.0


def check_epsilon(epsilon: float) -> None:
    """A release's ε: a finite number from MIN_EPSILON to MAX_EPSILON."""
    if not math.isfinite(epsilon) or not MIN_EPSILON <= epsilon <= MAX_EPSILON:
        raise InvalidInput(
            {
                "epsilon": gettext("ε is a number from %(low)s to %(high)s, such as %(example)s.")
                % {
                    "low": written(MIN_EPSILON),
                    "high": written(MAX_EPSILON),
                    "example": written(0.5),
                }
            }
        )


def spend(*, programme_id: int, epsilon: float, what: str) -> float:
    """Inside the release's transaction: record the ε it spends and return what is left;
    refused when the budget would go below 0 (or there is none)."""
    budget = PrivacyBudget.objects.select_for_update().filter(programme_id=programme_id).first()
    if budget is None:
        raise Conflict(
            gettext(
                "This programme has no privacy budget: a coordinator sets one before any noisy "
                "release."
            )
        )
    spent = PrivacyRelease.objects.filter(programme_id=programme_id).values_list(
        "epsilon", flat=True
    )
    spent_list = list(spent)
    if not affordable(budget.epsilon, spent_list, epsilon):
        left = max(0.0, remaining(budget.epsilon, spent_list))
        raise Conflict(
            gettext(
                "The privacy budget cannot pay for this release: it costs ε = %(cost)s and "
                "%(left)s of %(total)s is left. Use the figures already released."
            )
            % {"cost": written(epsilon), "left": written(left), "total": written(budget.epsilon)}
        )
    PrivacyRelease.objects.create(
        programme_id=programme_id, released_at=timezone.now(), epsilon=epsilon, what=what[:200]
    )
    return remaining(budget.epsilon, [*spent_list, epsilon])


def spent(programme_id: int) -> float:
    found = PrivacyRelease.objects.filter(programme_id=programme_id).values_list(
        "epsilon", flat=True
    )
    return math.fsum(found)


def scale_for(by: tuple[str, ...], epsilon: float) -> float:
    return ((1 << len(by)) + 1) / epsilon


def variance(scale: float) -> float:
    """The discrete Laplace's variance at this scale: 2q / (1 - q)^2, q = exp(-1/scale)."""
    q = math.exp(-1 / scale)
    return 2 * q / (1 - q) ** 2


def noisy_table(table: Table, *, epsilon: float) -> Table:
    """The published table with OpenDP noise on every figure it shows (see above)."""
    import opendp.prelude as dp

    dp.enable_features("contrib")
    scale = scale_for(table.by, epsilon)
    draw = dp.m.make_laplace(dp.atom_domain(T=int), dp.absolute_distance(T=int), scale=scale)
    spread = variance(scale)
    k = table.k
    drawn: dict[tuple[tuple[str, str], ...], Cell] = {}

    def shown(value: int) -> int:
        return max(0, int(draw(value)))

    def noisy(cell: Cell) -> Cell:
        key = tuple(sorted(cell.group.items()))
        if key in drawn:  # a figure shown twice (a table with no breakdown) is drawn once
            return drawn[key]
        if cell.suppressed or cell.numerator is None:
            out = cell
        elif table.indicator.kind == "count":
            n = shown(cell.numerator)
            half = Z95 * math.sqrt(spread)
            out = Cell(cell.group, n, None, float(n), (max(0.0, n - half), n + half), False)
        else:
            assert cell.denominator is not None  # noqa: S101 - a rate has one
            n, m = shown(cell.numerator), shown(cell.denominator - cell.numerator)
            out = _rate(cell, n, m, spread)
        if any(0 < c < k for c in (out.numerator or 0, out.denominator or 0)) or (
            out.denominator is not None and 0 < out.denominator - (out.numerator or 0) < k
        ):
            out = Cell(cell.group, None, None, None, None, True)
        drawn[key] = out
        return out

    def headline(value: int | None) -> int | None:
        if value is None:
            return None
        n = shown(value)
        return None if 0 < n < k else n

    return replace(
        table,
        cells=[noisy(c) for c in table.cells],
        margins=[noisy(c) for c in table.margins],
        counted=headline(table.counted),
        not_counted=headline(table.not_counted),
        noise={"mechanism": "discrete Laplace (OpenDP)", "epsilon": epsilon, "scale": scale},
    )


def _rate(cell: Cell, n: int, m: int, spread: float) -> Cell:
    """A noisy rate and its interval: the binomial part and the noise on n and m (delta
    method: var(n / (n + m)) from the noise = spread (n^2 + m^2) / d^4)."""
    d = n + m
    if d == 0:
        return Cell(cell.group, n, d, None, None, False)
    p = n / d
    half = Z95 * math.sqrt(p * (1 - p) / d + spread * (n * n + m * m) / d**4)
    ci = (round(max(0.0, p - half), PLACES), round(min(1.0, p + half), PLACES))
    return Cell(cell.group, n, d, round(p, PLACES), ci, False)
