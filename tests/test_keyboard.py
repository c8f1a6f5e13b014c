"""The pages by keyboard alone (issue 17): registration, consent (in Arabic, right to
left), a station visit and a portal withdrawal, done with Tab, Shift+Tab, Space, Enter,
the arrow keys and typing - no clicks, and no typing into a box not reached by Tab.

At every stop the focus ring shows, at 3:1 or more against what is behind it (WCAG 2.2
SC 1.4.11, 2.4.7); after a boosted navigation focus is on the new page's heading; after
an error, on the first field in error (SC 3.3.1); a confirmation takes focus.

The pages are the same on both databases: these run once, on SQLite."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from tests.conftest import (
    CHROMIUM_ARGS,
    NEEDS_CHROMIUM,
    PAGES_ON_SQLITE,
    give_consent,
    publish_document,
    register_person,
)
from tests.test_focus_contrast import _contrast

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    NEEDS_CHROMIUM,
    PAGES_ON_SQLITE,
]

BORN = date(1984, 3, 15)

# Where focus is, what it is, and the ring around it with the colour it sits on (the
# ring is drawn outside the element, so the first painted background among its parents).
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  let behind = 'rgb(255, 255, 255)';
  for (let node = el.parentElement; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour && colour !== 'transparent' && !/^rgba\\(.*,\\s*0\\)$/.test(colour)) {
      behind = colour;
      break;
    }
  }
  const label = el.labels && el.labels.length ? el.labels[0].innerText.trim() : '';
  const box = el.getBoundingClientRect();
  return {
    tag: el.tagName, id: el.id, name: el.getAttribute('name') || '', label: label,
    text: (el.innerText || el.value || '').trim().slice(0, 80),
    type: el.getAttribute('type') || '', checked: !!el.checked,
    invalid: el.getAttribute('aria-invalid') || '',
    describedby: el.getAttribute('aria-describedby') || '',
    ring: style.outlineStyle !== 'none' ? parseFloat(style.outlineWidth) : 0,
    colour: style.outlineColor, behind: behind,
    seen: box.bottom > 0 && box.top < window.innerHeight && box.width > 0,
  };
}"""


def _hex(rgb: str) -> str:
    channels = [int(c) for c in re.findall(r"\d+", rgb)[:3]]
    return "#" + "".join(f"{c:02x}" for c in channels)


def focused(page: Any) -> dict[str, Any]:
    now: dict[str, Any] = page.evaluate(FOCUSED)
    now["contrast"] = round(_contrast(_hex(now["colour"]), _hex(now["behind"])), 2)
    return now


def assert_ring(now: dict[str, Any]) -> None:
    """The focused control shows a ring of 2 px or more, at 3:1 against its background,
    on screen."""
    assert now["ring"] >= 2, f"no visible focus ring on {now}"
    assert now["contrast"] >= 3, f"the focus ring is too faint on {now}"
    assert now["seen"], f"the focused control is off screen: {now}"


def _names(now: dict[str, Any]) -> set[str]:
    return {now["text"], now["name"], now["id"], now["label"]}


