"""No page logs an error in the browser's console (issue 10, section 4): no favicon 404,
no Content-Security-Policy violation (htmx's injected styles were one)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import NEEDS_CHROMIUM, PAGES_ON_SQLITE, publish_document, register_person
from tests.test_small_screens import _staff_log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    NEEDS_CHROMIUM,
    PAGES_ON_SQLITE,
]


def test_pages_log_no_console_error_and_no_policy_violation(
    page: Any, registrar: Any, coordinator: Any, programme: Any
) -> None:
    document = publish_document(coordinator, programme.id, language="en")
    person = register_person(registrar, programme, consent_document=document)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    # Violations are also events on the document, whatever the console says of them.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e =>"
        " console.error('CSP ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    _staff_log_in(page)
    for path in ("/", f"/participants/{person.id}/", "/participants/new/"):
        page.goto(path)
        page.get_by_role("link", name="Register").first.click()  # a boosted navigation
        page.wait_for_load_state("networkidle")
    page.goto("/me/?lang=en")
    page.fill("#card_code", person.card_code)
    page.fill("#date_of_birth", "1984-03-15")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/me/record/")
    page.wait_for_load_state("networkidle")
    assert errors == []
