"""Import jobs: a file checked and written in the background, its progress readable by any
worker process, through the same door as the importers themselves.

`job_start` keeps the file (HOME/imports/<id>.upload, 0600) and runs the kind's check or
import in a thread of this process; `job_status` reads where it is. The import is ONE
transaction, so the rows written so far cannot be told to the database from inside it
(on SQLite nobody else may write until it ends): the thread writes them to a small file,
HOME/imports/<id>.progress, replaced whole each time, which `job_status` reads in whatever
process serves the request. The job's end (done, with its summary) is written in the
import's own transaction: the rows and "done" are committed together, or neither is.

A job left unfinished by a process that is gone (a restart, a kill) is shown as failed,
"run it again": the import is all-or-nothing, so nothing of it is in. The uploaded file is
deleted when the job ends, whatever its end.

Who may read a job: the staff member who started it, and the coordinators of its
programme; for anyone else it does not exist (404). A job holds no personal data (see
healthcamp.imports.models).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from healthcamp.access.errors import AccessError, InvalidInput, NotFound
from healthcamp.access.guard import member_programmes, require_role
from healthcamp.access.policy import permitted
from healthcamp.access.roles import Action, Purpose, Role
from healthcamp.access.staff import Actor
from healthcamp.imports.models import ImportJob
from healthcamp.imports.problems import HEADER_ROW, FileRefused, Problem, ProblemsFound
from healthcamp.imports.registrations import registrations_check, registrations_import
from healthcamp.imports.results import MEASURING, SOURCES, results_check, results_import
from healthcamp.registry.models import Participant, Programme

logger = logging.getLogger(__name__)

# What each kind of file runs: (check: nothing written, import: all or nothing). Both take
# actor, programme_id, data (results: the upload's path), encoding (results also site_id);
# the import also progress (results also source).
KINDS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    "results": (results_check, results_import),
    "registrations": (registrations_check, registrations_import),
}
# Who may start a job of each kind: the act, and the purposes it may be done for (the
# importer checks each row's purpose again). A new kind adds its line here too.
MAY_START: dict[str, tuple[Action, tuple[Purpose, ...]]] = {
    "results": (Action.RESULTS_IMPORT, MEASURING),
    "registrations": (Action.REGISTRATIONS_IMPORT, (Purpose.REGISTRATION,)),
}
# Kinds whose problems quote identity cells (a birth date, a phone number) and whose
# outcome pairs paper form references with card codes: none of that goes into the
# database. It is kept for its starter alone in HOME/imports/<id>.private (0600) for
# PRIVATE_KEPT_SECONDS, then deleted; the job's row holds counts only.
PRIVATE = frozenset({"registrations"})
PRIVATE_KEPT_SECONDS = 3600
PROBLEMS_KEPT = 1000  # a job keeps this many problems, and the count of the rest
RUNNING = (ImportJob.QUEUED, ImportJob.CHECKING, ImportJob.IMPORTING)
LOST = (
    "The import stopped before it ended (the server restarted): nothing of it was "
    "written. Run it again."
)
BROKE = (
    "The import stopped on an error: nothing of it was written. Run it again; if it "
    "stops again, tell the programme's administrator."
)

# Jobs of this process not yet ended, by id (the threads, or None for one running inline).
_running: dict[uuid.UUID, threading.Thread | None] = {}
_running_lock = threading.Lock()


@dataclass(frozen=True)
class JobState:
    id: uuid.UUID
    programme_id: int
    kind: str
    dry_run: bool
    file_name: str
    status: str
    rows_done: int
    rows_total: int
    summary: dict[str, Any]
    problems: list[dict[str, Any]]
    problems_more: int  # problems found beyond those kept
    # Registrations: (form reference, card code) of each person registered, for the
    # desk to hand out the cards; only for its starter, and while kept (PRIVATE).
    cards: list[tuple[str, str]] = field(default_factory=list)
    # A private kind's problems and cards: "shown" (here), "starter" (kept for the staff
    # member who started it, not for this reader) or "gone" (no longer kept).
    details: str = "shown"

    @property
    def ended(self) -> bool:
        return self.status in ImportJob.ENDED

    @property
    def problems_total(self) -> int:
        counted = self.summary.get("problems")
        return counted if isinstance(counted, int) else len(self.problems) + self.problems_more


# ---- the files ------------------------------------------------------------------------


def _folder() -> Path:
    folder = Path(settings.HOME) / "imports"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def upload_path(job_id: uuid.UUID) -> Path:
    return _folder() / f"{job_id}.upload"


def progress_path(job_id: uuid.UUID) -> Path:
    return _folder() / f"{job_id}.progress"


def private_path(job_id: uuid.UUID) -> Path:
    return _folder() / f"{job_id}.private"


def _keep_private(job_id: uuid.UUID, outcome: dict[str, Any]) -> None:
    path = private_path(job_id)
    path.unlink(missing_ok=True)
    _write_private(path, json.dumps(outcome).encode())


def _read_private(job_id: uuid.UUID) -> dict[str, Any] | None:
    try:
        found = json.loads(private_path(job_id).read_bytes())
    except (FileNotFoundError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def forget_old_private_outcomes(*, older_than: float | None = None) -> int:
    """Delete the private outcomes kept longer than PRIVATE_KEPT_SECONDS; how many."""
    import time

    limit = time.time() - (PRIVATE_KEPT_SECONDS if older_than is None else older_than)
    gone = 0
    for path in _folder().glob("*.private"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < limit:
                path.unlink()
                gone += 1
    return gone


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def write_progress(job_id: uuid.UUID, status: str, done: int, total: int) -> None:
    """Where the job is, for any process to read; replaced whole (never half-written)."""
    final = progress_path(job_id)
    temporary = final.with_name(f"{final.name}.{threading.get_ident()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    _write_private(temporary, json.dumps({"status": status, "done": done, "total": total}).encode())
    os.replace(temporary, final)


def read_progress(job_id: uuid.UUID) -> dict[str, Any] | None:
    try:
        found = json.loads(progress_path(job_id).read_bytes())
    except (FileNotFoundError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def _forget_files(job_id: uuid.UUID) -> None:
    """The upload and the progress file; a private outcome stays (PRIVATE_KEPT_SECONDS)."""
    for path in (upload_path(job_id), progress_path(job_id)):
        path.unlink(missing_ok=True)


# ---- who runs it ----------------------------------------------------------------------


def _process_mark(pid: int) -> str:
    """A process, told apart from a later one given the same pid: its pid and start time."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return f"{pid}:"
    return f"{pid}:{stat.rsplit(')', 1)[-1].split()[19]}"  # field 22, starttime


