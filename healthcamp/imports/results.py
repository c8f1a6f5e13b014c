"""Result rows from a file (a lab's results, paper station forms), in the long layout:

    card_code,visit_date,site_id,code,value,unit[,reading][,confirmed]

one value a row; `reading` numbers repeated readings of a measure in a visit (1 when
absent), `confirmed` (yes) lets a rare extreme value stand as the station's read-back does.

First the whole file is checked with nothing written: every problem with its row, column
and what to do. Then, in one transaction, the same check runs again (consent read with the
people held, as every act does) and every new row is written, or none is. A row whose
natural key (card, visit date, site, measure, reading) is already stored with the same
value is recognised and not written again.

The rules are the pages' own: the catalogue reads each value (units, plausibility), the
visit's one decision (healthcamp.clinical.visit.decide) labels the values and names what to
refer, referrals.refer opens the referral, visit_facts.record keeps the reports' facts, and
one audit entry per purpose names everyone the import touched.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from healthcamp.access.errors import NotFound
from healthcamp.access.forbidden import refusal
from healthcamp.access.guard import audit, consent_statuses, require_role
from healthcamp.access.policy import permitted
from healthcamp.access.roles import Action, Purpose
from healthcamp.access.staff import Actor
from healthcamp.clinical import catalogue
from healthcamp.clinical.visit import BP, DIASTOLIC, SYSTOLIC, Decision, Recorded, age_in_months
from healthcamp.clinical.visit import decide as decide_visit
from healthcamp.consent.rules import ConsentStatus
from healthcamp.exams.models import Encounter, Observation
from healthcamp.imports import fhir, files
from healthcamp.imports.problems import HEADER_ROW, FileRefused, Problem, ProblemsFound
from healthcamp.registry import cardcode
from healthcamp.registry.models import Participant, Programme, Site
from healthcamp.results import code_words
from healthcamp.services import identity, referrals, visit_facts

REQUIRED = ("card_code", "visit_date", "site_id", "code", "value", "unit")
OPTIONAL = ("reading", "confirmed")
MEASURING = (Purpose.SCREENING, Purpose.BLOOD_TESTS)
SOURCES = {"lab_file": "a lab file", "paper_form": "a paper form", "file": "a file"}
BATCH = 2000  # card codes looked up, and consents read, per query
Progress = Callable[[int, int], None]

_BP_ORDER = {SYSTOLIC: 0, DIASTOLIC: 1}  # a reading is its systolic, then its diastolic


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    sex: str
    born: date
    row: Participant  # what the referral and the reports' facts are written against
    consented: frozenset[str]  # measuring purposes agreed to now (read in this transaction)


@dataclass
class Row:
    number: int
    card: str
    person: Person
    day: date
    site_id: int
    measure: catalogue.Measure
    reading_no: int
    reading: catalogue.Reading
    already_in: bool = False

    @property
    def visit(self) -> tuple[uuid.UUID, int, date]:
        return (self.person.id, self.site_id, self.day)

    @property
    def key(self) -> tuple[str, date, int, str, int]:
        return (self.card, self.day, self.site_id, self.measure.code, self.reading_no)


@dataclass
class Checked:
    rows: list[Row]
    problems: list[Problem]

    @property
    def new(self) -> list[Row]:
        return [r for r in self.rows if not r.already_in]


@dataclass(frozen=True)
class Summary:
    rows: int  # rows in the file
    written: int  # values written now
    already_in: int  # rows recognised as already stored: nothing written for them
    people: int
    visits_started: int
    referred: list[str] = field(default_factory=list)  # "card: measure code" referred urgently

    @property
    def nothing_new(self) -> bool:
        return self.written == 0


# ---- reading and checking ------------------------------------------------------------


def _columns_problems(columns: list[str]) -> list[Problem]:
    for name in columns:
        message = refusal(name)
        if message:
            raise FileRefused(message, column=name)
    problems = [
        Problem(
            HEADER_ROW,
            name,
            gettext("Add the column '%(name)s': every row needs it.") % {"name": name},
        )
        for name in REQUIRED
        if name not in columns
    ]
    known = set(REQUIRED + OPTIONAL)
    for name in columns:
        if name not in known:
            problems.append(
                Problem(
                    HEADER_ROW,
                    name,
                    gettext(
                        "healthcamp does not read a column '%(name)s'. Remove it, or name it as "
                        "one of: %(known)s."
                    )
                    % {"name": name, "known": ", ".join(REQUIRED + OPTIONAL)},
                )
            )
    if len(set(columns)) != len(columns):
        twice = sorted({c for c in columns if columns.count(c) > 1})
        problems += [
            Problem(
                HEADER_ROW,
                c,
                gettext("The column '%(name)s' appears twice; keep one.") % {"name": c},
            )
            for c in twice
        ]
    return problems


def _day(cell: str, today: date) -> tuple[date | None, str]:
    if files.is_serial_date(cell):
        return None, gettext(
            "'%(cell)s' is an Excel serial date, not a date. Format the column as a date "
            "written YYYY-MM-DD (e.g. 2026-03-15) and save again."
        ) % {"cell": cell}
    try:
        day = date.fromisoformat(cell)
    except ValueError:
        return None, gettext(
            "'%(cell)s' is not a date; write it as YYYY-MM-DD (e.g. 2026-03-15)."
        ) % {"cell": cell}
    if day > today:
        return None, gettext(
            "%(cell)s is in the future; a visit's date is the day it took place."
        ) % {"cell": cell}
    return day, ""


def _reading_no(cell: str) -> tuple[int, str]:
    if not cell:
        return 1, ""
    if cell.isdigit() and 1 <= int(cell) <= 99:
        return int(cell), ""
    return 0, gettext("'%(cell)s' is not a reading number; number readings 1, 2, 3 in a visit.") % {
        "cell": cell
    }


@dataclass
class _Context:
    """What the check reads once per file or per batch."""

    actor: Actor
    programme_id: int
    sites: dict[int, str]
    allowed: set[str]  # purposes this role may import
    today: date
    people: dict[str, Person | None] = field(default_factory=dict)  # by card code


def _look_up(ctx: _Context, cards: Iterable[str]) -> None:
    """Find the batch's people in one query; open only what the rules need (birth date)."""
    wanted = sorted({c for c in cards if c not in ctx.people})
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        found = {
            p.card_code: p
            for p in Participant.objects.filter(card_code__in=chunk, programme_id=ctx.programme_id)
        }
        pids = [p.id for p in found.values()]
        # Each purpose's consent for the whole batch in one query, with the people held.
        agreed: dict[uuid.UUID, set[str]] = {pid: set() for pid in pids}
        for purpose in MEASURING:
            for pid, status in consent_statuses(pids, purpose).items():
                if status is ConsentStatus.GRANTED:
                    agreed[pid].add(purpose.value)
        for card in chunk:
            p = found.get(card)
            ctx.people[card] = (
                None
                if p is None
                else Person(
                    p.id,
                    p.sex,
                    identity.open_identity(p).date_of_birth,
                    p,
                    frozenset(agreed[p.id]),
                )
            )


