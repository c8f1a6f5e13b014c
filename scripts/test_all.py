"""Everything `./run test` does: lint, types, layering, then the suite on SQLite and PostgreSQL.

PostgreSQL is found at HEALTHCAMP_TEST_POSTGRES_URL (default: postgres on
127.0.0.1:5432). If nothing answers there, a throwaway cluster is started from
the machine's PostgreSQL binaries (pytest-postgresql's executor; as root, the
machine's own cluster is started instead because initdb refuses root). With
neither, the PostgreSQL half is skipped loudly - and under CI=true, that fails.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def banner(text: str) -> None:
    line = "=" * 78
    print(f"\n{line}\n{text}\n{line}", flush=True)


def run(step: str, args: list[str], env: dict[str, str] | None = None) -> bool:
    banner(step)
    started = time.monotonic()
    code = subprocess.call(args, cwd=ROOT, env=env)
    print(
        f"-- {step}: {'ok' if code == 0 else f'FAILED (exit {code})'}"
        f" in {time.monotonic() - started:.0f}s",
        flush=True,
    )
    return code == 0


def pg_reachable(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def pg_bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


@contextmanager
def postgres() -> Iterator[str | None]:
    """Yield a URL of a reachable PostgreSQL server, or None when there is none."""
    url = os.environ.get("HEALTHCAMP_TEST_POSTGRES_URL", DEFAULT_PG)
    if pg_reachable(url):
        print(f"PostgreSQL: using the server at {url}")
        yield url
        return
    if os.geteuid() == 0 and shutil.which("pg_ctlcluster") and Path("/etc/postgresql").is_dir():
        version = sorted(os.listdir("/etc/postgresql"))[-1]
        print(f"PostgreSQL: starting the machine's cluster {version}/main")
        subprocess.call(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"])
        for _ in range(30):
            if pg_reachable(DEFAULT_PG):
                yield DEFAULT_PG
                return
            time.sleep(1)
    bin_dir = pg_bin_dir()
    if bin_dir is not None and os.geteuid() != 0:
        from port_for import get_port
        from pytest_postgresql.executors import PostgreSQLExecutor

        port = get_port(None)
        assert port is not None  # noqa: S101
        datadir = tempfile.mkdtemp(prefix="healthcamp-pg-")
        executor = PostgreSQLExecutor(
            executable=str(bin_dir / "pg_ctl"),
            host="127.0.0.1",
            port=port,
            datadir=f"{datadir}/data",
            unixsocketdir=datadir,
            logfile=f"{datadir}/log",
            startparams="-w",
            dbname="postgres",
            user="postgres",
        )
        print(f"PostgreSQL: starting a throwaway cluster in {datadir} on port {port}")
        with executor:
            executor.wait_for_postgres()
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        shutil.rmtree(datadir, ignore_errors=True)
        return
    yield None


def ensure_chromium() -> bool:
    if Path("/usr/bin/chromium").exists():
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        banner("Installing Debian's chromium for the browser tests")
        subprocess.call(["apt-get", "update", "-qq"])
        subprocess.call(
            [
                "apt-get",
                "install",
                "-y",
                "-qq",
                "--no-install-recommends",
                "chromium",
                "fonts-noto-core",
                "fonts-noto-cjk",  # Simplified Chinese pages and PDF letters
                "fonts-dejavu-core",
            ],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    return Path("/usr/bin/chromium").exists()


def ensure_gettext() -> bool:
    """GNU gettext: msgfmt compiles the translations, xgettext finds the strings (the
    catalogue tests run both). Installed like chromium when missing and running as root."""
    if shutil.which("msgfmt") and shutil.which("xgettext"):
        return True
    if os.geteuid() == 0 and shutil.which("apt-get"):
        banner("Installing Debian's gettext for the translations")
        subprocess.call(["apt-get", "update", "-qq"])
        subprocess.call(
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "gettext"],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    return bool(shutil.which("msgfmt") and shutil.which("xgettext"))


def pytest_run(label: str, env: dict[str, str], extra: list[str]) -> tuple[bool, int, int, int]:
    report = Path(tempfile.mkstemp(prefix="healthcamp-junit-", suffix=".xml")[1])
    ok = run(
        f"Tests on {label}",
        [
            str(BIN / "pytest"),
            "-q",
            "-n",
            os.environ.get("HEALTHCAMP_TEST_WORKERS", "2"),
            f"--junitxml={report}",
            *extra,
        ],
        env=env,
    )
    passed = failed = skipped = 0
    try:
        suite = ET.parse(report).getroot()  # our own pytest report
        for node in suite.iter("testsuite"):
            tests, errors = int(node.get("tests", 0)), int(node.get("errors", 0))
            fails, skips = int(node.get("failures", 0)), int(node.get("skipped", 0))
            passed += tests - errors - fails - skips
            failed += errors + fails
            skipped += skips
    except (ET.ParseError, FileNotFoundError):
        failed += 1
    report.unlink(missing_ok=True)
    return ok, passed, failed, skipped


def ensure_fhir_validators() -> bool:
    """The outside FHIR validators the conformance tests run (tests/fhir/): the npm `fhir`
    package (pinned by its package-lock) and fhir.resources' R4 models, which need pydantic 1
    and so live in a folder of their own, never in the venv."""
    ok = True
    # Pinned by their package-lock files: the npm fhir validator, and axe-core for the
    # accessibility browser tests (tests/a11y).
    for folder, package in (("fhir/validator", "fhir"), ("a11y", "axe-core")):
        where = ROOT / "tests" / folder
        if (where / "node_modules" / package).exists():
            continue
        if shutil.which("npm"):
            banner(f"Installing {package} from the npm registry for the tests (tests/{folder})")
            npm = ["npm", "ci", "--prefix", str(where), "--no-audit", "--no-fund"]
            ok = subprocess.call(npm) == 0 and ok
        else:
            ok = False
    requirements = ROOT / "tests" / "fhir" / "requirements-r4.txt"
    target = ROOT / ".venv" / "fhir-r4"
    want = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = target / ".installed"
    if not stamp.exists() or stamp.read_text().strip() != want:
        banner("Installing fhir.resources' R4 models (apart from the venv) for the FHIR tests")
        shutil.rmtree(target, ignore_errors=True)
        pip = [str(BIN / "python"), "-m", "pip", "install", "--quiet"]
        pip += ["--disable-pip-version-check", "--no-deps", "--target", str(target)]
        if subprocess.call([*pip, "-r", str(requirements)]) == 0:
            stamp.write_text(want + "\n")
        else:
            ok = False
    return ok


def main() -> int:
    extra = sys.argv[1:]
    results: dict[str, bool] = {}
    results["ruff"] = run("ruff (lint)", [str(BIN / "ruff"), "check", "."])
    results["ruff format"] = run("ruff (format)", [str(BIN / "ruff"), "format", "--check", "."])
    results["mypy"] = run("mypy", [str(BIN / "mypy"), "healthcamp", "scripts"])
    results["import-linter"] = run("import-linter (layering)", [str(BIN / "lint-imports")])

    results["npm test tools installed"] = ensure_fhir_validators() or not IN_CI
    results["translations compiled"] = ensure_gettext() and run(
        "Translations (msgfmt --check)", [str(BIN / "healthcamp"), "compilemessages"]
    )
    have_browser = ensure_chromium()
    if not have_browser:
        banner("!! Debian's chromium is missing: the browser tests are SKIPPED !!")
        results["chromium"] = not IN_CI

    home = tempfile.mkdtemp(prefix="healthcamp-test-home-")
    base_env = {k: v for k, v in os.environ.items() if k != "HEALTHCAMP_DATABASE_URL"}
    base_env["HEALTHCAMP_HOME"] = home
    # Server threads in browser tests must not keep connections that block dropping test DBs.
    base_env["HEALTHCAMP_DB_CONN_MAX_AGE"] = "0"
    if not have_browser:
        base_env["HEALTHCAMP_SKIP_BROWSER"] = "1"

    totals = [0, 0, 0]

    def tally(name: str, outcome: tuple[bool, int, int, int]) -> None:
        ok, passed, failed, skipped = outcome
        results[name] = ok
        totals[0] += passed
        totals[1] += failed
        totals[2] += skipped

    tally("tests on SQLite", pytest_run("SQLite", base_env, extra))
    with postgres() as url:
        if url is None:
            banner(
                "!! PostgreSQL was not reachable and could not be started: SKIPPED !!\n"
                "   Set HEALTHCAMP_TEST_POSTGRES_URL, or install PostgreSQL's server binaries."
            )
            results["tests on PostgreSQL"] = not IN_CI
        else:
            tally(
                "tests on PostgreSQL",
                pytest_run("PostgreSQL", {**base_env, "HEALTHCAMP_DATABASE_URL": url}, extra),
            )
    shutil.rmtree(home, ignore_errors=True)

    banner("Summary")
    for name, ok in results.items():
        print(f"  {'ok    ' if ok else 'FAILED'}  {name}")
    print(f"{totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
    return 0 if all(results.values()) and totals[0] > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