def tab_to(page: Any, wanted: str, *, back: bool = False, limit: int = 60) -> dict[str, Any]:
    """Press Tab (Shift+Tab with back=True) until the focused control's text, name, id or
    label is `wanted`; every stop on the way must show its focus ring."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        now = focused(page)
        if now["tag"] == "BODY":
            continue  # focus still entering the page from the browser's own controls
        assert_ring(now)
        if wanted in _names(now):
            return now
    raise AssertionError(f"{wanted!r} cannot be reached with the keyboard")


def wait_for_focus_on(page: Any, selector: str, text: str | None = None) -> dict[str, Any]:
    """After a navigation or a post: focus lands on `selector` (a CSS selector), whose
    text is `text` when given (so the page before cannot pass for the page after)."""
    from playwright.sync_api import TimeoutError as NotThere

    try:
        page.wait_for_function(
            """([selector, text]) => {
              const el = document.activeElement;
              return el && el.matches(selector) && (text === null || el.innerText.trim() === text);
            }""",
            arg=[selector, text],
            timeout=5_000,
        )
    except NotThere:
        raise AssertionError(f"focus is not on {selector} {text or ''}: {focused(page)}") from None
    return focused(page)


def heading_has_focus(page: Any, text: str) -> None:
    wait_for_focus_on(page, "h1", text)


def first_error_has_focus(page: Any, name: str) -> dict[str, Any]:
    now = wait_for_focus_on(page, '[aria-invalid="true"]')
    assert now["name"] == name, now
    assert_ring(now)
    # The field says what is wrong with it: its description names a message on the page.
    said = [
        page.evaluate("(id) => (document.getElementById(id) || {}).innerText || ''", part)
        for part in now["describedby"].split()
    ]
    assert any(s.strip() for s in said), f"the field in error says nothing: {now}"
    return now


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def tab(chromium: Any, live_server: Any) -> Iterator[Any]:
    context = chromium.new_context(
        viewport={"width": 1280, "height": 800}, base_url=live_server.url, locale="en-US"
    )
    yield context.new_page()
    context.close()


def log_in(page: Any, username: str, first_page: str) -> None:
    page.goto("/login/")
    tab_to(page, "username")
    page.keyboard.type(username)
    tab_to(page, "password")
    page.keyboard.type(f"{username.split('-', maxsplit=1)[0]}-test-password")
    page.keyboard.press("Enter")
    heading_has_focus(page, first_page)


def open_by_card(page: Any, card: str, name: str) -> None:
    """At the desk: the card's code typed (or scanned) into the card box, then Enter."""
    tab_to(page, "card_code")
    page.keyboard.type(card)
    page.keyboard.press("Enter")
    heading_has_focus(page, name)


def test_registration_by_keyboard_alone_with_focus_where_it_should_be(
    tab, live_server, registrar, programme
) -> None:
    page = tab
    log_in(page, "registrar-1", "Find a participant")
    tab_to(page, "Register")
    page.keyboard.press("Enter")
    heading_has_focus(page, "Register a participant")
    tab_to(page, "Register and make card")
    page.keyboard.press("Enter")
    first_error_has_focus(page, "given_name")
    page.keyboard.type("Amina")
    tab_to(page, "family_name")
    page.keyboard.type("Haddad")
    tab_to(page, "date_of_birth")
    page.keyboard.type("03151984")
    tab_to(page, "sex")
    page.keyboard.press("Space")
    tab_to(page, "Register and make card")
    page.keyboard.press("Enter")
    heading_has_focus(page, "Amina Haddad")


def test_consent_in_arabic_by_keyboard_alone(
    tab, live_server, registrar, coordinator, programme
) -> None:
    from healthcamp.services import consent

    publish_document(coordinator, programme.id, language="en")
    document = publish_document(coordinator, programme.id, language="ar")
    person = register_person(registrar, programme, born=BORN, language="ar")
    page = tab
    log_in(page, "registrar-1", "Find a participant")
    open_by_card(page, person.card_code, "Amina Haddad")
    tab_to(page, "Ask for consent")
    page.keyboard.press("Enter")
    heading_has_focus(page, "Consent of Amina Haddad")
    assert page.locator("article.document").get_attribute("dir") == "rtl"
    # Nothing chosen yet: the first purpose's choice is where the error is.
    tab_to(page, "Record consent")
    page.keyboard.press("Enter")
    purposes = [f"purpose_{p.code}" for p in document.purposes]
    first_error_has_focus(page, purposes[0])
    # Yes to each purpose (Space picks the first choice of a group Tab enters) except the
    # second, where the arrow key moves on to "No".
    page.keyboard.press("Space")
    for number, name in enumerate(purposes[1:], start=1):
        now = tab_to(page, name)
        assert now["type"] == "radio"
        page.keyboard.press("Space")
        if number == 1:
            page.keyboard.press("ArrowDown")
            assert focused(page)["checked"]
    tab_to(page, "Record consent")
    page.keyboard.press("Enter")
    heading_has_focus(page, "Amina Haddad")
    current = consent.consents_of(actor=registrar.actor, participant_id=person.id)[0]
    said = {d.purpose: d.granted for d in current.decisions}
    assert said == {p.code: p.code != document.purposes[1].code for p in document.purposes}
    assert current.document.language == "ar"