def _check_cells(
    ctx: _Context, number: int, cells: dict[str, str]
) -> tuple[Row | None, list[Problem]]:
    problems: list[Problem] = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(number, column, message))

    for column, cell in cells.items():
        if files.is_formula(cell):
            problem(
                column,
                gettext(
                    "'%(cell)s' is a spreadsheet formula, not a value. Copy the column and "
                    "paste it as values, then save again."
                )
                % {"cell": cell[:40]},
            )
    if problems:
        return None, problems
    card = ""
    try:
        card = cardcode.parse(cells["card_code"])
    except cardcode.CardCodeError as error:
        problem("card_code", str(error))
    person = ctx.people.get(card) if card else None
    if card and person is None:
        problem(
            "card_code",
            gettext(
                "No participant of this programme holds card %(card)s. Check the code against "
                "the card, or register the person first."
            )
            % {"card": cardcode.display(card)},
        )
    day, why = _day(cells["visit_date"], ctx.today)
    if why:
        problem("visit_date", why)
    site_id = int(cells["site_id"]) if cells["site_id"].isdigit() else 0
    if site_id not in ctx.sites:
        known = ", ".join(f"{i} ({n})" for i, n in sorted(ctx.sites.items()))
        problem(
            "site_id",
            gettext("'%(site)s' is not a site of this programme; use one of: %(known)s.")
            % {"site": cells["site_id"], "known": known},
        )
    reading_no, why = _reading_no(cells.get("reading", ""))
    if why:
        problem("reading", why)
    m = _measure(cells["code"], problem)
    reading = None if m is None else _value(ctx, m, person, cells, problem)
    if problems or person is None or day is None or m is None or reading is None:
        return None, problems
    return Row(number, card, person, day, site_id, m, reading_no, reading), []


