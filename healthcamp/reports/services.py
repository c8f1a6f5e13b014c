"""Programme reports behind the one door: analysts and coordinators of the programme,
for programme statistics; each computation leaves one audit entry that names no one."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from healthcamp.access.errors import Conflict, InvalidInput, NotFound
from healthcamp.access.guard import audit, require_role
from healthcamp.access.roles import Action, Purpose
from healthcamp.access.staff import Actor
from healthcamp.purposes import CONSENT_PURPOSES
from healthcamp.registry.choices import Sex
from healthcamp.registry.models import Programme, Site
from healthcamp.reports import privacy, selectors
from healthcamp.reports.disclosure import Counts, Key
from healthcamp.reports.indicators import DIMENSIONS, INDICATORS, MAX_DIMENSIONS, Indicator
from healthcamp.reports.models import PrivacyBudget, ReportPolicy
from healthcamp.reports.snapshot import snapshot
from healthcamp.reports.statistics import bands_from
from healthcamp.reports.tables import Table, build

STATISTICS = Purpose.PROGRAMME_STATISTICS
URGENCIES = ("urgent", "soon", "routine")
ANSWERS = ("yes", "no", "withdrawn")


def _allowed(actor: Actor, programme_id: int) -> None:
    require_role(actor, Action.REPORT_READ, STATISTICS, programme_id=programme_id)
    if not Programme.objects.filter(pk=programme_id).exists():
        raise NotFound(
            gettext("There is no programme %(id)s; check the programme id.") % {"id": programme_id}
        )


def indicator_list(*, actor: Actor, programme_id: int) -> list[Indicator]:
    """What the programme's reports publish, with their definitions and sources."""
    _allowed(actor, programme_id)
    return list(INDICATORS.values())


def find_indicator(code: str) -> Indicator:
    found = INDICATORS.get(code)
    if found is None:
        raise InvalidInput(
            {
                "code": gettext("There is no indicator %(code)s; the indicators are: %(codes)s.")
                % {"code": repr(code), "codes": ", ".join(INDICATORS)}
            }
        )
    return found


def parse_by(indicator: Indicator, by: str | Sequence[str] | None) -> tuple[str, ...]:
    """The dimensions asked for: none, one, or two of the indicator's fixed ones."""
    if by is None:
        return ()
    names = [b.strip() for b in by.split(",")] if isinstance(by, str) else list(by)
    names = [n for n in names if n]
    for name in names:
        if name not in DIMENSIONS:
            raise InvalidInput(
                {
                    "by": gettext("There is no dimension %(name)s; use up to two of: %(known)s.")
                    % {"name": repr(name), "known": ", ".join(indicator.dimensions)}
                }
            )
        if name not in indicator.dimensions:
            raise InvalidInput(
                {
                    "by": gettext(
                        "%(indicator)s has no dimension %(name)s; it is broken down by: %(known)s."
                    )
                    % {
                        "indicator": indicator.code,
                        "name": repr(name),
                        "known": ", ".join(indicator.dimensions),
                    }
                }
            )
    if len(set(names)) != len(names):
        raise InvalidInput({"by": gettext("Name each dimension once.")})
    if len(names) > MAX_DIMENSIONS:
        raise InvalidInput(
            {
                "by": gettext(
                    "Tables are fixed: at most two dimensions, so that no free query can be "
                    "set against another."
                )
            }
        )
    alone = [n for n in names if n in indicator.alone]
    if alone and len(names) > 1:
        raise InvalidInput(
            {
                "by": gettext("%(name)s is published on its own only, never crossed.")
                % {"name": alone[0]}
            }
        )
    return tuple(names)


def report_k(programme_id: int) -> int:
    found = ReportPolicy.objects.filter(programme_id=programme_id).values_list("k", flat=True)
    return next(iter(found), ReportPolicy.DEFAULT_K)


