"""The programme dashboard's tables against bare GROUP BYs computing the same counts.

    .venv/bin/python bench/reports.py [--people N] [--engine sqlite|postgresql|both]
    .venv/bin/python bench/reports.py --people 1200000 --rounds 3

A synthetic programme written straight into the tables: N participants (20 sites, four
sexes, all age bands), each with a consent (6 decisions; 5 % re-consented, the newer
consent saying no to statistics; 2 % withdrew statistics), 1.25 visits each on average
and each visit's decided facts (what `healthcamp report backfill` or a recording writes).
At 1.2 M people that is 1.5 M visits: about 10 M observations at the 6.7 values a visit
records on average. The observations themselves are not written: no report reads them.

Measured in the same run, best of --rounds:
- healthcamp: `reports.dashboard()` as the page calls it (every indicator's table,
  disclosure control, standardisation, the audit entry);
- baseline: for each of the same tables, one hand-written GROUP BY with the same
  filters and the same consent check, fetched and nothing else.
Targets: the whole dashboard in <= 3 s, and >= 0.5x the baseline's speed.
"""

from __future__ import annotations

import json
import random
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import base_parser, run_engines, setup_django

TARGET_SECONDS = 3.0
TARGET_RATIO = 0.5
SITES = 20
PURPOSES = (
    "screening",
    "blood_tests",
    "results_contact",
    "referral_sharing",
    "programme_statistics",
    "deidentified_research",
)
BANDS = [f"{a}-{a + 4}" for a in range(0, 85, 5)] + ["85+"]
SEXES = ("female", "male", "other", "not_stated")
START = datetime(2025, 11, 1, 8, tzinfo=UTC)


