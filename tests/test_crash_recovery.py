"""Backup, restore and key rotation killed (SIGKILL) at random instants, and a server beside them.

After every kill, before anything repairs it:
- nobody the erasure ledger lists is in the database, and no file under HEALTHCAMP_HOME or
  the temporary folder holds an erased person's wrapped data key;
- no file but the database itself holds a plaintext copy of it (a staging copy of a
  restore may be left, already re-erased; the next server start removes it);
then, after what a server start does (reapply_at_start), every participant who was not
erased opens with their name and the audit log verifies.

The default suite kills each command 5 times; `-m slow` kills each 25 times. The seed of
the random kill instants is printed on failure.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.cli, pytest.mark.database_url]

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("HEALTHCAMP_DATABASE_URL", "")
ON_PG = PG_URL.startswith("postgres")
TRIALS = [pytest.param(5, id="5-kills"), pytest.param(25, id="25-kills", marks=pytest.mark.slow)]

SETUP = """
import django, json, sys, uuid
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from datetime import date
from pathlib import Path
from healthcamp.services import participants, programmes
from healthcamp.services.backup import backup
from healthcamp.services.erasure import participant_erase
from healthcamp.access.staff import staff_add
from healthcamp.registry.models import Participant
people, erased, out = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
desk = staff_add(username="r", role="registrar", password="pw-123456-x")
c = staff_add(username="c", role="coordinator", password="pw-123456-x").actor
p = programmes.programme_create(actor=c, name="Crash Camp").id
if hasattr(programmes, "member_add"):  # staff belong to programmes
    programmes.member_add(actor=c, programme_id=p, username="r")
