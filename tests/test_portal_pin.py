"""Changing or removing a portal PIN needs the current one, under the card's limit and
audited; the desk resets a forgotten PIN with the person's card; a guesser cannot lock
the holder out of a phone they signed in on, nor a whole shared address out of the portal."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import signing
from django.test import Client

from healthcamp.access.errors import InvalidInput
from healthcamp.access.staff import participant_actor
from healthcamp.audit.selectors import log_for_participant
from healthcamp.registry.cardcode import display, generate
from healthcamp.services import portal
from healthcamp.web import portal_views
from tests.test_portal import BORN, _person, _sign_in

pytestmark = pytest.mark.django_db

WRONG_BORN = date(1990, 1, 1)


@pytest.fixture
def person(registrar, programme, document):
    return _person(registrar, programme, document)


def _stored_pin(person) -> str:
    return apps.get_model("registry", "Participant").objects.get(pk=person.id).portal_pin


def _actions(person) -> list[tuple[str, str, str]]:
    return [
        (line.action, line.role, line.outcome)
        for line in log_for_participant(participant_id=person.id.hex)
    ]


def _lock_card(card: str) -> None:
    """A guesser elsewhere, with the card code and no birth date: five wrong tries."""
    for n in range(portal.CARD_FAILURE_LIMIT):
        with pytest.raises(portal.SignInRefused):
            portal.portal_sign_in(
                card_code=card, date_of_birth=WRONG_BORN, pin="", address=f"192.0.2.{n}"
            )
    with pytest.raises(portal.SignInLocked):
        portal.portal_sign_in(card_code=card, date_of_birth=BORN, pin="", address="192.0.2.99")


def _staff_client(username: str) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


# ---- finding 13: the current PIN, on the page, limited and audited ------------------------


def test_the_pin_form_asks_for_the_current_pin_to_change_or_remove_it(person) -> None:
    """Once a PIN is set, the page has a current-PIN field; with it, the PIN changes and
    then goes; each change is in the person's log."""
    client = Client()
    _sign_in(client, person.card_code)
    assert 'name="current_pin"' not in client.get("/me/record/").content.decode()
    client.post("/me/pin/", {"pin": "4821"})
    page = client.get("/me/record/").content.decode()
    assert 'name="current_pin"' in page
    assert "رقمك السري الحالي" in page  # "your current PIN", in the person's Arabic
    assert "مكتب التسجيل" in page  # forgot it? the registration desk can remove it
    client.post("/me/pin/", {"pin": "5555", "current_pin": "4821"})
    assert "تم حفظ رقمك السري" in client.get("/me/record/").content.decode()  # saved
    assert _sign_in(Client(), person.card_code, pin="4821").status_code == 401
    assert _sign_in(Client(), person.card_code, pin="5555").status_code == 302
    client.post("/me/pin/", {"remove": "1", "current_pin": "5555"})
    assert _stored_pin(person) == ""
    assert _sign_in(Client(), person.card_code).status_code == 302
    changes = [a for a in _actions(person) if a[0] == "portal.pin_set"]
    assert changes == [("portal.pin_set", "participant", "allowed")] * 3


def test_wrong_current_pins_are_counted_audited_and_end_the_session(person) -> None:
    """A live session on a shared phone cannot try PINs until one fits: each wrong
    current PIN is a try on the card, in the person's log; at the limit the session ends
    and the card is locked for other devices too."""
    portal.portal_pin_set(actor=participant_actor(person.id), pin="4821")
    client = Client()
    assert _sign_in(client, person.card_code, pin="4821").status_code == 302
    for n in range(portal.DEVICE_FAILURE_LIMIT):
        response = client.post("/me/pin/", {"remove": "1", "current_pin": f"{1000 + n}"})
        assert response.status_code == 302
        page = client.get("/me/record/").content.decode()
        assert "هذا ليس رقمك السري الحالي" in page  # "that is not your current PIN"
        left = portal.DEVICE_FAILURE_LIMIT - n - 1
        assert f"المحاولات المتبقية قبل انتظار 15 دقيقة: {left}" in page  # tries left
    denied = [a for a in _actions(person) if a == ("portal.pin_set", "participant", "denied")]
    assert len(denied) == portal.DEVICE_FAILURE_LIMIT
    locked = client.post("/me/pin/", {"remove": "1", "current_pin": "4821"})  # even right
    assert locked.status_code == 302
    assert "locked=1" in locked.url
    assert "signed out" in Client().get("/me/?locked=1&lang=en").content.decode()
    assert client.get("/me/record/").status_code == 302  # the session is gone
    assert _stored_pin(person)  # the PIN is still there
    # The wrong tries counted against the card: a device it never signed in on waits.
    assert _sign_in(Client(), person.card_code, pin="4821").status_code == 429


