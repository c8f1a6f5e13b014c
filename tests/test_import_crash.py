"""`healthcamp import` killed (SIGKILL) at random instants: each time, either none or all of
the file's values are stored, and `audit verify` passes; running it again completes it.

One set-up (a migration, a programme, consenting people), then 20 kills of a real import
process, each on a file of its own visit days. Slow (a process start per kill): `-m slow`.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.import_world import SET_UP

pytestmark = [pytest.mark.cli, pytest.mark.database_url, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("HEALTHCAMP_DATABASE_URL", "")
ON_PG = PG_URL.startswith("postgres")
KILLS = 20
PEOPLE = 30
DAYS = 12  # visit days a file: 30 people x 12 days x 3 values = 1,080 rows

COUNT_AND_VERIFY = """
import io, contextlib, os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthcamp.settings")
django.setup()
from healthcamp import cli
from healthcamp.exams.models import Observation
out = io.StringIO()
with contextlib.redirect_stdout(out):
    verified = cli.main(["audit", "verify"])
first, last = sys.argv[1:3]
found = Observation.objects.filter(encounter__started_at__date__range=(first, last))
print(verified, found.count())
"""


def _admin(sql: str) -> None:
    import psycopg

    # The server's own database: the one the URL names may not exist yet.
    with psycopg.connect(PG_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
        admin.execute(sql.encode())


def _env(home: Path, database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["HEALTHCAMP_HOME"] = str(home)
    if database:
        env["HEALTHCAMP_DATABASE_URL"] = PG_URL.rsplit("/", 1)[0] + "/" + database
    else:
        env.pop("HEALTHCAMP_DATABASE_URL", None)
    return env


def _python(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def _lab_file(path: Path, cards: list[str], site: int, days: list[str]) -> int:
    """Long enough that the import, not Python's start-up, takes most of a run."""
    lines = ["card_code,visit_date,site_id,code,value,unit"]
    for day, (n, card) in ((d, c) for d in days for c in enumerate(cards)):
        lines += [
            f"{card},{day},{site},4548-4,{5 + n % 30 / 10:.1f},%",
            f"{card},{day},{site},35200-5,{4 + n % 20 / 10:.1f},mmol/L",
            f"{card},{day},{site},14743-9,{2.5 if n == 0 else 5.2},mmol/L",  # one critical
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 1


def _days(file_number: int) -> list[str]:
    """Each file's own visit days, newest first: the kills never touch another's."""
    first = file_number * DAYS
    return [(date.today() - timedelta(days=first + n)).isoformat() for n in range(DAYS)]


def test_a_killed_import_leaves_nothing_or_everything(tmp_path: Path) -> None:
    import json

    database = f"hc_import_crash_{uuid.uuid4().hex[:8]}" if ON_PG else ""
    if database:
        _admin(f'CREATE DATABASE "{database}"')
    env = _env(tmp_path / "home", database)
    seed = random.randrange(10**6)
    chance = random.Random(seed)
    try:
        camp = json.loads(_python(env, "-c", SET_UP, str(PEOPLE)))
        # How long a whole import takes here (start-up included): the kills fall in it.
        timing = tmp_path / "timing.csv"
        _lab_file(timing, camp["cards"], camp["site"], _days(0))
        started = time.perf_counter()
        command = ["-m", "healthcamp.cli", "import", str(timing)]
        command += ["--programme", str(camp["programme"]), "--as", "lab-1"]
        _python(env, *command)
        whole = time.perf_counter() - started
        outcomes = []
        for kill in range(KILLS):
            days = _days(kill + 1)
            lab_file = tmp_path / f"lab-{kill}.csv"
            rows = _lab_file(lab_file, camp["cards"], camp["site"], days)
            command = ["-m", "healthcamp.cli", "import", str(lab_file)]
            command += ["--programme", str(camp["programme"]), "--as", "lab-1"]
            process = subprocess.Popen(
                [sys.executable, *command],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            # Most of a run is starting Python and Django: the later part is the import.
            time.sleep(chance.uniform(0.3 * whole, 1.1 * whole))
            process.send_signal(signal.SIGKILL)
            process.wait()
            verified, stored = _python(env, "-c", COUNT_AND_VERIFY, days[-1], days[0]).split()
            assert verified == "0", f"audit verify failed after kill {kill} (seed {seed})"
            assert int(stored) in (0, rows), f"kill {kill} left {stored} of {rows} (seed {seed})"
            outcomes.append(int(stored) == rows)
        # Running a killed import again completes it.
        again = subprocess.run(
            [sys.executable, *command],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert again.returncode == 0, again.stderr
        assert _python(env, "-c", COUNT_AND_VERIFY, days[-1], days[0]).split() == ["0", str(rows)]
        print(
            f"{outcomes.count(True)} of {KILLS} kills came after the commit "
            f"(seed {seed}, a whole run {whole:.1f} s)"
        )
    finally:
        if database:
            _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
