"""Encounters at a site, and the observations recorded in them.

Observations are health data: only ``healthcamp.access`` imports this module.
"""

from __future__ import annotations

import uuid

from django.db import models

from healthcamp.registry.models import Participant, Site, at_most


class Encounter(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Empty only for observations kept, de-identified, for research after an erasure.
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="encounters", null=True, blank=True
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="encounters")
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        "access.StaffMember", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    class Meta:
        # Newest first, a page at a time (the follow-up list walks it from its end).
        indexes = [models.Index(fields=["started_at", "id"], name="encounter_by_start")]

    def __str__(self) -> str:
        return f"encounter {self.id}"


class Observation(models.Model):
    encounter = models.ForeignKey(Encounter, on_delete=models.CASCADE, related_name="observations")
    code = models.CharField(max_length=16)  # LOINC
    purpose = models.CharField(max_length=32)  # the consent purpose it was collected for
    value = models.FloatField(null=True, blank=True)  # in the catalogue's UCUM unit
    code_value = models.CharField(max_length=16, blank=True, default="")  # coded results
    unit = models.CharField(max_length=16, blank=True, default="")
    original_value = models.CharField(max_length=32)
    original_unit = models.CharField(max_length=16, blank=True, default="")
    # The label and alarm when recorded; what a result means is decided per visit by
    # healthcamp.clinical.visit, which every page and export reads.
    classification = models.CharField(max_length=40)
    critical = models.BooleanField(default=False)
    comparator = models.CharField(max_length=1, blank=True, default="")  # a meter's HI (>) / LO (<)
    absent_reason = models.CharField(max_length=16, blank=True, default="")  # refused, not_done
    recorded_by = models.ForeignKey(
        "access.StaffMember", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    recorded_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["encounter", "code"], name="observation_by_code")]
        constraints = [
            at_most("code", 16, "observation_code_length"),
            at_most("purpose", 32, "observation_purpose_length"),
            at_most("code_value", 16, "observation_code_value_length"),
            at_most("unit", 16, "observation_unit_length"),
            at_most("original_value", 32, "observation_original_value_length"),
            at_most("original_unit", 16, "observation_original_unit_length"),
            at_most("classification", 40, "observation_classification_length"),
            models.CheckConstraint(
                condition=models.Q(comparator__in=["", ">", "<"]),
                name="observation_comparator_known",
            ),
            at_most("absent_reason", 16, "observation_absent_reason_length"),
        ]

    def __str__(self) -> str:
        return f"observation {self.pk} ({self.code})"


class Clinic(models.Model):
    """Where a programme refers people: a name, nothing about anyone."""

    programme = models.ForeignKey(
        "registry.Programme", on_delete=models.PROTECT, related_name="clinics"
    )
    name = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="clinic_once_per_programme"),
            at_most("name", 200, "clinic_name_length"),
        ]

    def __str__(self) -> str:
        return self.name


class Referral(models.Model):
    """A result that needs care, sent to a clinic. The reason is coded: no free text."""

    class Urgency(models.TextChoices):
        URGENT = "urgent", "Urgent (today)"
        SOON = "soon", "Soon (within a week)"
        ROUTINE = "routine", "Routine (within weeks)"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ATTENDED = "attended", "Attended"
        CLOSED = "closed", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="referrals")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, null=True, blank=True)
    urgency = models.CharField(max_length=10, choices=Urgency.choices)
    measure_code = models.CharField(max_length=16)  # the LOINC code of what needs care
    classification = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # Made by a visit's decision (not by a clinician): it follows that decision, raised,
    # lowered or closed as the visit's values change, so the letter never disagrees.
    encounter = models.ForeignKey(
        Encounter, on_delete=models.SET_NULL, null=True, blank=True, related_name="referrals"
    )
    by_rules = models.BooleanField(default=False)

    class Meta:
        constraints = [
            at_most("measure_code", 16, "referral_measure_code_length"),
            at_most("classification", 40, "referral_classification_length"),
        ]

    def __str__(self) -> str:
        return f"referral {self.id}"


class ResultsReturn(models.Model):
    """How an encounter's results reached the person. An encounter counts as returned
    only once its letter was handed, printed or sent, or the person declined it."""

    class How(models.TextChoices):
        HANDED = "handed", "Handed to the participant"
        PRINTED = "printed", "Printed for the participant"
        SENT = "sent", "Sent to the participant"
        DECLINED = "declined", "The participant declined the letter"

    encounter = models.OneToOneField(
        Encounter, on_delete=models.CASCADE, primary_key=True, related_name="returned"
    )
    how = models.CharField(max_length=10, choices=How.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        "access.StaffMember", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )

    def __str__(self) -> str:
        return f"results of {self.encounter_id}: {self.how}"
