"""An import job: a file being checked or written in the background, and what came of it.

It holds no personal data: no name, no birth date, no value of a person's. What it keeps
is the file's name and sha256, counts, and the problems the check found (row, column and
what to do). A problem's message may name a card code ("No participant holds card
ABCD-EFGH-JKM", "the participant with card ... does not agree to blood tests"): a card
code is a pseudonym, readable here only by the staff member who started the job and the
programme's coordinators, as the check's page shows it. A message may also quote what the
file's own cell says (a mistyped date or value), with no name beside it.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone


class ImportJob(models.Model):
    QUEUED = "queued"
    CHECKING = "checking"
    IMPORTING = "importing"
    DONE = "done"
    PROBLEMS = "problems"  # the check found problems: nothing was written
    REFUSED = "refused"  # the file, or the act, was refused whole: nothing was written
    FAILED = "failed"  # stopped (an error, a restart): nothing was written; run it again
    STATUSES = (QUEUED, CHECKING, IMPORTING, DONE, PROBLEMS, REFUSED, FAILED)
    ENDED = frozenset({DONE, PROBLEMS, REFUSED, FAILED})

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    programme = models.ForeignKey("registry.Programme", on_delete=models.CASCADE, related_name="+")
    started_by = models.ForeignKey("access.StaffMember", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16)  # a key of healthcamp.imports.jobs.KINDS
    dry_run = models.BooleanField(default=False)
    file_name = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=[(s, s) for s in STATUSES], default=QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)  # [{row, column, message}], capped
    problems_more = models.PositiveIntegerField(default=0)  # problems beyond the cap
    # The process running it ("pid:start time"): a job left unfinished by a process that
    # is gone is shown as failed (the import is one transaction: nothing of it is in).
    runner = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["programme", "created_at"])]

    def __str__(self) -> str:
        return f"import job {self.id} ({self.status})"