def report_k_set(*, actor: Actor, programme_id: int, k: int) -> int:
    """A coordinator sets the programme's smallest published count (at least 5)."""
    require_role(actor, Action.REPORT_CONFIGURE, Purpose.PROGRAMME_SETUP, programme_id=programme_id)
    if not isinstance(k, int) or k < ReportPolicy.SMALLEST_K or k > 1000:
        raise InvalidInput(
            {
                "k": gettext(
                    "k is a whole number from %(smallest)s to 1000 (11 is the usual rule); "
                    "smaller cells could name people."
                )
                % {"smallest": ReportPolicy.SMALLEST_K}
            }
        )
    with transaction.atomic():
        if not Programme.objects.filter(pk=programme_id).exists():
            raise NotFound(
                gettext("There is no programme %(id)s; check the programme id.")
                % {"id": programme_id}
            )
        policy, _ = ReportPolicy.objects.select_for_update().get_or_create(
            programme_id=programme_id
        )
        if k < policy.published_k:
            # Lowering k after a release, reading, and raising it again would publish the
            # small cells the first release withheld.
            raise Conflict(
                gettext(
                    "k cannot go below %(k)s: reports were already published with k = %(k)s, "
                    "and smaller cells set beside them could name people."
                )
                % {"k": policy.published_k}
            )
        policy.k = k
        policy.save(update_fields=["k"])
        audit(
            actor,
            Action.REPORT_CONFIGURE,
            Purpose.PROGRAMME_SETUP,
            "allowed",
            detail=f"programme {programme_id}: reports publish counts of 0 or at least {k}",
        )
    return k


def indicator_table(
    *,
    actor: Actor,
    programme_id: int,
    code: str,
    by: str | Sequence[str] | None = None,
    epsilon: float | None = None,
) -> Table:
    """One indicator's fixed table, disclosure-controlled; with epsilon, a noisy release
    paid for from the programme's privacy budget (reports.privacy)."""
    indicator = find_indicator(code)
    dims = parse_by(indicator, by)
    if epsilon is not None:
        privacy.noisy_allowed(indicator, dims)
        privacy.check_epsilon(epsilon)
    _allowed(actor, programme_id)
    with snapshot():
        table = _compute(
            programme_id, indicator, dims, *selectors.counted_and_not(programme_id=programme_id)
        )
    what = f"{code} by {','.join(dims) or 'total'}"
    if epsilon is None:
        _audit(actor, programme_id, f"{what} as json", table.k)
        return table
    noisy = privacy.noisy_table(table, epsilon=epsilon)
    _pay(actor, programme_id, what=what, epsilon=epsilon, k=table.k, delivered="{what} as json")
    return noisy


def _pay(
    actor: Actor, programme_id: int, *, what: str, epsilon: float, k: int, delivered: str
) -> None:
    """Spend a noisy release's ε and record the release, in one transaction: a release
    that fails rolls its ε back, so nothing is paid for what was never published. The
    noise was drawn before (drawn figures are nothing until shown). `delivered` names what
    went out; {what} in it is the noisy table."""
    try:
        with transaction.atomic():
            left = privacy.spend(programme_id=programme_id, epsilon=epsilon, what=what)
            noted = f"{what} with noise: ε = {epsilon:g} spent, {left:g} left"
            _audit(actor, programme_id, delivered.replace("{what}", noted), k)
    except KChanged:
        raise  # not the budget: nothing was spent, and nothing is said about the budget
    except Conflict:
        # A refused release is on the record too (it published nothing).
        audit(
            actor,
            Action.REPORT_READ,
            STATISTICS,
            "denied",
            detail=f"programme {programme_id}: {what} with noise, ε = {epsilon:g}: "
            "the privacy budget could not pay for it",
        )
        raise


def noise_possible(*, code: str, by: Sequence[str]) -> bool:
    """Whether this indicator's table, so broken down, may be released with noise."""
    try:
        privacy.noisy_allowed(find_indicator(code), tuple(by))
    except InvalidInput:
        return False
    return True