def _value(
    ctx: _Context,
    m: catalogue.Measure,
    person: Person | None,
    cells: dict[str, str],
    problem: Callable[[str, str], None],
) -> catalogue.Reading | None:
    """The value read as the station reads it, if the role and the consent allow it."""
    if m.purpose not in ctx.allowed:
        problem(
            "code",
            gettext(
                "Your role may not import %(measure)s (%(purpose)s); leave this row to a "
                "colleague whose role records it."
            )
            % {"measure": _name(m), "purpose": code_words.said(code_words.PURPOSES, m.purpose)},
        )
    elif person is not None and m.purpose not in person.consented:
        problem(
            "code",
            gettext(
                "The participant with card %(card)s does not agree to %(purpose)s now: nothing "
                "is stored for it. Remove the row."
            )
            % {
                "card": _shown_card(cells["card_code"]),
                "purpose": code_words.said(code_words.PURPOSES, m.purpose),
            },
        )
    confirmed = cells.get("confirmed", "").lower() in ("yes", "y", "true", "1")
    try:
        return catalogue.read(m, cells["value"], cells["unit"], confirmed=confirmed)
    except catalogue.NeedsConfirmation as question:
        problem(
            "value",
            gettext("%(question)s Write yes in a 'confirmed' column on this row.")
            % {"question": _said(question)},
        )
    except catalogue.MeasureError as error:
        problem("value" if cells["unit"] in (*m.units, "") else "unit", _said(error))
    return None


def _name(m: catalogue.Measure) -> str:
    return m.name(translation.get_language() or "en")


def _said(error: catalogue.MeasureError) -> str:
    """The catalogue's reason in the language of whoever imports (English on the CLI)."""
    return error.said(gettext, language=translation.get_language() or "en")


def _shown_card(raw: str) -> str:
    return cardcode.display(cardcode.normalise(raw))


def _measure(code: str, problem: Callable[[str, str], None]) -> catalogue.Measure | None:
    try:
        m = catalogue.measure(code)
    except catalogue.MeasureError as error:
        problem("code", _said(error))
        return None
    if m.derived:
        problem(
            "code",
            gettext("%(measure)s is computed from other measures; import those instead.")
            % {"measure": _name(m)},
        )
        return None
    return m


def _stored(rows: list[Row]) -> dict[tuple[uuid.UUID, int, date], Encounter]:
    """The visits already stored for the rows' people, by (person, site, day): the
    earliest of the day at that site, as the station resumes it."""
    pids = sorted({r.person.id for r in rows})
    found: dict[tuple[uuid.UUID, int, date], Encounter] = {}
    for start in range(0, len(pids), BATCH):
        for e in Encounter.objects.filter(participant_id__in=pids[start : start + BATCH]).order_by(
            "-started_at"
        ):
            assert e.participant_id is not None  # noqa: S101 - filtered by person
            found[(e.participant_id, e.site_id, timezone.localdate(e.started_at))] = e
    return found


def _existing(encounter_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Observation]]:
    by_visit: dict[uuid.UUID, list[Observation]] = {}
    for start in range(0, len(encounter_ids), BATCH):
        for o in Observation.objects.filter(
            encounter_id__in=encounter_ids[start : start + BATCH]
        ).order_by("recorded_at", "pk"):
            by_visit.setdefault(o.encounter_id, []).append(o)
    return by_visit


def _same(o: Observation, reading: catalogue.Reading) -> bool:
    return (o.value, o.code_value, o.absent_reason, o.comparator) == (
        reading.value,
        reading.code_value,
        reading.absent_reason,
        reading.comparator,
    )


def _recognise(
    rows: list[Row],
    stored: dict[tuple[uuid.UUID, int, date], Encounter],
    existing: dict[uuid.UUID, list[Observation]],
) -> list[Problem]:
    """Mark rows already stored (reading n of a measure in that visit, same value); a
    stored reading with another value is a problem, never overwritten."""
    problems = []
    for row in rows:
        encounter = stored.get(row.visit)
        if encounter is None:
            continue
        same_code = [o for o in existing.get(encounter.pk, []) if o.code == row.measure.code]
        if row.reading_no > len(same_code):
            continue
        o = same_code[row.reading_no - 1]
        if _same(o, row.reading):
            row.already_in = True
        else:
            problems.append(
                Problem(
                    row.number,
                    "value",
                    gettext(
                        "Reading %(n)s of %(measure)s on this visit is already stored as "
                        "%(value)s %(unit)s. Correct it at the station, or number this row as "
                        "another reading."
                    )
                    % {
                        "n": row.reading_no,
                        "measure": _name(row.measure),
                        "value": o.original_value or o.absent_reason,
                        "unit": o.original_unit,
                    },
                )
            )
    return problems


