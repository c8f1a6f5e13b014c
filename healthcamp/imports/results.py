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
import io
import uuid
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, BinaryIO

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from healthcamp.access.errors import NotFound
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
from healthcamp.imports.problems import (
    HEADER_ROW,
    Problem,
    ProblemsFound,
    formula_message,
    header_problems,
)
from healthcamp.lib import code_words
from healthcamp.lib.bulk_rows import db_datetime, db_uuid, insert_rows
from healthcamp.registry import cardcode
from healthcamp.registry.models import Participant, Programme, Site
from healthcamp.services import identity, referrals, visit_facts

REQUIRED = ("card_code", "visit_date", "site_id", "code", "value", "unit")
OPTIONAL = ("reading", "confirmed")
MEASURING = (Purpose.SCREENING, Purpose.BLOOD_TESTS)
SOURCES = {
    "lab_file": "a lab file",
    "paper_form": "a paper form",
    "file": "a file",
    "demo": "the demo's synthetic visits",
}
BATCH = 2000  # card codes looked up, and consents read, per query
Progress = Callable[[int, int], None]

_BP_ORDER = {SYSTOLIC: 0, DIASTOLIC: 1}  # a reading is its systolic, then its diastolic


@dataclass(frozen=True, slots=True)
class Person:
    id: uuid.UUID
    index: int  # this person's number in the import (for compact keys)
    sex: str
    born: date
    programme_id: int
    consented: frozenset[str]  # measuring purposes agreed to now (read in this transaction)


@dataclass(slots=True)
class Row:
    number: int
    card: str
    person: Person
    day: date
    site_id: int
    measure: catalogue.Measure
    reading_no: int
    reading: catalogue.Reading
    ordinal: int = 0  # its place among the file's rows (a FHIR entry's components share a number)
    # The visit (person, site, day) as one number: a file of millions of rows keeps one
    # small key per visit and per row, never the rows.
    visit: int = field(init=False)

    def __post_init__(self) -> None:
        self.visit = ((self.person.index << 32 | self.site_id) << 20) | self.day.toordinal()


@dataclass(frozen=True, slots=True)
class _Stored:
    id: uuid.UUID
    started_at: datetime


@dataclass
class Checked:
    """What the check keeps of a file: its problems, and for the write only keys (the
    rows themselves are read again from the file)."""

    problems: list[Problem]
    total: int = 0  # rows checked without a problem
    already: set[int] = field(default_factory=set)  # rows already stored (their ordinal)
    per_visit: dict[int, int] = field(default_factory=dict)  # new rows per visit
    people: set[uuid.UUID] = field(default_factory=set)  # people with new rows

    @property
    def rows(self) -> range:
        """Sized like the rows checked (they are streamed, not kept)."""
        return range(self.total)

    @property
    def new(self) -> range:
        return range(self.total - len(self.already))


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
    return header_problems(columns, required=REQUIRED, known=REQUIRED + OPTIONAL)


def _day(cell: str, today: date) -> tuple[date | None, str]:
    day, why = files.file_date(cell)
    if day is None:
        return None, why
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


_CACHED = 200_000  # entries a per-file cache keeps (a file of distinct cells stays bounded)