def test_a_guessed_pin_removal_stops_at_the_card_limit(person) -> None:
    """The reported attack: trying every 4-digit PIN from one live session."""
    actor = participant_actor(person.id)
    portal.portal_pin_set(actor=actor, pin="9317")
    checked, outcome = 0, "nothing"
    for guess in range(10000):
        try:
            portal.portal_pin_set(actor=actor, pin="", current_pin=f"{guess:04d}")
        except portal.SignInLocked:
            outcome = "locked"
            break
        except InvalidInput:  # a wrong current PIN
            checked += 1
        else:
            outcome = f"removed after {guess + 1} guesses"
            break
    assert outcome == "locked"
    assert checked == portal.CARD_FAILURE_LIMIT
    assert _stored_pin(person)


def test_an_empty_current_pin_is_asked_for_and_counts_nothing(person) -> None:
    client = Client()
    _sign_in(client, person.card_code)
    client.post("/me/pin/", {"pin": "4821"})
    client.post("/me/pin/", {"remove": "1"})
    assert "يُرجى إدخال الرقم السري الحالي" in client.get("/me/record/").content.decode()
    assert apps.get_model("access", "PortalFailure").objects.count() == 0
    assert _stored_pin(person)


def test_a_right_current_pin_clears_this_devices_count(person) -> None:
    actor = participant_actor(person.id)
    portal.portal_pin_set(actor=actor, pin="4821")
    for _ in range(portal.CARD_FAILURE_LIMIT - 1):
        with pytest.raises(portal.WrongCurrentPin):
            portal.portal_pin_set(actor=actor, pin="", current_pin="0000", address="a")
    portal.portal_pin_set(actor=actor, pin="7777", current_pin="4821", address="a")
    assert apps.get_model("access", "PortalFailure").objects.count() == 0


# ---- finding 13: the desk resets a forgotten PIN, with the card --------------------------


def test_the_desk_resets_a_forgotten_pin_with_the_persons_card(person, registrar) -> None:
    portal.portal_pin_set(actor=participant_actor(person.id), pin="4821")
    _lock_card(person.card_code)
    desk = _staff_client("registrar-1")
    url = f"/participants/{person.id}/pin-reset/"
    form = desk.get(url)
    assert form.status_code == 200
    assert "holding their card" in form.content.decode()
    # Not this person's card (a real, well-formed code): refused, audited, nothing changed.
    wrong = desk.post(url, {"card_code": generate()})
    assert wrong.status_code == 422
    assert "not this person" in wrong.content.decode()
    assert _stored_pin(person)
    assert _actions(person)[0] == ("portal.pin_reset", "registrar", "denied")
    # The card they hold, scanned or typed as people do.
    done = desk.post(url, {"card_code": display(person.card_code).lower()})
    assert done.status_code == 200
    assert "PIN is removed" in done.content.decode()
    assert _stored_pin(person) == ""
    assert _actions(person)[0] == ("portal.pin_reset", "registrar", "allowed")
    # The lock is lifted too: card and birth date open the portal at once, anywhere.
    client = Client()
    assert _sign_in(client, person.card_code).status_code == 302
    page = client.get("/me/record/").content.decode()
    assert "حذف رقمك السري ورفع قفل الدخول" in page  # in their log, in plain words
    assert "مكتب التسجيل" in page  # by the registration desk


def test_a_coordinator_may_reset_too(person, coordinator) -> None:
    portal.portal_pin_set(actor=participant_actor(person.id), pin="4821")
    assert portal.portal_pin_reset(
        actor=coordinator.actor, participant_id=person.id, card_code=person.card_code
    )
    assert _stored_pin(person) == ""


def test_other_roles_may_not_reset_a_pin(person, clinician) -> None:
    portal.portal_pin_set(actor=participant_actor(person.id), pin="4821")
    station = _staff_client("clinician-1")
    url = f"/participants/{person.id}/pin-reset/"
    assert station.get(url).status_code == 403
    assert station.post(url, {"card_code": person.card_code}).status_code == 403
    assert _stored_pin(person)
    assert _actions(person)[0] == ("portal.pin_reset", "clinician", "denied")