def _check(
    *, actor: Actor, programme_id: int, table: files.Table, allowed: set[str]
) -> tuple[Checked, dict[tuple[uuid.UUID, int, date], Encounter]]:
    """Inside a transaction (consent is read with the people held)."""
    problems = _columns_problems(table.columns)
    if problems:
        return Checked([], problems), {}
    ctx = _Context(
        actor=actor,
        programme_id=programme_id,
        sites=dict(Site.objects.filter(programme_id=programme_id).values_list("pk", "name")),
        allowed=allowed,
        today=timezone.localdate(),
    )
    rows: list[Row] = []
    seen: dict[tuple[str, date, int, str, int], int] = {}
    batch: list[tuple[int, dict[str, str]]] = []

    def flush() -> None:
        _look_up(ctx, (_card_or_blank(cells["card_code"]) for _, cells in batch))
        for number, cells in batch:
            row, found = _check_cells(ctx, number, cells)
            problems.extend(found)
            if row is None:
                continue
            if row.key in seen:
                problems.append(
                    Problem(
                        number,
                        "code",
                        gettext(
                            "The same value as row %(row)s (card, visit date, site, measure and "
                            "reading). Remove one, or number repeated readings in a 'reading' "
                            "column."
                        )
                        % {"row": seen[row.key]},
                    )
                )
                continue
            seen[row.key] = number
            rows.append(row)
        batch.clear()

    for item in table.rows:
        batch.append(item)
        if len(batch) >= BATCH:
            flush()
    flush()
    stored = _stored(rows)
    problems += _recognise(rows, stored, _existing([e.pk for e in stored.values()]))
    return Checked(rows, sorted(problems)), stored


def _card_or_blank(raw: str) -> str:
    try:
        return cardcode.parse(raw)
    except cardcode.CardCodeError:
        return ""


def _allowed_purposes(actor: Actor, programme_id: int) -> set[str]:
    """The purposes this role imports; refused (and audited) when none, or when the
    programme is not theirs."""
    allowed = [
        p
        for p in MEASURING
        if permitted(role=actor.role, action=Action.RESULTS_IMPORT, purpose=p).allowed
        and permitted(role=actor.role, action=Action.OBSERVATION_RECORD, purpose=p).allowed
    ]
    require_role(
        actor,
        Action.RESULTS_IMPORT,
        allowed[0] if allowed else Purpose.BLOOD_TESTS,
        programme_id=programme_id,
    )
    if not Programme.objects.filter(pk=programme_id).exists():
        raise NotFound(f"There is no programme {programme_id}; check the programme id.")
    return {p.value for p in allowed}


def _table(
    data: bytes, encoding: str | None, site_id: int | None, programme_id: int
) -> files.Table:
    """CSV, XLSX, or a lab's FHIR R4 Bundle: its samples' site is the one named, or the
    programme's only site."""
    if fhir.is_bundle(data):
        if site_id is None:
            sites = list(Site.objects.filter(programme_id=programme_id).values_list("pk")[:2])
            site_id = sites[0][0] if len(sites) == 1 else None
        return fhir.bundle_table(data, site_id)
    return files.table(data, encoding)


def results_check(
    *,
    actor: Actor,
    programme_id: int,
    data: bytes,
    encoding: str | None = None,
    site_id: int | None = None,
) -> Checked:
    """Check a whole file; nothing is written. Raises FileRefused for a file refused whole."""
    allowed = _allowed_purposes(actor, programme_id)
    table = _table(data, encoding, site_id, programme_id)
    with transaction.atomic():
        checked, _ = _check(actor=actor, programme_id=programme_id, table=table, allowed=allowed)
        transaction.set_rollback(True)  # a check writes nothing
    return checked


# ---- writing --------------------------------------------------------------------------