@dataclass
class _Context:
    """What the check reads once per file or per batch, and what the two passes share."""

    actor: Actor
    programme_id: int
    sites: dict[int, str]
    allowed: set[str]  # purposes this role may import
    today: date
    people: dict[str, Person | None] = field(default_factory=dict)  # by card code
    by_id: dict[uuid.UUID, Person] = field(default_factory=dict)
    # Pure readings of cells, kept per distinct cell: a file repeats its cards, days,
    # measures and values over and over.
    cards: dict[str, tuple[str, str]] = field(default_factory=dict)  # raw -> (card, why not)
    days: dict[str, tuple[date | None, str]] = field(default_factory=dict)
    measures: dict[str, catalogue.Measure] = field(default_factory=dict)
    readings: dict[tuple[str, str, str, bool], catalogue.Reading] = field(default_factory=dict)
    codes: dict[str, int] = field(default_factory=dict)  # measure code -> small number
    visits: dict[int, int] = field(default_factory=dict)  # visit key -> small number
    # Stored visits of the file's people, by visit key; whose have been read.
    stored: dict[int, _Stored] = field(default_factory=dict)
    fetched: set[uuid.UUID] = field(default_factory=set)
    participants: dict[uuid.UUID, Participant] = field(default_factory=dict)

    def card(self, raw: str) -> tuple[str, str]:
        found = self.cards.get(raw)
        if found is None:
            try:
                found = (cardcode.parse(raw), "")
            except cardcode.CardCodeError as error:
                found = ("", str(error))
            if len(self.cards) < _CACHED:
                self.cards[raw] = found
        return found

    def day(self, raw: str) -> tuple[date | None, str]:
        found = self.days.get(raw)
        if found is None:
            found = _day(raw, self.today)
            if len(self.days) < _CACHED:
                self.days[raw] = found
        return found

    def participant(self, person: Person) -> Participant:
        """The person's record, read when a referral or a stored visit's facts need it."""
        found = self.participants.get(person.id)
        if found is None:
            found = self.participants[person.id] = Participant.objects.get(pk=person.id)
        return found

    def key(self, row: Row) -> int:
        """The row's natural key (card, visit date, site, measure, reading) as one number
        that fits 64 bits: visits and measures numbered in the order the file names them."""
        code = self.codes.setdefault(row.measure.code, len(self.codes))
        visit = self.visits.setdefault(row.visit, len(self.visits))
        return (visit << 16) | (code << 7) | row.reading_no


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
            if p is None:
                ctx.people[card] = None
                continue
            person = Person(
                p.id,
                len(ctx.by_id),
                p.sex,
                identity.open_identity(p).date_of_birth,
                p.programme_id,
                frozenset(agreed[p.id]),
            )
            ctx.people[card] = ctx.by_id[p.id] = person


def _check_cells(
    ctx: _Context, number: int, cells: dict[str, str]
) -> tuple[Row | None, list[Problem]]:
    problems: list[Problem] = []

    def problem(column: str, message: str) -> None:
        problems.append(Problem(number, column, message))

    for column, cell in cells.items():
        if cell[:1] == "=":  # files.is_formula
            problem(column, formula_message(cell))
    if problems:
        return None, problems
    card, why = ctx.card(cells["card_code"])
    if why:
        problem("card_code", why)
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
    day, why = ctx.day(cells["visit_date"])
    if why:
        problem("visit_date", why)
    site_cell = cells["site_id"]
    site_id = int(site_cell) if site_cell.isdigit() else 0
    if site_id not in ctx.sites:
        known = ", ".join(f"{i} ({n})" for i, n in sorted(ctx.sites.items()))
        problem(
            "site_id",
            gettext("'%(site)s' is not a site of this programme; use one of: %(known)s.")
            % {"site": site_cell, "known": known},
        )
    reading_no, why = _reading_no(cells.get("reading", ""))
    if why:
        problem("reading", why)
    code = cells["code"]
    m = ctx.measures.get(code) or _measure(code, problem)
    if m is not None and code not in ctx.measures:
        ctx.measures[code] = m
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
    # catalogue.read is pure (the same cells give the same frozen Reading): read once per
    # distinct (measure, value, unit, confirmed); a refusal is read again to say why.
    key = (m.code, cells["value"], cells["unit"], confirmed)
    found = ctx.readings.get(key)
    if found is not None:
        return found
    try:
        found = catalogue.read(m, cells["value"], cells["unit"], confirmed=confirmed)
    except catalogue.NeedsConfirmation as question:
        problem(
            "value",
            gettext("%(question)s Write yes in a 'confirmed' column on this row.")
            % {"question": _said(question)},
        )
    except catalogue.MeasureError as error:
        problem("value" if cells["unit"] in (*m.units, "") else "unit", _said(error))
    else:
        if len(ctx.readings) < _CACHED:
            ctx.readings[key] = found
        return found
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


def _read_stored(ctx: _Context, rows: list[Row]) -> None:
    """The stored visits of the rows' people not read yet, by visit key: the earliest of
    the day at that site, as the station resumes it."""
    pids = sorted({r.person.id for r in rows} - ctx.fetched)
    ctx.fetched.update(pids)
    for start in range(0, len(pids), BATCH):
        for pk, pid, site_id, started_at in (
            Encounter.objects.filter(participant_id__in=pids[start : start + BATCH])
            .order_by("-started_at")
            .values_list("pk", "participant_id", "site_id", "started_at")
        ):
            day = timezone.localdate(started_at)
            key = ((ctx.by_id[pid].index << 32 | site_id) << 20) | day.toordinal()
            ctx.stored[key] = _Stored(pk, started_at)