def _runner_alive(runner: str) -> bool:
    pid_text, _, started = runner.partition(":")
    if not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False  # this process: it is alive only while it holds the job (_running)
    if started:
        return _process_mark(pid) == runner
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_lost(job: ImportJob) -> bool:
    if job.status not in RUNNING:
        return False
    with _running_lock:
        if job.pk in _running and job.runner == _process_mark(os.getpid()):
            return False
    return not _runner_alive(job.runner)


# ---- starting -------------------------------------------------------------------------


def _file_name(name: str) -> str:
    # The name as the person's computer called it, without folders or control characters.
    base = re.split(r"[\\/]", name)[-1]
    return re.sub(r"[\x00-\x1f\x7f]", "", base).strip()[:200]


def _may_start(actor: Actor, kind: str, programme_id: int) -> None:
    action, purposes = MAY_START[kind]
    allowed = [p for p in purposes if permitted(role=actor.role, action=action, purpose=p).allowed]
    require_role(actor, action, allowed[0] if allowed else purposes[-1], programme_id=programme_id)
    if not Programme.objects.filter(pk=programme_id).exists():
        raise NotFound(f"There is no programme {programme_id}; check the programme id.")


def job_start(
    *,
    actor: Actor,
    programme_id: int,
    data: bytes,
    name: str,
    kind: str = "results",
    dry_run: bool = False,
    encoding: str | None = None,
    source: str = "lab_file",
    site_id: int | None = None,
) -> uuid.UUID:
    """Start checking (dry_run) or importing a file; returns the job's id at once.

    Refused at once (AccessDenied, audited) when the role may not import this kind, or
    the programme is not theirs. Called inside an open transaction (a caller's own), or
    with the setting IMPORT_JOBS_IN_THREADS False, the job runs here to its end before
    returning."""
    if kind not in KINDS:
        raise InvalidInput(
            {"kind": gettext("Import one of: %(kinds)s.") % {"kinds": ", ".join(sorted(KINDS))}}
        )
    if source not in SOURCES:
        raise InvalidInput(
            {
                "source": gettext("Say where the values come from: one of %(sources)s.")
                % {"sources": ", ".join(SOURCES)}
            }
        )
    _may_start(actor, kind, programme_id)
    assert actor.staff_id is not None  # noqa: S101 - only staff roles may import
    job_id = uuid.uuid4()
    # Inside an open transaction no other connection could see the job, nor the people
    # its rows name; IMPORT_JOBS_IN_THREADS = False (the tests) runs every job here too.
    inline = connection.in_atomic_block or not getattr(settings, "IMPORT_JOBS_IN_THREADS", True)
    with _running_lock:
        _running[job_id] = None  # before the row exists: no reader may take it for lost
    try:
        ImportJob.objects.create(
            id=job_id,
            programme_id=programme_id,
            started_by_id=actor.staff_id,
            kind=kind,
            dry_run=dry_run,
            file_name=_file_name(name),
            sha256=hashlib.sha256(data).hexdigest(),
            runner=_process_mark(os.getpid()),
        )
        _write_private(upload_path(job_id), data)
    except BaseException:
        with _running_lock:
            _running.pop(job_id, None)
        raise
    work = _Work(
        actor=actor,
        programme_id=programme_id,
        kind=kind,
        dry_run=dry_run,
        encoding=encoding or None,
        source=source,
        site_id=site_id,
        language=translation.get_language(),
    )
    if inline:
        _run(job_id, work)
        return job_id
    thread = threading.Thread(
        target=_run_in_thread, args=(job_id, work), name=f"import-{job_id}", daemon=True
    )
    with _running_lock:
        _running[job_id] = thread
    try:
        thread.start()
    except RuntimeError:  # no thread to be had: the job ends before it began
        _end(job_id, ImportJob.FAILED, summary={"message": BROKE})
        _forget_files(job_id)
        with _running_lock:
            _running.pop(job_id, None)
        raise
    return job_id


