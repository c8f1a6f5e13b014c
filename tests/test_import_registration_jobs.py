"""Paper registration forms as an import job (issue 12): the same importer as the command,
started from the page or the API; the job's row keeps counts only, while the problems
(which quote birth dates and phone numbers) and the card list (form reference beside card
code) are kept for the staff member who started it alone, for an hour."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from healthcamp.access.errors import AccessDenied
from healthcamp.imports import jobs
from healthcamp.services import erasure
from tests.test_import_registrations import _csv, form

pytestmark = pytest.mark.django_db


def _row_text(job_id: Any) -> str:
    """Everything the job's database row holds, as text."""
    job = apps.get_model("imports", "ImportJob").objects.get(pk=job_id)
    return json.dumps([job.summary, job.problems, job.file_name])


def _start(staff: Any, programme: Any, data: bytes, **options: Any) -> Any:
    return jobs.job_start(
        actor=staff.actor,
        programme_id=programme.id,
        data=data,
        name="forms.csv",
        kind="registrations",
        **options,
    )


def test_a_job_registers_every_form_and_its_row_names_no_one(
    registrar: Any, programme: Any, document: Any
) -> None:
    data = _csv(form("F-0001"), form("F-0002", given_name="Zainab", date_of_birth="1990-07-01"))
    job_id = _start(registrar, programme, data)
    state = jobs.job_status(actor=registrar.actor, job_id=job_id)
    assert (state.status, state.kind, state.details) == ("done", "registrations", "shown")
    assert state.summary["registered"] == state.summary["written"] == 2
    assert [reference for reference, _ in state.cards] == ["F-0001", "F-0002"]
    assert all(len(card) == 13 for _, card in state.cards)  # XXXX-XXXX-XXX
    row = _row_text(job_id)
    for private in ("F-0001", "Zainab", "Amina", "1990-07-01", state.cards[0][1]):
        assert private not in row
    assert jobs.private_path(job_id).stat().st_mode & 0o777 == 0o600
    again = jobs.job_status(actor=registrar.actor, job_id=_start(registrar, programme, data))
    assert (again.summary["registered"], again.summary["already_in"], again.cards) == (0, 2, [])


def test_its_problems_are_the_starters_alone(
    registrar: Any, coordinator: Any, programme: Any, document: Any
) -> None:
    data = _csv(form("F-0001"), form("F-0002", phone="call-me-maybe"))
    job_id = _start(registrar, programme, data)
    mine = jobs.job_status(actor=registrar.actor, job_id=job_id)
    assert mine.status == "problems"
    assert mine.problems_total == 1
    assert [(p["row"], p["column"]) for p in mine.problems] == [(3, "phone")]
    assert "call-me-maybe" in mine.problems[0]["message"]
    theirs = jobs.job_status(actor=coordinator.actor, job_id=job_id)
    assert (theirs.problems, theirs.problems_total, theirs.details) == ([], 1, "starter")
    assert "call-me-maybe" not in _row_text(job_id)
    assert apps.get_model("registry", "Participant").objects.count() == 0


def test_the_coordinator_sees_how_many_but_not_whose_cards(
    registrar: Any, coordinator: Any, programme: Any, document: Any
) -> None:
    job_id = _start(registrar, programme, _csv(form("F-0001")))
    theirs = jobs.job_status(actor=coordinator.actor, job_id=job_id)
    assert (theirs.summary["registered"], theirs.cards, theirs.details) == (1, [], "starter")


def test_the_kept_details_are_deleted_after_an_hour(
    registrar: Any, programme: Any, document: Any
) -> None:
    job_id = _start(registrar, programme, _csv(form("F-0001")))
    jobs.forget_old_private_outcomes()
    assert jobs.private_path(job_id).exists()  # kept while young
    assert jobs.forget_old_private_outcomes(older_than=-1) >= 1
    assert not jobs.private_path(job_id).exists()
    state = jobs.job_status(actor=registrar.actor, job_id=job_id)
    assert (state.summary["registered"], state.cards, state.details) == (1, [], "gone")


