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
    # HMAC of the body (without its seq) under a key outside the database: an entry
    # written by anyone but the application does not carry one.
    mac = models.BinaryField(max_length=32, default=b"", db_default=b"")

    class Meta:
        db_table = "audit_entry"

    def __str__(self) -> str:
        return f"audit entry {self.seq}"


class AuditSubject(models.Model):
    """Which participants an entry names, so each can read the log of their own record.

    Keyed by (participant, entry): one B-tree serves the own-record lookup, and a bulk
    read's hundreds of rows cost one index insert each.
    """

    pk = models.CompositePrimaryKey("participant_id", "entry")
    # No database constraint on seq: `audit verify` checks every row against the hashed
    # bytes instead. The (seq, participant) index lets it read one sorted line per entry.
    entry = models.ForeignKey(
        AuditEntry,
        on_delete=models.DO_NOTHING,
        db_column="seq",
        db_constraint=False,
        db_index=False,
    )
    # A uuid column on PostgreSQL (16 bytes, compared as bytes), 32 hex characters on SQLite.
    participant_id = models.UUIDField()

    class Meta:
        db_table = "audit_subject"
        indexes = [models.Index(fields=["entry", "participant_id"], name="audit_subject_seq")]

    def __str__(self) -> str:
        return f"{self.participant_id} in entry {self.entry_id}"


class AuditHead(models.Model):
    """The newest entry's sequence number and hash, in one row (used on PostgreSQL).

    Appends update this row in the same statement that inserts the entry, so the
    row lock serialises concurrent writers. SQLite serialises writers itself.
    """

    id = models.SmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField()
    prev = models.BinaryField(max_length=32)
    hash = models.BinaryField(max_length=32)

    class Meta:
        db_table = "audit_head"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_head_single_row")
        ]

    def __str__(self) -> str:
        return f"audit head at {self.seq}"


class AuditTile(models.Model):
    """Up to 256 hashes of one level of the log's Merkle tree (level 0: the leaves), the
    tree's perfect subtrees only; written when a checkpoint is issued, so appending an
    entry costs nothing more. Any proof reads O(log n) tiles."""

    pk = models.CompositePrimaryKey("level", "index")
    level = models.SmallIntegerField()
    index = models.BigIntegerField()
    hashes = models.BinaryField()  # 32 bytes per node, in order; the last tile may be partial

    class Meta:
        db_table = "audit_tile"

    def __str__(self) -> str:
        return f"audit tile {self.level}/{self.index}"


class AuditCheckpoint(models.Model):
    """A signed statement of the log's size and root hash (C2SP tlog-checkpoint)."""

    size = models.BigIntegerField(primary_key=True)
    root = models.BinaryField(max_length=32)
    note = models.TextField()  # the signed note, exactly as published
    issued_at = models.DateTimeField()

    class Meta:
        db_table = "audit_checkpoint"

    def __str__(self) -> str:
        return f"audit checkpoint at {self.size}"


class AuditCosignature(models.Model):
    """A witness's cosignature on a checkpoint (C2SP tlog-cosignature), shown beside it."""

    checkpoint = models.ForeignKey(
        AuditCheckpoint, on_delete=models.CASCADE, related_name="cosignatures", db_column="size"
    )
    witness = models.CharField(max_length=200)
    line = models.TextField()  # the signature line, "— name base64"
    received_at = models.DateTimeField()

    class Meta:
        db_table = "audit_cosignature"
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="one_cosignature_each")
        ]

    def __str__(self) -> str:
        return f"{self.witness} on {self.checkpoint_id}"
