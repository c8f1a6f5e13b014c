"""Backups of any size in bounded memory (issue 15): the sealed chunk format refuses a
file cut short, reordered or spliced; the SQLite row snapshot comes back exactly; a
backup larger than its chunk size restores, and a file of the old formats still does."""

from __future__ import annotations

import io
import json
import os
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthcamp.lib import sealed_stream, sqlite_rows
from healthcamp.lib.sealed_stream import StreamError
from tests.test_backup import _cli, _py

KEY = bytes(range(32))
HEADER = b'{"format": "test"}'


def _sealed(data: bytes, chunk: int, *, key: bytes = KEY, header: bytes = HEADER) -> bytes:
    out = io.BytesIO()
    sealed_stream.seal(out, key=key, header=header, pieces=[data], chunk=chunk)
    return out.getvalue()


def _opened(sealed: bytes, chunk: int, *, key: bytes = KEY, header: bytes = HEADER) -> bytes:
    return b"".join(sealed_stream.unseal(io.BytesIO(sealed), key=key, header=header, chunk=chunk))


def _frames(sealed: bytes) -> list[bytes]:
    """The frames of a sealed stream, each with its length prefix."""
    frames, at = [], 0
    while at < len(sealed):
        size = int.from_bytes(sealed[at : at + 4], "big") & 0x7FFF_FFFF
        frames.append(sealed[at : at + 4 + size])
        at += 4 + size
    return frames


def _refusal(sealed: bytes, chunk: int, **kwargs: bytes) -> str:
    with pytest.raises(StreamError) as refused:
        _opened(sealed, chunk, **kwargs)
    message = str(refused.value)
    assert "\n" not in message  # one line, for the command's one-line error
    return message