@dataclass(frozen=True)
class _Work:
    actor: Actor
    programme_id: int
    kind: str
    dry_run: bool
    encoding: str | None
    source: str
    site_id: int | None
    language: str | None  # the starter's: the problems are written in their words


def _run_in_thread(job_id: uuid.UUID, work: _Work) -> None:
    try:
        _run(job_id, work)
    finally:
        connections.close_all()  # this thread's own connections


def _problem_rows(problems: list[Problem]) -> tuple[list[dict[str, Any]], int]:
    kept = [{"row": p.row, "column": p.column, "message": p.message} for p in problems]
    return kept[:PROBLEMS_KEPT], max(0, len(kept) - PROBLEMS_KEPT)


def _end(job_id: uuid.UUID, status: str, **fields: Any) -> None:
    ImportJob.objects.filter(pk=job_id).update(status=status, finished_at=timezone.now(), **fields)


def _run(job_id: uuid.UUID, work: _Work) -> None:
    with translation.override(work.language):
        _run_as_starter(job_id, work)


def _shown_summary(kind: str, summary: Any) -> dict[str, Any]:
    """What the job's row keeps of an import's summary: counts, never whom."""
    if kind == "registrations":
        return {
            "rows": summary.rows,
            "written": summary.registered,
            "registered": summary.registered,
            "already_in": summary.already_in,
        }
    return {
        "rows": summary.rows,
        "written": summary.written,
        "already_in": summary.already_in,
        "people": summary.people,
        "visits_started": summary.visits_started,
        # How many, not whose: the follow-up list names them, to whom may see.
        "urgent_referrals": len(summary.referred),
    }


def _run_as_starter(job_id: uuid.UUID, work: _Work) -> None:
    check, run = KINDS[work.kind]
    private = work.kind in PRIVATE
    common: dict[str, Any] = {
        "actor": work.actor,
        "programme_id": work.programme_id,
        "encoding": work.encoding,
    }
    if work.site_id is not None and work.kind == "results":
        common["site_id"] = work.site_id
    try:
        # A lab's file is streamed from its path; forms are few and read whole.
        upload = upload_path(job_id)
        given: dict[str, Any] = (
            {"path": upload} if work.kind == "results" else {"data": upload.read_bytes()}
        )
        # Told by the file only: the row changes once, at the end (no write, and on
        # SQLite no lock, before the import's own transaction).
        write_progress(job_id, ImportJob.CHECKING, 0, 0)
        if work.dry_run:
            checked = check(**given, **common)
            rows, new = len(checked.rows), len(checked.new)
            if checked.problems:
                raise ProblemsFound(checked.problems)
            _end(
                job_id,
                ImportJob.DONE,
                rows_total=rows,
                summary={"rows": rows, "new": new, "already_in": rows - new, "written": 0},
            )
            return

        def progress(done: int, total: int) -> None:
            write_progress(job_id, ImportJob.IMPORTING, done, total)

        if work.kind == "results":
            common["source"] = work.source
        with transaction.atomic():
            summary = run(progress=progress, **given, **common)
            if private:  # before "done": a reader who sees it done finds the cards
                cards = [
                    [reference, card, person.hex]
                    for (reference, card), person in zip(
                        summary.cards, summary.registered_ids, strict=True
                    )
                ]
                _keep_private(job_id, {"cards": cards})
            # In the import's own transaction: its rows and "done" are in together.
            _end(
                job_id,
                ImportJob.DONE,
                rows_total=summary.rows,
                rows_done=summary.rows,
                summary=_shown_summary(work.kind, summary),
            )
    except ProblemsFound as found:
        kept, more = _problem_rows(found.problems)
        if private:
            _keep_private(job_id, {"problems": kept, "problems_more": more})
            kept, more = [], 0  # the row keeps how many, not what they quote
        _end(
            job_id,
            ImportJob.PROBLEMS,
            problems=kept,
            problems_more=more,
            summary={"problems": len(found.problems)},
        )
    except FileRefused as refused:
        row = HEADER_ROW if refused.column else 0  # 0: the file as a whole
        _end(
            job_id,
            ImportJob.REFUSED,
            problems=[{"row": row, "column": refused.column, "message": refused.message}],
            summary={"message": refused.message},
        )
    except AccessError as error:  # the role, or the programme, changed since the start
        private_path(job_id).unlink(missing_ok=True)
        _end(job_id, ImportJob.REFUSED, summary={"message": str(error)})
    except Exception:
        logger.exception("import job %s stopped on an error", job_id)
        private_path(job_id).unlink(missing_ok=True)  # cards of people not registered
        _end(job_id, ImportJob.FAILED, summary={"message": BROKE})
    finally:
        _forget_files(job_id)
        with _running_lock:
            _running.pop(job_id, None)


