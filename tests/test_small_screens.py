"""Pages on a small phone (issue 10, section 4): the portal's header is one line, and a
name of any length wraps on the card and the page's heading instead of running off."""

from __future__ import annotations

from typing import Any

import pytest

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

LONG_GIVEN = "Wolfeschlegelsteinhausenbergerdorff-Montgomery"
LONG_FAMILY = "Venkataramanasubramaniam-Oyelaran-Nakamura-Abernathy"


def _staff_log_in(page: Any) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill("registrar-1")
    page.get_by_label("Password").fill("registrar-test-password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Find a participant").wait_for()


def _inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
    )


def test_a_long_name_wraps_on_the_heading_and_stays_on_the_card(
    page: Any, registrar: Any, programme: Any
) -> None:
    person = register_person(registrar, programme, given=LONG_GIVEN, family=LONG_FAMILY)
    page.set_viewport_size({"width": 360, "height": 740})
    _staff_log_in(page)
    page.goto(f"/participants/{person.id}/")
    heading = page.locator("h1")
    assert LONG_FAMILY in heading.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.goto(f"/participants/{person.id}/card/")
    card = page.locator(".idcard").bounding_box()
    name = page.locator(".idcard-name").bounding_box()
    code = page.locator(".idcard-code").bounding_box()
    assert card is not None
    assert name is not None
    assert code is not None
    assert _inside(name, card), (name, card)  # all of the name is on the card ...
    assert _inside(code, card), (code, card)  # ... and the card code still is
    assert page.evaluate(
        "(() => { const n = document.querySelector('.idcard-name');"
        " return n.scrollWidth <= n.clientWidth; })()"
    )


def test_the_portal_header_is_one_line_on_a_phone(
    page: Any, registrar: Any, coordinator: Any, programme: Any
) -> None:
    document = publish_document(coordinator, programme.id, language="en")
    person = register_person(registrar, programme, consent_document=document)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/me/?lang=en")
    page.fill("#card_code", person.card_code)
    page.fill("#date_of_birth", "1984-03-15")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/me/record/")
    header = page.locator("header.top").bounding_box()
    sign_out = page.get_by_role("button", name="Sign out").bounding_box()
    brand = page.locator("header.top .brand").bounding_box()
    assert header is not None
    assert sign_out is not None
    assert brand is not None
    assert header["height"] <= 64, header  # one line of links, not a third of the screen
    assert abs(sign_out["y"] - brand["y"]) < 24  # on the same line as the title
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


# Every word of the portal's log table stays whole on a phone: a word split across lines
# has more than one box. (The table scrolls sideways in its frame instead.)
WORDS_SPLIT = """() => {
  const split = [];
  for (const cell of document.querySelectorAll('table.log td, table.log th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (lines.size > 1) split.push(match[0]);
      }
    }
  }
  return split;
}"""


def test_the_portal_log_keeps_its_words_whole_on_a_phone(
    page: Any, registrar: Any, coordinator: Any, programme: Any
) -> None:
    document = publish_document(coordinator, programme.id, language="es")
    person = register_person(registrar, programme, language="es", consent_document=document)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/me/?lang=es")
    page.fill("#card_code", person.card_code)
    page.fill("#date_of_birth", "1984-03-15")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/me/record/")
    assert page.locator("table.log td").count() > 0
    page.locator("table.log").scroll_into_view_if_needed()
    _shot(page, "portal-log-phone")
    assert page.evaluate(WORDS_SPLIT) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
