"""The append-only, hash-chained audit log.

``body`` holds the canonical bytes that were hashed; every other column is
either part of the chain (seq, prev_hash, hash) or an index derived from the
body (AuditSubject) that ``audit verify`` checks against it.
"""

from __future__ import annotations

from django.db import models


class AuditEntry(models.Model):
    seq = models.BigIntegerField(primary_key=True)
    prev_hash = models.BinaryField(max_length=32)
    hash = models.BinaryField(max_length=32)
    body = models.BinaryField()

    class Meta:
        db_table = "audit_entry"

    def __str__(self) -> str:
        return f"audit entry {self.seq}"


class AuditSubject(models.Model):
    """Which participants an entry names, so each can read the log of their own record."""

    entry = models.ForeignKey(AuditEntry, on_delete=models.PROTECT, db_column="seq")
    participant_id = models.CharField(max_length=32)

    class Meta:
        db_table = "audit_subject"
        constraints = [
            models.UniqueConstraint(fields=["participant_id", "entry"], name="audit_subject_unique")
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} in entry {self.entry_id}"