def _write(table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        raw = connection.connection
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


_ENGINE = {"postgresql": False}  # set by fill(): PostgreSQL takes Python values as they are


def _db(value: Any) -> Any:
    """Python values as each engine stores them (SQLite: hex uuids, 0/1, ISO text)."""
    if _ENGINE["postgresql"]:
        return value
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def fill(people: int, seed: int = 11) -> int:
    """The synthetic programme; returns its id."""
    from django.db import connection, transaction

    from healthcamp.access.staff import staff_add
    from healthcamp.consent.models import ConsentDocument
    from healthcamp.registry.models import Programme, Site

    _ENGINE["postgresql"] = connection.vendor == "postgresql"
    rng = random.Random(seed)
    programme = Programme.objects.create(name="Bench programme")
    sites = [
        Site.objects.create(programme=programme, name=f"Site {i:02d}").pk for i in range(SITES)
    ]
    staff = staff_add(
        username="bench-coordinator", role="coordinator", programme_ids=[programme.pk]
    )
    staff_add(username="bench-analyst", role="analyst", programme_ids=[programme.pk])
    document = ConsentDocument.objects.create(
        programme=programme,
        language="en",
        version=1,
        title="Bench",
        body="Bench.",
        status="published",
        sha256="0" * 64,
        published_at=START,
    )
    batch = 100_000
    consent_id = 0
    for first in range(0, people, batch):
        participants, consents, decisions, encounters, facts = [], [], [], [], []
        current = []
        for i in range(first, min(people, first + batch)):
            pid = uuid.uuid4()
            sex = SEXES[
                0 if rng.random() < 0.52 else 1 if rng.random() < 0.97 else rng.randrange(2, 4)
            ]
            age = int(min(95, max(0, rng.gauss(42, 18))))
            band = "85+" if age >= 85 else f"{age // 5 * 5}-{age // 5 * 5 + 4}"
            registered = START + timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
            participants.append(
                (
                    pid,
                    programme.pk,
                    f"B{i:010d}",
                    b"-",
                    b"-",
                    b"-",
                    b"-",
                    b"-",
                    "bench",
                    pid.bytes,
                    pid.bytes,
                    band,
                    sex,
                    "en",
                    registered,
                    "",
                )
            )
            answers = [(p, rng.random() < 0.95) for p in PURPOSES]
            stats_withdrawn = rng.random() < 0.02
            consent_id += 1
            consents.append(
                (consent_id, pid, document.pk, "on_screen", staff.actor.staff_id, registered)
            )
            for purpose, granted in answers:
                withdrawn = (
                    registered + timedelta(days=3)
                    if (purpose == "programme_statistics" and granted and stats_withdrawn)
                    else None
                )
                decisions.append((consent_id, purpose, granted, withdrawn))
            said = {
                p: "no"
                if not granted
                else "withdrawn"
                if p == "programme_statistics" and stats_withdrawn
                else "yes"
                for p, granted in answers
            }
            if rng.random() < 0.05:  # asked again: the newer consent says no to statistics
                consent_id += 1
                later = registered + timedelta(days=30)
                consents.append(
                    (consent_id, pid, document.pk, "on_screen", staff.actor.staff_id, later)
                )
                for purpose in PURPOSES:
                    decisions.append((consent_id, purpose, purpose != "programme_statistics", None))
                said = {p: "no" if p == "programme_statistics" else "yes" for p in PURPOSES}
            # What recording the consent keeps for reports (reports.consents.sync).
            current.append((pid, programme.pk, *[said[p] for p in PURPOSES]))
            visits = 2 if rng.random() < 0.25 else 1
            screened_before = False
            days = sorted(rng.sample(range(0, 360), visits))
            for n, day in enumerate(days):
                eid = uuid.uuid4()
                started = registered + timedelta(days=day)
                encounters.append((eid, pid, rng.choice(sites), started))
                adult = age >= 18
                screened = rng.random() < 0.97
                raised = (rng.random() < 0.12 + age / 250) if adult else None
                dm = (rng.random() < 0.04 + age / 900) if adult and rng.random() < 0.6 else None
                bmi = rng.random()
                overweight = (bmi < 0.45) if age >= 5 else None
                obese = (bmi < 0.15) if age >= 5 else None
                chol = (rng.random() < 0.2) if adult and rng.random() < 0.4 else None
                returned = rng.random() < 0.85
                urgency = rng.choice(["soon", "routine", "urgent"]) if rng.random() < 0.1 else ""
                attended = rng.randrange(0, 60) if urgency and rng.random() < 0.6 else None
                back = rng.randrange(0, 20) if returned else None
                last = n == visits - 1
                facts.append(
                    (
                        eid,
                        pid,
                        programme.pk,
                        encounters[-1][2],
                        started.date(),
                        started.strftime("%Y-%m"),
                        sex,
                        band,
                        adult,
                        screened,
                        rng.random() < 0.6,
                        screened,
                        "hypertension_grade_1" if raised else "normal" if raised is False else "",
                        raised,
                        dm,
                        False,
                        dm,
                        "",
                        overweight,
                        obese,
                        "",
                        chol,
                        screened and not screened_before,
                        last and raised is not None,
                        last and dm is not None,
                        last and overweight is not None,
                        last and chol is not None,
                        started + timedelta(days=back) if back is not None else None,
                        back,
                        urgency,
                        started + timedelta(days=attended) if attended is not None else None,
                        attended,
                        urgency == "urgent",  # a critical value refers urgently
                        last,
                        last and raised is not None,  # an adult's visit has a reading
                        said["programme_statistics"] == "yes",  # kept with the consent
                    )
                )
                screened_before = screened_before or screened
        with transaction.atomic():
            _write(
                "registry_participant",
                [
                    "id",
                    "programme_id",
                    "card_code",
                    "given_name_sealed",
                    "family_name_sealed",
                    "date_of_birth_sealed",
                    "phone_sealed",
                    "wrapped_key",
                    "kek_id",
                    "name_index",
                    "tolerant_index",
                    "age_band",
                    "sex",
                    "preferred_language",
                    "registered_at",
                    "portal_pin",
                ],
                [tuple(map(_db, r)) for r in participants],
            )
            _write(
                "consent_consent",
                [
                    "id",
                    "participant_id",
                    "document_id",
                    "method",
                    "recorded_by_id",
                    "recorded_at",
                    "paper_reference_sealed",
                    "guardian_name_sealed",
                    "guardian_relationship",
                ],
                [tuple(map(_db, (*r, b"", b"", ""))) for r in consents],
            )
            _write(
                "consent_decision",
                ["consent_id", "purpose", "granted", "withdrawn_at"],
                [tuple(map(_db, r)) for r in decisions],
            )
            _write(
                "reports_currentconsent",
                ["participant_id", "programme_id", *PURPOSES],
                [tuple(map(_db, r)) for r in current],
            )
            _write(
                "exams_encounter",
                ["id", "participant_id", "site_id", "started_at"],
                [tuple(map(_db, r)) for r in encounters],
            )
            _write(
                "reports_visitfact",
                [
                    "encounter_id",
                    "participant_id",
                    "programme_id",
                    "site_id",
                    "visit_date",
                    "month",
                    "sex",
                    "age_band",
                    "adult",
                    "measured_screening",
                    "measured_blood",
                    "screened",
                    "bp_class",
                    "raised_bp",
                    "diabetes_range",
                    "diabetes_diagnosed",
                    "diabetes",
                    "bmi_class",
                    "overweight",
                    "obese",
                    "cholesterol_class",
                    "raised_cholesterol",
                    "first_screening",
                    "latest_bp",
                    "latest_diabetes",
                    "latest_bmi",
                    "latest_cholesterol",
                    "returned_at",
                    "days_to_return",
                    "referral_urgency",
                    "referral_attended_at",
                    "referral_attended_days",
                    "critical",
                    "latest_visit",
                    "latest_reading",
                    "counted",
                ],
                [tuple(map(_db, r)) for r in facts],
            )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('consent_consent', 'id'), %s)", [consent_id]
            )
            # The steady state a live database is in: after a bulk load, autovacuum
            # (insert-triggered since PostgreSQL 13) sets the visibility map and hint bits
            # within minutes; measured before it, it races the dashboard for the cores.
            cursor.execute("VACUUM (ANALYZE)")
        else:
            cursor.execute("ANALYZE")
    return programme.pk


