"""Peak memory of `backup` and `restore` against the size of the database (SQLite).

    .venv/bin/python bench/backup_memory.py [--sizes 64,512] [--chunk BYTES]

For each size it builds a throwaway home (migrated, then padded with random blobs to
about SIZE MB), and runs, each in a process of its own whose peak RSS the kernel reports
(wait4): a baseline (Django set up, the database opened), the old way of taking a
snapshot (SQLite's backup API into memory, as format 2 did), `backup`, and `restore`.
It prints each peak RSS, the growth over the baseline, and the ratio of the largest
size's growth to the smallest's: flat is ~1, the in-memory image grows with the size.
Python's own allocation peak (tracemalloc) is printed beside it, and each step's time,
with backup and restore as ratios of the least a backup can cost: reading the database
file and sealing it in chunks (seal_file). Homes are removed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOB = 64 << 10

STEPS = {
    "baseline": """
from django.db import connection
connection.ensure_connection()
""",
    "image": """
import contextlib, sqlite3
from django.db import connection
connection.ensure_connection()
with contextlib.closing(sqlite3.connect(":memory:")) as copy:
    connection.connection.backup(copy)
    image = copy.serialize()
""",
    "seal_file": """
import os
from healthcamp.lib import sealed_stream
with open(home / "healthcamp.sqlite3", "rb") as db, open(os.devnull, "wb") as out:
    pieces = iter(lambda: db.read(CHUNK), b"")
    sealed_stream.seal(out, key=bytes(32), header=b"{}", pieces=pieces, chunk=CHUNK)
""",
    "backup": """
from healthcamp.services import backup
backup.backup(path=home.parent / "bench.hcbackup", chunk=CHUNK)
""",
    "restore": """
from healthcamp.services import backup
backup.restore(path=home.parent / "bench.hcbackup")
""",
}

CHILD = """
import json, os, sys, tracemalloc
from pathlib import Path
import django
django.setup()
home = Path(os.environ["HEALTHCAMP_HOME"])
CHUNK = int(sys.argv[1])
tracemalloc.start()
exec(compile(sys.argv[2], "step", "exec"))
print(json.dumps({"python_peak": tracemalloc.get_traced_memory()[1]}))
"""


def _env(home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "HEALTHCAMP_HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "healthcamp.settings",
    }
    env.pop("HEALTHCAMP_DATABASE_URL", None)
    return env


def _measured(home: Path, step: str, chunk: int) -> dict[str, float]:
    """Run one step in a fresh process: its peak RSS (bytes) and Python peak."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(chunk), STEPS[step]],
            env=_env(home),
            cwd=ROOT,
            stdout=out,
            stderr=err,
        )
        # wait4, not wait(): the kernel's account of this one child, its peak RSS.
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{step} failed: {err.read().decode(errors='replace')[-2000:]}")
        python_peak = json.loads(out.read().decode().strip().splitlines()[-1])["python_peak"]
    return {"rss": usage.ru_maxrss * 1024, "python_peak": python_peak, "seconds": elapsed}


def _build(home: Path, megabytes: int) -> int:
    """A migrated database padded with incompressible blobs to about megabytes."""
    subprocess.run(
        [sys.executable, "-m", "healthcamp.cli", "migrate"],
        env=_env(home),
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    database = home / "healthcamp.sqlite3"
    with contextlib.closing(sqlite3.connect(database)) as db:
        db.execute("CREATE TABLE bench_padding (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
        for _ in range(megabytes * (1 << 20) // BLOB):
            db.execute("INSERT INTO bench_padding (data) VALUES (?)", [os.urandom(BLOB)])
        db.commit()
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return database.stat().st_size


def _mb(value: float) -> str:
    return f"{value / (1 << 20):,.0f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="64,512", help="database sizes in MB, comma-separated")
    parser.add_argument("--chunk", type=int, default=1 << 20, help="backup chunk size in bytes")
    parser.add_argument(
        "--no-image", action="store_true", help="skip the in-memory image (needs 2x the size)"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.no_image:
        del STEPS["image"]
    growth: dict[str, list[float]] = {step: [] for step in STEPS if step != "baseline"}
    print(f"chunk {args.chunk} bytes; peak RSS of each step in its own process")
    print(f"{'database':>10} {'file':>10} | " + " | ".join(f"{s:>22}" for s in STEPS))
    for megabytes in sizes:
        where = Path(tempfile.mkdtemp(prefix="healthcamp-bench-backup-"))
        try:
            home = where / "home"
            home.mkdir()
            size = _build(home, megabytes)
            seen = {step: _measured(home, step, args.chunk) for step in STEPS}
            file_size = (where / "bench.hcbackup").stat().st_size
        finally:
            shutil.rmtree(where, ignore_errors=True)
        base = seen["baseline"]["rss"]
        for step, values in growth.items():
            values.append(seen[step]["rss"] - base)
        cells = [f"{_mb(seen[s]['rss']):>9} (py {_mb(seen[s]['python_peak']):>7})" for s in STEPS]
        print(f"{_mb(size):>10} {_mb(file_size):>10} | " + " | ".join(f"{c:>22}" for c in cells))
        sealing = seen["seal_file"]["seconds"]
        times = [f"{s} {seen[s]['seconds']:.1f} s" for s in STEPS if s != "baseline"]
        print(f"{'':>21}   time: {', '.join(times)}")
        for step in ("backup", "restore"):
            print(
                f"{'':>21}   {step} throughput vs sealing the file: {sealing / seen[step]['seconds']:.2f}x"
            )
    if len(sizes) > 1:
        print(f"growth over the baseline, {sizes[-1]} MB / {sizes[0]} MB database:")
        for step, values in growth.items():
            ratio = values[-1] / max(values[0], 1 << 20)
            print(f"  {step:>8}: {_mb(values[0])} -> {_mb(values[-1])} ({ratio:.2f}x)")


if __name__ == "__main__":
    main()