def name(n):  # letters only
    return "Given" + "".join(chr(97 + n // 26**i % 26) for i in range(3))
ids = [str(participants.participant_register(
    actor=desk.actor, programme_id=p, given_name=name(n), family_name="Crashworth",
    date_of_birth=date(1950 + n % 40, 1 + n % 12, 1 + n % 28), sex="other",
    preferred_language="en").id) for n in range(people)]
backup(path=out / "before.hcbackup")
keys = [bytes(Participant.objects.get(pk=pid).wrapped_key).hex() for pid in ids[:erased]]
for pid in ids[:erased]:
    participant_erase(actor=c, participant_id=uuid.UUID(pid))
print(json.dumps({"erased": ids[:erased], "kept": ids[erased:], "keys": keys,
                  "token": desk.token, "programme": p}))
"""

INSPECT = """
import django, json, sys, uuid
django.setup()
from django.contrib.auth import get_user_model
from healthcamp.services import participants
from healthcamp.access.errors import NotFound
from healthcamp.access.roles import Purpose
from healthcamp.access.staff import actor_for_user
from healthcamp.audit.chain import verify
ids = json.loads(sys.argv[1])
out = {"reerased": 0}
if "--start" in sys.argv:  # what `healthcamp serve` does before it forks
    try:
        from healthcamp.services.backup import reapply_at_start
    except ImportError:  # a version whose server did nothing at start
        reapply_at_start = lambda: 0
    out["reerased"] = reapply_at_start()
desk = actor_for_user(get_user_model().objects.get(username="r"))
names = {}
for pid in ids:
    try:
        names[pid] = participants.participant_read(
            actor=desk, purpose=Purpose.REGISTRATION, participant_id=uuid.UUID(pid)).given_name
    except NotFound:
        names[pid] = None
result = verify()
out.update(names=names, audit_ok=result.ok, audit=f"{result.problem} {result.warning}")
print(json.dumps(out))
"""


@dataclass
class World:
    """A home (keys, ledger, head file; the SQLite file too) and its database, set up once
    per test run and shared by the xdist workers."""

    home: Path
    erased: list[str]
    kept: list[str]
    keys: list[bytes]
    token: str
    programme: int
    scratch: str = ""  # PostgreSQL: this worker's database for trials, reloaded each time


def _admin(sql: str, params: tuple[str, ...] = ()) -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(sql.encode(), params or None)


def _pg_url(database: str) -> str:
    return PG_URL.rsplit("/", 1)[0] + "/" + database


def _env(home: Path, database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        HEALTHCAMP_HOME=str(home),
        DJANGO_SETTINGS_MODULE="healthcamp.settings",
        TMPDIR=str(home.parent / "tmp"),
    )
    (home.parent / "tmp").mkdir(exist_ok=True)
    if database:
        env["HEALTHCAMP_DATABASE_URL"] = _pg_url(database)
    else:
        env.pop("HEALTHCAMP_DATABASE_URL", None)
    return env


def _python(env: dict[str, str], *args: str, timeout: float = 180) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, f"{args[:2]} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def _make_world(base: Path, people: int, erased: int) -> None:
    """Register people, back up, erase some; PostgreSQL: keep the result as SQL."""
    home = base / "home"
    home.mkdir(parents=True)
    database = f"helper_c_crash_{uuid.uuid4().hex[:10]}" if ON_PG else ""
    if database:
        _admin(f'CREATE DATABASE "{database}"')
    made = _python(_env(home, database), "-c", SETUP, str(people), str(erased), str(base))
    if database:  # the world as SQL, to reload the trials' databases from
        dump = ["pg_dump", "--clean", "--if-exists", "--no-owner", "-d", _pg_url(database)]
        sql = subprocess.run(dump, capture_output=True, check=True, timeout=120).stdout
        (base / "world.sql").write_bytes(sql)
        _admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    (base / "world.json").write_text(made)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    import fcntl

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers of this run
    base = root / f"crash-world-{'pg' if ON_PG else 'sqlite'}"
    with (root / "crash-world.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one worker builds it, the others wait for it
        if not (base / "world.json").exists():
            shutil.rmtree(base, ignore_errors=True)
            _make_world(base, people=60, erased=30)
    made = json.loads((base / "world.json").read_text())
    built = World(
        base / "home",
        made["erased"],
        made["kept"],
        [bytes.fromhex(k) for k in made["keys"]],
        made["token"],
        made["programme"],
    )
    if ON_PG:
        built.scratch = f"helper_c_crash_{uuid.uuid4().hex[:10]}"
        _admin(f'CREATE DATABASE "{built.scratch}"')
    yield built
    if built.scratch:
        _admin(f'DROP DATABASE IF EXISTS "{built.scratch}" WITH (FORCE)')


@dataclass
class Trial:
    home: Path
    env: dict[str, str]
    database: str
    backups: Path


def _trial(world: World, where: Path) -> Trial:
    """A copy of the world: its home folder, and (PostgreSQL) its database reloaded."""
    home = where / "home"
    shutil.copytree(world.home, home)
    for stale in home.glob("server.lock"):
        stale.unlink()
    if world.scratch:
        # A killed command's session may still hold its locks: end it first.
        _admin(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (world.scratch,),
        )
        load = ["psql", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", _pg_url(world.scratch)]
        sql = (world.home.parent / "world.sql").read_bytes()
        subprocess.run(load, input=sql, capture_output=True, check=True, timeout=120)
    backups = where / "backups"
    backups.mkdir()
    shutil.copy(world.home.parent / "before.hcbackup", backups / "before.hcbackup")
    return Trial(home, _env(home, world.scratch), world.scratch, backups)


def _run_and_kill(trial: Trial, args: list[str], delay: float | None) -> int:
    """Run a command; SIGKILL it after delay seconds unless it ends first."""
    log = (trial.home.parent / "command.log").open("a")
    started = subprocess.Popen(
        [sys.executable, *args], env=trial.env, cwd=ROOT, stdout=log, stderr=log
    )
    try:
        return started.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        started.send_signal(signal.SIGKILL)
        started.wait()
        return -signal.SIGKILL
    finally:
        log.close()


DATABASE_FILES = {"healthcamp.sqlite3", "healthcamp.sqlite3-wal", "healthcamp.sqlite3-shm"}
PLAINTEXT_MARKS = (b"SQLite format 3\x00", b"PGDMP", b"registry_participant")


def _database_ids(trial: Trial) -> set[str]:
    if trial.database:
        import psycopg

        with psycopg.connect(trial.env["HEALTHCAMP_DATABASE_URL"]) as db:
            rows = db.execute("SELECT id::text FROM registry_participant").fetchall()
        return {uuid.UUID(row[0]).hex for row in rows}
    with sqlite3.connect(trial.home / "healthcamp.sqlite3", timeout=30) as db:
        return {row[0] for row in db.execute("SELECT id FROM registry_participant")}


def _files(trial: Trial) -> Iterator[Path]:
    for folder in (trial.home, trial.home.parent / "tmp", trial.backups):
        yield from (p for p in folder.rglob("*") if p.is_file())


def check_killed_state(world: World, trial: Trial) -> list[str]:
    """What must hold right after a kill, before anything repairs it."""
    problems = []
    for path in _files(trial):
        data = path.read_bytes()
        if any(key in data for key in world.keys):
            problems.append(f"{path.name} holds an erased person's wrapped data key")
        plaintext = any(mark in data for mark in PLAINTEXT_MARKS)
        if plaintext and path.name not in DATABASE_FILES | {"healthcamp.sqlite3.restoring"}:
            problems.append(f"{path} is a plaintext copy of the database")
    back = {uuid.UUID(pid).hex for pid in world.erased} & _database_ids(trial)
    if back:
        problems.append(f"{len(back)} erased participant(s) are in the database again")
    return problems


def check_after_start(world: World, trial: Trial) -> list[str]:
    """After what a server start does: everyone kept opens, the log verifies."""
    args = ["-c", INSPECT, json.dumps(world.kept + world.erased[:5]), "--start"]
    seen = json.loads(_python(trial.env, *args))
    problems = []
    wrong = [pid for pid in world.kept if seen["names"][pid] is None]
    if wrong:
        problems.append(f"{len(wrong)} kept participant(s) do not open")
    if any(seen["names"][pid] is not None for pid in world.erased[:5]):
        problems.append("an erased participant opens")
    if not seen["audit_ok"]:
        problems.append(f"the audit log does not verify: {seen['audit']}")
    return problems


def check_leftovers(trial: Trial) -> list[str]:
    """Nothing half-made is left once the server has started (or the command has run)."""
    names = [p.name for p in _files(trial)]
    left = [n for n in names if n.endswith((".restoring", ".partial", ".tmp"))]
    left += [n for n in names if n == "restore-journal"]
    return [f"left behind: {left}"] if left else []


def _delays(rng: random.Random, full: float, trials: int) -> list[float]:
    # Spread over the command's life after Python has started (about 0.4 s in).
    low = min(0.35, full / 2)
    return [rng.uniform(low, full * 1.05) for _ in range(trials)]


def _crash_trials(
    world: World,
    tmp_path: Path,
    trials: int,
    command: list[str],
    check: Callable[[Trial], list[str]],
) -> None:
    """Time the command once, then kill it at random instants in copies of the world."""
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    measured = _trial(world, tmp_path / "measure")
    started = time.monotonic()
    finished = _run_and_kill(measured, command, None)
    assert finished == 0, (tmp_path / "measure" / "command.log").read_text()
    full = time.monotonic() - started
    failures = []
    for n, delay in enumerate(_delays(rng, full, trials)):
        trial = _trial(world, tmp_path / f"t{n}")
        code = _run_and_kill(trial, command, delay)
        problems = check_killed_state(world, trial) + check(trial)
        if problems:
            failures.append(f"kill at {delay:.2f}s of {full:.2f}s (exit {code}): {problems}")
    assert not failures, f"seed {seed}:\n" + "\n".join(failures)


_RESTORE_OWN_COPY = """
import os, sys
from pathlib import Path
home = Path(os.environ["HEALTHCAMP_HOME"])
sys.argv = ["healthcamp", "restore", str(home.parent / "backups" / "before.hcbackup"), "--yes"]
from healthcamp.cli import main
sys.exit(main())
"""

_BACKUP_OWN_COPY = """
import os, sys
from pathlib import Path
home = Path(os.environ["HEALTHCAMP_HOME"])
sys.argv = ["healthcamp", "backup", str(home.parent / "backups" / "new.hcbackup")]
from healthcamp.cli import main
sys.exit(main())
"""

_ROTATE_IN_SMALL_BATCHES = """
import django
django.setup()
from healthcamp.services import keys
keys.BATCH = 8  # many commits: more places to be killed in
keys.rotate()
"""


@pytest.mark.parametrize("trials", TRIALS)
def test_a_killed_restore_brings_no_erased_person_back(
    world: World, tmp_path: Path, trials: int
) -> None:
    """Killed anywhere, a restore leaves the old database or the re-erased one: the 30
    people erased after the backup never come back, and nobody else is lost."""

    def started(trial: Trial) -> list[str]:
        return check_after_start(world, trial) + check_leftovers(trial)

    _crash_trials(world, tmp_path, trials, ["-c", _RESTORE_OWN_COPY], started)


@pytest.mark.parametrize("trials", TRIALS)
def test_a_killed_backup_leaves_no_plaintext(world: World, tmp_path: Path, trials: int) -> None:
    """Killed anywhere, a backup leaves no snapshot in the clear (not in the temporary
    folder, not beside the backup), and a backup file under its name is whole."""

    def whole_backup(trial: Trial) -> list[str]:
        made = trial.backups / "new.hcbackup"
        # A killed backup cannot remove its .partial; it holds ciphertext only (checked
        # above for plaintext), and the next backup of that name asks for it to be removed.
        (trial.backups / "new.hcbackup.partial").unlink(missing_ok=True)
        problems = check_leftovers(trial)
        if made.exists():
            check = "import django,sys; django.setup(); from healthcamp.services import backup; "
            check += "from pathlib import Path; backup._read(Path(sys.argv[1])); print('ok')"
            if _python(trial.env, "-c", check, str(made)) != "ok":
                problems.append("a torn backup file")
        return problems

    _crash_trials(world, tmp_path, trials, ["-c", _BACKUP_OWN_COPY], whole_backup)


@pytest.mark.parametrize("trials", TRIALS)
def test_a_killed_rotation_loses_no_key(world: World, tmp_path: Path, trials: int) -> None:
    """Killed anywhere, a rotation leaves every data key readable (a server started then
    serves everyone), and run again it finishes: every row under the new key."""

    def finishes(trial: Trial) -> list[str]:
        problems = check_after_start(world, trial)
        again = _cli(trial, "keys", "rotate")
        if again.returncode != 0:
            return [*problems, f"the rotation run again failed: {again.stderr[-400:]}"]
        new_id = again.stdout.split(" -> ")[1].split(":")[0]
        if _kek_ids(trial) != {new_id}:
            problems.append(f"rows wrapped by {_kek_ids(trial)}, not only by {new_id}")
        if (trial.home / "vault-kek.next").exists():
            problems.append("vault-kek.next is still there after a finished rotation")
        return problems + check_leftovers(trial)

    _crash_trials(world, tmp_path, trials, ["-c", _ROTATE_IN_SMALL_BATCHES], finishes)


def _kek_ids(trial: Trial) -> set[str]:
    query = "SELECT DISTINCT kek_id FROM registry_participant"
    if trial.database:
        import psycopg

        with psycopg.connect(trial.env["HEALTHCAMP_DATABASE_URL"]) as db:
            return {row[0] for row in db.execute(query).fetchall()}
    with sqlite3.connect(trial.home / "healthcamp.sqlite3", timeout=30) as db:
        return {row[0] for row in db.execute(query)}


KILL_AT_SECOND_ERASURE = """
import os, signal, sys
import django
django.setup()
from pathlib import Path
from healthcamp.services import backup, erasure
real, calls = erasure.shred, []
def shred(**kwargs):
    calls.append(1)
    if len(calls) == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return real(**kwargs)
erasure.shred = shred
backup.restore(path=Path(sys.argv[1]))
"""


def test_a_restore_killed_between_two_erasures_brings_nobody_back(
    world: World, tmp_path: Path
) -> None:
    """The worst instant of the old restore: the database swapped in, the first erased
    person erased again, the process killed before the second."""
    trial = _trial(world, tmp_path)
    code = _run_and_kill(
        trial, ["-c", KILL_AT_SECOND_ERASURE, str(trial.backups / "before.hcbackup")], None
    )
    assert code == -signal.SIGKILL
    assert check_killed_state(world, trial) == []
    assert check_after_start(world, trial) + check_leftovers(trial) == []


AUDIT_WRITES = """
import os, sys
allowed = set(sys.argv[2:])
seen = []
def hook(event, args):
    if event == "open":
        path, mode, flags = args
        writing = (mode and any(c in mode for c in "wax+")) or (
            mode is None and flags & (os.O_WRONLY | os.O_RDWR))
        if isinstance(path, int):  # os.fdopen of a descriptor opened (and seen) before
            return
        if writing and str(path) not in allowed and not str(path).startswith("/dev/"):
            seen.append(f"opened for writing: {path}")
    elif event == "sqlite3.connect" and str(args[0]) not in allowed | {":memory:"}:
        seen.append(f"an SQLite database made at {args[0]}")
    elif event == "subprocess.Popen" and any("--file" in str(a) for a in args[1]):
        seen.append(f"a program writing a file: {args[1]}")
sys.addaudithook(hook)
import django
django.setup()
from pathlib import Path
from healthcamp.services import backup
backup.backup(path=Path(sys.argv[1]))
print(repr(seen))
"""


def test_a_backup_writes_no_plaintext_file_on_its_way(world: World, tmp_path: Path) -> None:
    """The snapshot goes through encryption as it streams: the only files a backup opens
    for writing are its own (ciphertext) file and its .partial."""
    trial = _trial(world, tmp_path)
    target = trial.backups / "streamed.hcbackup"
    database = str(trial.home / "healthcamp.sqlite3")
    seen = _python(
        trial.env,
        "-c",
        AUDIT_WRITES,
        str(target),
        str(target),
        f"{target}.partial",
        database,
        str(trial.home / "vault-kek"),
        str(trial.home / "vault-index-key"),
        str(trial.home / "secret_key"),
    )
    assert seen == "[]"
    assert not any(mark in target.read_bytes() for mark in PLAINTEXT_MARKS)


# ---- a server beside restore and rotation ------------------------------------------

PUT_BACK = """
import django, json, sys, uuid
django.setup()
from healthcamp.services.erasure import participant_erase
from healthcamp.access.staff import actor_for_user
from django.contrib.auth import get_user_model
from healthcamp.registry.models import Participant
pid = uuid.UUID(sys.argv[1])
row = Participant.objects.filter(pk=pid).values().get()
participant_erase(actor=actor_for_user(get_user_model().objects.get(username="c")),
                  participant_id=pid)
Participant.objects.create(**row)  # a database put back from before the erasure
print("ok")
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _call(base: str, token: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    request = urllib.request.Request(  # noqa: S310 - a local test server
        base + "/api/v1" + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, None


def _cli(trial: Trial, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "healthcamp.cli", *args],
        env=trial.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_restore_and_rotation_wait_for_the_server_which_erases_again_at_start(
    world: World, tmp_path: Path
) -> None:
    """A person the ledger lists but the database holds is erased when the server starts;
    while it runs, restore and key rotation refuse and change nothing; once it has
    stopped, both run."""
    trial = _trial(world, tmp_path)
    back = world.kept[0]
    assert _python(trial.env, "-c", PUT_BACK, back) == "ok"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "healthcamp.cli", "serve", "--port", str(port), "--workers", "2"],
        env=trial.env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    problems: list[str] = []
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=30)  # noqa: S310
                break
            except OSError:  # not listening yet
                time.sleep(0.1)
        status, _ = _call(base, world.token, "GET", f"/participants/{back}?purpose=registration")
        if status != 404:
            problems.append(f"the person put back answers {status} after the server started")
        restored = _cli(trial, "restore", str(trial.backups / "before.hcbackup"), "--yes")
        if restored.returncode == 0 or "stop it before restoring" not in restored.stderr:
            problems.append(f"restore ran beside the server: {restored.stderr.strip()[-300:]}")
        rotated = _cli(trial, "keys", "rotate")
        if rotated.returncode == 0 or "stop it before rotating" not in rotated.stderr:
            problems.append(f"rotation ran beside the server: {rotated.stderr.strip()[-300:]}")
        status, made = _call(
            base,
            world.token,
            "POST",
            "/participants",
            {
                "programme_id": world.programme,
                "given_name": "Latecomer",
                "family_name": "Crashworth",
                "date_of_birth": "1990-02-03",
                "sex": "other",
                "preferred_language": "en",
            },
        )
        if status != 201:
            problems.append(f"registering beside the refused commands answered {status}")
        else:
            status, _ = _call(
                base, world.token, "GET", f"/participants/{made['id']}?purpose=registration"
            )
            if status != 200:
                problems.append(f"the person registered then answers {status}")
        for pid in world.kept[1:4]:
            status, _ = _call(base, world.token, "GET", f"/participants/{pid}?purpose=registration")
            if status != 200:
                problems.append(f"a kept participant answers {status}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
    assert not problems, "\n".join(problems)
    assert _cli(trial, "keys", "rotate").returncode == 0
    assert _cli(trial, "restore", str(trial.backups / "before.hcbackup"), "--yes").returncode == 0
    assert check_killed_state(world, trial) == []
