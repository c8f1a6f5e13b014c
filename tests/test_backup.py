"""The restore drill: register, back up, erase, restore - the erased person stays erased."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SETUP = """
import django, json, os
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from datetime import date
from healthcamp.services import participants
from healthcamp.services.programmes import member_add, programme_create
from healthcamp.access.staff import staff_add
r = staff_add(username="r", role="registrar", password="pw-123456-x").actor
c = staff_add(username="c", role="coordinator", password="pw-123456-x").actor
p = programme_create(actor=c, name="Drill").id
member_add(actor=c, programme_id=p, username="r")
ids = [str(participants.participant_register(actor=r, programme_id=p, given_name=n,
       family_name="Drillson", date_of_birth=date(1970, 1, 1), sex="other",
       preferred_language="en").id) for n in ("Erin", "Frank", "Gita")]
print(json.dumps(ids))
"""
ERASE = """
import django, sys, uuid
django.setup()
from healthcamp.services.erasure import participant_erase
from healthcamp.access.staff import actor_for_user
from django.contrib.auth import get_user_model
c = actor_for_user(get_user_model().objects.get(username="c"))
participant_erase(actor=c, participant_id=uuid.UUID(sys.argv[1]))
"""
CHECK = """
import django, json, sys, uuid
django.setup()
from healthcamp.services import participants
from healthcamp.access.errors import NotFound
from healthcamp.access.roles import Purpose
from healthcamp.access.staff import actor_for_user
from django.contrib.auth import get_user_model
r = actor_for_user(get_user_model().objects.get(username="r"))
out = {}
for pid in sys.argv[1:]:
    try:
        out[pid] = participants.participant_read(
            actor=r, purpose=Purpose.REGISTRATION, participant_id=uuid.UUID(pid)).given_name
    except NotFound:
        out[pid] = None
print(json.dumps(out))
"""

LAST_ENTRY = """
import django
django.setup()
from healthcamp.audit.models import AuditEntry
print(bytes(AuditEntry.objects.order_by("-seq").values_list("body", flat=True)[0]).decode())
"""

LAST_ENTRY_OF_KIND = """
import django, sys
django.setup()
from healthcamp.audit.chain import decode
from healthcamp.audit.models import AuditEntry
bodies = AuditEntry.objects.order_by("-seq").values_list("body", flat=True)
print(next(bytes(b).decode() for b in bodies if decode(b)[1]["action"] == sys.argv[1]))
"""


def _env(home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "HEALTHCAMP_HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "healthcamp.settings",
    }
    env.pop("HEALTHCAMP_DATABASE_URL", None)
    return env


def _python(home: Path, script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        env=_env(home),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def _py(home: Path, script: str, *args: str) -> str:
    done = _python(home, script, *args)
    done.check_returncode()
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "healthcamp.cli", *args],
        env=_env(home),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.cli
def test_restore_drill(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    erin, frank, gita = json.loads(_py(home, SETUP))
    snapshot = tmp_path / "before.hcbackup"
    made = _cli(home, "backup", str(snapshot))
    assert made.returncode == 0, made.stderr
    assert snapshot.stat().st_mode & 0o777 == 0o600
    assert b"Erin" not in snapshot.read_bytes()
    assert _cli(home, "backup", str(snapshot)).returncode == 1  # never overwrites

    _py(home, ERASE, erin)
    assert json.loads(_py(home, CHECK, erin))[erin] is None

    refused = _cli(home, "restore", str(snapshot))
    assert refused.returncode == 2
    assert "pass --yes" in refused.stderr

    restored = _cli(home, "restore", str(snapshot), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "erased again 1 participant(s)" in restored.stdout
    after = json.loads(_py(home, CHECK, erin, frank, gita))
    assert after == {erin: None, frank: "Frank", gita: "Gita"}
    verify = _cli(home, "audit", "verify")
    assert verify.returncode == 0, verify.stderr


@pytest.mark.cli
def test_a_restore_is_an_event_in_the_log_not_a_silent_rewrite(tmp_path: Path) -> None:
    """Issue 14: take a backup, do some reads, restore: the reads' absence is recorded —
    the log says which backup came back and how far it went back, and the checkpoint
    signed over the lost history is kept aside as evidence (a witness reports the fork)."""
    home = tmp_path / "home"
    home.mkdir()
    erin, _frank, _gita = json.loads(_py(home, SETUP))
    snapshot = tmp_path / "before.hcbackup"
    assert _cli(home, "backup", str(snapshot)).returncode == 0
    for _ in range(3):
        _py(home, CHECK, erin)  # reads that the restore will take out of the database
    assert _cli(home, "audit", "checkpoint").returncode == 0
    assert _cli(home, "audit", "verify").returncode == 0  # remembered: the longer history
    # A witness's cosignature of the longer history, as the log keeps it outside the
    # database: it belongs to the history before and goes aside with its checkpoint.
    cosigned = home / "audit-cosigned.json"
    cosigned.write_text('{"witnesses": {"board": {"size": 99999, "line": "— board AAAA"}}}')
    assert "cosigned the log at 99999" in _cli(home, "audit", "verify").stderr
    assert _cli(home, "restore", str(snapshot), "--yes").returncode == 0
    assert _cli(home, "audit", "verify").returncode == 0  # checked anew from entry 1
    assert (home / "audit-verified.before-restore").exists()
    kept = list(home.glob("audit-checkpoint.before-restore-*"))
    assert len(kept) == 1
    (aside,) = home.glob("audit-cosigned.json.before-restore-*")
    assert not cosigned.exists()
    newest = _cli(home, "audit", "prove", "1")
    assert newest.returncode == 0, newest.stderr
    log = _py(home, LAST_ENTRY)
    assert "audit.restore" in log
    assert "restored the backup taken at" in log
    assert kept[0].name in log
    assert aside.name in log


RESTORE_KILLED = """
import django, os, sys
django.setup()
from pathlib import Path
from healthcamp.audit import chain, tree, verified_state
from healthcamp.services import backup
module, name = {
    "after the swap": (chain, "replace_head_file"),
    "before the entry": (chain, "append"),  # the old checkpoint already set aside
    "after the entry": (tree, "forget_last_checkpoint"),
    "before the file": (tree, "publish"),  # the new checkpoint signed in the database
    "before the journal": (verified_state, "forget"),
}[sys.argv[2]]
def kill(*args, **kwargs):
    os._exit(9)  # as the power goes
