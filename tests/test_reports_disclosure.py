"""Disclosure control (issue 11): no published count is 1..k-1, and no suppressed cell can
be narrowed to fewer than k values by solving the published table as a linear program.

The linear program here is the attacker's, written from the published cells and margins
alone (scipy's linprog), independent of the one healthcamp uses to choose complements.
"""

from __future__ import annotations

import itertools
from datetime import date

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from healthcamp.reports import tables
from healthcamp.reports.indicators import INDICATORS
from healthcamp.reports.models import ReportPolicy
from healthcamp.reports.services import indicator_table
from tests.reports_programme import Person, Visit, build

COUNT, RATE = INDICATORS["screened"], INDICATORS["raised_bp"]


def published_counts(cell: dict) -> list[int]:
    if cell["suppressed"]:
        return []
    found = [cell["numerator"]]
    if cell["denominator"] is not None:
        found += [cell["denominator"], cell["denominator"] - cell["numerator"]]
    return found


def _inside(margin: dict, interior: dict) -> bool:
    for dim, value in margin["group"].items():
        if dim == "month" and "day" in interior["group"]:
            if not interior["group"]["day"].startswith(value):
                return False
        elif interior["group"].get(dim) != value:
            return False
    return True


def attackers_ranges(table: dict) -> list[tuple[dict, str, float, float]]:
    """For every suppressed cell and margin, and each count it hides (n, and the
    denominator's remainder m for a rate): the least and greatest value it can have given
    everything published (cells, margins, counts at least 0)."""
    cells = table["cells"]
    rate = any(c["denominator"] is not None for c in cells + table["margins"])
    quantities = ["n", "m"] if rate else ["n"]
    every = cells + [m for m in table["margins"] if m["group"] or table["by"]]
    members = [[i for i, c in enumerate(cells) if _inside(m, c)] for m in every]
    found = []
    for q in quantities:

        def value(cell: dict, q: str = q) -> int:
            return cell["numerator"] if q == "n" else cell["denominator"] - cell["numerator"]

        rows, rhs = [], []
        for cell, inside in zip(every, members, strict=True):
            if cell["suppressed"]:
                continue
            row = np.zeros(len(cells))
            row[inside] = 1
            rows.append(row)
            rhs.append(value(cell))
        for cell, inside in zip(every, members, strict=True):
            if not cell["suppressed"]:
                continue
            aim = np.zeros(len(cells))
            aim[inside] = 1
            bounds = []
            for sign in (1, -1):
                result = linprog(
                    sign * aim,
                    A_eq=np.array(rows) if rows else None,
                    b_eq=np.array(rhs) if rows else None,
                    bounds=(0, None),
                    method="highs",
                )
                if result.status == 3:
                    bounds.append(np.inf * -sign)
                else:
                    assert result.status == 0, result.message
                    bounds.append(sign * result.fun)
            found.append((cell, q, bounds[0], bounds[1]))
    return found


def assert_protected(table: dict, k: int) -> None:
    for cell in table["cells"] + table["margins"]:
        shown = published_counts(cell)
        assert not [c for c in shown if 0 < c < k], (cell, k)
        if cell["suppressed"]:
            assert (cell["numerator"], cell["denominator"], cell["value"], cell["ci"]) == (
                None,
                None,
                None,
                None,
            )
    bounds: dict = {}
    for cell, q, low, high in attackers_ranges(table):
        bounds.setdefault(id(cell), (cell, {}))[1][q] = (low, high)
    for cell, found in bounds.values():
        # The numerator, and a rate's denominator (n + m: two parts that share no equation,
        # so its bounds are the sums of theirs). Forced to 0 tells no more than a published 0.
        d = tuple(sum(b[i] for b in found.values()) for i in (0, 1))
        for low, high in (found["n"], d):
            assert high - low >= k or high == 0, (cell["group"], found, k)


def _build(indicator, categories, interior, k, nested=None):
    return tables.build(
        indicator=indicator,
        by=["site", "sex"][: len(categories)] if not nested else ["day"],
        categories=categories,
        interior=interior,
        detail={},
        k=k,
        counted=100,
        not_counted=3,
        label=lambda dim, value: value,
        nested=nested,
    ).as_dict()


def test_a_lone_small_cell_takes_a_complement_in_its_row_and_column() -> None:
    interior = {
        ("A", "f"): (3,),
        ("A", "m"): (20,),
        ("B", "f"): (15,),
        ("B", "m"): (12,),
        ("C", "f"): (14,),
        ("C", "m"): (30,),
    }
    table = _build(COUNT, [["A", "B", "C"], ["f", "m"]], interior, 11)
    hidden = {tuple(c["group"].values()) for c in table["cells"] if c["suppressed"]}
    assert ("A", "f") in hidden
    assert len(hidden) >= 4  # a rectangle at least: one lone cell would be solved back
    assert_protected(table, 11)
    assert table["not_counted"] is None  # 3 people not counted: under k, withheld