def privacy_budget_read(*, actor: Actor, programme_id: int) -> tuple[float, float] | None:
    """The programme's total ε and what releases have spent of it; None: no budget."""
    _allowed(actor, programme_id)
    total = PrivacyBudget.objects.filter(programme_id=programme_id).values_list(
        "epsilon", flat=True
    )
    found = next(iter(total), None)
    return None if found is None else (found, privacy.spent(programme_id))


def privacy_budget_set(*, actor: Actor, programme_id: int, epsilon: float) -> float:
    """A coordinator sets the programme's total ε for noisy releases; never below what
    releases have already spent."""
    require_role(actor, Action.REPORT_CONFIGURE, Purpose.PROGRAMME_SETUP, programme_id=programme_id)
    if not math.isfinite(epsilon) or not 0 < epsilon <= 100:
        raise InvalidInput({"epsilon": "The budget is a number above 0, at most 100."})
    with transaction.atomic():
        # NO KEY UPDATE: one budget change at a time, without blocking the programme's
        # foreign-key checks (a release's ledger row checks its programme at commit,
        # holding the budget's lock: a full FOR UPDATE here would deadlock with it).
        if not Programme.objects.select_for_update(no_key=True).filter(pk=programme_id).exists():
            raise NotFound(
                gettext("There is no programme %(id)s; check the programme id.")
                % {"id": programme_id}
            )
        # The budget row is the lock a release's spend takes: waiting on it means an
        # uncommitted release is counted before the budget may go down.
        PrivacyBudget.objects.select_for_update().filter(programme_id=programme_id).first()
        used = privacy.spent(programme_id)
        if epsilon < used:
            raise Conflict(
                f"The budget cannot go below the ε already spent ({used:g}): what was released "
                "stays released."
            )
        PrivacyBudget.objects.update_or_create(
            programme_id=programme_id, defaults={"epsilon": epsilon}
        )
        audit(
            actor,
            Action.REPORT_CONFIGURE,
            Purpose.PROGRAMME_SETUP,
            "allowed",
            detail=f"programme {programme_id}: privacy budget ε = {epsilon:g}",
        )
    return epsilon


FORMATS = ("page", "csv", "xlsx", "pdf")


def dashboard(
    *,
    actor: Actor,
    programme_id: int,
    by: str | Sequence[str] | None = None,
    delivered_as: str = "page",
    noisy: tuple[str, float] | None = None,
) -> list[Table]:
    """Every indicator, each by `by` where it has those dimensions (else its default).
    delivered_as: page, csv, xlsx or pdf, for the audit entry. noisy = (code, ε): that
    indicator's table is released with noise instead (its exact figures never leave),
    paid for from the programme's privacy budget."""
    if delivered_as not in FORMATS:
        raise InvalidInput(
            {
                "format": gettext("A report is delivered as one of: %(formats)s.")
                % {"formats": ", ".join(FORMATS)}
            }
        )
    _allowed(actor, programme_id)
    chosen: dict[str, tuple[str, ...]] = {}
    for indicator in INDICATORS.values():
        try:
            chosen[indicator.code] = parse_by(indicator, by) if by else indicator.default_by
        except InvalidInput:
            chosen[indicator.code] = indicator.default_by
    if noisy is not None:
        privacy.noisy_allowed(find_indicator(noisy[0]), chosen[noisy[0]])
        privacy.check_epsilon(noisy[1])
    with snapshot():  # every table, and the counted figure, as of one moment
        answers = selectors.consent_cube(programme_id=programme_id)
        counted = selectors.counted_and_not(programme_id=programme_id, answers=answers)
        cube = _Cube.of(programme_id, chosen)
        tables = [
            _compute(programme_id, INDICATORS[code], dims, *counted, cube=cube, answers=answers)
            for code, dims in chosen.items()
        ]
    asked = "usual breakdowns" if not by else f"by {by if isinstance(by, str) else ','.join(by)}"
    names = {t.indicator.code: f"{t.indicator.code} by {','.join(t.by) or 'total'}" for t in tables}
    k = tables[0].k if tables else report_k(programme_id)
    if noisy is None:
        shown = "; ".join(names.values())
        _audit(actor, programme_id, f"dashboard ({asked}) as {delivered_as}: {shown}", k)
        return tables
    code, epsilon = noisy
    tables = [
        privacy.noisy_table(t, epsilon=epsilon) if t.indicator.code == code else t for t in tables
    ]
    shown = "; ".join("{what}" if c == code else name for c, name in names.items())
    _pay(
        actor,
        programme_id,
        what=names[code],
        epsilon=epsilon,
        k=k,
        delivered=f"dashboard ({asked}) as {delivered_as}: {shown}",
    )
    return tables


