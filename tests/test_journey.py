"""The whole journey in headless Debian chromium, as people live it:

register -> consent -> station -> results letter (PDF, first page checked not blank)
-> results handed over -> the participant signs in to the portal on a phone ->
withdraws a purpose -> their access log shows every step.
"""

from __future__ import annotations

import io
import os
from typing import Any

import pytest

from tests.conftest import ARTIFACTS, _shot, publish_document

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        os.environ.get("HEALTHCAMP_SKIP_BROWSER") == "1" or not os.path.exists("/usr/bin/chromium"),
        reason="Debian's chromium is not installed",
    ),
]

BORN = "1968-07-21"


def _log_in(page: Any, username: str) -> None:
    from playwright.sync_api import expect

    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username.split('-', maxsplit=1)[0]}-test-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Find a participant")).to_be_visible()


def _log_out(page: Any) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Log out").click()
    # Wait for the log-in page the log-out leads to: a log-in started while the log-out is
    # still in flight finds the old session and is sent to the desk instead.
    expect(page.get_by_label("Username")).to_be_visible()


def _first_page_png(pdf: bytes) -> tuple[bytes, float]:
    """Page 1 as a PNG, and the share of its pixels that are not white."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    image = document[0].render(scale=1.5).to_pil().convert("L")
    histogram = image.histogram()
    inked = 1 - sum(histogram[245:]) / (image.width * image.height)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue(), inked


def test_register_consent_measure_letter_portal_withdraw_log(  # noqa: PLR0915 - one story
    page: Any,
    registrar,
    clinician,
    coordinator,
    programme,
) -> None:
    from playwright.sync_api import expect

    publish_document(coordinator, programme.id, language="en")
    document = publish_document(coordinator, programme.id, language="es")

    # 1. The registration desk.
    _log_in(page, "registrar-1")
    page.get_by_role("link", name="Register").click()
    # htmx swaps pages in place: wait for the form before typing (the desk has name boxes too).
    expect(page.get_by_role("heading", name="Register a participant")).to_be_visible()
    page.get_by_label("Given name").fill("Lucía")
    page.get_by_label("Family name").fill("Peña")
    page.get_by_label("Date of birth").fill(BORN)
    page.get_by_label("Preferred language").select_option("es")
    page.get_by_label("Female").check()
    page.get_by_role("button", name="Register and make card").click()
    expect(page.get_by_role("heading", name="Lucía Peña")).to_be_visible()
    card = page.locator("dd.code").inner_text()
    record_url = page.url

    # 2. Consent, in Spanish, yes to everything.
    page.get_by_role("link", name="Ask for consent").click()
    for purpose in document.purposes:
        page.get_by_role("group", name=purpose.description).get_by_label("Sí · Yes").check()
    page.get_by_role("button", name="Record consent").click()
    expect(page.locator(".status-granted")).to_have_count(6)
    _log_out(page)

    # 3. The station: two blood pressure readings, height, weight, and a glucose with the
    # hours since food (fasting is the hours, not which box the value was typed into).
    _log_in(page, "clinician-1")
    page.goto(record_url)
    page.get_by_role("link", name="Start measurements").click()
    page.get_by_role("button", name="Start the visit").click()
    page.get_by_label("Systolic, reading 1").fill("148")
    page.get_by_label("Diastolic, reading 1").fill("94")
    page.get_by_label("Systolic, reading 2").fill("144")
    page.get_by_label("Diastolic, reading 2").fill("92")
    page.get_by_label("Height", exact=True).fill("158")
    page.get_by_label("Weight", exact=True).fill("66")
    page.get_by_label("Blood glucose (sugar)", exact=True).fill("6.4")
    page.get_by_label("Hours since last food or sweet drink", exact=True).fill("10")
    _shot(page, "journey-station")
    page.get_by_role("button", name="Record").click()
    # The visit's decision, in words (not label codes): the office mean 146/93 is grade 1.
    decided = page.get_by_role("region", name="Results of this visit")
    expect(decided).to_contain_text("146/93 mmHg")
    expect(decided).to_contain_text("Grade 1 hypertension (ESH)")
    expect(decided).to_contain_text("Impaired fasting glucose")
    _shot(page, "journey-station-recorded")

    # 4. The letter: HTML to look at, and the PDF, whose first page is really drawn.
    page.goto(record_url + "letter/")
    expect(page.get_by_role("heading", name="Sus resultados del chequeo")).to_be_visible()
    # One blood pressure row, the office mean, in the unit people read.
    expect(page.get_by_role("row", name="Presión arterial")).to_contain_text("146/93 mmHg")
    _shot(page, "journey-letter")
    pdf = page.request.get(record_url + "letter/?format=pdf")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    png, inked = _first_page_png(pdf.body())
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "journey-letter-page1.png").write_bytes(png)
    assert inked > 0.01  # text and pictures, not a blank page

    # 5. The letter was handed over: the visit no longer counts as owed.
    page.goto(record_url)
    page.get_by_label("Handed to the participant").check()
    page.get_by_role("button", name="Record for every visit not returned yet").click()
    # How it was returned, in words (was the code "handed"); the choice's own label says
    # the same words, so the recorded status is what is waited for.
    returned = page.get_by_role("region", name="Results returned").locator(".status-granted")
    expect(returned).to_have_text("Handed to the participant")
    _log_out(page)

    # 6. At home, on a small phone: the portal, in Spanish.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/me/")
    page.get_by_role("link", name="Español").click()
    page.get_by_label("Código de la tarjeta").fill(card)
    page.get_by_label("Fecha de nacimiento").fill("1968-07-20")  # a wrong birth date first
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("alert")).to_contain_text("no coinciden")
    page.get_by_label("Código de la tarjeta").fill(card)
    page.get_by_label("Fecha de nacimiento").fill(BORN)
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("heading", name="Hola, Lucía Peña")).to_be_visible()
    results = page.get_by_role("region", name="Sus resultados")
    expect(results).to_contain_text("Elevada")  # grade 1, in Spanish
    expect(results.get_by_role("img").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0  # fits the phone
    _shot(page, "journey-portal")

    # 7. Withdraw screening, keeping what was collected.
    withdraw = page.get_by_role("group", name="Retirar")
    withdraw.get_by_label(document.purposes[0].description).check()
    page.get_by_role("button", name="Retirar").click()
    done = page.locator("p.banner[role=status]")
    expect(done).to_contain_text("mediciones")  # screening, in Spanish
    # The confirmation is where the person looks, and read out (issue 17, finding 4).
    expect(done).to_be_focused()
    expect(done).to_be_in_viewport()
    consent = page.get_by_role("region", name="Lo que usted aceptó")
    expect(consent).to_contain_text("Retirado")

    # 8. The log the person reads shows every step, by role, in their language.
    log = page.get_by_role("region", name="Quién abrió su expediente")
    log.get_by_text("Entradas anteriores").click()  # older lines fold away on a phone
    seen, denied = log.inner_text(), log.locator(".outcome-denied").count()
    while log.get_by_role("link", name="Más antiguas").count():  # 25 lines a page
        log.get_by_role("link", name="Más antiguas").click()
        log = page.get_by_role("region", name="Quién abrió su expediente")
        expect(log).to_contain_text("Página")
        if log.get_by_text("Entradas anteriores").count():
            log.get_by_text("Entradas anteriores").click()
        seen += log.inner_text()
        denied += log.locator(".outcome-denied").count()
    for step in (
        "le registró",
        "registró su consentimiento",
        "inició una visita",
        "registró un resultado",
        "imprimió su carta de resultados",  # the letter of step 4 (issue 9: its own act)
        "le entregó sus resultados",
        "entró en esta página",
        "retiró un consentimiento",
    ):
        assert step in seen, step
    assert "personal sanitario · Market Hall" in seen  # by role and site
    assert "clinician-1" not in seen  # never a staff member's name
    assert denied  # the wrong birth date, refused
    _shot(page, "journey-portal-log")
    page.get_by_role("button", name="Salir").click()
    expect(page.locator("[role=status]").filter(has_text="Ha salido")).to_contain_text("Ha salido")


def test_the_portal_reads_right_to_left_in_arabic_on_a_phone(
    page: Any, registrar, clinician, coordinator, programme
) -> None:
    from playwright.sync_api import expect

    from tests.test_portal import BORN, _person, _visit

    document = publish_document(coordinator, programme.id, language="ar")
    person = _person(registrar, programme, document)  # Amina Haddad, who reads Arabic
    _visit(clinician, programme, person.id, [("8480-6", 118, "mm[Hg]"), ("8462-4", 76, "mm[Hg]")])
    page.set_viewport_size({"width": 360, "height": 740})
    # As the letter's QR code opens it: the card after "#", never sent to the server.
    page.goto(f"/me/?lang=ar#card={person.card_code}")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#card_code")).to_have_value(person.card_code)
    assert "card=" not in page.url  # dropped from the address bar and history
    page.get_by_label("تاريخ الميلاد").fill(BORN.isoformat())
    page.get_by_role("button", name="تسجيل الدخول").click()
    expect(page.get_by_role("heading", name="مرحبًا، Amina Haddad")).to_be_visible()
    # Where the words of a short heading sit (the heading box itself spans the width).
    left, right = page.get_by_role("heading", name="نتائجك").evaluate(
        "el => { const r = document.createRange(); r.selectNodeContents(el);"
        " const b = r.getBoundingClientRect(); return [b.left, b.right]; }"
    )
    assert right > 300  # they start at the right edge, as Arabic does
    assert left > 180  # and leave the left side empty
    expect(page.get_by_role("region", name="نتائجك")).to_contain_text("ضمن المعدل الصحي")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    _shot(page, "portal-ar-phone")


def test_a_person_deletes_their_whole_record_from_the_portal(
    page: Any, registrar, clinician, coordinator, programme
) -> None:
    """Issue 17, finding 1: "Everything" + "Delete" asks for the birth date on the page
    itself, and the record is then gone; the audit log still verifies."""
    from playwright.sync_api import expect

    from healthcamp.audit import chain
    from healthcamp.registry.models import Participant
    from tests.test_portal import BORN, _person

    document = publish_document(coordinator, programme.id, language="en")
    person = _person(registrar, programme, document, language="en")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/me/?lang=en#card={person.card_code}")
    page.get_by_label("Date of birth").fill(BORN.isoformat())
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label('Everything (with "delete", your whole record is deleted)').check()
    page.get_by_role("group", name="What happens to what was already collected").get_by_label(
        "Delete what was collected"
    ).check()
    page.get_by_label("To delete everything, type your date of birth again").fill(BORN.isoformat())
    page.get_by_role("button", name="Withdraw").click()
    expect(page.get_by_role("status")).to_be_visible()
    assert not Participant.objects.filter(pk=person.id).exists()
    assert chain.verify().ok
