"""Shared plumbing for benchmarks: a throwaway database per engine, in a child process.

Each engine runs in its own process (Django settings are per process). The
parent prints ratios; absolute times are printed only for context.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def best_of(rounds: int, work: Callable[[], int]) -> float:
    """Operations per second of the fastest round (least disturbed by the machine)."""
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        operations = work()
        elapsed = time.perf_counter() - started
        best = max(best, operations / elapsed)
    return best


def pg_available(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def run_engines(script: str, args: argparse.Namespace) -> list[dict[str, object]]:
    """Run `script --child` once per engine; return the JSON each child printed last."""
    results = []
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    for engine in engines:
        home = tempfile.mkdtemp(prefix="healthcamp-bench-")
        env = {
            **os.environ,
            "HEALTHCAMP_HOME": home,
            "DJANGO_SETTINGS_MODULE": "healthcamp.settings",
        }
        env.pop("HEALTHCAMP_DATABASE_URL", None)
        dbname = None
        if engine == "postgresql":
            if not pg_available(args.pg_url):
                print(
                    f"PostgreSQL at {args.pg_url} is not reachable: skipping it.", file=sys.stderr
                )
                continue
            import psycopg

            dbname = f"healthcamp_bench_{uuid.uuid4().hex[:8]}"
            with psycopg.connect(args.pg_url, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{dbname}"')
            env["HEALTHCAMP_DATABASE_URL"] = args.pg_url.rsplit("/", 1)[0] + f"/{dbname}"
        try:
            child = [sys.executable, str(ROOT / "bench" / script), "--child", *sys.argv[1:]]
            output = subprocess.run(child, env=env, check=True, capture_output=True, text=True)
            results.append({"engine": engine, **json.loads(output.stdout.strip().splitlines()[-1])})
        except subprocess.CalledProcessError as error:
            print(error.stderr, file=sys.stderr)
            raise
        finally:
            shutil.rmtree(home, ignore_errors=True)  # a bench leaves nothing behind
            if dbname:
                import psycopg

                with psycopg.connect(args.pg_url, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    return results


def base_parser(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--pg-url", default=os.environ.get("HEALTHCAMP_TEST_POSTGRES_URL", DEFAULT_PG)
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    return parser


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