def consent_summary(*, actor: Actor, programme_id: int) -> list[Table]:
    """How people answered each purpose (yes / no / withdrawn), disclosure-controlled: the
    programme page's summary, from the same tables as the report. Not programme
    statistics itself: among the people counted, everyone said yes to it."""
    _allowed(actor, programme_id)
    codes = [f"consent_{p.value}" for p in CONSENT_PURPOSES if p != STATISTICS]
    with snapshot():
        answers = selectors.consent_cube(programme_id=programme_id)
        counted = selectors.counted_and_not(programme_id=programme_id, answers=answers)
        tables = [
            _compute(programme_id, INDICATORS[code], ("answer",), *counted, answers=answers)
            for code in codes
        ]
    _audit(
        actor,
        programme_id,
        "consent summary as page: " + "; ".join(f"{c} by answer" for c in codes),
        tables[0].k,
    )
    return tables


class _Cube:
    """The facts-based tables of a dashboard from one scan: counts by every column any of
    them needs, rolled up per table."""

    def __init__(self, columns: list[str], codes: list[str], rows: list[selectors.Row]) -> None:
        self.columns, self.codes, self.rows = columns, codes, rows
        self.offset: dict[str, int] = {}
        at = 0
        for code in codes:
            self.offset[code] = at
            at += selectors.parts_of(code)

    @classmethod
    def of(cls, programme_id: int, chosen: dict[str, tuple[str, ...]]) -> _Cube:
        codes, columns = [], []
        for code, dims in chosen.items():
            base = code.removesuffix("_std")
            if base not in selectors.FACT_FILTERS or base == "days_to_return":
                continue
            if base not in codes:
                codes.append(base)
            wanted = [selectors.FACT_COLUMNS[d] for d in dims]
            if code.endswith("_std"):
                wanted.append("age_band")
            columns += [c for c in wanted if c not in columns]
        rows = selectors.fact_cube(programme_id=programme_id, columns=columns, codes=codes)
        return cls(columns, codes, rows)

    def rows_for(self, code: str, columns: list[str]) -> list[selectors.Row] | None:
        if code not in self.offset or any(c not in self.columns for c in columns):
            return None
        at, width = self.offset[code], selectors.parts_of(code)
        pick = [self.columns.index(c) for c in columns]
        rolled: dict[tuple[Any, ...], list[int]] = {}
        for values, counts in self.rows:
            part = counts[at : at + width]
            if not any(part):
                continue
            into = rolled.setdefault(tuple(values[i] for i in pick), [0] * width)
            for q, c in enumerate(part):
                into[q] += c
        return [(key, tuple(c)) for key, c in rolled.items()]


class KChanged(Conflict):
    """The programme's k changed while a report was computed: the report is refused."""


def _audit(actor: Actor, programme_id: int, what: str, k: int) -> None:
    """One entry naming the tables and how they were delivered (counts only: no subject,
    nothing about anyone); and k as published, below which k may not be lowered."""
    with transaction.atomic():
        # The policy row held as report_k_set holds it: k cannot change between this check
        # and the release being recorded, and a k changed while the tables were computed
        # refuses them (lowered, the next release's small cells would stand beside these).
        policy, _ = ReportPolicy.objects.select_for_update().get_or_create(
            programme_id=programme_id
        )
        if policy.k != k:
            raise KChanged(
                f"k changed from {k} to {policy.k} while this report was computed; ask for it "
                "again."
            )
        if policy.published_k < k:
            policy.published_k = k
            policy.save(update_fields=["published_k"])
        audit(
            actor,
            Action.REPORT_READ,
            STATISTICS,
            "allowed",
            detail=f"programme {programme_id}, k={k}: {what}",
        )


