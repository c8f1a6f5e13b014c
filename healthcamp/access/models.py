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
    # The language of the member's pages (one of settings.LANGUAGES); empty: the browser's.
    language = models.CharField(max_length=12, blank=True, default="")

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.role})"


class ProgrammeMembership(models.Model):
    """A staff member works for a programme: every act on it or its people needs this."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="memberships")
    programme = models.ForeignKey(
        "registry.Programme", on_delete=models.CASCADE, related_name="members"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "programme"], name="one_membership_each")
        ]

    def __str__(self) -> str:
        return f"{self.staff} in programme {self.programme_id}"


class IdentityRead(models.Model):
    """Which records a staff member opened without the person's card or a consented
    purpose (registration reads by id), and when: an unusual number is refused."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    participant_id = models.UUIDField()
    at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "participant_id"], name="one_read_row_each")
        ]

    def __str__(self) -> str:
        return f"identity read by {self.staff_id}"


class ApiToken(models.Model):
    """Only a SHA-256 of the token is kept: a database reader cannot act as staff."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    # A name the member recognises it by ("tablet 3"), never the secret.
    label = models.CharField(max_length=40, default="default")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.pk} of {self.staff}"


class PortalFailure(models.Model):
    """A wrong portal sign-in, kept for the lockout window only.

    key is "card:", "pair:" or "device:" + a keyed HMAC of the card code tried, alone,
    with the client's address, or with the device's id: guessing is limited per card
    (whoever guesses), per card from one address, and per card from one device the card
    signed in on before (see access.portal).
    """

    key = models.CharField(max_length=80, db_index=True)
    at = models.DateTimeField()

    def __str__(self) -> str:
        return f"portal failure {self.pk}"
