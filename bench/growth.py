"""How each page and command grows with the programme (issue 15): the same pages and
commands on demo databases of increasing size, and the ratio largest / smallest.

    .venv/bin/python bench/growth.py [--sizes 300,3000,30000] [--rounds 3]
                                     [--engine sqlite|postgresql]

Each size is a fresh database (a SQLite file in its own temporary home, or a PostgreSQL
database made for it on --pg-url, analysed after its seed as autovacuum would be within
minutes of a load, and dropped after), seeded by
`healthcamp demo --participants N --no-serve` (every act through the access layer, so
the logs are real), and removed afterwards. Then, in one process per size:

- pages, through Django's test client with the demo's logins: the coordinator's
  programme page, unreturned-results list and report dashboard; the staff page and the
  portal record of the person with the longest log. Time is the best of --rounds (with
  tracemalloc off: it slows allocation-heavy pages two to three times); memory is the
  Python peak (tracemalloc) of one more request; bytes are the HTML's size;
- commands, each in a fresh process: `audit verify --full` and `backup`, their time and
  the kernel's peak RSS for that process (wait4).

Goal: at the largest size every row within 2x of the smallest. The demo enrols people a
thousand at a time (services.enrolment: the desk's checks and sealing, one insert per
table, one audit entry per act naming the batch), withdraws a few through the consent
service, and brings every third person's visit in through the results import, so a size
of 100,000 seeds in minutes; the bench prints the seeding rate for each size.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench._common import DEFAULT_PG, pg_available

ROOT = Path(__file__).resolve().parent.parent
GOAL = 2.0


DATABASE: dict[str, str] = {}  # the size's PostgreSQL database, when there is one


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "HEALTHCAMP_HOME": str(home)}
    env["DJANGO_SETTINGS_MODULE"] = "healthcamp.settings"
    env.pop("HEALTHCAMP_DATABASE_URL", None)  # each size is its own SQLite file ...
    env.update(DATABASE)  # ... or its own PostgreSQL database
    env["HEALTHCAMP_STAFF_2FA"] = "false"  # the test client logs staff in directly
    return env


@contextlib.contextmanager
def _database(engine: str, pg_url: str) -> Iterator[None]:
    """A PostgreSQL database for one size, dropped afterwards (nothing for SQLite)."""
    if engine != "postgresql":
        yield
        return
    import psycopg

    name = f"healthcamp_growth_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    DATABASE["HEALTHCAMP_DATABASE_URL"] = pg_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield
    finally:
        DATABASE.clear()
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _command(home: Path, *args: str) -> dict[str, float]:
    """One healthcamp command in a fresh process: seconds and peak RSS (bytes)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "healthcamp.cli", *args],
        env=_env(home),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    _, status, usage = os.wait4(process.pid, 0)  # this child's own peak RSS
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        detail = process.stderr.read().decode(errors="replace") if process.stderr else ""
        raise SystemExit(f"healthcamp {' '.join(args)} failed: {detail[-1500:]}")
    if process.stderr:
        process.stderr.close()
    return {"seconds": seconds, "memory": usage.ru_maxrss * 1024}


def _pages(rounds: int) -> dict[str, dict[str, float]]:
    """In the child: every page, timed and with its Python peak."""
    import tracemalloc

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db.models import Count
    from django.test import Client

    from healthcamp.audit.models import AuditSubject
    from healthcamp.registry.models import Participant, Programme
    from healthcamp.web import portal_views

    programme = Programme.objects.get()
    busiest = (
        AuditSubject.objects.values("participant_id")
        .annotate(n=Count("entry"))
        .order_by("-n")
        .values_list("participant_id", flat=True)
        .first()
    )
    person = Participant.objects.get(pk=busiest)

    def staff(username: str) -> Client:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(get_user_model().objects.get(username=username))
        return client

    portal = Client(HTTP_HOST="127.0.0.1")
    session = portal.session
    session[portal_views.SESSION_KEY] = str(person.pk)
    session[portal_views.SEEN_KEY] = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())
    session["portal_lang"] = "en"
    session.save()
    pages = {
        "programme page": (staff("coordinator"), f"/programmes/{programme.pk}/"),
        "unreturned results": (staff("coordinator"), f"/programmes/{programme.pk}/unreturned/"),
        "report dashboard": (staff("coordinator"), f"/programmes/{programme.pk}/reports/"),
        "staff page, longest log": (staff("registrar"), f"/participants/{person.pk}/"),
        "portal record, longest log": (portal, "/me/record/"),
    }
    measured: dict[str, dict[str, float]] = {}
    for name, (client, url) in pages.items():
        client.get(url)  # warm: the first request of a process imports the views
        best = float("inf")
        size = 0
        for _ in range(rounds):  # timed without tracemalloc, which slows allocations 2-3x
            started = time.perf_counter()
            response = client.get(url)
            best = min(best, time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"{name} ({url}) answered {response.status_code}")
            size = len(response.content)
        tracemalloc.start()  # the Python peak of one more request
        client.get(url)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        measured[name] = {"seconds": best, "memory": float(peak), "bytes": float(size)}
    return measured