@settings(max_examples=60, deadline=None)
@given(data=st.binary(max_size=3000), chunk=st.integers(min_value=1, max_value=700))
def test_any_stream_comes_back_whole_in_chunks_of_at_most_the_chunk_size(
    data: bytes, chunk: int
) -> None:
    sealed = _sealed(data, chunk)
    assert _opened(sealed, chunk) == data
    frames = _frames(sealed)
    assert len(frames) == max(1, -(-len(data) // chunk))  # the last one may be short
    assert all(len(frame) <= 4 + chunk + sealed_stream.TAG for frame in frames)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(min_size=1, max_size=2000), chunk=st.integers(1, 300), data2=st.data())
def test_a_stream_cut_anywhere_is_refused(data: bytes, chunk: int, data2: st.DataObject) -> None:
    sealed = _sealed(data, chunk)
    cut = data2.draw(st.integers(0, len(sealed) - 1))
    assert "cut short" in _refusal(sealed[:cut], chunk)


def test_reordered_dropped_repeated_or_spliced_chunks_are_refused() -> None:
    chunk = 64
    data = os.urandom(chunk * 5 + 10)
    frames = _frames(_sealed(data, chunk))
    assert len(frames) == 6

    swapped = [*frames[:1], frames[2], frames[1], *frames[3:]]
    assert "chunk 2 does not authenticate" in _refusal(b"".join(swapped), chunk)
    dropped = frames[:2] + frames[3:]
    assert "chunk 3 does not authenticate" in _refusal(b"".join(dropped), chunk)
    repeated = frames[:3] + frames[2:]
    assert "chunk 4 does not authenticate" in _refusal(b"".join(repeated), chunk)
    # The last chunk moved up: the stream would look whole, shorter.
    early_end = frames[:2] + frames[-1:]
    assert "chunk 3 does not authenticate" in _refusal(b"".join(early_end), chunk)
    # No last chunk: cut short at a frame boundary.
    assert "cut short" in _refusal(b"".join(frames[:-1]), chunk)
    # The last-chunk flag is authenticated: cleared on the last, set on another.
    cleared = bytearray(frames[-1])
    cleared[0] &= 0x7F
    assert "does not authenticate" in _refusal(b"".join(frames[:-1]) + cleared, chunk)
    flagged = bytearray(frames[2])
    flagged[0] |= 0x80
    assert "does not authenticate" in _refusal(b"".join([*frames[:2], flagged]), chunk)
    # A chunk from another backup: same place, another header, or another key.
    for other in (
        _sealed(data, chunk, header=b'{"format": "other"}'),
        _sealed(data, chunk, key=bytes(32)),
    ):
        spliced = [*frames[:3], _frames(other)[3], *frames[4:]]
        assert "chunk 4 does not authenticate" in _refusal(b"".join(spliced), chunk)
    # Anything after the last chunk.
    assert "bytes after its last chunk" in _refusal(b"".join(frames) + b"\0", chunk)
    # One byte changed anywhere.
    changed = bytearray(b"".join(frames))
    changed[len(changed) // 2] ^= 1
    assert "does not authenticate" in _refusal(bytes(changed), chunk)
    # The header the chunks were sealed with is part of each.
    assert "chunk 1 does not authenticate" in _refusal(
        b"".join(frames), chunk, header=HEADER + b" "
    )


def test_a_frame_longer_than_the_chunk_size_is_refused_before_it_is_read() -> None:
    frames = _frames(_sealed(os.urandom(100), 50))
    huge = (0x7FFF_FFFF).to_bytes(4, "big") + frames[0][4:]
    assert "impossible length" in _refusal(huge, 50)


def test_a_chunk_can_never_reach_aes_gcm_s_two_gib_limit() -> None:
    assert sealed_stream.MAX_CHUNK + sealed_stream.TAG < 2**31 - 1
    with pytest.raises(ValueError, match="A chunk is 1 to"):
        _sealed(b"x", sealed_stream.MAX_CHUNK + 1)
    assert "chunk size" in _refusal(_sealed(b"x", 8), sealed_stream.MAX_CHUNK + 1)


def test_rechunk_gives_exact_pieces_whatever_comes_in() -> None:
    pieces = [b"ab", b"", b"cdefg", b"h" * 9]
    out = list(sealed_stream.rechunk(pieces, 4))
    assert b"".join(out) == b"abcdefg" + b"h" * 9
    assert [len(p) for p in out] == [4, 4, 4, 4]
    assert list(sealed_stream.rechunk([], 4)) == [b""]


# ---- the SQLite row snapshot -------------------------------------------------------

SCHEMA = """
CREATE TABLE plain (name TEXT, value REAL, data BLOB, n INTEGER);
CREATE TABLE counted (id INTEGER PRIMARY KEY AUTOINCREMENT, note TEXT);
CREATE TABLE keyed (k TEXT PRIMARY KEY, v) WITHOUT ROWID;
CREATE TABLE "odd ""name"" here" ("a b" TEXT, total INTEGER GENERATED ALWAYS AS (length("a b")));
CREATE INDEX plain_name ON plain (name);
CREATE VIEW plain_names AS SELECT name FROM plain;
CREATE TRIGGER keep_notes BEFORE DELETE ON counted BEGIN SELECT RAISE(ABORT, 'kept'); END;
"""


def _everything(path: Path) -> dict[str, object]:
    with sqlite3.connect(path) as db:
        return {
            "schema": db.execute(
                "SELECT type, name, sql FROM sqlite_master ORDER BY name"
            ).fetchall(),
            "plain": db.execute("SELECT rowid, * FROM plain ORDER BY rowid").fetchall(),
            "counted": db.execute("SELECT * FROM counted").fetchall(),
            "sequence": db.execute("SELECT * FROM sqlite_sequence").fetchall(),
            "keyed": db.execute("SELECT * FROM keyed").fetchall(),
            "odd": db.execute('SELECT * FROM "odd ""name"" here"').fetchall(),
            "version": db.execute("PRAGMA user_version").fetchone(),
        }


def _sample(path: Path) -> None:
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
        rows = [
            ("zero", 0.1, b"\x00\xff", 2**62),
            ("ünï\ncode\u2028", -1e-300, b"", -1),
            (None, float("inf"), None, None),
            ("big", 1 / 3, os.urandom(5000), 0),
        ]
        db.executemany("INSERT INTO plain VALUES (?, ?, ?, ?)", rows)
        db.execute("DELETE FROM plain WHERE name = 'zero'")  # a gap in the implicit rowids
        db.executemany("INSERT INTO counted (note) VALUES (?)", [("a",), ("b",), ("c",)])
        db.execute("DROP TRIGGER keep_notes")
        db.execute("DELETE FROM counted WHERE id = 3")  # the counter stays at 3
        db.execute(SCHEMA.strip().splitlines()[-1])
        db.executemany("INSERT INTO keyed VALUES (?, ?)", [("x", 1), ("y", b"2")])
        db.execute('INSERT INTO "odd ""name"" here" ("a b") VALUES (?)', ["four"])
        db.execute("PRAGMA user_version = 7")


def test_a_row_snapshot_builds_the_same_database(tmp_path: Path) -> None:
    source, copy = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    _sample(source)
    stream = b"".join(sqlite_rows.dump(source))
    # Chunks of any size, split anywhere (a line may straddle chunks).
    pieces = [stream[i : i + 7] for i in range(0, len(stream), 7)]
    assert sqlite_rows.load(copy, pieces) == 3 + 2 + 1 + 2 + 1
    assert _everything(copy) == _everything(source)
    with sqlite3.connect(copy) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        db.execute("INSERT INTO counted (note) VALUES ('d')")
        assert db.execute("SELECT max(id) FROM counted").fetchone() == (4,)  # not 3 again


def test_a_row_hook_changes_rows_before_they_are_written(tmp_path: Path) -> None:
    source, copy = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    _sample(source)
    secret = os.urandom(5000)
    with sqlite3.connect(source) as db:
        db.execute("UPDATE plain SET data = ? WHERE name = 'big'", [secret])

    def blank(columns: list[str]) -> sqlite_rows.RowHook:
        at, name = columns.index("data"), columns.index("name")

        def hook(row: list[object]) -> list[object]:
            if row[name] == "big":
                row[at] = b""
            return row

        return hook

    sqlite_rows.load(copy, sqlite_rows.dump(source), hooks={"plain": blank})
    assert secret not in copy.read_bytes()
    with sqlite3.connect(copy) as db:
        assert db.execute("SELECT data FROM plain WHERE name = 'big'").fetchone() == (b"",)


def test_a_row_snapshot_cut_short_or_missing_a_row_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "a.sqlite3"
    _sample(source)
    stream = b"".join(sqlite_rows.dump(source))
    without_end = stream[: stream.rindex(b'{"end":')]
    with pytest.raises(sqlite_rows.RowsError, match="without its end record"):
        sqlite_rows.load(tmp_path / "b.sqlite3", [without_end])
    row = b'[[1,"four"]]\n'  # the one row of "odd ""name"" here", with its rowid
    assert stream.count(row) == 1
    with pytest.raises(sqlite_rows.RowsError, match="says it holds"):
        sqlite_rows.load(tmp_path / "c.sqlite3", [stream.replace(row, b"")])
    inside_a_blob = stream[: stream.index(b'{"blob":5000}') + 2000]
    with pytest.raises(sqlite_rows.RowsError, match="ends inside a blob"):
        sqlite_rows.load(tmp_path / "d.sqlite3", [inside_a_blob])


def test_blobs_travel_as_they_are_not_as_text(tmp_path: Path) -> None:
    source = tmp_path / "a.sqlite3"
    _sample(source)
    with sqlite3.connect(source) as db:
        big = db.execute("SELECT data FROM plain WHERE name = 'big'").fetchone()[0]
    stream = b"".join(sqlite_rows.dump(source))
    assert big in stream  # the bytes themselves, no base64 (a third larger)
    assert len(stream) < source.stat().st_size + 4096


# ---- whole backups ---------------------------------------------------------------


# Forty names of letters only: Aa, Ab, ... Bn.
PEOPLE = [a + b for a in "AB" for b in "abcdefghijklmnopqrstuvwxyz"][:40]
SETUP = """
import django, json, sys
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from datetime import date
from healthcamp.services import participants
from healthcamp.services.programmes import member_add, programme_create
from healthcamp.access.staff import staff_add
r = staff_add(username="r", role="registrar", password="pw-123456-x").actor
c = staff_add(username="c", role="coordinator", password="pw-123456-x").actor
p = programme_create(actor=c, name="Chunks").id
member_add(actor=c, programme_id=p, username="r")
ids = [str(participants.participant_register(actor=r, programme_id=p, given_name=name,
       family_name="Chunkson", date_of_birth=date(1970, 1, 1), sex="other",
       preferred_language="en").id) for name in json.loads(sys.argv[1])]
print(json.dumps(ids))
"""
BACKUP = """
import django, json, sys
django.setup()
from pathlib import Path
from healthcamp.services import backup
info = backup.backup(path=Path(sys.argv[1]), chunk=int(sys.argv[2]))
print(json.dumps(info.size))
"""
ERASE = """
import django, sys, uuid
django.setup()
from healthcamp.services.erasure import participant_erase
from healthcamp.registry.models import Participant
from healthcamp.access.staff import actor_for_user
from django.contrib.auth import get_user_model
c = actor_for_user(get_user_model().objects.get(username="c"))
pid = uuid.UUID(sys.argv[1])
print(bytes(Participant.objects.get(pk=pid).wrapped_key).hex())
participant_erase(actor=c, participant_id=pid)
"""
NAMES = """
import django, json, sys
django.setup()
from healthcamp.registry.models import Participant
from healthcamp.services import identity
print(json.dumps(sorted(identity.open_identity(p).given_name for p in Participant.objects.all())))
"""
# A backup as healthcamp wrote it before the chunked format (format 2): an SQLite page
# image under one AES-GCM stream, then the tag and a SHA-256 of both.
OLD_FORMAT_2 = """
import django, hashlib, json, secrets, sqlite3, sys
django.setup()
from datetime import UTC, datetime
from django.db import connection
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from healthcamp.services.backup import _backup_key
connection.ensure_connection()
copy = sqlite3.connect(":memory:")
connection.connection.backup(copy)
image = copy.serialize()
salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
key, key_id = _backup_key(salt)
header = {"format": "healthcamp-backup-2", "engine": "sqlite", "erasures": 0,
          "taken_at": datetime.now(UTC).isoformat(), "kek_id": key_id, "salt": salt.hex(),
          "nonce": nonce.hex()}
line = json.dumps(header, sort_keys=True).encode()
encryptor = Cipher(algorithms.AES(key), modes.GCM(nonce)).encryptor()
encryptor.authenticate_additional_data(line)
sealed = encryptor.update(image) + encryptor.finalize() + encryptor.tag
with open(sys.argv[1], "wb") as out:
    out.write(line + b"\\n" + sealed + hashlib.sha256(sealed).digest())
"""


@pytest.mark.cli
def test_a_backup_many_chunks_long_restores_and_a_spliced_one_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    ids = json.loads(_py(home, SETUP, json.dumps(PEOPLE)))
    chunk = 4096
    snapshot = tmp_path / "small-chunks.hcbackup"
    size = json.loads(_py(home, BACKUP, str(snapshot), str(chunk)))
    data = snapshot.read_bytes()
    header, _, body = data.partition(b"\n")
    assert json.loads(header)["chunk"] == chunk
    frames = _frames(body)
    assert size == len(data)
    assert len(frames) > 20  # far larger than one chunk
    assert all(len(frame) <= 4 + chunk + sealed_stream.TAG for frame in frames)

    key = _py(home, ERASE, ids[0])  # erased after the backup: must not come back
    spliced = tmp_path / "spliced.hcbackup"
    spliced.write_bytes(header + b"\n" + b"".join([frames[0], frames[2], frames[1], *frames[3:]]))
    refused = _cli(home, "restore", str(spliced), "--yes")
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1
    assert "is damaged: chunk 2 does not authenticate" in refused.stderr
    cut = tmp_path / "cut.hcbackup"
    cut.write_bytes(data[: len(data) - 100])
    assert "is cut short" in _cli(home, "restore", str(cut), "--yes").stderr

    restored = _cli(home, "restore", str(snapshot), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "erased again 1 participant(s)" in restored.stdout
    names = json.loads(_py(home, NAMES))
    assert names == sorted(PEOPLE[1:])
    for path in home.rglob("*"):
        if path.is_file():
            assert bytes.fromhex(key) not in path.read_bytes(), path
    assert _cli(home, "audit", "verify").returncode == 0


@pytest.mark.cli
def test_a_backup_of_the_old_format_still_restores(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    ids = json.loads(_py(home, SETUP, json.dumps(PEOPLE)))
    old = tmp_path / "old.hcbackup"
    _py(home, OLD_FORMAT_2, str(old))
    _py(home, ERASE, ids[0])
    restored = _cli(home, "restore", str(old), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "erased again 1 participant(s)" in restored.stdout
    assert json.loads(_py(home, NAMES)) == sorted(PEOPLE[1:])
    damaged = bytearray(old.read_bytes())
    damaged[-40] ^= 1
    old.write_bytes(bytes(damaged))
    refused = _cli(home, "restore", str(old), "--yes")
    assert "does not decrypt" in refused.stderr or "checksum does not match" in refused.stderr


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_postgresql_backup_many_chunks_long_restores(
    registrar, coordinator, programme, settings, tmp_path
) -> None:
    import shutil
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
            family_name="Chunkson",
            date_of_birth=date(1970, 1, 1),
            sex="other",
            preferred_language="en",
        ).id
        for name in PEOPLE[:6]
    ]
    for name in ("vault-kek", "vault-index-key", "audit-signing-key"):
        shutil.copy(Path(settings.HOME) / name, tmp_path / name)
    settings.HOME = tmp_path
    snapshot = tmp_path / "b.hcbackup"
    backup.backup(path=snapshot, chunk=1024)
    assert len(_frames(snapshot.read_bytes().partition(b"\n")[2])) > 10
    erasure.participant_erase(actor=coordinator.actor, participant_id=ids[0])
    info = backup.restore(path=snapshot)
    assert info.reerased == 1
    read = lambda pid: participants.participant_read(  # noqa: E731
        actor=registrar.actor, purpose=Purpose.REGISTRATION, participant_id=pid
    )
    with pytest.raises(NotFound):
        read(ids[0])
    assert [read(pid).given_name for pid in ids[1:]] == PEOPLE[1:6]
    assert chain.verify().ok
    identity.forget_keys()


def test_a_loaded_database_is_its_owner_s_alone_and_never_overwrites(tmp_path: Path) -> None:
    source, copy = tmp_path / "a.sqlite3", tmp_path / "b.sqlite3"
    _sample(source)
    sqlite_rows.load(copy, sqlite_rows.dump(source))
    assert copy.stat().st_mode & 0o777 == 0o600
    with pytest.raises(sqlite_rows.RowsError, match="exists already"):
        sqlite_rows.load(copy, sqlite_rows.dump(source))


def test_a_backup_never_writes_through_a_planted_link_or_over_a_running_one(
    tmp_path: Path,
) -> None:
    """The half-written file is created new (O_EXCL | O_NOFOLLOW): a link planted at its
    name, or another backup's file, is refused and left as it is (issue 15 review)."""
    from healthcamp.services import backup

    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    target = tmp_path / "b.hcbackup"
    planted = tmp_path / "b.hcbackup.partial"
    planted.symlink_to(victim)
    with pytest.raises(backup.BackupError, match="another backup to this name is running"):
        backup.backup(path=target)
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert planted.is_symlink()
    assert not target.exists()
    planted.unlink()
    planted.write_bytes(b"a backup in progress")
    with pytest.raises(backup.BackupError, match="cut short"):
        backup.backup(path=target)
    assert planted.read_bytes() == b"a backup in progress"