# ---- the baseline: one bare GROUP BY per table ---------------------------------------

# The same consent check as healthcamp's: the visits carry `counted`, kept with each
# consent change; people are checked against the answers kept with it.
COUNTED = "SELECT participant_id FROM reports_currentconsent WHERE programme_statistics = 'yes'"
FACT_TABLES = {
    # indicator: (rows it reads, what it counts as n, as m)
    "screened": ("first_screening", "TRUE", None),
    "raised_bp": ("latest_bp AND adult", "raised_bp", "NOT raised_bp"),
    "diabetes": ("latest_diabetes AND adult", "diabetes", "NOT diabetes"),
    "overweight": ("latest_bmi", "overweight", "NOT overweight"),
    "obesity": ("latest_bmi", "obese", "NOT obese"),
    "raised_cholesterol": (
        "latest_cholesterol AND adult",
        "raised_cholesterol",
        "NOT raised_cholesterol",
    ),
    "results_returned": ("screened", "returned_at IS NOT NULL", "returned_at IS NULL"),
    "days_to_return": ("returned_at IS NOT NULL", "TRUE", None),
    "referrals_attended_30d": (
        "referral_urgency <> ''",
        "referral_attended_days <= 30",
        "NOT (COALESCE(referral_attended_days, 99) <= 30)",
    ),
    "critical_same_day": (
        "critical",
        "referral_urgency = 'urgent' AND referral_attended_days = 0",
        "NOT (referral_urgency = 'urgent' AND COALESCE(referral_attended_days, 99) = 0)",
    ),
}
BELOW_140_90 = "('high_normal', 'hypotension', 'normal', 'normal_pregnancy', 'optimal')"


def bp_controlled_query(programme_id: int, today: date) -> str:
    """HEARTS / Simple BP controlled by sex, written by hand: the people's latest visits
    in the last 12 months, among those with a raised reading before the last 3; controlled
    by their latest reading (the table's marker), if it is in the last 3 months."""
    from healthcamp.reports.selectors import months_before

    window, year = months_before(today, 3), months_before(today, 12)
    controlled = (
        f"participant_id IN (SELECT r.participant_id FROM reports_visitfact r "
        f"WHERE r.programme_id = {programme_id} AND r.latest_reading "
        f"AND r.visit_date > '{window}' AND r.visit_date <= '{today}' "
        f"AND r.bp_class IN {BELOW_140_90})"
    )
    return (
        f"SELECT sex, SUM(CASE WHEN {controlled} THEN 1 ELSE 0 END), "
        f"COUNT(*) - SUM(CASE WHEN {controlled} THEN 1 ELSE 0 END) FROM reports_visitfact "
        f"WHERE programme_id = {programme_id} AND latest_visit AND visit_date > '{year}' "
        f"AND visit_date <= '{today}' AND counted "
        f"AND participant_id IN (SELECT participant_id FROM reports_visitfact "
        f"WHERE programme_id = {programme_id} AND raised_bp AND adult "
        f"AND visit_date <= '{window}') GROUP BY sex"
    )