def _size(people: int, rounds: int, engine: str, pg_url: str) -> dict[str, dict[str, float]]:
    home = Path(tempfile.mkdtemp(prefix="healthcamp-growth-"))
    with _database(engine, pg_url):
        return _measured(home, people, rounds)


def _settle() -> None:
    """PostgreSQL: the statistics a live database has a few minutes after a bulk load
    (autovacuum's ANALYZE). Without them, the planner reads the freshly seeded tables as
    empty and walks the wrong index (the unreturned list: 283 ms instead of 3 ms at
    100,000 people)."""
    url = DATABASE.get("HEALTHCAMP_DATABASE_URL")
    if url:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("VACUUM (ANALYZE)")


def _measured(home: Path, people: int, rounds: int) -> dict[str, dict[str, float]]:
    try:
        seeded = _command(home, "demo", "--participants", str(people), "--no-serve", "--port", "0")
        _settle()
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(rounds)],
            env=_env(home),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if child.returncode != 0:
            raise SystemExit(child.stderr[-2000:])
        rows: dict[str, dict[str, float]] = json.loads(child.stdout.strip().splitlines()[-1])
        rows["audit verify --full"] = _command(home, "audit", "verify", "--full")
        rows["backup"] = _command(home, "backup", str(home / "growth.hcbackup"))
        rows["seeding (people a second)"] = {"seconds": people / seeded["seconds"], "memory": 0}
        return rows
    finally:
        shutil.rmtree(home, ignore_errors=True)  # a bench leaves nothing behind


def _human(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:8.1f} ms" if value < 10 else f"{value:8.1f} s "
    return f"{value / 2**20:8.1f} MB"


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="300,3000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    args = parser.parse_args()
    sizes = sorted(int(n) for n in args.sizes.split(","))
    if len(sizes) < 2 or sizes[0] < 1:
        parser.error("--sizes needs at least two sizes of one person or more, e.g. 300,3000")
    if args.engine == "postgresql" and not pg_available(args.pg_url):
        parser.error(f"PostgreSQL at {args.pg_url} is not reachable")
    results = {n: _size(n, args.rounds, args.engine, args.pg_url) for n in sizes}
    small, large = results[sizes[0]], results[sizes[-1]]
    engine = "PostgreSQL" if args.engine == "postgresql" else "SQLite"
    print(f"Growth on {engine}, {sizes[0]:,} to {sizes[-1]:,} participants (demo data)")
    header = f"{'page or command':30} " + " ".join(f"{n:>11,}" for n in sizes)
    print(header + "   time x  memory x  goal")
    below = []
    for name in small:
        if name.startswith("seeding"):
            continue
        times = " ".join(_human(results[n][name]["seconds"], "s") for n in sizes)
        t_ratio = large[name]["seconds"] / small[name]["seconds"]
        m_ratio = large[name]["memory"] / max(small[name]["memory"], 1.0)
        ok = t_ratio <= GOAL and m_ratio <= GOAL
        if not ok:
            below.append(name)
        print(f"{name:30} {times} {t_ratio:7.2f}x {m_ratio:7.2f}x  {'met' if ok else 'NOT MET'}")
        mems = " ".join(_human(results[n][name]["memory"], "m") for n in sizes)
        print(f"{'  memory':30} {mems}")
    rates = ", ".join(f"{results[n]['seeding (people a second)']['seconds']:.0f}" for n in sizes)
    print(f"seeding (enrolment in batches, visits by import): {rates} people a second")
    print("every row within 2x" if not below else f"beyond 2x: {', '.join(below)}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        print(json.dumps(_pages(int(sys.argv[2]))))
    else:
        main()