def test_a_station_visit_by_keyboard_alone(
    tab, live_server, registrar, clinician, coordinator, programme
) -> None:
    from django.apps import apps

    document = publish_document(coordinator, programme.id, language="en")
    person = register_person(registrar, programme, born=BORN, language="en")
    give_consent(registrar, person.id, document.id)
    page = tab
    log_in(page, "clinician-1", "Find a participant")
    open_by_card(page, person.card_code, "Amina Haddad")
    tab_to(page, "Start measurements")
    page.keyboard.press("Enter")
    heading_has_focus(page, "Station: Amina Haddad")
    tab_to(page, "Start the visit")
    page.keyboard.press("Enter")
    heading_has_focus(page, "Measurements: Amina Haddad")
    tab_to(page, "systolic_1")
    page.keyboard.type("132")
    tab_to(page, "diastolic_1")
    page.keyboard.type("84")
    tab_to(page, "weight")
    page.keyboard.type("70")
    tab_to(page, "Record")
    page.keyboard.press("Enter")
    page.locator("p.st-done[role=status]").wait_for()
    heading_has_focus(page, "Measurements: Amina Haddad")
    observations = apps.get_model("exams", "Observation").objects
    assert sorted(observations.values_list("code", flat=True)) == ["29463-7", "8462-4", "8480-6"]
    # A value nobody can have: refused, and focus lands on that box, not on the first one.
    tab_to(page, "systolic_2")
    page.keyboard.type("900")
    tab_to(page, "diastolic_2")
    page.keyboard.type("80")
    tab_to(page, "Record")
    page.keyboard.press("Enter")
    now = first_error_has_focus(page, "systolic_2")
    assert now["text"] == "900"  # what was typed is kept, to correct
    assert observations.count() == 3


def test_a_portal_withdrawal_by_keyboard_alone(  # noqa: PLR0915 - one story
    tab, live_server, registrar, coordinator, programme
) -> None:
    from healthcamp.services import consent

    document = publish_document(coordinator, programme.id, language="en")
    person = register_person(registrar, programme, born=BORN, language="en")
    give_consent(registrar, person.id, document.id)
    page = tab
    page.set_viewport_size({"width": 390, "height": 844})  # on a phone
    page.goto("/me/?lang=en")
    tab_to(page, "card_code")
    page.keyboard.type(person.card_code)
    tab_to(page, "date_of_birth")
    page.keyboard.type("03161984")  # a day off
    page.keyboard.press("Enter")
    # Refused without saying which part is wrong: focus is on the first box, which reads
    # the reason out.
    now = first_error_has_focus(page, "card_code")
    assert now["text"] == person.card_code  # kept, not to be typed again
    tab_to(page, "date_of_birth")
    page.keyboard.type("03151984")
    page.keyboard.press("Enter")
    page.wait_for_url("**/me/record/")
    # Withdraw with nothing chosen: the choices are the fields in error.
    tab_to(page, "Withdraw")
    page.keyboard.press("Enter")
    now = first_error_has_focus(page, "purposes")
    first = next(p for p in document.purposes if p.description == now["label"])
    # "Everything" and "Delete" without the birth date typed again: the date is in error,
    # and what was chosen is still chosen.
    tab_to(page, 'Everything (with "delete", your whole record is deleted)')
    page.keyboard.press("Space")
    tab_to(page, "erase")
    page.keyboard.press("ArrowDown")
    assert focused(page)["label"] == "Delete what was collected"
    tab_to(page, "Withdraw")
    page.keyboard.press("Enter")
    first_error_has_focus(page, "date_of_birth")
    assert page.locator("input[value=all]").is_checked()
    assert page.locator("input[name=erase][value=yes]").is_checked()
    # Back up with Shift+Tab: keep what was collected, not everything, only the first.
    tab_to(page, "erase", back=True)
    page.keyboard.press("ArrowUp")
    assert focused(page)["label"] == "Keep what was collected"
    tab_to(page, "all", back=True)
    page.keyboard.press("Space")
    tab_to(page, first.description, back=True)
    page.keyboard.press("Space")
    tab_to(page, "Withdraw")
    page.keyboard.press("Enter")
    # The confirmation takes focus where the person is, not 3,000 px above.
    done = wait_for_focus_on(page, "[role=status]")
    assert done["seen"]
    assert done["text"].startswith("Done.")
    withdrawn = consent.consents_of(actor=registrar.actor, participant_id=person.id)[0]
    states = {d.purpose: withdrawn.status(d.purpose).value for d in withdrawn.decisions}
    assert states == {p.code: "withdrawn" if p == first else "granted" for p in document.purposes}
    # A PIN too short: refused, and focus is back on the PIN box, which says why.
    tab_to(page, "new-pin")
    page.keyboard.type("12")
    page.keyboard.press("Enter")
    first_error_has_focus(page, "pin")
