"""Consent documents (versioned, per language, hash-pinned) and participants' decisions.

Consent and its decisions are personal data: only ``healthcamp.access`` imports
this module (an import-linter contract enforces it).
"""

from __future__ import annotations

from django.db import models

from healthcamp.purposes import CONSENT_PURPOSES
from healthcamp.registry.models import INT32_MAX, Participant, Programme, at_most

PURPOSE_CHOICES = [(p.value, p.value) for p in CONSENT_PURPOSES]
TITLE_MAX = 200
BODY_MAX = 20_000  # a consent document's text; the demo's are about 300 characters
DESCRIPTION_MAX = 2_000  # one purpose, in plain words, with its data categories


class ConsentDocument(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="documents")
    language = models.CharField(max_length=35)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # SHA-256 of the exact text shown (see consent.text.canonical), fixed at publication.
    sha256 = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "language", "version"],
                name="one_document_per_version_language",
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1, version__lte=INT32_MAX),
                name="document_version_range",
            ),
            at_most("language", 35, "document_language_length"),
            at_most("title", TITLE_MAX, "document_title_length"),
            at_most("body", BODY_MAX, "document_body_length"),
        ]

    def __str__(self) -> str:
        return f"consent document {self.pk} v{self.version} ({self.language})"


class DocumentPurpose(models.Model):
    """A purpose the document asks about, described in plain words with its data categories."""

    document = models.ForeignKey(ConsentDocument, on_delete=models.CASCADE, related_name="purposes")
    code = models.CharField(max_length=32, choices=PURPOSE_CHOICES)
    description = models.TextField()
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["document", "code"], name="purpose_once_per_document"),
            at_most("description", DESCRIPTION_MAX, "purpose_description_length"),
        ]

    def __str__(self) -> str:
        return f"{self.code} in {self.document_id}"


class Consent(models.Model):
    class Method(models.TextChoices):
        ON_SCREEN = "on_screen", "Confirmed on screen"
        WITNESSED_VERBAL = "witnessed_verbal", "Spoken, witnessed"
        WITNESSED_MARK = "witnessed_mark", "Mark or thumbprint on paper, witnessed"
        PAPER = "paper", "Signed paper form"

    class Relationship(models.TextChoices):
        PARENT = "parent", "Parent"
        LEGAL_GUARDIAN = "legal_guardian", "Legal guardian"

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="consents")
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="consents")
    method = models.CharField(max_length=20, choices=Method.choices)
    recorded_by = models.ForeignKey(
        "access.StaffMember", on_delete=models.PROTECT, related_name="consents_recorded"
    )
    witness = models.ForeignKey(
        "access.StaffMember",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consents_witnessed",
    )
    # The reference printed on a signed paper form, sealed with the participant's data key
    # like their name (it points at a paper with their name on it); empty unless on paper.
    paper_reference_sealed = models.BinaryField(blank=True, default=b"")
    # Minors only: who consented for them, and whether they agreed themselves.
    # Sealed with the participant's data key (see healthcamp.vault); empty for adults.
    guardian_name_sealed = models.BinaryField(blank=True, default=b"")
    guardian_relationship = models.CharField(
        max_length=20, choices=Relationship.choices, blank=True, default=""
    )
    assent = models.BooleanField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    # A consent imported from a paper registration form: a keyed HMAC (blind index, like
    # Participant.name_index) of the programme and the form's reference, so that importing
    # the same form again is recognised without opening anyone's sealed fields. NULL for
    # consents recorded at the desk. See healthcamp.imports.registrations.
    form_index = models.BinaryField(max_length=16, null=True, blank=True, default=None)

    class Meta:
        indexes = [models.Index(fields=["participant", "-recorded_at"], name="consent_newest")]
        constraints = [
            at_most("method", 20, "consent_method_length"),
            # A paper form registers one person once (NULLs, the desk's consents, differ).
            models.UniqueConstraint(fields=["form_index"], name="one_consent_per_paper_form"),
        ]

    def __str__(self) -> str:
        return f"consent {self.pk}"


class ErasedForm(models.Model):
    """The keyed index of a paper form whose person was erased (Consent.form_index, kept
    when the consent goes): an old file imported again must not register them again.
    It names no one and cannot be read back without the vault's index key; it only
    lets the import recognise the form."""

    form_index = models.BinaryField(max_length=16, unique=True)
    erased_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"erased form of {self.erased_at:%Y-%m-%d}"


class Decision(models.Model):
    """A yes or a no to one purpose. A no is a decision too, never a missing row."""

    consent = models.ForeignKey(Consent, on_delete=models.CASCADE, related_name="decisions")
    purpose = models.CharField(max_length=32, choices=PURPOSE_CHOICES)
    granted = models.BooleanField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consent", "purpose"], name="one_decision_per_purpose")
        ]

    def __str__(self) -> str:
        return f"{self.purpose}={'yes' if self.granted else 'no'} in consent {self.consent_id}"
