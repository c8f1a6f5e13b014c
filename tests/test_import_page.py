"""The results import page: check, fix and check again, import, the summary; offered only
to roles that may import, and writing only what their role records."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.conftest import NEEDS_CHROMIUM, PAGES_ON_SQLITE, _shot, register_person

pytestmark = pytest.mark.django_db

HEADER = "card_code,visit_date,site_id,code,value,unit"
DAY = (date.today() - timedelta(days=2)).isoformat()
FUTURE = (date.today() + timedelta(days=30)).isoformat()


def _file(*lines: str) -> bytes:
    return ("\n".join([HEADER, *lines]) + "\n").encode("utf-8")


def _client(staff: Any) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=staff.actor.username))
    return client


def _post(client: Client, programme_id: int, data: bytes, step: str, **headers: str) -> Any:
    upload = SimpleUploadedFile("lab.csv", data, content_type="text/csv")
    return client.post(
        f"/programmes/{programme_id}/import/",
        {"file": upload, "step": step, "source": "lab_file"},
        headers=headers,
    )


@pytest.fixture
def camp(registrar, lab, programme, document) -> dict[str, Any]:
    person = register_person(registrar, programme, consent_document=document)
    site = apps.get_model("registry", "Site").objects.get(programme_id=programme.id).pk
    return {"programme": programme.id, "card": person.card_code, "site": site}


def test_check_shows_the_problems_then_the_corrected_file_imports_once(lab, camp) -> None:
    client, pid = _client(lab), camp["programme"]
    card, site = camp["card"], camp["site"]
    observations = apps.get_model("exams", "Observation").objects
    bad = _file(f"{card},{FUTURE},{site},4548-4,5.4,%", f"ZZZZ-ZZZZ,{DAY},{site},4548-4,5.6,%")
    page = _post(client, pid, bad, "check", HX_Request="true", HX_Target="outcome").content.decode()
    assert "2 problems: nothing was written" in page
    assert '<th scope="row" dir="ltr">2</th>' in page
    assert "visit_date" in page
    assert '<th scope="row" dir="ltr">3</th>' in page
    assert "card_code" in page
    assert "<caption>" in page
    assert "<html" not in page
    # Pressing Import on a file with problems checks again and writes nothing.
    assert "nothing was written" in _post(client, pid, bad, "import").content.decode()
    assert observations.count() == 0
    good = _file(f"{card},{DAY},{site},4548-4,5.4,%")
    assert "1 row is ready" in _post(client, pid, good, "check").content.decode()
    assert observations.count() == 0
    page = _post(client, pid, good, "import").content.decode()
    assert "1 value written for 1 person(s)." in page
    assert "<html" in page
    assert observations.count() == 1
    again = _post(client, pid, good, "import").content.decode()
    assert "Nothing new: the 1 row of this file is already in." in again
    assert observations.count() == 1


def test_a_forbidden_column_refuses_the_file(lab, camp) -> None:
    data = f"{HEADER},ethnicity\n{camp['card']},{DAY},{camp['site']},4548-4,5.4,%,x\n".encode()
    page = _post(_client(lab), camp["programme"], data, "check").content.decode()
    assert 'role="alert"' in page
    assert "ethnicity" in page


def test_only_roles_that_may_import_are_offered_it(registrar, lab, camp) -> None:
    url = f"/programmes/{camp['programme']}/import/"
    assert f'href="{url}"' in _client(lab).get("/").content.decode()
    assert f'href="{url}"' not in _client(registrar).get("/").content.decode()
    data = _file(f"{camp['card']},{DAY},{camp['site']},4548-4,5.4,%")
    assert _post(_client(registrar), camp["programme"], data, "import").status_code == 403
    assert apps.get_model("exams", "Observation").objects.count() == 0


@NEEDS_CHROMIUM
@PAGES_ON_SQLITE
def test_a_lab_fixes_its_file_imports_it_and_the_person_sees_the_value(
    page: Any, lab, camp, tmp_path
) -> None:
    """Issue 12's scenario in the browser: problems shown, corrected file checked and
    imported with the progress shown, the value in the participant's portal record."""
    from playwright.sync_api import expect

    card, site = camp["card"], camp["site"]
    bad, good = tmp_path / "lab.csv", tmp_path / "lab-fixed.csv"
    bad.write_bytes(_file(f"{card},{FUTURE},{site},4548-4,6.9,%"))
    good.write_bytes(_file(f"{card},{DAY},{site},4548-4,6.9,%"))
    page.goto("/login/")
    page.get_by_label("Username").fill("lab-1")
    page.get_by_label("Password").fill("lab-test-password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Import results: Test Camp").click()
    page.get_by_label("Result file (CSV or XLSX)").set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    table = page.get_by_role("table", name="Problems found in lab.csv")
    expect(table.get_by_role("rowheader", name="2")).to_be_visible()
    expect(table).to_contain_text("is in the future")
    page.get_by_label("Result file (CSV or XLSX)").set_input_files(str(good))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="No problems found")).to_be_visible()
    # The write is one transaction: the page shows a progress bar while it runs.
    page.route(
        "**/import/",
        lambda route: (page.wait_for_timeout(300), route.continue_()),
    )
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("progressbar")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("1 value written for 1 person(s).")
    expect(page.get_by_role("progressbar")).to_be_hidden()
    _shot(page, "import-results")
    page.context.clear_cookies()
    page.goto("/me/?lang=en")
    page.get_by_label("Card code").fill(card)
    page.get_by_label("Date of birth").fill("1984-03-15")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("main")).to_contain_text("6.9")
