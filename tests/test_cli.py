"""The `healthcamp` command, run as a person would run it (a real process)."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.cli


def _run(
    home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "HEALTHCAMP_HOME": str(home)}
    environment.pop("HEALTHCAMP_DATABASE_URL", None)  # these run on their own SQLite file
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "healthcamp.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def test_demo_seeds_and_audit_verifies(tmp_path: Path) -> None:
    demo = _run(tmp_path, "demo", "--no-serve", "--participants", "40")
    assert demo.returncode == 0, demo.stderr
    for role in ("coordinator", "registrar", "clinician"):
        assert f"{role}" in demo.stdout
    assert "http://" not in demo.stdout  # nothing is serving: no address to follow
    assert "Staff log-ins (`healthcamp serve`):" in demo.stdout
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert oct((tmp_path / "audit-head").stat().st_mode & 0o777) == "0o600"
    verify = _run(tmp_path, "audit", "verify")
    assert verify.returncode == 0, verify.stderr
    entries = int(verify.stdout.split()[1])
    # A programme, 2 sites, 8 documents written and published, the people enrolled
    # together, a few withdrawals, the visits' import, the portal person's own acts.
    assert entries > 1 + 2 + 16 + 2
    with sqlite3.connect(tmp_path / "healthcamp.sqlite3") as db:
        people, visits, decided = (
            db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in ("registry_participant", "exams_encounter", "reports_visitfact")
        )
    assert people == 41  # and the portal's person
    # Every third person's visit came in through the results import (most consented to
    # being measured), with its facts; the portal person came three times.
    assert 3 + 8 <= visits <= 3 + 14
    assert decided == visits
    again = _run(tmp_path, "demo", "--no-serve", "--participants", "40")
    assert again.returncode == 0
    assert f"OK: {entries} audit entries" in _run(tmp_path, "audit", "verify").stdout


def test_demo_and_serve_on_a_busy_port_say_so_in_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        for command in (["demo", "--participants", "2"], ["serve"]):
            done = _run(tmp_path, *command, "--port", port)
            assert done.returncode == 2, (command, done.stdout, done.stderr)
            lines = done.stderr.strip().splitlines()
            assert lines == [
                f"Port {port} on 127.0.0.1 is in use by another program: stop that program, "
                "or choose another port with --port."
            ], command
            assert "Registering" not in done.stdout  # refused before any seeding


def test_staff_add_prints_a_token_last(tmp_path: Path) -> None:
    assert _run(tmp_path, "migrate").returncode == 0
    added = _run(tmp_path, "staff", "add", "nurse-amani", "--role", "clinician")
    assert added.returncode == 0, added.stderr
    last = added.stdout.strip().splitlines()[-1]
    assert last.startswith("hc_")
    assert len(last) > 40
    duplicate = _run(tmp_path, "staff", "add", "nurse-amani", "--role", "clinician")
    assert duplicate.returncode == 2
    assert "already exists" in duplicate.stderr
    bad_role = _run(tmp_path, "staff", "add", "someone", "--role", "spy")
    assert bad_role.returncode == 2
    assert "'spy' is not a role; use one of coordinator, registrar" in bad_role.stderr


def test_audit_verify_fails_loudly_when_the_log_is_cut_short(tmp_path: Path) -> None:
    import sqlite3

    assert _run(tmp_path, "demo", "--no-serve", "--participants", "5").returncode == 0
    with sqlite3.connect(tmp_path / "healthcamp.sqlite3") as db:
        db.execute("DELETE FROM audit_subject WHERE seq > 6")
        db.execute("DELETE FROM audit_entry WHERE seq > 6")
    verify = _run(tmp_path, "audit", "verify")
    assert verify.returncode == 1
    assert "FAILED at entry 7" in verify.stderr


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    served = _run(tmp_path, "serve", "--port", "8999")
    assert served.returncode == 2
    assert "run `healthcamp migrate` first" in served.stderr


def test_bad_database_url_is_explained(tmp_path: Path) -> None:
    result = _run(tmp_path, "migrate", env={"HEALTHCAMP_DATABASE_URL": "mysql://x/y"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "must start with sqlite:// or postgresql://" in result.stderr


ON_SQLITE_ONCE = ["--engine", "sqlite", "--rounds", "1"]


@pytest.mark.parametrize(
    ("script", "args", "said"),
    [
        (
            "access_overhead.py",
            [*ON_SQLITE_ONCE, "--participants", "60", "--reads", "20", "--bulk-size", "30"],
            "sqlite",
        ),
        ("audit_verify.py", [*ON_SQLITE_ONCE, "--entries", "300"], "sqlite"),
        (
            "audit_proofs.py",
            [*ON_SQLITE_ONCE, "--entries", "300", "--proofs", "5", "--checkpoints", "2"],
            "consistency",
        ),
        ("vault.py", [*ON_SQLITE_ONCE, "--rows", "60"], "sqlite"),
        ("letters.py", [*ON_SQLITE_ONCE, "--letters", "2"], "sqlite"),
        ("reports.py", [*ON_SQLITE_ONCE, "--people", "300"], "sqlite"),
        ("request_cost.py", [*ON_SQLITE_ONCE, "--requests", "20"], "openapi.json"),
        ("station.py", [*ON_SQLITE_ONCE, "--saves", "3"], "save/desk"),
        ("growth.py", ["--rounds", "1", "--sizes", "20,60"], "time x"),
        ("backup_memory.py", ["--sizes", "2,4", "--no-image"], "backup:"),
    ],
)
def test_the_benchmarks_run_and_print_ratios(
    tmp_path: Path, script: str, args: list[str], said: str
) -> None:
    """A tiny run of every benchmark on SQLite, so none can rot unnoticed."""
    environment = {**os.environ, "HEALTHCAMP_HOME": str(tmp_path)}
    environment.pop("HEALTHCAMP_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, str(Path(__file__).parent.parent / "bench" / script), *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert said in done.stdout
    assert re.search(r"\d\.\d+ ?x", done.stdout.split(said, 1)[1]), done.stdout  # a ratio