def results_import(
    *,
    actor: Actor,
    programme_id: int,
    data: bytes,
    encoding: str | None = None,
    site_id: int | None = None,
    source: str = "lab_file",
    progress: Progress | None = None,
) -> Summary:
    """Check the file and write every new row in one transaction, or nothing (raises
    ProblemsFound with every problem). Re-importing writes nothing new."""
    allowed = _allowed_purposes(actor, programme_id)
    table = _table(data, encoding, site_id, programme_id)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        checked, stored = _check(
            actor=actor, programme_id=programme_id, table=table, allowed=allowed
        )
        if checked.problems:
            raise ProblemsFound(checked.problems)
        new = checked.new
        summary = Summary(
            rows=len(checked.rows),
            written=len(new),
            already_in=len(checked.rows) - len(new),
            people=len({r.person.id for r in new}),
            visits_started=0,
        )
        if not new:
            return summary
        return _write(
            actor=actor,
            rows=new,
            stored=stored,
            summary=summary,
            detail=f"results entered from {SOURCES.get(source, 'a file')}",
            digest=digest,
            progress=progress or (lambda done, total: None),
        )


def _visit_start(day: date, now: datetime) -> datetime:
    """When a visit first known from a file took place: noon that day, never later than now."""
    return min(datetime.combine(day, time(12), tzinfo=UTC), now)


def _db_id(value: uuid.UUID) -> Any:
    # How Django's UUIDField stores ids: native on PostgreSQL, 32 hex digits on SQLite.
    return value if connection.features.has_native_uuid_field else value.hex


def _write(
    *,
    actor: Actor,
    rows: list[Row],
    stored: dict[tuple[uuid.UUID, int, date], Encounter],
    summary: Summary,
    detail: str,
    digest: str,
    progress: Progress,
) -> Summary:
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    by_visit: dict[tuple[uuid.UUID, int, date], list[Row]] = {}
    for row in rows:
        by_visit.setdefault(row.visit, []).append(row)
    started = []
    for key, visit_rows in by_visit.items():
        if key not in stored:
            person = visit_rows[0].person
            e = Encounter(
                id=uuid.uuid4(),
                participant_id=person.id,
                site_id=key[1],
                started_at=_visit_start(key[2], now),
                started_by_id=actor.staff_id,
            )
            e._state.adding = False
            stored[key] = e
            started.append(e)
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO exams_encounter (id, participant_id, site_id, started_at, started_by_id)"
            " VALUES (%s, %s, %s, %s, %s)",
            [
                (
                    _db_id(e.id),
                    _db_id(person_id(e)),
                    e.site_id,
                    adapt(e.started_at),
                    e.started_by_id,
                )
                for e in started
            ],
        )
    fresh = {e.pk for e in started}
    existing = _existing([stored[k].pk for k in by_visit if stored[k].pk not in fresh])
    referred: list[str] = []
    new_facts: list[tuple[Encounter, Participant, Decision, str]] = []
    values: list[tuple[Any, ...]] = []
    done = 0
    for key, visit_rows in by_visit.items():
        encounter = stored[key]
        person = visit_rows[0].person
        visit_rows.sort(key=lambda r: (r.reading_no, _BP_ORDER.get(r.measure.code, 2), r.number))
        decision, labels = _decide(encounter, person, existing.get(encounter.pk, []), visit_rows)
        last = max([encounter.started_at, *(o.recorded_at for o in existing.get(encounter.pk, []))])
        for i, (row, (label, critical)) in enumerate(zip(visit_rows, labels, strict=True)):
            r = row.reading
            values.append(
                (
                    _db_id(encounter.pk),
                    row.measure.code,
                    row.measure.purpose,
                    r.value,
                    r.code_value,
                    r.unit,
                    r.original_value[:32],
                    r.original_unit,
                    label,
                    critical,
                    r.comparator,
                    r.absent_reason,
                    actor.staff_id,
                    adapt(last + timedelta(microseconds=i + 1)),
                )
            )
        urgent, urgency = _refer(
            actor, person, encounter, decision, visit_rows, settle=encounter.pk not in fresh
        )
        referred += urgent
        if encounter.pk in fresh:  # the reports' facts of new visits go in batches
            new_facts.append((encounter, person.row, decision, urgency))
        else:
            visit_facts.record(encounter=encounter, participant=person.row, decision=decision)
        done += len(visit_rows)
        if len(values) >= BATCH:
            _insert(values)
            values.clear()
            progress(done, summary.written)
    _insert(values)
    visit_facts.record_new_visits(visits=new_facts)
    progress(summary.written, summary.written)
    by_purpose: dict[str, set[uuid.UUID]] = {}
    counts: dict[str, int] = {}
    for row in rows:
        by_purpose.setdefault(row.measure.purpose, set()).add(row.person.id)
        counts[row.measure.purpose] = counts.get(row.measure.purpose, 0) + 1
    for purpose, people in sorted(by_purpose.items()):
        audit(
            actor,
            Action.RESULTS_IMPORT,
            Purpose(purpose),
            "allowed",
            sorted(people),
            f"{detail}: {counts[purpose]} value(s), file sha256 {digest[:16]}",
        )
    return Summary(
        rows=summary.rows,
        written=summary.written,
        already_in=summary.already_in,
        people=summary.people,
        visits_started=len(started),
        referred=referred,
    )