_STORED_FIELDS = (
    "pk",
    "encounter_id",
    "code",
    "purpose",
    "value",
    "code_value",
    "original_value",
    "original_unit",
    "comparator",
    "absent_reason",
    "recorded_at",
)


@dataclass(frozen=True, slots=True)
class _Value:
    """A stored value of a visit, as recognising rows and deciding the visit need it."""

    pk: int
    encounter_id: uuid.UUID
    code: str
    purpose: str
    value: float | None
    code_value: str
    original_value: str
    original_unit: str
    comparator: str
    absent_reason: str
    recorded_at: datetime


def _existing(encounter_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[_Value]]:
    ids = sorted(set(encounter_ids))
    by_visit: dict[uuid.UUID, list[_Value]] = {}
    for start in range(0, len(ids), BATCH):
        for values in (
            Observation.objects.filter(encounter_id__in=ids[start : start + BATCH])
            .order_by("recorded_at", "pk")
            .values_list(*_STORED_FIELDS)
        ):
            o = _Value(*values)
            by_visit.setdefault(o.encounter_id, []).append(o)
    return by_visit


def _same(o: _Value, reading: catalogue.Reading) -> bool:
    return (o.value, o.code_value, o.absent_reason, o.comparator) == (
        reading.value,
        reading.code_value,
        reading.absent_reason,
        reading.comparator,
    )


def _recognise(ctx: _Context, rows: list[Row], checked: Checked) -> list[Problem]:
    """Mark rows already stored (reading n of a measure in that visit, same value); a
    stored reading with another value is a problem, never overwritten. Counts the rest
    as new, by visit."""
    _read_stored(ctx, rows)
    existing = _existing(ctx.stored[r.visit].id for r in rows if r.visit in ctx.stored)
    problems = []
    for row in rows:
        stored = ctx.stored.get(row.visit)
        same_code = (
            [o for o in existing.get(stored.id, []) if o.code == row.measure.code]
            if stored is not None
            else []
        )
        if row.reading_no > len(same_code):
            checked.per_visit[row.visit] = checked.per_visit.get(row.visit, 0) + 1
            checked.people.add(row.person.id)
            continue
        o = same_code[row.reading_no - 1]
        if _same(o, row.reading):
            checked.already.add(row.ordinal)
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


def _context(actor: Actor, programme_id: int, allowed: set[str]) -> _Context:
    return _Context(
        actor=actor,
        programme_id=programme_id,
        sites=dict(Site.objects.filter(programme_id=programme_id).values_list("pk", "name")),
        allowed=allowed,
        today=timezone.localdate(),
    )