def test_an_erased_persons_card_is_no_longer_listed(
    registrar: Any, coordinator: Any, programme: Any, document: Any
) -> None:
    job_id = _start(registrar, programme, _csv(form("F-0001"), form("F-0002", given_name="Zo")))
    cards = jobs.job_status(actor=registrar.actor, job_id=job_id).cards
    erased = apps.get_model("registry", "Participant").objects.order_by("registered_at").first()
    assert erased is not None
    erasure.participant_erase(actor=coordinator.actor, participant_id=erased.pk)
    left = jobs.job_status(actor=registrar.actor, job_id=job_id).cards
    assert len(cards) == 2
    assert len(left) == 1
    assert left[0] in cards


def test_a_lab_may_not_import_registration_forms(lab: Any, programme: Any, document: Any) -> None:
    with pytest.raises(AccessDenied):
        _start(lab, programme, _csv(form("F-0001")))
    assert not apps.get_model("imports", "ImportJob").objects.exists()


def test_the_api_imports_registrations_and_answers_with_the_cards(
    registrar: Any, coordinator: Any, programme: Any, document: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    def post(staff: Any, **fields: Any) -> Any:
        upload = SimpleUploadedFile("forms.csv", _csv(form("F-0001")), content_type="text/csv")
        return Client().post(
            f"/api/v1/programmes/{programme.id}/imports",
            {"file": upload, **fields},
            headers={"Authorization": f"Bearer {staff.token}"},
        )

    checked = post(registrar, kind="registrations", dry_run="true")
    assert checked.status_code == 202
    dry = (
        Client()
        .get(
            f"/api/v1/imports/{checked.json()['id']}",
            headers={"Authorization": f"Bearer {registrar.token}"},
        )
        .json()
    )
    assert (dry["status"], dry["summary"]["new"], dry["cards"], dry["details"]) == (
        "done",
        1,
        [],
        "shown",
    )
    started = post(registrar, kind="registrations")
    assert started.status_code == 202
    read = Client().get(
        f"/api/v1/imports/{started.json()['id']}",
        headers={"Authorization": f"Bearer {registrar.token}"},
    )
    body = read.json()
    assert (body["status"], body["kind"], body["details"]) == ("done", "registrations", "shown")
    assert [c["form_reference"] for c in body["cards"]] == ["F-0001"]
    by_coordinator = (
        Client()
        .get(
            f"/api/v1/imports/{started.json()['id']}",
            headers={"Authorization": f"Bearer {coordinator.token}"},
        )
        .json()
    )
    assert (by_coordinator["cards"], by_coordinator["details"]) == ([], "starter")
    assert post(registrar, kind="fingerprints").status_code == 422


def _page(staff: Any) -> Client:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=staff.actor.username))
    return client


def _upload(data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("forms.csv", data, content_type="text/csv")


def test_the_desk_leads_a_registrar_to_the_forms_page_and_a_lab_not(
    registrar: Any, lab: Any, programme: Any
) -> None:
    address = f"/programmes/{programme.id}/import/registrations/"
    assert address in _page(registrar).get("/").content.decode()
    assert address not in _page(lab).get("/").content.decode()
    page = _page(registrar).get(address)
    assert page.status_code == 200
    assert "kind=registrations" in page.content.decode()  # the template's links


def test_the_page_checks_then_registers_and_lists_each_forms_card(
    registrar: Any, coordinator: Any, programme: Any, document: Any
) -> None:
    address = f"/programmes/{programme.id}/import/registrations/"
    bad = _page(registrar).post(
        address, {"file": _upload(_csv(form("F-0001", phone="call-me"))), "step": "check"}
    )
    assert "call-me" in bad.content.decode()  # shown now, kept nowhere
    assert not apps.get_model("imports", "ImportJob").objects.exists()
    good = _csv(form("F-0001"), form("F-0002", given_name="Zo"))
    checked = _page(registrar).post(address, {"file": _upload(good), "step": "check"})
    assert "2 forms are ready" in checked.content.decode()
    done = _page(registrar).post(address, {"file": _upload(good), "step": "import"})
    text = done.content.decode()
    assert "2 people registered." in text
    job = apps.get_model("imports", "ImportJob").objects.get()
    state = jobs.job_status(actor=registrar.actor, job_id=job.pk)
    for reference, card in state.cards:
        assert reference in text
        assert card in text
    seen_by_coordinator = _page(coordinator).get(
        f"/programmes/{programme.id}/import/jobs/{job.pk}/"
    )
    page = seen_by_coordinator.content.decode()
    assert seen_by_coordinator.status_code == 200
    assert "2 people registered." in page
    assert state.cards[0][1] not in page
    assert "shown only to the staff member who started the import" in page
