"""The real server, forked into workers, never hands one request another request's rows.

`healthcamp serve` checks for pending migrations in the gunicorn master before it
forks; a connection left open there was inherited by every worker (one socket, three
processes), and under load requests got each other's rows. This starts the real
server on its own database and reads four people from eight clients from the first
second on.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.cli, pytest.mark.database_url]

SETUP = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "healthcamp.settings"
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from healthcamp.services import programmes, participants
from healthcamp.access.staff import staff_add
coordinator = staff_add(username="coord", role="coordinator", password=None)
registrar = staff_add(username="desk", role="registrar", password=None)
camp = programmes.programme_create(actor=coordinator.actor, name="Fork Camp")
programmes.member_add(actor=coordinator.actor, programme_id=camp.id, username="desk")
ids, cards = [], []
for n, name in enumerate(["Amina", "Bilal", "Chen", "Dalia"]):
    made = participants.participant_register(
        actor=registrar.actor, programme_id=camp.id, given_name=name, family_name="Tester",
        date_of_birth=__import__("datetime").date(1980 + n, 1, 2), sex="female",
        preferred_language="en", phone="",
    )
    ids.append(str(made.id))
    cards.append(made.card_code)
print(json.dumps({"token": registrar.token, "ids": ids, "cards": cards}))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server_database(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for a server on a database of its own (PostgreSQL when the suite runs on
    it, else a SQLite file)."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["HEALTHCAMP_HOME"] = str(tmp_path)
    env["HEALTHCAMP_DB_CONN_MAX_AGE"] = "60"  # as deployed: connections outlive requests
    url = os.environ.get("HEALTHCAMP_DATABASE_URL", "")
    name = ""
    if url.startswith("postgres"):
        import psycopg

        name = f"healthcamp_fork_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        env["HEALTHCAMP_DATABASE_URL"] = url.rsplit("/", 1)[0] + "/" + name
    else:
        env.pop("HEALTHCAMP_DATABASE_URL", None)
    yield env
    if name:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _read(base: str, token: str, pid: str) -> str:
    request = urllib.request.Request(  # noqa: S310 - a local test server
        f"{base}/api/v1/participants/{pid}?purpose=registration",
        headers={"Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            body = json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, ConnectionError):
        return "not up"
    return "ok" if body.get("id") == pid else f"got {body.get('id')} for {pid}"


def test_requests_from_the_first_second_each_get_their_own_person(
    server_database: dict[str, str],
) -> None:
    made = subprocess.run(
        [sys.executable, "-c", SETUP],
        env=server_database,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    setup = json.loads(made.stdout.strip().splitlines()[-1])
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = Path(server_database["HEALTHCAMP_HOME"]) / "server.log"
    server = subprocess.Popen(
        [sys.executable, "-m", "healthcamp.cli", "serve", "--port", str(port), "--workers", "2"],
        env=server_database,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    outcomes: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while _read(base, setup["token"], setup["ids"][0]) == "not up":
            assert time.monotonic() < deadline, "the server did not start"
            assert server.poll() is None, log.read_text()
            time.sleep(0.05)

        def client(n: int) -> None:
            pid = setup["ids"][n % 4]
            until = time.monotonic() + 4
            while time.monotonic() < until:
                outcomes.append(_read(base, setup["token"], pid))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        found = urllib.request.Request(  # noqa: S310 - a local test server
            f"{base}/api/v1/participants?card_code={setup['cards'][0]}",
            headers={"Authorization": f"Bearer {setup['token']}"},
        )
        with urllib.request.urlopen(found, timeout=30) as answer:  # noqa: S310
            assert answer.status == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    served = log.read_text()
    assert '"GET /api/v1/participants" 200' in served  # the search was logged ...
    assert setup["cards"][0] not in served  # ... without the card code it carried
    wrong = [o for o in outcomes if o != "ok"]
    assert len(outcomes) > 50
    assert wrong == [], f"{len(wrong)} of {len(outcomes)} answers wrong: {sorted(set(wrong))[:5]}"
