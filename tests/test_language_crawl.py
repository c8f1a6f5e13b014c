"""Every staff and portal page, in every shipped language, in headless chromium: no visible
snake_case identifier, no UCUM bracket unit (mm[Hg], [lb_av]) and no English word on a
non-English page (issue 10). Text a page marks as another language (a consent document
written in English, a guideline's citation) is that language's, and is skipped for the
English check; proper names and a few international terms are allowed."""

from __future__ import annotations

import functools
import os
import re
import uuid
from collections.abc import Iterator
from typing import Any

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from healthcamp.lib import languages
from healthcamp.lib.message_catalogues import LOCALE
from healthcamp.services import participants
from tests.conftest import (
    ALL_PURPOSES,
    CHROMIUM_ARGS,
    NEEDS_CHROMIUM,
    PAGES_ON_SQLITE,
    _shot,
    give_consent,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    NEEDS_CHROMIUM,
    PAGES_ON_SQLITE,
]

BORN = "1984-03-15"
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
UCUM_BRACKETS = re.compile(r"\[[A-Za-z_]+\]|\{[A-Za-z]+\}")
WORD = re.compile(r"[A-Za-z]{3,}")
# International terms and names of things that are the same in every language.
ALLOWED = {
    "healthcamp",
    "pin",
    "fhir",
    "hba1c",
    "mmhg",
    "mmol",
    "logmar",
    "snellen",
    "esh",
    "nice",
    "who",
    "abo",
    "csv",
    "xlsx",
    "utc",
    "dna",
    "tools",
    "verify",
    "audit",
    "log",
    "http",
    "localhost",
    "testserver",
    "rgb",
    "svg",
    "png",
    "pdf",
    "tab",
}
# What the test data names: proper names, not words of a language.
PROPER = ("Test Camp", "Market Hall", "North Clinic", "Amina", "Haddad", "Consent")
# Paths a page may show as they are (the standalone verifier's name has underscores).
PATHS = ("tools/verify_audit_log.py",)

TEXTS = """() => {
  const out = [];
  const root = document.documentElement.lang;
  const langOf = (el) => { const at = el.closest('[lang]'); return at ? at.lang : root; };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    // translate="no" marks a literal, such as a file's column names.
    const skipped = 'script, style, noscript, template, [hidden], [translate="no"]';
    if (!el || el.closest(skipped)) continue;
    const text = walker.currentNode.textContent.trim();
    if (text) out.push([langOf(el), text]);
  }
  for (const el of document.querySelectorAll('[alt], [aria-label], [title], [placeholder]')) {
    for (const name of ['alt', 'aria-label', 'title', 'placeholder']) {
      const text = (el.getAttribute(name) || '').trim();
      if (text) out.push([langOf(el), text]);
    }
  }
  return out;
}"""


@functools.cache
def _vocabulary(code: str, *, source: bool) -> frozenset[str]:
    """The words of a catalogue: its English msgids, or a language's translations."""
    po = polib.pofile(str(LOCALE / "fr" / "LC_MESSAGES" / "django.po"))
    if not source:
        from django.utils import translation

        po = polib.pofile(str(LOCALE / translation.to_locale(code) / "LC_MESSAGES" / "django.po"))
    words: set[str] = set()
    for e in po:
        texts = [e.msgid, e.msgid_plural] if source else [e.msgstr, *e.msgstr_plural.values()]
        for text in texts:
            words.update(w.lower() for w in WORD.findall(re.sub(r"%\(\w+\)s", " ", text or "")))
    return frozenset(words)


ENGLISH = _vocabulary("en", source=True)


def _problems(language: str, texts: list[list[str]], *, codes: tuple[str, ...] = ()) -> list[str]:
    """What is wrong with a page's texts. `codes` are the person's card code as pages show
    it: random letters that can spell an English word ("ANY4-W4JH-1T0")."""
    own = _vocabulary(language, source=False) if language != "en" else frozenset()
    found = []
    for lang, raw in texts:
        text = raw
        for card in codes:
            text = text.replace(card, " ")
        for path in PATHS:
            text = text.replace(path, " ")
        if match := SNAKE_CASE.search(text):
            found.append(f"code {match.group(0)!r} in {raw[:80]!r}")
        if match := UCUM_BRACKETS.search(text):
            found.append(f"UCUM unit {match.group(0)!r} in {raw[:80]!r}")
        if language == "en" or lang.lower() != language:
            continue  # marked as another language: a document, a citation
        for name in PROPER:
            text = text.replace(name, " ")
        text = re.sub(r"\b[a-z]+-1\b", " ", text)  # the test's usernames (registrar-1)
        english = {
            w
            for w in WORD.findall(text)
            if (low := w.lower()) in ENGLISH
            if low not in own and low not in ALLOWED
        }
        if english:
            found.append(f"English {sorted(english)} in {raw[:80]!r}")
    return found


def test_a_card_code_that_spells_an_english_word_is_not_stray_english() -> None:
    # CI once drew the card code ANY4-W4JH-1T0 and the Hindi crawl called it English.
    label = "कार्ड ANY4-W4JH-1T0 का QR कोड"
    assert _problems("hi", [["hi", label]], codes=("ANY4W4JH1T0", "ANY4-W4JH-1T0")) == []
    # Only the person's own code is set aside: the same word anywhere else is still English.
    assert _problems("hi", [["hi", "ANY कार्ड"]], codes=("ANY4-W4JH-1T0",)) != []