def test_the_reset_page_needs_a_staff_log_in(person) -> None:
    client = Client()
    _sign_in(client, person.card_code)  # a portal session is not a staff session
    response = client.post(f"/participants/{person.id}/pin-reset/", {"card_code": "x"})
    assert response.status_code == 302
    assert "/login/" in response.url


# ---- finding 14: a lockout a guesser cannot turn against the holder --------------------


def test_a_guesser_cannot_lock_the_holder_out_of_a_phone_they_signed_in_on(person) -> None:
    phone = Client()
    assert _sign_in(phone, person.card_code).status_code == 302
    phone.post("/me/sign-out/")
    _lock_card(person.card_code)
    assert _sign_in(Client(), person.card_code).status_code == 429  # a new device waits
    assert _sign_in(phone, person.card_code).status_code == 302  # the holder's phone not
    assert phone.get("/me/record/").status_code == 200


def test_the_holders_phone_is_still_limited_by_its_own_wrong_tries(person) -> None:
    phone = Client()
    _sign_in(phone, person.card_code)
    phone.post("/me/sign-out/")
    _lock_card(person.card_code)
    for _ in range(portal.DEVICE_FAILURE_LIMIT):
        assert _sign_in(phone, person.card_code, born=WRONG_BORN).status_code == 401
    assert _sign_in(phone, person.card_code).status_code == 429


def test_a_phone_is_trusted_only_for_the_cards_that_signed_in_on_it(
    person, registrar, programme, document
) -> None:
    other = _person(registrar, programme, document, language="en")
    phone = Client()
    _sign_in(phone, other.card_code)
    phone.post("/me/sign-out/")
    _lock_card(person.card_code)
    assert _sign_in(phone, person.card_code).status_code == 429


def test_the_device_cookie_is_signed_http_only_lax_and_names_no_card_code(person, settings) -> None:
    settings.SESSION_COOKIE_SECURE = True
    phone = Client()
    response = _sign_in(phone, person.card_code)
    cookie = response.cookies[portal_views.DEVICE_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"]
    assert int(cookie["max-age"]) > 300 * 24 * 3600  # a device, not a session
    remembered = signing.loads(cookie.value, salt=portal_views.DEVICE_SALT)
    assert remembered["c"] == [portal.card_tag(person.card_code)]  # a keyed HMAC
    assert person.card_code not in json.dumps(remembered)
    # A cookie made up without the server's key counts for nothing.
    forged = Client()
    forged.cookies[portal_views.DEVICE_COOKIE] = signing.dumps(
        {"d": "x", "c": [portal.card_tag(person.card_code)]},
        key="not the key",
        salt=portal_views.DEVICE_SALT,
    )
    _lock_card(person.card_code)
    assert _sign_in(forged, person.card_code).status_code == 429
    forged.cookies[portal_views.DEVICE_COOKIE] = "garbage"
    assert _sign_in(forged, person.card_code).status_code == 429


def test_wrong_tries_from_one_address_lock_no_one_else_behind_it(person) -> None:
    """Camp Wi-Fi: everyone shares one address. Twenty wrong tries on other cards from it
    leave the holder, at the same address, signing in for the first time, unaffected."""
    camp = "198.51.100.1"
    for _ in range(portal.ADDRESS_FAILURE_LIMIT):
        response = Client(REMOTE_ADDR=camp).post(
            "/me/", {"card_code": generate(), "date_of_birth": BORN.isoformat(), "pin": ""}
        )
        assert response.status_code == 401
    assert _sign_in(Client(REMOTE_ADDR=camp), person.card_code).status_code == 302


def test_the_desk_finds_the_reset_on_the_participant_page(
    registrar, clinician, programme, document
) -> None:
    """The registrar's page of the person links the reset; a clinician's does not."""
    from tests.test_web import _login

    person = _person(registrar, programme, document, language="en")
    desk = _login(registrar).get(f"/participants/{person.id}/")
    station = _login(clinician).get(f"/participants/{person.id}/")
    assert f"/participants/{person.id}/pin-reset/" in desk.content.decode()
    assert "Reset portal PIN" not in station.content.decode()
