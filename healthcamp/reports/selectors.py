"""Grouped counts for the indicators: GROUP BYs over the visits' facts, the
registrations and the current consents, never a list of people in Python.

Everyone counted has a current consent that grants programme statistics (CurrentConsent,
kept in the consent change's transaction): a withdrawal takes effect in the very next
report.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate, TruncMonth

from healthcamp.purposes import CONSENT_PURPOSES
from healthcamp.registry.models import Participant
from healthcamp.reports.facts import BELOW_140_90
from healthcamp.reports.models import CurrentConsent, VisitFact

Row = tuple[tuple[Any, ...], tuple[int, ...]]  # (dimension values, counts)


def counted_people(*, programme_id: int) -> QuerySet[CurrentConsent, Any]:
    """A subquery: the people whose current consent grants programme statistics now."""
    return CurrentConsent.objects.filter(
        programme_id=programme_id, programme_statistics="yes"
    ).values("participant_id")


def counted_and_not(*, programme_id: int, answers: Sequence[Row] | None = None) -> tuple[int, int]:
    """How many of the programme's participants reports count, and how many they do not.
    `answers`: the consent cube read in the same snapshot, which counts the same people
    (one query fewer)."""
    total = Participant.objects.filter(programme_id=programme_id).count()
    if answers is not None:
        counted = sum(n for _, (n,) in answers)
    else:
        counted = CurrentConsent.objects.filter(
            programme_id=programme_id, programme_statistics="yes"
        ).count()
    return counted, total - counted


# Each indicator's rows: which facts it reads, and what it counts (n; and m, the rest of
# the denominator, for a rate).
FACT_FILTERS: dict[str, Q] = {
    "screened": Q(first_screening=True),
    "raised_bp": Q(latest_bp=True, adult=True),
    "diabetes": Q(latest_diabetes=True, adult=True),
    "overweight": Q(latest_bmi=True),
    "obesity": Q(latest_bmi=True),
    "raised_cholesterol": Q(latest_cholesterol=True, adult=True),
    "results_returned": Q(screened=True),
    "days_to_return": Q(returned_at__isnull=False),
    "referrals_attended_30d": ~Q(referral_urgency=""),
    "critical_same_day": Q(critical=True),
}
_CONDITION = {
    "raised_bp": "raised_bp",
    "diabetes": "diabetes",
    "overweight": "overweight",
    "obesity": "obese",
    "raised_cholesterol": "raised_cholesterol",
}
FACT_COLUMNS = {
    "site": "site_id",
    "sex": "sex",
    "age_band": "age_band",
    "month": "month",
    "day": "visit_date",
    "urgency": "referral_urgency",
}


def _parts(code: str) -> list[Q]:
    """The filters of n (and m) within the indicator's rows."""
    if code in _CONDITION:
        field = _CONDITION[code]
        return [Q(**{field: True}), Q(**{field: False})]
    if code == "results_returned":
        return [Q(returned_at__isnull=False), Q(returned_at__isnull=True)]
    if code == "referrals_attended_30d":
        on_time = Q(referral_attended_days__isnull=False, referral_attended_days__lte=30)
        return [on_time, ~on_time]
    if code == "critical_same_day":
        same_day = Q(referral_urgency="urgent", referral_attended_days=0)
        return [same_day, ~same_day]
    return [Q()]


def _facts(programme_id: int) -> QuerySet[VisitFact]:
    """The visits of the people counted now: `counted` is kept with their current
    consent (reports.consents.sync, in the consent change's transaction)."""
    return VisitFact.objects.filter(programme_id=programme_id, counted=True)


def fact_rows(
    *, programme_id: int, code: str, by: Sequence[str], extra: Sequence[str] = ()
) -> list[Row]:
    """One GROUP BY over the facts: counts by the dimensions (and extra columns: the
    age band for standardisation, days for a median)."""
    columns = [FACT_COLUMNS.get(d, d) for d in by] + list(extra)
    counts = {f"c{i}": Count("pk", filter=part) for i, part in enumerate(_parts(code))}
    found = (
        _facts(programme_id)
        .filter(FACT_FILTERS[code])
        .values(*columns)
        .annotate(**counts)
        .order_by()
        .values_list(*columns, *counts)
    )
    width = len(columns)
    return [(tuple(row[:width]), tuple(row[width:])) for row in found]


