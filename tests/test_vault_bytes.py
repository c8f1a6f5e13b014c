"""Look at the bytes: a stolen database file or dump holds no names, birth dates or phones."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from django.db import connection

from healthcamp.services import consent, participants

PEOPLE = [
    ("Zyxquorra", "Pemberthwaite", date(1961, 7, 23), "+254 799 424242"),
    ("Ölvirðun", "Ŋgatsébo", date(1958, 2, 11), "+44 7700 900123"),
    ("مريمونة", "الحدادية", date(1973, 12, 5), ""),
]
GUARDIAN = "Quillfeatherby Oakenshaw"


def _secrets() -> list[bytes]:
    found = []
    for given, family, born, phone in PEOPLE:
        found += [given.encode(), family.encode(), born.isoformat().encode()]
        found.append(born.strftime("%d/%m/%Y").encode())
        if phone:
            found += [phone.encode(), phone.replace(" ", "").encode()]
    found.append(GUARDIAN.encode())
    return found


def _register_everyone(registrar, coordinator, programme_id: int) -> None:
    from tests.conftest import publish_document

    document = publish_document(coordinator, programme_id)
    for given, family, born, phone in PEOPLE:
        record = participants.participant_register(
            actor=registrar.actor,
            programme_id=programme_id,
            given_name=given,
            family_name=family,
            date_of_birth=born,
            sex="other",
            preferred_language="en",
            phone=phone,
        )
    child = participants.participant_register(
        actor=registrar.actor,
        programme_id=programme_id,
        given_name="Tiny",
        family_name="Person",
        date_of_birth=date.today().replace(year=date.today().year - 3),
        sex="other",
        preferred_language="en",
    )
    consent.consent_record(
        actor=registrar.actor,
        participant_id=child.id,
        document_id=document.id,
        decisions={p.code: True for p in document.purposes},
        method="on_screen",
        guardian=consent.Guardian(GUARDIAN, "parent"),
    )
    assert record.given_name == PEOPLE[-1][0]


SCRIPT = """
import django, os
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from healthcamp.access.staff import staff_add
from healthcamp.services.programmes import member_add, programme_create
from tests.test_vault_bytes import _register_everyone
class S:
    def __init__(self, new): self.actor = new.actor
registrar = S(staff_add(username="r", role="registrar", password="pw-123456-x"))
coordinator = S(staff_add(username="c", role="coordinator", password="pw-123456-x"))
programme_id = programme_create(actor=coordinator.actor, name="P").id
member_add(actor=coordinator.actor, programme_id=programme_id, username="r")
_register_everyone(registrar, coordinator, programme_id)
import sys
if "--erase" in sys.argv:
    from django.db import connection
    from healthcamp.services.erasure import participant_erase
    from healthcamp.registry.models import Participant
    person = Participant.objects.order_by("registered_at").first()
    home = os.environ["HEALTHCAMP_HOME"]
    open(home + "/erased-key", "wb").write(bytes(person.wrapped_key))
    open(home + "/erased-name", "wb").write(bytes(person.given_name_sealed))
    participant_erase(actor=coordinator.actor, participant_id=person.id)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
if "--erase-while-open" in sys.argv:  # as in a running server: connections stay open
    import sqlite3
    from django.db import connection
    from healthcamp.services.erasure import participant_erase
    from healthcamp.registry.models import Participant
    other_worker = sqlite3.connect(connection.settings_dict["NAME"])
    other_worker.execute("SELECT count(*) FROM registry_participant").fetchall()
    person = Participant.objects.order_by("registered_at").first()
    key, name = bytes(person.wrapped_key), bytes(person.given_name_sealed)
    participant_erase(actor=coordinator.actor, participant_id=person.id)
    home = os.environ["HEALTHCAMP_HOME"]
    raw = b"".join(open(os.path.join(home, f), "rb").read()
                   for f in os.listdir(home) if f.startswith("healthcamp.sqlite3"))
    print("key in files:", key in raw, "name in files:", name in raw)
