"""Staff members (who act) and their API tokens."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from healthcamp.access.roles import STAFF_ROLES


class StaffMember(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff"
    )
    role = models.CharField(max_length=20, choices=[(r.value, r.value) for r in STAFF_ROLES])

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.role})"


class ApiToken(models.Model):
    """Only a SHA-256 of the token is kept: a database reader cannot act as staff."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.pk} of {self.staff}"


class PortalFailure(models.Model):
    """A wrong portal sign-in, kept for the lockout window only.

    key is "card:" + a keyed HMAC of the card code tried, or "address:" + the client's
    address: guessing is limited per card (whoever guesses) and per address.
    """

    key = models.CharField(max_length=80, db_index=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"portal failure {self.pk}"