def fact_cube(*, programme_id: int, columns: Sequence[str], codes: Sequence[str]) -> list[Row]:
    """Every listed indicator's counts in one scan of the facts, by the given columns:
    the dashboard rolls each table up from it. Counts come in the order of `codes`,
    each indicator's n (and m)."""
    counts: dict[str, Count] = {}
    for code in codes:
        for i, part in enumerate(_parts(code)):
            counts[f"{code}__{i}"] = Count("pk", filter=FACT_FILTERS[code] & part)
    found = (
        _facts(programme_id)
        .values(*columns)
        .annotate(**counts)
        .order_by()
        .values_list(*columns, *counts)
    )
    width = len(columns)
    return [(tuple(row[:width]), tuple(row[width:])) for row in found]


def parts_of(code: str) -> int:
    return len(_parts(code))


def registered_rows(*, programme_id: int, by: Sequence[str]) -> list[Row]:
    columns = {"sex": "sex", "age_band": "age_band", "month": "reg_month", "day": "reg_day"}
    found = (
        Participant.objects.filter(programme_id=programme_id)
        .filter(pk__in=counted_people(programme_id=programme_id))
        .annotate(reg_month=TruncMonth("registered_at"), reg_day=TruncDate("registered_at"))
        .values(*[columns[d] for d in by])
        .annotate(n=Count("pk"))
        .order_by()
        .values_list(*[columns[d] for d in by], "n")
    )
    rows: list[Row] = []
    for row in found:
        values = tuple(
            v.strftime("%Y-%m") if d == "month" else v for d, v in zip(by, row, strict=False)
        )
        rows.append((values, (row[-1],)))
    return rows


def consent_cube(*, programme_id: int) -> list[Row]:
    """The answers on every purpose of the people counted in statistics, in one scan: the
    dashboard's consent tables are rolled up from it (people by their six answers)."""
    purposes = [p.value for p in CONSENT_PURPOSES]
    found = (
        # Only people counted in statistics: how others answered is theirs, not a figure.
        CurrentConsent.objects.filter(programme_id=programme_id, programme_statistics="yes")
        .values(*purposes)
        .annotate(n=Count("*"))  # not the id: the answers' index alone answers it
        .order_by()
        .values_list(*purposes, "n")
    )
    return [(tuple(row[:-1]), (row[-1],)) for row in found]


def consent_rows(*, programme_id: int, purpose: str, by: Sequence[str]) -> list[Row]:
    """The people counted in statistics, by their answer on one purpose."""
    if purpose not in {p.value for p in CONSENT_PURPOSES}:
        raise ValueError(f"not a consent purpose: {purpose}")
    columns = {
        "answer": purpose,
        "sex": "participant__sex",
        "age_band": "participant__age_band",
    }
    found = (
        CurrentConsent.objects.filter(programme_id=programme_id, programme_statistics="yes")
        .exclude(**{purpose: ""})
        .values(*[columns[d] for d in by])
        .annotate(n=Count("pk"))
        .order_by()
        .values_list(*[columns[d] for d in by], "n")
    )
    return [(tuple(row[:-1]), (row[-1],)) for row in found]


def months_before(day: date, months: int) -> date:
    """The same day of the month `months` calendar months earlier (the month's last day
    when it has no such day)."""
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("every month has 28 days")  # pragma: no cover


def bp_controlled_rows(*, programme_id: int, by: Sequence[str], today: date) -> list[Row]:
    """HEARTS / Simple "BP controlled" in one grouped scan of the people's latest visits:
    the denominator, people found with raised blood pressure before the last 3 months who
    visited in the last 12; n, those whose latest blood pressure reading, if it is in the
    last 3 months, is below 140/90. A visit with no reading does not count as one: it
    neither controls nor undoes an earlier reading (the `latest_reading` marker skips it).
    Sex and age band are those of the latest visit. Visits are dated when they are
    recorded (an import refuses a future date), so no reading lies after today."""
    window = months_before(today, 3)
    year = months_before(today, 12)
    raised_before = VisitFact.objects.filter(
        programme_id=programme_id, raised_bp=True, adult=True, visit_date__lte=window
    ).values("participant_id")
    below = VisitFact.objects.filter(
        programme_id=programme_id,
        latest_reading=True,
        visit_date__gt=window,
        visit_date__lte=today,
        bp_class__in=sorted(BELOW_140_90),
    ).values("participant_id")
    columns = [FACT_COLUMNS[d] for d in by]
    found = (
        _facts(programme_id)
        .filter(latest_visit=True, visit_date__gt=year, visit_date__lte=today)
        .filter(participant_id__in=raised_before)
        .values(*columns)
        .annotate(n=Count("pk", filter=Q(participant_id__in=below)), d=Count("pk"))
        .order_by()
        .values_list(*columns, "n", "d")
    )
    width = len(by)
    # m as d - n: a person with no reading in the window is in the rest.
    return [(tuple(row[:width]), (row[width], row[width + 1] - row[width])) for row in found]