def _compute(
    programme_id: int,
    indicator: Indicator,
    by: tuple[str, ...],
    counted: int,
    not_counted: int,
    cube: _Cube | None = None,
    answers: list[selectors.Row] | None = None,
) -> Table:
    extra: list[str] = []
    if indicator.standardised:
        extra = ["age_band"]
    elif indicator.kind == "median":
        extra = ["days_to_return"]
    if indicator.code == "registered":
        rows = selectors.registered_rows(programme_id=programme_id, by=by)
    elif indicator.code == "bp_controlled":
        rows = selectors.bp_controlled_rows(
            programme_id=programme_id, by=by, today=timezone.localdate()
        )
    elif indicator.code.startswith("consent_"):
        purpose = indicator.code.removeprefix("consent_")
        rows = (
            _answers_by(answers, purpose, by)
            if answers is not None and by in ((), ("answer",))
            else selectors.consent_rows(programme_id=programme_id, purpose=purpose, by=by)
        )
    else:
        base = indicator.code.removesuffix("_std")
        columns = [selectors.FACT_COLUMNS[d] for d in by] + extra
        found = cube.rows_for(base, columns) if cube else None
        rows = (
            found
            if found is not None
            else selectors.fact_rows(programme_id=programme_id, code=base, by=by, extra=extra)
        )
    interior: dict[Key, list[int]] = {}
    detail: dict[Key, dict[Any, Counts]] = {}
    for values, counts in rows:
        key: Key = tuple(_text(v) for v in values[: len(by)])
        into = interior.setdefault(key, [0] * len(counts))
        for q, c in enumerate(counts):
            into[q] += c
        if extra:
            detail.setdefault(key, {})[values[len(by)]] = counts
    sites = dict(Site.objects.filter(programme_id=programme_id).values_list("pk", "name"))
    categories = [_categories(dim, indicator, interior, by.index(dim), sites) for dim in by]
    nested = None
    if by == ("day",):
        nested = {day: day[:7] for day in categories[0]}
    return build(
        indicator=indicator,
        by=by,
        categories=categories,
        interior={key: tuple(c) for key, c in interior.items()},
        detail=detail,
        k=report_k(programme_id),
        counted=counted,
        not_counted=not_counted,
        label=lambda dim, value: sites.get(int(value), value) if dim == "site" else value,
        nested=nested,
    )


def _answers_by(
    answers: list[selectors.Row], purpose: str, by: tuple[str, ...]
) -> list[selectors.Row]:
    """One purpose's answers (by answer, or in all) rolled up from everyone's six."""
    at = [p.value for p in CONSENT_PURPOSES].index(purpose)
    rolled: dict[tuple[str, ...], int] = {}
    for values, (n,) in answers:
        if values[at]:
            key = (values[at],) if by else ()
            rolled[key] = rolled.get(key, 0) + n
    return [(key, (n,)) for key, n in rolled.items()]


def _text(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _categories(
    dim: str, indicator: Indicator, interior: dict[Key, list[int]], axis: int, sites: dict[int, str]
) -> list[str]:
    """A dimension's fixed values (every site, sex, band), or those seen (months, days)."""
    fixed: list[str]
    if dim == "site":
        fixed = [str(pk) for pk, _ in sorted(sites.items(), key=lambda s: s[1])]
    elif dim == "sex":
        fixed = [s.value for s in Sex]
    elif dim == "age_band":
        fixed = list(bands_from(indicator.min_age))
    elif dim == "urgency":
        fixed = list(URGENCIES)
    elif dim == "answer":
        fixed = list(ANSWERS)
    else:
        fixed = []
    seen = {key[axis] for key in interior} - {None, *fixed}
    return fixed + sorted(str(s) for s in seen)
