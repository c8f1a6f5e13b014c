"""Programmes, sites and participants.

Participant holds personal data: only ``healthcamp.access`` may import this
module (an import-linter contract enforces it), and it is not in the admin.
The participant has exactly the fields the programme tells people about:
nothing else can be stored here.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual

from healthcamp.registry.choices import Sex

# Stored values respect the same limits on SQLite (which ignores max_length) as on PostgreSQL.
INT32_MAX = 2**31 - 1


def at_most(field: str, limit: int, name: str) -> models.CheckConstraint:
    """A check that a text column holds at most ``limit`` characters, on every database."""
    return models.CheckConstraint(condition=LessThanOrEqual(Length(field), limit), name=name)


class Programme(models.Model):
    name = models.CharField(max_length=200, unique=True)
    # Younger than this: a guardian consents. From assent_age on, the minor assents too.
    age_of_majority = models.PositiveSmallIntegerField(default=18)
    assent_age = models.PositiveSmallIntegerField(default=7)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [at_most("name", 200, "programme_name_length")]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "name"], name="site_name_unique_in_programme"
            ),
            at_most("name", 200, "site_name_length"),
        ]

    def __str__(self) -> str:
        return self.name


class Participant(models.Model):
    """A participant. Identifying fields are ciphertext only (see healthcamp.vault).

    Each row carries its own data key, wrapped by the vault's key-encryption key
    (which lives outside the database). Deleting the row destroys the key.
    """

    # Random, so ids reveal neither order nor number of registrations.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="participants")
    card_code = models.CharField(max_length=11, unique=True)
    given_name_sealed = models.BinaryField()
    family_name_sealed = models.BinaryField()
    date_of_birth_sealed = models.BinaryField()
    phone_sealed = models.BinaryField()
    wrapped_key = models.BinaryField()
    kek_id = models.CharField(max_length=16)
    # Keyed HMACs of name + birth date: find a returning person, warn of a duplicate.
    name_index = models.BinaryField(max_length=16, db_index=True)
    tolerant_index = models.BinaryField(max_length=16, db_index=True)
    # Coarse values that reports and reference ranges need, in the clear.
    age_band = models.CharField(max_length=8)
    sex = models.CharField(max_length=10, choices=Sex.choices)
    preferred_language = models.CharField(max_length=35)
    registered_at = models.DateTimeField(auto_now_add=True)
    # An argon2 hash of the portal PIN the participant may set; empty when none.
    portal_pin = models.CharField(max_length=128, blank=True, default="")

    class Meta:
        constraints = [
            at_most("preferred_language", 35, "participant_language_length"),
            at_most("sex", 10, "participant_sex_length"),
            at_most("card_code", 11, "participant_card_code_length"),
        ]

    def __str__(self) -> str:
        return f"participant {self.id}"


class ErasureRecord(models.Model):
    """One erased participant, by pseudonym only (a keyed HMAC of their former id).

    After a restore from backup, every restored participant whose pseudonym is here
    is erased again, so an erased person never comes back.
    """

    pseudonym = models.CharField(max_length=32, unique=True)
    erased_at = models.DateTimeField()
    reason = models.CharField(max_length=32)

    def __str__(self) -> str:
        return f"erasure {self.pk}"
