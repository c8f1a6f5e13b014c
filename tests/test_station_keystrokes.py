"""The station as fast as a nurse types (issue 10, section 3), counted in a browser: from a
card scanned at a station device to a saved blood pressure pair, one page and at most 12
keystrokes including Enter, no mouse."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from playwright.sync_api import expect

from tests.conftest import (
    NEEDS_CHROMIUM,
    PAGES_ON_SQLITE,
    _shot,
    publish_document,
    register_person,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    NEEDS_CHROMIUM,
    PAGES_ON_SQLITE,
]

MOST_KEYSTROKES = 12  # the goal, Enter included


class Keyboard:
    """The page's keyboard, counting every key a person presses."""

    def __init__(self, page: Any) -> None:
        self.page, self.count = page, 0

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.count += len(text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.count += 1


def _set_up_the_device(page: Any) -> None:
    """Once per device, before the day starts: log in, and say where the device stands."""
    page.goto("/login/")
    page.get_by_label("Username").fill("clinician-1")
    page.get_by_label("Password").fill("clinician-test-password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Find a participant").wait_for()
    page.get_by_role("link", name="Set up this device as a station").click()
    page.get_by_label("Site").select_option(label="Market Hall · Test Camp")
    page.get_by_label("Blood pressure").check()
    page.get_by_role("button", name="Use this station").click()
    page.get_by_text("Station: Blood pressure at Market Hall").wait_for()


def test_from_a_scanned_card_to_a_saved_pair(
    page: Any, clinician: Any, registrar: Any, coordinator: Any, programme: Any
) -> None:
    document = publish_document(coordinator, programme.id)
    person = register_person(registrar, programme, consent_document=document)
    _set_up_the_device(page)
    page.reload()  # the desk as the day starts: its card box has the focus
    assert page.evaluate("document.activeElement.id") == "id_card_code"

    pages: list[str] = []  # every HTML page the server answers from now on
    page.on(
        "response",
        lambda r: (
            pages.append(r.url)
            if r.status == 200 and "text/html" in (r.headers.get("content-type") or "")
            else None
        ),
    )
    # A pointer pressed (Enter's own click on the form's button is not a mouse).
    clicks: list[str] = []
    page.expose_function("countPointer", lambda: clicks.append("pointer"))
    page.evaluate("document.addEventListener('pointerdown', () => window.countPointer(), true)")

    # The handheld scanner types the card's code and Enter (the scanner's keys, not the
    # nurse's).
    scanner = Keyboard(page)
    scanner.type(person.card_code)
    scanner.press("Enter")
    systolic = page.locator("#id_systolic_1")
    systolic.wait_for()
    expect(page.locator("#id_systolic_1")).to_be_focused()
    assert len(pages) == 1, pages  # one page after the scan: today's visit, ready to type
    assert "/station/" in page.url

    nurse = Keyboard(page)
    nurse.type("128")
    nurse.press("Tab")
    nurse.type("82")
    nurse.press("Enter")
    page.get_by_text("Recorded 2 values.").wait_for()
    assert nurse.count <= MOST_KEYSTROKES, nurse.count
    assert nurse.count == 7
    assert clicks == []  # no mouse, no finger
    saved = apps.get_model("exams", "Observation").objects.order_by("code")
    assert [(o.code, o.value) for o in saved] == [("8462-4", 82.0), ("8480-6", 128.0)]
    assert "Reading 1: 128/82 mmHg" in page.locator("main").inner_text()
    # The protocol wants a second reading: its box has the focus, as the first had.
    expect(page.locator("#id_systolic_2")).to_be_focused()
    _shot(page, "station-tablet")

    # On a small phone the next pair still sits side by side, systolic then diastolic.
    page.set_viewport_size({"width": 360, "height": 740})
    top = page.locator("#id_systolic_2").bounding_box()
    bottom = page.locator("#id_diastolic_2").bounding_box()
    assert top is not None
    assert bottom is not None
    assert abs(top["y"] - bottom["y"]) < 2
    assert top["x"] + top["width"] <= bottom["x"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_third_pair_opens_as_the_readings_differ(
    page: Any, clinician: Any, registrar: Any, coordinator: Any, programme: Any
) -> None:
    document = publish_document(coordinator, programme.id)
    person = register_person(registrar, programme, consent_document=document)
    _set_up_the_device(page)
    page.fill("#id_card_code", person.card_code)
    page.press("#id_card_code", "Enter")
    page.locator("#id_systolic_1").wait_for()
    third = page.locator("#id_systolic_3")
    assert not third.is_visible()
    page.fill("#id_systolic_1", "150")
    page.fill("#id_diastolic_1", "90")
    page.fill("#id_systolic_2", "145")
    page.fill("#id_diastolic_2", "88")
    assert not third.is_visible()  # within 10 mmHg: two readings are enough
    page.fill("#id_systolic_2", "136")  # now 14 apart
    third.wait_for(state="visible")
    # Said as well as shown, to a screen reader (the page's live region).
    expect(page.locator("#announce")).to_have_text(re.compile(r"^Take a third reading"))
