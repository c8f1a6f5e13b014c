"""Import jobs (issue 12): a file posted to the API or the page is checked and written in a
background thread; its progress is read from a file any worker process sees; its end is a
summary, the problems (nothing written), or a refusal; only its starter and the
programme's coordinators may see it.

The threads must see committed rows: these tests run with transactional_db. Each waits for
its job's thread by joining it (jobs.job_wait), never by sleeping."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from healthcamp.access.errors import NotFound
from healthcamp.access.staff import NewStaff, staff_add
from healthcamp.imports import jobs
from tests.conftest import register_person

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "card_code,visit_date,site_id,code,value,unit"
DAY = (date.today() - timedelta(days=2)).isoformat()
FUTURE = (date.today() + timedelta(days=30)).isoformat()
POLLS = 5  # a job ends within this many joins of its thread


@pytest.fixture(autouse=True)
def _in_threads(settings: Any, transactional_db: None) -> Iterator[None]:
    """Jobs run in their threads here; none outlives its test (joined before the
    database is emptied for the next one)."""
    settings.IMPORT_JOBS_IN_THREADS = True
    yield
    jobs.jobs_wait_all(timeout=120)


def _file(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def _observations() -> int:
    return int(apps.get_model("exams", "Observation").objects.count())


@pytest.fixture
def camp(registrar, lab, coordinator, programme, document) -> dict[str, Any]:
    person = register_person(registrar, programme, consent_document=document)
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    return {"programme": programme.id, "card": person.card_code, "site": site}


def _post(staff: NewStaff, programme_id: int, data: bytes, **fields: str) -> Any:
    upload = SimpleUploadedFile("lab.csv", data, content_type="text/csv")
    return Client().post(
        f"/api/v1/programmes/{programme_id}/imports",
        {"file": upload, **fields},
        headers={"Authorization": f"Bearer {staff.token}"},
    )


def _get(staff: NewStaff, job_id: str) -> Any:
    return Client().get(
        f"/api/v1/imports/{job_id}", headers={"Authorization": f"Bearer {staff.token}"}
    )


def _until_ended(staff: NewStaff, job_id: str) -> dict[str, Any]:
    """Poll as a client would, each poll after joining the job's thread (bounded). The
    thread is joined first: the tests' SQLite database (in memory, shared cache) answers
    "table is locked" at once to a read racing a write, where a file waits its turn."""
    body: dict[str, Any] = {}
    for _ in range(POLLS):
        jobs.job_wait(uuid.UUID(job_id), timeout=120)
        answer = _get(staff, job_id)
        assert answer.status_code == 200, answer.content
        body = answer.json()
        if body["status"] in {"done", "problems", "refused", "failed"}:
            return body
    raise AssertionError(f"the job {job_id} did not end: {body}")


def _no_files_left(job_id: str) -> None:
    assert not jobs.upload_path(uuid.UUID(job_id)).exists()
    assert not jobs.progress_path(uuid.UUID(job_id)).exists()


def test_a_posted_file_is_accepted_at_once_then_imported_in_the_background(lab, camp) -> None:
    data = _file(f"{camp['card']},{DAY},{camp['site']},4548-4,5.4,%")
    started = _post(lab, camp["programme"], data, source="lab_file")
    assert started.status_code == 202, started.content
    job_id = started.json()["id"]
    body = _until_ended(lab, job_id)
    assert body["status"] == "done"
    assert body["kind"] == "results"
    assert body["dry_run"] is False
    assert (body["rows_done"], body["rows_total"]) == (1, 1)
    assert body["summary"]["written"] == 1
    assert body["summary"]["people"] == 1
    assert body["problems"] == []
    assert _observations() == 1
    _no_files_left(job_id)
    job = apps.get_model("imports", "ImportJob").objects.get(pk=job_id)
    assert job.file_name == "lab.csv"
    assert job.finished_at is not None
    # The same file again: a new job, nothing new written.
    again = _until_ended(lab, _post(lab, camp["programme"], data).json()["id"])
    assert (again["status"], again["summary"]["written"], again["summary"]["already_in"]) == (
        "done",
        0,
        1,
    )
    assert _observations() == 1


def test_a_file_with_problems_ends_with_them_and_writes_nothing(lab, camp) -> None:
    card, site = camp["card"], camp["site"]
    data = _file(f"{card},{FUTURE},{site},4548-4,5.4,%", f"ZZZZ-ZZZZ,{DAY},{site},4548-4,5.6,%")
    job_id = _post(lab, camp["programme"], data).json()["id"]
    body = _until_ended(lab, job_id)
    assert body["status"] == "problems"
    assert [(p["row"], p["column"]) for p in body["problems"]] == [
        (2, "visit_date"),
        (3, "card_code"),
    ]
    assert "in the future" in body["problems"][0]["message"]
    assert body["summary"] == {"problems": 2}
    assert body["problems_more"] == 0
    assert _observations() == 0
    _no_files_left(job_id)


def test_a_file_with_a_forbidden_column_is_refused_whole(lab, camp) -> None:
    data = _file(
        f"{camp['card']},{DAY},{camp['site']},4548-4,5.4,%,x", header=f"{HEADER},ethnicity"
    )
    body = _until_ended(lab, _post(lab, camp["programme"], data).json()["id"])
    assert body["status"] == "refused"
    (problem,) = body["problems"]
    assert (problem["row"], problem["column"]) == (1, "ethnicity")
    assert "does not collect" in problem["message"]
    assert _observations() == 0


def test_a_dry_run_checks_the_file_and_writes_nothing(lab, camp) -> None:
    data = _file(f"{camp['card']},{DAY},{camp['site']},4548-4,5.4,%")
    audit = apps.get_model("audit", "AuditEntry").objects
    before = audit.count()
    body = _until_ended(lab, _post(lab, camp["programme"], data, dry_run="true").json()["id"])
    assert (body["status"], body["dry_run"]) == ("done", True)
    assert body["summary"] == {"rows": 1, "new": 1, "already_in": 0, "written": 0}
    assert _observations() == 0
    assert audit.count() == before


def test_only_its_starter_and_the_programmes_coordinators_see_a_job(
    lab, registrar, coordinator, analyst, camp
) -> None:
    other_lab = staff_add(
        username="lab-2", role="lab", password=None, programme_ids=[camp["programme"]]
    )
    data = _file(f"{camp['card']},{DAY},{camp['site']},4548-4,5.4,%")
    job_id = _post(lab, camp["programme"], data).json()["id"]
    _until_ended(lab, job_id)
    assert _get(coordinator, job_id).status_code == 200
    refused = _get(other_lab, job_id)  # may import, but not this job
    assert refused.status_code == 404
    assert job_id in refused.json()["message"]
    # A registrar imports paper registration forms, not this lab's file.
    assert _get(registrar, job_id).status_code == 404
    # A role that imports no kind of file the jobs run is refused by the door first.
    assert _get(analyst, job_id).status_code == 403
    assert _get(lab, str(uuid.uuid4())).status_code == 404
    # A coordinator of another programme does not see it either.
    other_boss = staff_add(username="coord-2", role="coordinator", password=None)
    assert _get(other_boss, job_id).status_code == 404


def test_a_role_that_may_not_import_is_refused_before_a_job_exists(registrar, camp) -> None:
    data = _file(f"{camp['card']},{DAY},{camp['site']},4548-4,5.4,%")
    refused = _post(registrar, camp["programme"], data)
    assert refused.status_code == 403
    assert apps.get_model("imports", "ImportJob").objects.count() == 0
    assert _observations() == 0


@pytest.mark.parametrize(
    ("field", "said"), [("ethnicity", "does not collect"), ("colour", "Unknown field")]
)
def test_a_field_not_listed_is_refused_by_name(lab, camp, field, said) -> None:
    data = _file(f"{camp['card']},{DAY},{camp['site']},4548-4,5.4,%")
    refused = _post(lab, camp["programme"], data, **{field: "x"})
    assert refused.status_code == 422
    assert field in refused.json()["message"]
    assert said in refused.json()["message"]
    assert apps.get_model("imports", "ImportJob").objects.count() == 0


def test_a_missing_file_and_a_field_too_long_are_named(lab, camp) -> None:
    headers = {"Authorization": f"Bearer {lab.token}"}
    url = f"/api/v1/programmes/{camp['programme']}/imports"
    no_file = Client().post(url, {"dry_run": "true"}, headers=headers)
    assert (no_file.status_code, no_file.json()["detail"][0]["field"]) == (422, "file")
    long = _post(lab, camp["programme"], b"x", encoding="x" * 40)
    assert long.status_code == 422
    assert long.json()["message"].startswith("encoding: The encoding is longer than 32")
    assert apps.get_model("imports", "ImportJob").objects.count() == 0


def test_the_openapi_document_describes_the_upload(lab) -> None:
    document = Client().get("/api/v1/openapi.json").json()
    post = document["paths"]["/api/v1/programmes/{programme_id}/imports"]["post"]
    assert "multipart/form-data" in post["requestBody"]["content"]
    assert "202" in post["responses"]
    assert "/api/v1/imports/{job_id}" in document["paths"]


# ---- progress, read from the file the thread writes ------------------------------------


@dataclass
class _Summary:
    rows: int = 10
    written: int = 10
    already_in: int = 0
    people: int = 1
    visits_started: int = 1
    referred: tuple[str, ...] = ()


class _Held:
    """An import that reports 5 of 10 rows done, then waits to be let go."""

    def __init__(self) -> None:
        self.reported = threading.Event()
        self.go_on = threading.Event()

    def check(self, **_: Any) -> Any:
        raise AssertionError("not a dry run")

    def run(self, *, progress: Any, **_: Any) -> _Summary:
        progress(5, 10)
        self.reported.set()
        assert self.go_on.wait(timeout=120)
        return _Summary()


@pytest.fixture
def held(monkeypatch) -> _Held:
    held = _Held()
    monkeypatch.setitem(jobs.KINDS, "results", (held.check, held.run))
    return held


def _page_client(staff: NewStaff) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=staff.actor.username))
    # The session's first page keeps the member's language in it (a write): done now, so
    # no request of the test writes while a job holds the database.
    assert client.get("/").status_code == 200
    return client


def test_progress_is_read_from_the_jobs_file_while_it_runs(lab, camp, held) -> None:
    job_id = jobs.job_start(
        actor=lab.actor,
        programme_id=camp["programme"],
        data=_file(f"{camp['card']},{DAY},{camp['site']},4548-4,5.4,%"),
        name="lab.csv",
    )
    try:
        assert held.reported.wait(timeout=120)
        upload = jobs.upload_path(job_id)
        assert upload.stat().st_mode & 0o777 == 0o600
        assert jobs.read_progress(job_id) == {"status": "importing", "done": 5, "total": 10}
        state = jobs.job_status(actor=lab.actor, job_id=job_id)
        assert (state.status, state.rows_done, state.rows_total) == ("importing", 5, 10)
        assert not state.ended
    finally:
        held.go_on.set()
        assert jobs.job_wait(job_id, timeout=120)
    state = jobs.job_status(actor=lab.actor, job_id=job_id)
    assert (state.status, state.rows_done, state.rows_total) == ("done", 10, 10)
    assert not jobs.upload_path(job_id).exists()


def test_the_page_shows_a_progress_bar_polled_until_the_summary(lab, camp, held) -> None:
    client = _page_client(lab)
    pid = camp["programme"]
    upload = SimpleUploadedFile("lab.csv", _file(f"{camp['card']},{DAY},{camp['site']},4548-4,5,%"))
    started = client.post(
        f"/programmes/{pid}/import/",
        {"file": upload, "step": "import", "source": "lab_file"},
        headers={"HX-Request": "true", "HX-Target": "outcome"},
    )
    assert started.status_code == 200
    job_id = jobs.ImportJob.objects.get().pk
    try:
        assert held.reported.wait(timeout=120)
        polled = client.get(f"/programmes/{pid}/import/jobs/{job_id}/progress/")
        fragment = polled.content.decode()
        assert polled.status_code == 200
        assert 'hx-trigger="every 1s"' in fragment
        assert '<progress id="import-job-bar" max="10" value="5"' in fragment
        assert '<label for="import-job-bar">' in fragment
        assert 'role="status">5 of 10 rows written</p>' in fragment
        assert "<html" not in fragment
        # Without JavaScript: the job's own page, with a Refresh link to itself.
        own = client.get(f"/programmes/{pid}/import/jobs/{job_id}/").content.decode()
        assert "<noscript>" in own
        assert f'href="/programmes/{pid}/import/jobs/{job_id}/">Refresh</a>' in own
    finally:
        held.go_on.set()
        assert jobs.job_wait(job_id, timeout=120)
    ended = client.get(f"/programmes/{pid}/import/jobs/{job_id}/progress/")
    text = ended.content.decode()
    assert ended["HX-Retarget"] == "#import-job"
    assert ended["HX-Reswap"] == "outerHTML"
    assert "hx-trigger" not in text
    assert "<progress" not in text
    assert "10 values written for 1 person(s)." in text
    # Someone else's job is not found on the page either.
    other = staff_add(
        username="lab-2", role="lab", password="lab-2-test-password", programme_ids=[pid]
    )
    assert _page_client(other).get(f"/programmes/{pid}/import/jobs/{job_id}/").status_code == 404


def test_a_job_left_running_by_a_process_that_is_gone_is_shown_failed(lab, camp) -> None:
    job = jobs.ImportJob.objects.create(
        programme_id=camp["programme"],
        started_by_id=lab.actor.staff_id,
        kind="results",
        sha256="0" * 64,
        status="importing",
        runner="2147483646:1",  # no such process
    )
    jobs.upload_path(job.pk).write_bytes(b"card_code\n")
    jobs.write_progress(job.pk, "importing", 2000, 4000)
    state = jobs.job_status(actor=lab.actor, job_id=job.pk)
    assert state.status == "failed"
    assert "Run it again" in state.summary["message"]
    assert not jobs.upload_path(job.pk).exists()
    assert not jobs.progress_path(job.pk).exists()
    job.refresh_from_db()
    assert (job.status, job.finished_at is not None) == ("failed", True)


def test_a_job_of_this_process_that_no_thread_holds_is_shown_failed(lab, camp) -> None:
    job = jobs.ImportJob.objects.create(
        programme_id=camp["programme"],
        started_by_id=lab.actor.staff_id,
        kind="results",
        sha256="0" * 64,
        status="checking",
        runner=jobs._process_mark(os.getpid()),
    )
    assert jobs.job_status(actor=lab.actor, job_id=job.pk).status == "failed"


def test_a_job_keeps_a_thousand_problems_and_counts_the_rest(lab, camp) -> None:
    rows = [f"ZZZZ-ZZZZ,{DAY},{camp['site']},4548-4,5.{n},%" for n in range(1005)]
    job_id = jobs.job_start(
        actor=lab.actor, programme_id=camp["programme"], data=_file(*rows), name="big.csv"
    )
    assert jobs.job_wait(job_id, timeout=120)
    state = jobs.job_status(actor=lab.actor, job_id=job_id)
    assert state.status == "problems"
    assert len(state.problems) == jobs.PROBLEMS_KEPT
    assert state.problems_total == state.summary["problems"] >= 1005
    with pytest.raises(NotFound):
        jobs.job_status(actor=lab.actor, job_id=uuid.uuid4())


def test_a_lab_file_is_handed_to_the_import_by_its_path_never_as_bytes(
    lab, camp, monkeypatch
) -> None:
    """The job streams the upload from its file: a 2 M-row upload is never held whole."""
    check, run = jobs.KINDS["results"]
    given: list[set[str]] = []

    def spy(real: Any) -> Any:
        def called(**kwargs: Any) -> Any:
            given.append({k for k in ("data", "path") if k in kwargs})
            return real(**kwargs)

        return called

    monkeypatch.setitem(jobs.KINDS, "results", (spy(check), spy(run)))
    data = _file(f"{camp['card']},{DAY},{camp['site']},4548-4,5.4,%")
    for extra in ({"dry_run": "true"}, {}):
        body = _until_ended(lab, _post(lab, camp["programme"], data, **extra).json()["id"])
        assert body["status"] == "done", body
    assert given == [{"path"}, {"path"}]
    assert _observations() == 1