"""


@pytest.mark.skipif(
    bool(os.environ.get("HEALTHCAMP_DATABASE_URL")), reason="this half looks at a SQLite file"
)
def test_the_sqlite_file_holds_none_of_it(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HEALTHCAMP_HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "healthcamp.settings",
    }
    subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        check=True,
        cwd=Path(__file__).parent.parent,
        timeout=120,
    )
    files = [p for p in tmp_path.iterdir() if p.name.startswith("healthcamp.sqlite3")]
    raw = b"".join(p.read_bytes() for p in files)
    assert b"registry_participant" in raw  # it is the database
    for secret in _secrets():
        assert secret not in raw, secret


@pytest.mark.skipif(
    bool(os.environ.get("HEALTHCAMP_DATABASE_URL")), reason="this half looks at a SQLite file"
)
def test_an_erased_persons_key_is_overwritten_in_the_file(tmp_path: Path) -> None:
    """secure_delete: the deleted row's wrapped key and ciphertext are not left in free pages."""
    env = {
        **os.environ,
        "HEALTHCAMP_HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "healthcamp.settings",
    }
    subprocess.run(
        [sys.executable, "-c", SCRIPT, "--erase"],
        env=env,
        check=True,
        cwd=Path(__file__).parent.parent,
        timeout=120,
    )
    wrapped_key = (tmp_path / "erased-key").read_bytes()
    sealed_name = (tmp_path / "erased-name").read_bytes()
    raw = b"".join(
        p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("healthcamp.sqlite3")
    )
    assert b"erasure" in raw.lower()
    assert wrapped_key not in raw
    assert sealed_name not in raw


@pytest.mark.skipif(
    bool(os.environ.get("HEALTHCAMP_DATABASE_URL")), reason="this half looks at a SQLite file"
)
def test_an_erased_persons_key_leaves_the_wal_while_the_server_runs(tmp_path: Path) -> None:
    """The erasure checkpoints the WAL (TRUNCATE) once it commits: with the server's
    connections still open, neither the wrapped data key nor a sealed field of the erased
    person is left in healthcamp.sqlite3 or its -wal file."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, "--erase-while-open"],
        env={
            **os.environ,
            "HEALTHCAMP_HOME": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "healthcamp.settings",
        },
        check=True,
        cwd=Path(__file__).parent.parent,
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "key in files: False name in files: False"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_erasure_vacuums_the_erased_row_away_on_postgresql(
    registrar, coordinator, programme
) -> None:
    """After the erasure commits, VACUUM has removed the erased row version from the
    participant table: its line pointer holds no tuple any more."""
    if connection.vendor != "postgresql":
        pytest.skip("VACUUM is PostgreSQL's")
    from healthcamp.services.erasure import participant_erase

    _register_everyone(registrar, coordinator, programme.id)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, ctid::text FROM registry_participant ORDER BY registered_at")
        pid, ctid = cursor.fetchone()
    block, offset = (int(n) for n in ctid.strip("()").split(","))
    participant_erase(actor=coordinator.actor, participant_id=pid)
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        try:
            cursor.execute(
                "SELECT lp_flags, lp_len FROM heap_page_items("
                "get_raw_page('registry_participant', %s)) WHERE lp = %s",
                [block, offset],
            )
            flags, length = cursor.fetchone()
        finally:
            cursor.execute("DROP EXTENSION pageinspect")
    assert (flags, length) in {(0, 0), (3, 0)}  # unused, or a dead stub with no tuple


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_plain_pg_dump_holds_none_of_it(registrar, coordinator, programme) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("pg_dump needs PostgreSQL")
    _register_everyone(registrar, coordinator, programme.id)
    config = connection.settings_dict
    dump = subprocess.run(
        [
            "pg_dump",
            "-h",
            config["HOST"] or "127.0.0.1",
            "-p",
            str(config["PORT"] or 5432),
            "-U",
            config["USER"] or "postgres",
            "--no-password",
            config["NAME"],
        ],
        capture_output=True,
        check=True,
        timeout=120,
        env={**os.environ, "PGPASSWORD": config["PASSWORD"] or ""},
    ).stdout
    assert b"registry_participant" in dump
    for secret in _secrets():
        assert secret not in dump, secret