# ---- reading --------------------------------------------------------------------------


def _readable(actor: Actor, job: ImportJob) -> bool:
    """The staff member who started it, or a coordinator of its programme (the door's
    membership, read afresh)."""
    if actor.staff_id is None or job.programme_id not in member_programmes(actor):
        return False
    return job.started_by_id == actor.staff_id or actor.role is Role.COORDINATOR


def job_status(*, actor: Actor, job_id: uuid.UUID) -> JobState:
    """Where a job is: its status, rows done of total, and at its end the summary or
    the problems. NotFound for a job that is not the actor's to see."""
    if actor.role is not Role.COORDINATOR and not any(
        permitted(role=actor.role, action=action, purpose=p).allowed
        for action, purposes in MAY_START.values()
        for p in purposes
    ):
        # A role that imports nothing is refused by the door (audited), as everywhere.
        require_role(actor, Action.RESULTS_IMPORT, MEASURING[0])
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or not _readable(actor, job):
        raise NotFound(
            f"There is no import {job_id} that you started, or of a programme you coordinate."
        )
    if _is_lost(job):
        ImportJob.objects.filter(pk=job.pk, status__in=RUNNING).update(
            status=ImportJob.FAILED, finished_at=timezone.now(), summary={"message": LOST}
        )
        _forget_files(job.pk)
        job.refresh_from_db()
    status, done, total = job.status, job.rows_done, job.rows_total
    if status in RUNNING and (progress := read_progress(job.pk)) is not None:
        if progress.get("status") in RUNNING:
            status = str(progress["status"])
        done, total = int(progress.get("done", 0)), int(progress.get("total", 0))
    problems, more = list(job.problems), job.problems_more
    cards: list[tuple[str, str]] = []
    details = "shown"
    kept_privately = job.status == ImportJob.PROBLEMS or (
        job.status == ImportJob.DONE and not job.dry_run  # a check registers nobody: no cards
    )
    if job.kind in PRIVATE and kept_privately:
        forget_old_private_outcomes()
        kept = _read_private(job.pk) if job.started_by_id == actor.staff_id else None
        if job.started_by_id != actor.staff_id:
            details = "starter"
        elif kept is None:
            details = "gone"
        else:
            problems, more = list(kept.get("problems", [])), int(kept.get("problems_more", 0))
            cards = _cards_still_registered(kept.get("cards", []))
    return JobState(
        id=job.pk,
        programme_id=job.programme_id,
        kind=job.kind,
        dry_run=job.dry_run,
        file_name=job.file_name,
        status=status,
        rows_done=done,
        rows_total=total,
        summary=dict(job.summary),
        problems=problems,
        problems_more=more,
        cards=cards,
        details=details,
    )


def _cards_still_registered(cards: list[list[str]]) -> list[tuple[str, str]]:
    """The kept cards of people still registered: an erased person's card is not shown."""
    ids = {uuid.UUID(person) for _, _, person in cards}
    present = {p.hex for p in Participant.objects.filter(pk__in=ids).values_list("pk", flat=True)}
    return [(reference, card) for reference, card, person in cards if person in present]


def job_wait(job_id: uuid.UUID, timeout: float | None = None) -> bool:
    """Wait for a job of this process to end (tests join the thread here); True when it
    has ended, or is not running in this process."""
    with _running_lock:
        thread = _running.get(job_id)
    if thread is not None:
        thread.join(timeout)
        return not thread.is_alive()
    with _running_lock:
        return job_id not in _running


def jobs_wait_all(timeout: float | None = None) -> None:
    """Wait for every job thread of this process (a test's end, a clean shutdown)."""
    with _running_lock:
        threads = [t for t in _running.values() if t is not None]
    for thread in threads:
        thread.join(timeout)
