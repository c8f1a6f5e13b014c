"""WCAG 2.2 A/AA, checked by axe-core (from the npm registry, tests/a11y) in headless
Debian chromium over the pages people use: staff pages in English, the portal in Arabic
(right to left) and English, at a desktop and a small phone's width. The keyboard tests
are in tests/test_keyboard.py.

The test context bypasses the pages' CSP only so that axe itself can be injected."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ALL_PURPOSES, CHROMIUM_ARGS, NEEDS_CHROMIUM, give_consent

AXE = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = {"desktop": 1280, "phone": 390}
# axe's "needs review" items, each looked at by hand; any other one fails the test.
REVIEWED = {
    # Text over the band pictures' colours sits in the <img> (an SVG), read by its alt text.
    "color-contrast": "checked by tests/test_focus_contrast.py and by hand where axe "
    "cannot compute a background (gradients, text over images)",
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    NEEDS_CHROMIUM,
]


@pytest.fixture
def browser(live_server: Any) -> Iterator[Any]:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    if not AXE.exists():
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"axe-core is missing ({AXE}): `npm ci --prefix tests/a11y`.")
        pytest.skip("axe-core is not installed: npm ci --prefix tests/a11y")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def _page(browser: Any, live_server: Any, width: int) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": 900}, base_url=live_server.url, bypass_csp=True
    )
    return context.new_page()


checked: list[str] = []


def _axe(page: Any, state: str, found: dict[str, list[str]], review: dict[str, set[str]]) -> None:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    assert result["passes"], f"axe checked nothing on {state}"
    checked.append(state)
    for violation in result["violations"]:
        targets = [" ".join(node["target"]) for node in violation["nodes"]][:3]
        found.setdefault(state, []).append(f"{violation['id']}: {targets}")
    for item in result["incomplete"]:
        review.setdefault(item["id"], set()).add(state)


def _staff_login(page: Any, role: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(f"{role}-1")
    page.get_by_label("Password").fill(f"{role}-test-password")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")


# One test per width, so that the two test workers share the axe runs.
@pytest.mark.parametrize("name", WIDTHS)
def test_the_pages_people_use_have_no_wcag_violations(
    name, browser, live_server, registrar, clinician, coordinator, programme, document
) -> None:
    from django.apps import apps
    from django.db import connection

    from healthcamp.services import exams, participants

    if connection.vendor == "postgresql":
        pytest.skip("the pages are the same on both databases: axe runs once, on SQLite")

    person = participants.participant_register(
        actor=registrar.actor,
        programme_id=programme.id,
        given_name="أمينة",
        family_name="حداد",
        date_of_birth=date(1984, 3, 15),
        sex="female",
        preferred_language="ar",
        phone="",
    )
    give_consent(registrar, person.id, document.id, purposes=ALL_PURPOSES)
    site = apps.get_model("registry", "Site").objects.filter(programme_id=programme.id)[0].pk
    visit = exams.encounter_start(actor=clinician.actor, participant_id=person.id, site_id=site)
    for code, value, unit in (
        ("8480-6", 152, "mm[Hg]"),
        ("8462-4", 96, "mm[Hg]"),
        ("8480-6", 150, "mm[Hg]"),
        ("8462-4", 94, "mm[Hg]"),
        ("8302-2", 162, "cm"),
        ("29463-7", 70, "kg"),
        ("14743-9", 2.6, "mmol/L"),
    ):
        exams.observation_record(
            actor=clinician.actor, encounter_id=visit, code=code, value=value, unit=unit
        )
    found: dict[str, list[str]] = {}
    review: dict[str, set[str]] = {}
    checked.clear()
    page = _page(browser, live_server, WIDTHS[name])
    page.goto("/login/")
    _axe(page, f"login {name}", found, review)
    _staff_login(page, "registrar")
    _axe(page, f"desk {name}", found, review)
    page.goto("/participants/new/")
    page.get_by_role("button", name="Register and make card").click()
    page.wait_for_load_state("networkidle")
    _axe(page, f"register with errors {name}", found, review)
    page.goto(f"/participants/{person.id}/")
    _axe(page, f"participant {name}", found, review)
    for path, state in (
        (f"/participants/{person.id}/consent/", "consent (Arabic)"),
        (f"/programmes/{programme.id}/import/registrations/", "paper registration forms"),
    ):
        page.goto(path)
        _axe(page, f"{state} {name}", found, review)
    page.context.clear_cookies()
    _staff_login(page, "clinician")
    page.goto(f"/participants/{person.id}/station/{visit}/")
    _axe(page, f"station with a critical value {name}", found, review)
    page.goto(f"/participants/{person.id}/letter/")
    _axe(page, f"letter (Arabic) {name}", found, review)
    page.context.clear_cookies()
    _staff_login(page, "coordinator")
    page.goto(f"/programmes/{programme.id}/")
    _axe(page, f"programme {name}", found, review)
    page.context.clear_cookies()
    for language in ("ar", "en"):
        page.goto(f"/me/?lang={language}")
        _axe(page, f"portal sign-in ({language}) {name}", found, review)
    page.goto("/me/?lang=ar")
    page.locator("input[name=card_code]").fill(person.card_code)
    page.locator("input[name=date_of_birth]").fill("1984-03-15")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    _axe(page, f"portal record (Arabic) {name}", found, review)
    page.context.close()
    assert len(checked) == 12  # 12 page states
    assert found == {}
    unreviewed = {rule: sorted(states) for rule, states in review.items() if rule not in REVIEWED}
    assert unreviewed == {}


def test_axe_finds_what_it_should(browser, live_server) -> None:
    """The check can fail: a page with a picture without words and a nameless button."""
    page = _page(browser, live_server, 1280)
    page.set_content(
        '<html lang="en"><title>t</title><main><img src="x.png"><button></button></main>'
    )
    found: dict[str, list[str]] = {}
    _axe(page, "broken", found, {})
    rules = {line.split(":")[0] for line in found["broken"]}
    assert {"image-alt", "button-name"} <= rules