recording = backup._record_restore
def record(*args, **kwargs):
    setattr(module, name, kill)
    return recording(*args, **kwargs)
if sys.argv[2] == "after the swap":
    setattr(module, name, kill)
else:
    backup._record_restore = record
backup.restore(path=Path(sys.argv[1]))
"""
STARTED = """
import django, json
django.setup()
from healthcamp.audit.chain import decode, verify
from healthcamp.audit.models import AuditEntry
from healthcamp.services.backup import reapply_at_start
reapply_at_start()  # what `healthcamp serve` does before it forks
result = verify()
actions = [decode(body)[1]["action"] for body in AuditEntry.objects.values_list("body", flat=True)]
print(json.dumps({"problem": result.problem, "restores": actions.count("audit.restore")}))
"""


@pytest.mark.cli
@pytest.mark.parametrize(
    "kill", ["before the entry", "after the entry", "before the file", "before the journal"]
)
def test_a_restore_killed_while_it_is_recorded_is_recorded_at_start(
    tmp_path: Path, kill: str
) -> None:
    """A restore killed after the restored database went in, while it was being recorded
    in the log (the old checkpoint set aside, the entry, the new checkpoint, its file),
    is finished at the next start: the log verifies and says once that it was restored.
    Found by the crash test: killed between setting the old checkpoint file aside and
    writing the new one, `audit verify` failed for good ("the checkpoint file is missing")."""
    home = tmp_path / "home"
    home.mkdir()
    erin, _frank, _gita = json.loads(_py(home, SETUP))
    snapshot = tmp_path / "before.hcbackup"
    assert _cli(home, "backup", str(snapshot)).returncode == 0
    _py(home, CHECK, erin)  # an entry the restore takes out of the database
    assert _cli(home, "audit", "checkpoint").returncode == 0
    killed = _python(home, RESTORE_KILLED, str(snapshot), kill)
    assert killed.returncode == 9, killed.stderr
    started = json.loads(_py(home, STARTED))
    assert started == {"problem": "", "restores": 1}
    assert not (home / "restore-journal").exists()
    assert (home / "audit-checkpoint").exists()
    (aside,) = home.glob("audit-checkpoint.before-restore-*")
    assert aside.name in _py(home, LAST_ENTRY_OF_KIND, "audit.restore")
    assert _cli(home, "audit", "verify").returncode == 0
    assert json.loads(_py(home, STARTED)) == {"problem": "", "restores": 1}  # once


@pytest.mark.cli
def test_the_restored_database_goes_in_already_in_wal_mode(tmp_path: Path) -> None:
    """The restored SQLite file is swapped in already in WAL mode, as the live database is.
    It went in with a rollback journal, so the first connection rewrote its header through
    a `-journal` file; a restore killed then left that copy of the database's pages beside
    it (found by the crash test in CI). Killed right after the swap: no such file, and the
    next start records the restore."""
    home = tmp_path / "home"
    home.mkdir()
    _py(home, SETUP)
    snapshot = tmp_path / "before.hcbackup"
    assert _cli(home, "backup", str(snapshot)).returncode == 0
    killed = _python(home, RESTORE_KILLED, str(snapshot), "after the swap")
    assert killed.returncode == 9, killed.stderr
    database = home / "healthcamp.sqlite3"
    assert database.read_bytes()[18:20] == b"\x02\x02"  # the header's WAL mode
    assert not database.with_name("healthcamp.sqlite3-journal").exists()
    assert json.loads(_py(home, STARTED)) == {"problem": "", "restores": 1}


@pytest.mark.cli
def test_a_damaged_or_foreign_backup_changes_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    json.loads(_py(home, SETUP))
    snapshot = tmp_path / "b.hcbackup"
    assert _cli(home, "backup", str(snapshot)).returncode == 0
    damaged = tmp_path / "damaged.hcbackup"
    data = bytearray(snapshot.read_bytes())
    data[-5] ^= 1
    damaged.write_bytes(bytes(data))
    result = _cli(home, "restore", str(damaged), "--yes")
    assert result.returncode == 1
    assert "is damaged: chunk 1 does not authenticate" in result.stderr
    other = tmp_path / "other-home"
    other.mkdir()
    _py(other, SETUP)
    foreign = _cli(other, "restore", str(snapshot), "--yes")
    assert foreign.returncode == 1
    assert "was sealed with vault key id" in foreign.stderr
    missing = _cli(home, "restore", str(tmp_path / "nope"), "--yes")
    assert "There is no backup file" in missing.stderr


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_restore_drill_on_postgresql(registrar, coordinator, programme, settings, tmp_path) -> None:
    from datetime import date

    from django.db import connection

    from healthcamp.access.errors import NotFound
    from healthcamp.access.roles import Purpose
    from healthcamp.audit import chain
    from healthcamp.services import backup, erasure, identity, participants

    if connection.vendor != "postgresql":
        pytest.skip("pg_dump and pg_restore need PostgreSQL")
    ids = [
        participants.participant_register(
            actor=registrar.actor,
            programme_id=programme.id,
            given_name=name,
            family_name="Drillson",
            date_of_birth=date(1970, 1, 1),
            sex="other",
            preferred_language="en",
        ).id
        for name in ("Erin", "Frank")
    ]
    import shutil
    from pathlib import Path

    # The same keys, in this test's own home (the audit key authenticates the entries).
    for name in ("vault-kek", "vault-index-key", "audit-signing-key"):
        shutil.copy(Path(settings.HOME) / name, tmp_path / name)
    settings.HOME = tmp_path  # for the erasure ledger file
    backup.backup(path=tmp_path / "b.hcbackup")
    erasure.participant_erase(actor=coordinator.actor, participant_id=ids[0])
    info = backup.restore(path=tmp_path / "b.hcbackup")
    assert info.reerased == 1
    read = lambda pid: participants.participant_read(  # noqa: E731
        actor=registrar.actor, purpose=Purpose.REGISTRATION, participant_id=pid
    )
    with pytest.raises(NotFound):
        read(ids[0])
    assert read(ids[1]).given_name == "Frank"
    assert chain.verify().ok
    identity.forget_keys()


@pytest.mark.cli
def test_keys_rotate_from_the_command_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    erin, frank, gita = json.loads(_py(home, SETUP))
    rotated = _cli(home, "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert "3 data key(s) re-wrapped, no data re-encrypted" in rotated.stdout
    assert json.loads(_py(home, CHECK, erin, frank, gita)) == {
        erin: "Erin",
        frank: "Frank",
        gita: "Gita",
    }
    assert _cli(home, "audit", "verify").returncode == 0
    assert [p.name for p in home.iterdir() if p.name.startswith("vault-kek.retired-")]


@pytest.mark.cli
def test_a_backup_from_before_a_rotation_restores_with_the_retired_key(tmp_path: Path) -> None:
    """Retired keys are loaded for reading: a backup sealed before `keys rotate` restores,
    and the data keys it holds (wrapped by the retired key) open."""
    home = tmp_path / "home"
    home.mkdir()
    erin, frank, gita = json.loads(_py(home, SETUP))
    snapshot = tmp_path / "before.hcbackup"
    assert _cli(home, "backup", str(snapshot)).returncode == 0
    assert _cli(home, "keys", "rotate").returncode == 0
    restored = _cli(home, "restore", str(snapshot), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert json.loads(_py(home, CHECK, erin, frank, gita)) == {
        erin: "Erin",
        frank: "Frank",
        gita: "Gita",
    }
    again = _cli(home, "keys", "rotate")  # and they are re-wrapped by the next rotation
    assert again.returncode == 0, again.stderr
    assert "3 data key(s) re-wrapped" in again.stdout