_INSERT = (
    "INSERT INTO exams_observation (encounter_id, code, purpose, value, code_value, unit, "
    "original_value, original_unit, classification, critical, comparator, absent_reason, "
    "recorded_by_id, recorded_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)


def _insert(values: list[tuple[Any, ...]]) -> None:
    if values:
        with connection.cursor() as cursor:
            cursor.executemany(_INSERT, values)


def _decide(
    encounter: Encounter, person: Person, existing: list[Observation], new: list[Row]
) -> tuple[Decision, list[tuple[str, bool]]]:
    """The visit's one decision from every value the person's consent lets the rules use
    (stored ones first), and the label and alarm each new value carries."""
    # Consent for both purposes was read in this transaction by the check.
    rows = [
        Recorded(
            id=o.pk,
            code=o.code,
            value=o.value,
            code_value=o.code_value,
            original_value=o.original_value,
            original_unit=o.original_unit,
            comparator=o.comparator,
            absent_reason=o.absent_reason,
            recorded_at=o.recorded_at,
        )
        for o in existing
        if o.purpose in person.consented
    ]
    for i, row in enumerate(new):
        r = row.reading
        rows.append(
            Recorded(
                id=-(i + 1),
                code=row.measure.code,
                value=r.value,
                code_value=r.code_value,
                original_value=r.original_value,
                original_unit=r.original_unit,
                comparator=r.comparator,
                absent_reason=r.absent_reason,
            )
        )
    decision = decide_visit(
        sex=person.sex,
        age_months=age_in_months(person.born, timezone.localdate(encounter.started_at)),
        rows=rows,
    )
    labels = []
    for row in new:
        code = BP if row.measure.code in (SYSTOLIC, DIASTOLIC) else row.measure.code
        result = decision.result(code) or next(
            (r for r in decision.context if r.code == code), None
        )
        if result is None:
            labels.append(("recorded", False))
        else:
            labels.append((result.finding.label[:40], result.finding.level == "urgent"))
    return decision, labels


def person_id(e: Encounter) -> uuid.UUID:
    assert e.participant_id is not None  # noqa: S101 - a visit the import started
    return e.participant_id


def _refer(
    actor: Actor,
    person: Person,
    encounter: Encounter,
    decision: Decision,
    rows: list[Row],
    *,
    settle: bool,
) -> tuple[list[str], str]:
    """As the station does: what the decision refers, for the purposes imported now; a
    stored visit's referrals its new values no longer warrant are closed. Returns the
    urgent ones (card: code), and the most pressing urgency this visit's referrals have."""
    purposes = {r.measure.purpose for r in rows}
    urgent = []
    pressing = ""
    for code, urgency in decision.refer:
        if catalogue.measure(code).purpose not in purposes:
            continue
        result = decision.result(code)
        made = referrals.refer(
            actor=actor,
            participant=person.row,
            measure_code=code,
            classification=result.finding.label if result else "",
            urgency=urgency,
            clinic=None,
            purpose=Purpose(catalogue.measure(code).purpose),
            encounter=encounter,
            by_rules=True,
        )
        if made.encounter_id == encounter.pk and referrals.PRESSING[made.urgency] > (
            referrals.PRESSING.get(pressing, -1)
        ):
            pressing = made.urgency
        if urgency == "urgent":
            urgent.append(f"{cardcode.display(rows[0].card)}: {code}")
    if settle:
        for purpose in sorted(purposes):
            referrals.settle(
                actor=actor,
                participant=person.row,
                encounter=encounter,
                wanted={code for code, _ in decision.refer},
                purpose=Purpose(purpose),
            )
    return urgent, pressing
