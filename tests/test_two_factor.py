"""Staff log in to the web with a password and a code from an authenticator app."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from healthcamp.audit import chain
from healthcamp.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_factor_on(settings) -> None:
    settings.STAFF_TWO_FACTOR = True


def _password(client: Client) -> None:
    answer = client.post(
        "/login/", {"username": "registrar-1", "password": "registrar-test-password"}
    )
    assert answer.status_code == 302


def _code(device: TOTPDevice, *, step_offset: int = 0) -> str:
    return f"{totp(device.bin_key, t0=device.t0, step=device.step, drift=step_offset):06d}"


def test_a_password_alone_does_not_open_a_staff_page(registrar) -> None:
    client = Client()
    _password(client)
    desk = client.get("/")
    assert desk.status_code == 302
    assert desk["Location"].startswith("/login/code/?next=")


def test_first_log_in_enrols_the_app_then_every_log_in_asks_for_a_code(registrar) -> None:
    client = Client()
    _password(client)
    setup = client.get("/login/code/?next=/")
    page = setup.content.decode()
    assert "Set up your log-in code" in page
    assert 'src="data:image/svg+xml' in page  # the QR code to scan
    secret = re.search(r'<code class="code" dir="ltr">([A-Z2-7]+)</code>', page)
    assert secret
    device = TOTPDevice.objects.get(user__username="registrar-1")
    assert not device.confirmed

    wrong = client.post("/login/code/", {"code": "000000", "next": "/"})
    assert wrong.status_code in {422, 429}
    assert "not right" in wrong.content.decode() or "wait" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    confirmed = client.post("/login/code/", {"code": _code(device), "next": "/"})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == "/"
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed

    # Next day: a new session asks for the code, without showing the secret again.
    again = Client()
    _password(again)
    asked = again.get("/login/code/?next=/").content.decode()
    assert "Your log-in code" in asked
    assert secret.group(1) not in asked


def test_wrong_codes_slow_down_and_are_on_the_record(registrar) -> None:
    client = Client()
    _password(client)
    client.get("/login/code/")
    answers = [client.post("/login/code/", {"code": "123456"}).status_code for _ in range(3)]
    assert answers[0] == 422
    assert 429 in answers[1:]  # django-otp doubles the wait after each failure
    device = TOTPDevice.objects.get(user__username="registrar-1")
    blocked = client.post("/login/code/", {"code": _code(device)})
    assert blocked.status_code == 429  # even the right code waits out the throttle
    outcomes = [
        chain.decode(bytes(b))[1]["outcome"]
        for b in AuditEntry.objects.order_by("seq").values_list("body", flat=True)
        if b'"staff.authenticate"' in bytes(b)
    ]
    assert outcomes == ["denied"] * 4  # throttled tries are on the record too
    assert client.get("/").status_code == 302


def test_a_code_is_six_digits_and_next_stays_on_this_site(registrar) -> None:
    client = Client()
    _password(client)
    assert client.post("/login/code/", {"code": "12ab"}).status_code == 422
    device = TOTPDevice.objects.get(user__username="registrar-1")
    away = client.post(
        "/login/code/", {"code": _code(device), "next": "https://evil.example/phish"}
    )
    assert away.status_code == 302
    assert urlparse(away["Location"]).netloc == ""
    assert parse_qs(urlparse(away["Location"]).query) == {}