def baseline_queries(programme_id: int) -> list[str]:
    queries = []
    for code, (where, n, m) in FACT_TABLES.items():
        by = "referral_urgency" if code.startswith("referrals") else "site_id"
        extra = ", days_to_return" if code == "days_to_return" else ""
        counts = f"SUM(CASE WHEN {n} THEN 1 ELSE 0 END)" + (
            f", SUM(CASE WHEN {m} THEN 1 ELSE 0 END)" if m else ""
        )
        for std in (
            [False, True]
            if m and code not in ("results_returned", "referrals_attended_30d", "critical_same_day")
            else [False]
        ):
            band = ", age_band" if std else ""
            queries.append(
                f"SELECT {by}{band}{extra}, {counts} FROM reports_visitfact "
                f"WHERE programme_id = {programme_id} AND {where} AND counted "
                f"GROUP BY {by}{band}{extra}"
            )
    queries.append(
        f"SELECT sex, COUNT(*) FROM registry_participant WHERE programme_id = {programme_id} "
        f"AND id IN ({COUNTED}) GROUP BY sex"
    )
    from django.utils import timezone

    queries.append(bp_controlled_query(programme_id, timezone.localdate()))
    for purpose in PURPOSES:
        queries.append(
            f"SELECT {purpose}, COUNT(*) FROM reports_currentconsent WHERE programme_id = "
            f"{programme_id} AND {purpose} <> '' GROUP BY {purpose}"
        )
    queries.append(
        f"SELECT COUNT(*) FROM registry_participant WHERE programme_id = {programme_id} "
        f"AND id IN ({COUNTED})"
    )
    return queries


def child(people: int, rounds: int) -> dict[str, object]:
    setup_django()
    from django.db import connection

    from healthcamp.access.models import StaffMember
    from healthcamp.access.roles import Role
    from healthcamp.access.staff import Actor
    from healthcamp.reports import services as reports

    started = time.perf_counter()
    programme_id = fill(people)
    filled = time.perf_counter() - started
    analyst = StaffMember.objects.select_related("user").get(user__username="bench-analyst")
    actor = Actor(staff_id=analyst.pk, username="bench-analyst", role=Role.ANALYST)
    queries = baseline_queries(programme_id)

    def dashboard() -> float:
        t = time.perf_counter()
        tables = reports.dashboard(actor=actor, programme_id=programme_id)
        assert len(tables) == 23
        return time.perf_counter() - t

    def bare() -> float:
        t = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in queries:
                cursor.execute(sql)
                cursor.fetchall()
        return time.perf_counter() - t

    ours, theirs = [], []
    for _ in range(rounds):  # interleaved, so both see the same machine
        ours.append(dashboard())
        theirs.append(bare())
    from healthcamp.reports.models import VisitFact

    facts = VisitFact.objects.count()
    return {
        "people": people,
        "visits": facts,
        "fill_s": round(filled, 1),
        "dashboard_s": round(min(ours), 3),
        "baseline_s": round(min(theirs), 3),
        "ratio": round(min(theirs) / min(ours), 3),
        "tables": 23,
        "baseline_queries": len(queries),
    }


def main() -> int:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--people", type=int, default=120_000)
    args = parser.parse_args()
    if args.rounds == 5:
        args.rounds = 3
    if args.child:
        print(json.dumps(child(args.people, args.rounds)))
        return 0
    print(f"Programme dashboard vs bare GROUP BYs, {args.people} people, best of {args.rounds}")
    print(f"{'engine':<11} {'visits':>9} {'dashboard':>10} {'bare':>8} {'ratio':>7}  targets")
    for r in run_engines("reports.py", args):
        seconds, ratio = float(r["dashboard_s"]), float(r["ratio"])  # type: ignore[arg-type]
        marks = [
            f"{'ok' if seconds <= TARGET_SECONDS else 'SLOWER'} <= {TARGET_SECONDS:g} s",
            f"{'ok' if ratio >= TARGET_RATIO else 'BELOW'} >= {TARGET_RATIO}x",
        ]
        print(
            f"{r['engine']:<11} {r['visits']:>9} {seconds:>9.2f}s {float(r['baseline_s']):>7.2f}s"  # type: ignore[arg-type]
            f" {ratio:>6.2f}x  {', '.join(marks)}  (filled in {r['fill_s']} s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