def _batches(
    rows: Iterable[tuple[int, dict[str, str]]],
) -> Iterator[list[tuple[int, dict[str, str]]]]:
    batch: list[tuple[int, dict[str, str]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _check(ctx: _Context, table: files.Table) -> Checked:
    """The first pass, inside a transaction (consent is read with the people held): every
    row checked, a batch at a time; kept are the problems and the keys the write needs."""
    checked = Checked(_columns_problems(table.columns))
    if checked.problems:
        return checked
    problems = checked.problems
    # Each good row's natural key and row number, 16 B a row (a dict from key to row cost
    # about 120 B, most of a 2 M-row file's peak): duplicates are found by one sort after.
    keys, numbers = array("q"), array("q")
    ordinal = 0
    for batch in _batches(table.rows):
        _look_up(ctx, (ctx.card(cells["card_code"])[0] for _, cells in batch))
        rows = []
        for number, cells in batch:
            ordinal += 1
            row, found = _check_cells(ctx, number, cells)
            if found:
                problems.extend(found)
            if row is None:
                continue
            row.ordinal = ordinal
            keys.append(ctx.key(row))
            numbers.append(number)
            rows.append(row)
        checked.total += len(rows)
        problems += _recognise(ctx, rows, checked)
    problems += _duplicates(keys, numbers)
    problems.sort()
    return checked


def _duplicates(keys: array[int], numbers: array[int]) -> list[Problem]:
    """Each row with the natural key of an earlier row, named with that earlier row. The
    file is refused whole when there is one, so the duplicate's other checks stand too."""
    import numpy as np

    key = np.frombuffer(keys, dtype=np.int64)
    number = np.frombuffer(numbers, dtype=np.int64)
    order = np.lexsort((number, key))  # by key, then by row: the first of a run is first
    key, number = key[order], number[order]
    starts = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    again = np.flatnonzero(np.concatenate(([False], key[1:] == key[:-1])))
    first = number[starts[np.searchsorted(starts, again, side="right") - 1]]
    said = gettext(
        "The same value as row %(row)s (card, visit date, site, measure and reading). Remove "
        "one, or number repeated readings in a 'reading' column."
    )
    return [
        Problem(int(row), "code", said % {"row": int(earlier)})
        for row, earlier in zip(number[again], first, strict=True)
    ]


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


Source = bytes | BinaryIO


@contextmanager
def _opened(data: Source | None, path: str | Path | None) -> Iterator[BinaryIO]:
    """The file to read (twice: a check, then the write): bytes, a seekable binary file
    object, or a path opened here."""
    if path is not None:
        with open(path, "rb") as source:
            yield source
    elif isinstance(data, bytes | bytearray | memoryview):
        yield io.BytesIO(data)
    elif data is not None:
        yield data
    else:
        raise TypeError("results_check/results_import need data or path")


def _tables(
    source: BinaryIO, encoding: str | None, site_id: int | None, programme_id: int
) -> Callable[[], files.Table]:
    """A function giving the file's table from its first row, as often as asked, never
    holding the file as Python objects: CSV is decoded a chunk at a time; a lab's FHIR R4
    Bundle (its samples' site is the one named, or the programme's only site) is read an
    entry at a time; XLSX a row at a time from calamine's compact copy of the sheet."""
    source.seek(0)
    head = source.read(4096)
    source.seek(0)
    if fhir.is_bundle(head):
        if site_id is None:
            sites = list(Site.objects.filter(programme_id=programme_id).values_list("pk")[:2])
            site_id = sites[0][0] if len(sites) == 1 else None
        return lambda: fhir.bundle_table(source, site_id)
    if head.startswith(files.XLSX_MAGIC):
        return lambda: files.xlsx_table(source)

    def csv_table() -> files.Table:
        source.seek(0)
        return files.csv_stream(source, encoding)

    return csv_table


def _digest(source: BinaryIO) -> str:
    source.seek(0)
    digest = hashlib.sha256()
    while chunk := source.read(1 << 20):
        digest.update(chunk)
    return digest.hexdigest()


def results_check(
    *,
    actor: Actor,
    programme_id: int,
    data: Source | None = None,
    encoding: str | None = None,
    site_id: int | None = None,
    path: str | Path | None = None,
) -> Checked:
    """Check a whole file; nothing is written. Raises FileRefused for a file refused whole.
    `data` is the file's bytes or a seekable binary file object; or give its `path`."""
    allowed = _allowed_purposes(actor, programme_id)
    with _opened(data, path) as source:
        tables = _tables(source, encoding, site_id, programme_id)
        table = tables()
        with transaction.atomic():
            checked = _check(_context(actor, programme_id, allowed), table)
            transaction.set_rollback(True)  # a check writes nothing
    return checked


# ---- writing --------------------------------------------------------------------------


def results_import(
    *,
    actor: Actor,
    programme_id: int,
    data: Source | None = None,
    encoding: str | None = None,
    site_id: int | None = None,
    source: str = "lab_file",
    progress: Progress | None = None,
    path: str | Path | None = None,
) -> Summary:
    """Check the file and write every new row in one transaction, or nothing (raises
    ProblemsFound with every problem). Re-importing writes nothing new.

    The file is read twice inside the transaction - the check, keeping only keys, then
    the write, a batch of complete visits at a time - so memory does not grow with it."""
    allowed = _allowed_purposes(actor, programme_id)
    with _opened(data, path) as opened:
        digest = _digest(opened)
        tables = _tables(opened, encoding, site_id, programme_id)
        table = tables()
        with transaction.atomic():
            ctx = _context(actor, programme_id, allowed)
            checked = _check(ctx, table)
            if checked.problems:
                raise ProblemsFound(checked.problems)
            summary = Summary(
                rows=checked.total,
                written=len(checked.new),
                already_in=len(checked.already),
                people=len(checked.people),
                visits_started=0,
            )
            if not summary.written:
                return summary
            return _write(
                ctx,
                tables(),
                checked,
                summary=summary,
                detail=f"results entered from {SOURCES.get(source, 'a file')}",
                digest=digest,
                progress=progress or (lambda done, total: None),
            )


def _visit_start(day: date, now: datetime) -> datetime:
    """When a visit first known from a file took place: noon that day, never later than now."""
    return min(datetime.combine(day, time(12), tzinfo=UTC), now)


@dataclass
class _Written:
    """What the write has done so far."""

    done: int = 0
    visits_started: int = 0
    referred: list[str] = field(default_factory=list)
    by_purpose: dict[str, set[uuid.UUID]] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    fresh_people: set[uuid.UUID] = field(default_factory=set)
    decisions: dict[tuple[Any, ...], Decision] = field(default_factory=dict)
    days: dict[datetime, date] = field(default_factory=dict)  # local day of a visit's start


def _write(
    ctx: _Context,
    table: files.Table,
    checked: Checked,
    *,
    summary: Summary,
    detail: str,
    digest: str,
    progress: Progress,
) -> Summary:
    """The second pass: the file's new rows read again (the check found no problem, so
    each reads as it did), gathered by visit; a visit is written once all its rows are
    in, in batches of complete visits."""
    written = _Written()
    pending: dict[int, list[Row]] = {}
    ready: list[list[Row]] = []
    waiting = 0
    ordinal = 0
    for batch in _batches(table.rows):
        for number, cells in batch:
            ordinal += 1
            if ordinal in checked.already:
                continue
            row, found = _check_cells(ctx, number, cells)
            if row is None:  # the file changed under us: write nothing
                raise ProblemsFound(found)
            visit_rows = pending.setdefault(row.visit, [])
            visit_rows.append(row)
            if len(visit_rows) == checked.per_visit[row.visit]:
                ready.append(pending.pop(row.visit))
                waiting += len(visit_rows)
        if waiting >= BATCH:
            _write_visits(ctx, ready, written)
            ready, waiting = [], 0
            progress(written.done, summary.written)
    _write_visits(ctx, ready, written)
    if pending or written.done != summary.written:  # the file changed under us
        raise ProblemsFound(
            [
                Problem(
                    HEADER_ROW,
                    "",
                    gettext("The file changed while it was imported; import it again."),
                )
            ]
        )
    visit_facts.mark_people(participant_ids=written.fresh_people)
    progress(summary.written, summary.written)
    for purpose, people in sorted(written.by_purpose.items()):
        audit(
            ctx.actor,
            Action.RESULTS_IMPORT,
            Purpose(purpose),
            "allowed",
            sorted(people),
            f"{detail}: {written.counts[purpose]} value(s), file sha256 {digest[:16]}",
        )
    return Summary(
        rows=summary.rows,
        written=summary.written,
        already_in=summary.already_in,
        people=summary.people,
        visits_started=written.visits_started,
        referred=written.referred,
    )


def _write_visits(ctx: _Context, visits: list[list[Row]], written: _Written) -> None:
    """Complete visits: the new ones started, each decided once, its values written with
    their labels, its referrals opened, the reports' facts kept."""
    if not visits:
        return
    now = timezone.now()
    adapt, _db_id = db_datetime, db_uuid  # as Django's fields store them on this engine
    staff_id = ctx.actor.staff_id
    started: list[tuple[Any, ...]] = []
    fresh: dict[int, _Stored] = {}
    for visit_rows in visits:
        first = visit_rows[0]
        if first.visit not in ctx.stored:
            e = fresh[first.visit] = _Stored(uuid.uuid4(), _visit_start(first.day, now))
            started.append(
                (
                    _db_id(e.id),
                    _db_id(first.person.id),
                    first.site_id,
                    adapt(e.started_at),
                    staff_id,
                )
            )
    if started:
        insert_rows(table="exams_encounter", columns=_VISIT_COLUMNS, rows=started)
        written.visits_started += len(started)
    existing = _existing(ctx.stored[v[0].visit].id for v in visits if v[0].visit in ctx.stored)
    values: list[tuple[Any, ...]] = []
    new_facts: list[visit_facts.NewVisit] = []
    for visit_rows in visits:
        first = visit_rows[0]
        person = first.person
        is_new = first.visit in fresh
        e = fresh[first.visit] if is_new else ctx.stored[first.visit]
        before = [] if is_new else existing.get(e.id, [])
        visit_rows.sort(key=lambda r: (r.reading_no, _BP_ORDER.get(r.measure.code, 2), r.number))
        decision, labels = _decide(e, person, before, visit_rows, written.decisions, written.days)
        last = max([e.started_at, *(o.recorded_at for o in before)])
        eid = _db_id(e.id)
        for i, (row, (label, critical)) in enumerate(zip(visit_rows, labels, strict=True)):
            r = row.reading
            m = row.measure
            values.append(
                (
                    eid,
                    m.code,
                    m.purpose,
                    r.value,
                    r.code_value,
                    r.unit,
                    r.original_value[:32],
                    r.original_unit,
                    label,
                    critical,
                    r.comparator,
                    r.absent_reason,
                    staff_id,
                    adapt(last + timedelta(microseconds=i + 1)),
                )
            )
            people = written.by_purpose.get(m.purpose)
            if people is None:
                people = written.by_purpose[m.purpose] = set()
            people.add(person.id)
            written.counts[m.purpose] = written.counts.get(m.purpose, 0) + 1
        urgency = ""
        if decision.refer or not is_new:
            encounter = _encounter(e, first, staff_id)
            urgent, urgency = _refer(
                ctx, person, encounter, decision, visit_rows, settle=not is_new
            )
            written.referred += urgent
        if is_new:  # the reports' facts of new visits go in batches
            new_facts.append(
                visit_facts.NewVisit(
                    encounter_id=e.id,
                    participant_id=person.id,
                    programme_id=person.programme_id,
                    site_id=first.site_id,
                    started_at=e.started_at,
                    sex=person.sex,
                    decision=decision,
                    urgency=urgency,
                )
            )
            written.fresh_people.add(person.id)
        else:
            visit_facts.record(
                encounter=_encounter(e, first, staff_id),
                participant=ctx.participant(person),
                decision=decision,
            )
        written.done += len(visit_rows)
    _insert(values)
    visit_facts.record_new_visits(visits=new_facts, mark=False)


def _encounter(e: _Stored, row: Row, staff_id: int | None) -> Encounter:
    """The visit as the referral and facts services take it (already stored)."""
    encounter = Encounter(
        id=e.id,
        participant_id=row.person.id,
        site_id=row.site_id,
        started_at=e.started_at,
        started_by_id=staff_id,
    )
    encounter._state.adding = False
    return encounter


_VISIT_COLUMNS = ("id", "participant_id", "site_id", "started_at", "started_by_id")
_VALUE_COLUMNS = (
    *("encounter_id", "code", "purpose", "value", "code_value", "unit", "original_value"),
    *("original_unit", "classification", "critical", "comparator", "absent_reason"),
    *("recorded_by_id", "recorded_at"),
)


def _insert(values: list[tuple[Any, ...]]) -> None:
    if values:
        insert_rows(table="exams_observation", columns=_VALUE_COLUMNS, rows=values)


_DECISIONS_KEPT = 10_000  # decisions shared within a file (memory stays bounded)


def _decide(
    encounter: _Stored,
    person: Person,
    existing: list[_Value],
    new: list[Row],
    decisions: dict[tuple[Any, ...], Decision],
    days: dict[datetime, date],
) -> tuple[Decision, list[tuple[str, bool]]]:
    """The visit's one decision from every value the person's consent lets the rules use
    (stored ones first), and the label and alarm each new value carries.

    clinical.visit.decide is a pure function of its arguments (sex, age, the values) and
    returns a frozen Decision: a new visit with the same inputs as one already decided in
    this import shares its decision."""
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
    day = days.get(encounter.started_at)
    if day is None:  # new visits of a day share their start
        day = days[encounter.started_at] = timezone.localdate(encounter.started_at)
    age = age_in_months(person.born, day)
    key = (person.sex, age, *rows)
    decision = decisions.get(key)
    if decision is None:
        decision = decide_visit(sex=person.sex, age_months=age, rows=rows)
        if len(decisions) >= _DECISIONS_KEPT:
            decisions.clear()
        decisions[key] = decision
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


def _refer(
    ctx: _Context,
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
            actor=ctx.actor,
            participant=ctx.participant(person),
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
                actor=ctx.actor,
                participant=ctx.participant(person),
                encounter=encounter,
                wanted={code for code, _ in decision.refer},
                purpose=Purpose(purpose),
            )
    return urgent, pressing