def _document(coordinator: Any, programme: Any) -> Any:
    """A consent document as a coordinator writes it: in English, in plain words."""
    from healthcamp.services import consent

    draft = consent.document_create(
        actor=coordinator.actor,
        programme_id=programme.id,
        language="en",
        version=1,
        title="What the health check does",
        body="We measure your blood pressure and more, and give you the results.",
        purposes=[
            {"code": p, "description": f"Purpose {n}, in plain words."}
            for n, p in enumerate(ALL_PURPOSES, start=1)
        ],
    )
    return consent.document_publish(
        actor=coordinator.actor, programme_id=programme.id, document_id=draft.id
    )


def _session(staff: Any) -> str:
    client = Client()
    client.force_login(get_user_model().objects.get(username=staff.actor.username))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture
def browser(live_server: Any) -> Iterator[Any]:
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def _person(registrar: Any, clinician: Any, api_as: Any, programme: Any, document: Any, code: str):
    """Someone whose language is this one, measured at a station: a blood pressure that
    needs a clinic today (a referral), a weight typed in pounds, sugar and blood group."""
    record = participants.participant_register(
        actor=registrar.actor,
        programme_id=programme.id,
        given_name="Amina",
        family_name="Haddad",
        date_of_birth=__import__("datetime").date.fromisoformat(BORN),
        sex="female",
        preferred_language=code,
        phone="",
    )
    give_consent(registrar, record.id, document.id)
    site = apps.get_model("registry", "Site").objects.filter(programme_id=programme.id)[0].pk
    started = api_as(clinician).post(f"/participants/{record.id}/encounters", {"site_id": site})
    eid = started.json()["id"]
    for code_, value, unit in (
        ("8480-6", 186, "mm[Hg]"),
        ("8462-4", 112, "mm[Hg]"),
        ("8480-6", 184, "mm[Hg]"),
        ("8462-4", 110, "mm[Hg]"),
        ("8302-2", 165, "cm"),
        ("29463-7", 154, "[lb_av]"),
        ("87527-8", 2, "h"),
        ("14743-9", "9.0", "mmol/L"),
        ("10331-7", "negative", ""),
        ("82810-3", "not_pregnant", ""),
    ):
        body = {"code": code_, "value": value, "unit": unit, "confirmed": True}
        answer = api_as(clinician).post(f"/encounters/{eid}/observations", body)
        assert answer.status_code == 201, answer.content
    return record, uuid.UUID(eid)


# One test per language, so that the two test workers share the crawl.
@pytest.mark.parametrize("code", languages.shipped())
def test_no_page_shows_a_code_a_ucum_unit_or_stray_english(
    code: str, browser: Any, live_server: Any, api_as, registrar, clinician, coordinator, programme
) -> None:
    document = _document(coordinator, programme)
    sessions = {who.actor.role.value: _session(who) for who in (registrar, clinician, coordinator)}
    pages = {
        "registrar": [
            "/",
            "{p}",
            "{p}consent/",
            "{p}consent/withdraw/",
            "{p}card/",
            "/participants/new/",
            "/language/",
            f"/programmes/{programme.id}/import/registrations/",
        ],
        "clinician": ["{p}station/{e}/", "{p}letter/", f"/programmes/{programme.id}/import/"],
        "coordinator": [
            f"/programmes/{programme.id}/",
            f"/programmes/{programme.id}/referrals/",
            f"/programmes/{programme.id}/unreturned/",
        ],
    }
    problems: dict[str, list[str]] = {}
    person, eid = _person(registrar, clinician, api_as, programme, document, code)
    place = {"p": f"/participants/{person.id}/", "e": eid}
    cards = (person.card_code, person.card_code_display)
    for role, paths in pages.items():
        context = browser.new_context(
            base_url=live_server.url, extra_http_headers={"Accept-Language": code}
        )
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": sessions[role],
                    "url": live_server.url,
                }
            ]
        )
        page = context.new_page()
        for path in paths:
            url = path.format(**place)
            response = page.goto(url)
            assert response is not None, (code, url)
            assert response.ok, (code, url, response.status)
            assert page.evaluate("document.documentElement.lang") == code, (code, url)
            for problem in _problems(code, page.evaluate(TEXTS), codes=cards):
                problems.setdefault(f"{code} {url}", []).append(problem)
            if path in ("{p}", "{p}station/{e}/"):
                _shot(page, f"language-{code}-{'station' if 'station' in path else 'person'}")
        context.close()
    # The portal, as the person signs in on their phone.
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto(f"/me/?lang={code}")
    for problem in _problems(code, page.evaluate(TEXTS), codes=cards):
        problems.setdefault(f"{code} /me/", []).append(problem)
    page.fill("#card_code", person.card_code)
    page.fill("#date_of_birth", BORN)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_url("**/me/record/")
    assert page.evaluate("document.documentElement.lang") == code
    for problem in _problems(code, page.evaluate(TEXTS), codes=cards):
        problems.setdefault(f"{code} /me/record/", []).append(problem)
    context.close()
    assert problems == {}, "\n".join(
        f"{where}: {'; '.join(what)}" for where, what in problems.items()
    )
