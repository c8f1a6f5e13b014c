"""Staff's second factor on the web: a TOTP code from an authenticator app (django-otp).

A member without a confirmed device is enrolled at their next log-in: a secret is
made once and shown as a QR code; the first right code confirms it. Wrong codes slow
down (django-otp's throttling doubles the wait after each failure) and are audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from healthcamp.access.guard import audit
from healthcamp.access.roles import Action, Purpose
from healthcamp.access.staff import Actor

DEVICE_NAME = "authenticator app"


@dataclass(frozen=True)
class Enrolment:
    """What a member needs to set up their app: shown only until the device is confirmed."""

    config_url: str  # otpauth:// URL, drawn as a QR code
    secret: str  # the same key in base32, to type by hand


def _device(user: AbstractBaseUser) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user).order_by("-confirmed", "pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def enrolment(*, user: AbstractBaseUser) -> Enrolment | None:
    """The set-up to show, or None once the member has a confirmed app."""
    device = _device(user)
    if device.confirmed:
        return None
    from base64 import b32encode

    return Enrolment(device.config_url, b32encode(device.bin_key).decode().rstrip("="))


@dataclass(frozen=True)
class Checked:
    device: TOTPDevice | None  # the device to log in with; None when refused
    wait_seconds: int = 0  # when throttled: how long before the next try counts


def check_code(*, actor: Actor, user: AbstractBaseUser, code: str) -> Checked:
    """A code typed at log-in (or to confirm a new app); audited either way."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=_device(user).pk)
        allowed, why = device.verify_is_allowed()
        ok = allowed and device.verify_token(code.strip().replace(" ", ""))
        if ok and not device.confirmed:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        audit(
            actor,
            Action.AUTHENTICATE,
            Purpose.AUDIT,
            "allowed" if ok else "denied",
            detail="second factor" if ok else "second factor: wrong or throttled code",
        )
    if ok:
        return Checked(device)
    wait = 0
    if not allowed and why and why.get("locked_until"):
        from django.utils import timezone

        wait = max(1, int((why["locked_until"] - timezone.now()).total_seconds()))
    return Checked(None, wait)
