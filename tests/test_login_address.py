"""After a boosted form is answered with a redirect (log-in), the address bar shows where
the person landed, not the form's address (issue 10, section 4: htmx 2.0.11 follows the
redirect's address already; this keeps it so)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import NEEDS_CHROMIUM


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@NEEDS_CHROMIUM
def test_after_log_in_the_address_bar_shows_the_page(page: Any, registrar: Any) -> None:
    from playwright.sync_api import expect

    page.goto("/login/")
    page.get_by_label("Username").fill("registrar-1")
    page.get_by_label("Password").fill("registrar-test-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Find a participant")).to_be_visible()
    expect(page).not_to_have_url(re.compile("/login/"))