def test_a_small_margin_hides_its_row_and_the_1d_table_agrees() -> None:
    interior = {("A", "f"): (2,), ("A", "m"): (3,), ("B", "f"): (40,), ("B", "m"): (25,)}
    two = _build(COUNT, [["A", "B"], ["f", "m"]], interior, 11)
    one = _build(COUNT, [["A", "B"]], {("A",): (5,), ("B",): (65,)}, 11)
    by_site = {c["group"]["site"]: c["suppressed"] for c in one["cells"]}
    margins = {
        c["group"]["site"]: c["suppressed"] for c in two["margins"] if list(c["group"]) == ["site"]
    }
    assert by_site == margins == {"A": True, "B": True}
    assert_protected(two, 11)
    assert_protected(one, 11)


def test_rates_hide_a_small_remainder_too() -> None:
    """95 of 100 in one group and 100 of 100 in another: 0 without the condition is shown,
    5 is not (those five would be known to be the only ones)."""
    interior = {("A",): (95, 5), ("B",): (100, 0), ("C",): (40, 60)}
    table = _build(RATE, [["A", "B", "C"]], interior, 11)
    a = next(c for c in table["cells"] if c["group"] == {"site": "A"})
    assert a["suppressed"]
    assert_protected(table, 11)


def test_a_day_table_respects_the_months_subtotals() -> None:
    days = ["2026-03-01", "2026-03-02", "2026-04-01", "2026-04-02"]
    interior = {
        ("2026-03-01",): (4,),
        ("2026-03-02",): (30,),
        ("2026-04-01",): (25,),
        ("2026-04-02",): (22,),
    }
    table = _build(COUNT, [days], interior, 11, nested={d: d[:7] for d in days})
    assert_protected(table, 11)
    months = {c["group"]["month"] for c in table["margins"] if "month" in c["group"]}
    assert months == {"2026-03", "2026-04"}


_counts = st.integers(0, 40) | st.integers(0, 6)


@st.composite
def random_tables(draw):
    dims = draw(st.integers(0, 2))
    rate = draw(st.booleans())
    categories = [
        [f"{name}{i}" for i in range(draw(st.integers(1, 4)))] for name in ("r", "c")[:dims]
    ]
    interior = {}
    for key in itertools.product(*categories):
        n = draw(_counts)
        interior[key] = (n, draw(_counts)) if rate else (n,)
    k = draw(st.integers(5, 15))
    return (RATE if rate else COUNT), categories, interior, k


@settings(max_examples=80, deadline=None)
@given(random_tables())
def test_random_tables_publish_nothing_small_and_nothing_solvable(case) -> None:
    indicator, categories, interior, k = case
    table = _build(indicator, categories, interior, k)
    assert_protected(table, k)
    # Margins agree with the one-dimension tables published on their own.
    if len(categories) == 2:
        for axis in (0, 1):
            projected: dict = {}
            for key, counts in interior.items():
                into = projected.setdefault((key[axis],), [0] * len(counts))
                for q, c in enumerate(counts):
                    into[q] += c
            alone = _build(
                indicator, [categories[axis]], {k_: tuple(v) for k_, v in projected.items()}, k
            )
            name = ["site", "sex"][axis]
            shown = {c["group"]["site"]: c["suppressed"] for c in alone["cells"]}
            margins = {
                c["group"][name]: c["suppressed"]
                for c in table["margins"]
                if list(c["group"]) == [name]
            }
            assert shown == margins


# ---- random programmes in the database, through the service -----------------------------


@pytest.mark.django_db
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["female", "male"]),
            st.sampled_from(["20-24", "40-44", "60-64"]),
            st.booleans(),
            st.booleans(),
        ),
        min_size=0,
        max_size=40,
    ),
    st.integers(5, 12),
)
def test_random_programmes_through_the_service(
    coordinator, analyst, programme, document, people, k
) -> None:
    from healthcamp.registry.models import Participant

    Participant.objects.filter(programme_id=programme.id).delete()
    ReportPolicy.objects.update_or_create(programme_id=programme.id, defaults={"k": k})
    build(
        programme.id,
        document.id,
        coordinator.actor.staff_id,
        [
            Person(
                sex, band, [Visit("Market Hall", date(2026, 3, 2), raised_bp=raised)], statistics=ok
            )
            for sex, band, raised, ok in people
        ],
    )
    for code, by in [
        ("raised_bp", "sex,age_band"),
        ("screened", "sex"),
        ("registered", "age_band"),
    ]:
        table = indicator_table(
            actor=analyst.actor, programme_id=programme.id, code=code, by=by
        ).as_dict()
        assert table["k"] == k
        assert_protected(table, k)
        assert table["counted"] is None or not 0 < table["counted"] < k
