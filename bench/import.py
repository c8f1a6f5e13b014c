"""What the rules cost a bulk import: `healthcamp import` of a lab file (consent checks,
the visit's decision, reports' facts, referrals, audit) against a raw insert of the same
rows into the same table in one transaction - sqlite3 `executemany` on SQLite, `COPY` on
PostgreSQL - measured in the same run.

    .venv/bin/python bench/import.py [--engine sqlite|postgresql|both] [--rows N] [--people P]

Prints rows/s of each and the ratio (issue 12's goal: >= 0.5), and the import's peak
resident memory (the file is read from disk, streamed).
"""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._camp import camp, enrol
from bench._common import base_parser, run_engines, setup_django

# A lab's panel per visit: HbA1c, cholesterol, glucose with its fasting hours.
PANEL = (("4548-4", "%", 5.0, 1.5), ("35200-5", "mmol/L", 4.0, 2.5), ("14743-9", "mmol/L", 4.5, 3))
FASTING = ("87527-8", "h", 8, 0)


def _people(count: int) -> tuple[object, int, int, list[str]]:
    c = camp()
    return c.lab, c.programme_id, c.site_id, enrol(c, count)


def _lab_file(path: Path, cards: list[str], site: int, rows: int, first_day: int) -> None:
    """A lab's CSV of `rows` values, written line by line (the bench holds no file)."""
    today = date.today()
    visit = written = 0
    with path.open("w", encoding="utf-8") as out:
        out.write("card_code,visit_date,site_id,code,value,unit\n")
        while written < rows:
            card = cards[visit % len(cards)]
            day = (today - timedelta(days=first_day + visit // len(cards))).isoformat()
            for code, unit, low, spread in (*PANEL, FASTING):
                if written == rows:
                    break
                value = low + (visit * 7919 % 100) / 100 * spread
                out.write(f"{card},{day},{site},{code},{value:.1f},{unit}\n")
                written += 1
            visit += 1


def _peak_rss_mb() -> float:
    """The process's peak resident memory since the last reset (Linux: kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> bool:
    """Linux lets a process reset its peak RSS (clear_refs 5), so the import's own peak
    is measured, not the setup's."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _raw_rows(rows: int, encounter: uuid.UUID, native: bool) -> list[tuple[object, ...]]:
    now = "2026-01-01 12:00:00"
    eid = encounter if native else encounter.hex
    return [
        (eid, "4548-4", "blood_tests", 5.4, "", "%", "5.4", "%", "normal", False, "", "", 1, now)
        for _ in range(rows)
    ]


COLUMNS = (
    "encounter_id, code, purpose, value, code_value, unit, original_value, original_unit, "
    "classification, critical, comparator, absent_reason, recorded_by_id, recorded_at"
)


def _raw(rows: int) -> float:
    """Seconds for a raw insert of `rows` observations in one transaction, then removed."""
    from django.db import connection

    from healthcamp.exams.models import Encounter
    from healthcamp.registry.models import Participant

    p = Participant.objects.first()
    assert p is not None
    encounter = Encounter.objects.create(
        participant=p, site_id=p.programme.sites.first().pk, started_at="2026-01-01T12:00Z"
    )
    native = connection.vendor == "postgresql"
    values = _raw_rows(rows, encounter.pk, native)
    connection.ensure_connection()
    raw = connection.connection
    started = time.perf_counter()
    if native:
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY exams_observation ({COLUMNS}) FROM STDIN") as copy,
        ):
            for row in values:
                copy.write_row(row)
        raw.commit()
    else:
        cursor = raw.cursor()
        cursor.execute("BEGIN")
        cursor.executemany(
            f"INSERT INTO exams_observation ({COLUMNS}) VALUES ({', '.join(['?'] * 14)})", values
        )
        cursor.execute("COMMIT")
    elapsed = time.perf_counter() - started
    encounter.delete()
    return elapsed


def child(rows: int, people: int) -> dict[str, float]:
    setup_django()
    from django.db import connection

    from healthcamp.imports.results import results_import

    if connection.vendor == "postgresql":
        connection.ensure_connection()
    actor, programme_id, site, cards = _people(people)
    path = Path(os.environ["HEALTHCAMP_HOME"]) / "lab.csv"
    _lab_file(path, cards, site, rows, first_day=1)
    raw_seconds = _raw(rows)
    gc.collect()
    reset = _reset_peak()
    before = _peak_rss_mb()
    started = time.perf_counter()
    summary = results_import(actor=actor, programme_id=programme_id, path=path)  # type: ignore[arg-type]
    import_seconds = time.perf_counter() - started
    peak = _peak_rss_mb()
    assert summary.written == rows, summary
    started = time.perf_counter()
    again = results_import(actor=actor, programme_id=programme_id, path=path)  # type: ignore[arg-type]
    again_seconds = time.perf_counter() - started
    assert again.written == 0
    return {
        "rows": rows,
        "raw_rows_per_s": rows / raw_seconds,
        "import_rows_per_s": rows / import_seconds,
        "ratio": raw_seconds / import_seconds,
        "import_seconds": import_seconds,
        "reimport_seconds": again_seconds,
        "rss_before_mb": before,
        "rss_peak_mb": peak,
        "rss_reset": reset,
    }


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--people", type=int, default=200)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.rows, args.people)))
        return
    for result in run_engines("import.py", args):
        print(
            f"{result['engine']:<10} {result['rows']} rows: raw {result['raw_rows_per_s']:,.0f}"
            f" rows/s, import {result['import_rows_per_s']:,.0f} rows/s, ratio "
            f"{result['ratio']:.3f} (goal >= 0.5); re-import (nothing new) "
            f"{result['reimport_seconds']:.1f} s; peak RSS during the import "
            f"{result['rss_peak_mb']:.0f} MB (before it {result['rss_before_mb']:.0f} MB"
            f"{'' if result['rss_reset'] else ', peak not reset: includes the setup'})"
        )


if __name__ == "__main__":
    main()
