"""The job ledger: a Job, its chunks, and one row per input item with its outcome.

The database is the truth, not the broker (DESIGN.md invariant 4): a job's targets are frozen
into Item rows, grouped into Chunks of one Cognito call each, when the job is created; a chunk
is claimed with a lease, and its items' outcomes are committed together with its terminal
state and the job's counters, in one transaction (console/jobs/runner.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class Kind(models.TextChoices):
    DELETE = "delete", "Delete identities"
    MERGE = "merge", "Merge developer users"
    PRUNE_DRY_RUN = "prune_dry_run", "Prune (dry run)"
    PRUNE = "prune", "Prune identities"
    EXPORT = "export", "Export identities"
    SYNC = "sync", "Sync inventory"


# Kinds whose items are found by walking the pool's ListIdentities pages (console/jobs/walk.py)
# instead of being given when the job starts.
WALK_KINDS = (Kind.PRUNE_DRY_RUN, Kind.PRUNE, Kind.EXPORT, Kind.SYNC)


class WalkState(models.TextChoices):
    NONE = "", "No walk"
    LISTING = "listing", "Listing"
    LISTED = "listed", "Listed"


class Status(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    CANCELLING = "cancelling", "Cancelling"
    CANCELLED = "cancelled", "Cancelled"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    PARTIALLY_FAILED = "partially_failed", "Partially failed"


ACTIVE = (Status.QUEUED, Status.RUNNING, Status.CANCELLING)
FINISHED = (Status.CANCELLED, Status.SUCCEEDED, Status.FAILED, Status.PARTIALLY_FAILED)


class Job(models.Model):
    kind = models.CharField(max_length=16, choices=Kind.choices)
    pool_id = models.CharField(max_length=64)
    region = models.CharField(max_length=32)
    # What the calls need besides the items, e.g. {"developer_provider": "login.example.app"}.
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    # TooManyRequestsException answers: retried, never an item's failure; shown on the page.
    throttled = models.PositiveIntegerField(default=0)
    # The name is kept as text so that it survives the user's deletion (the link does not).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_name = models.CharField(max_length=150)
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    cancelled_by_name = models.CharField(max_length=150, blank=True)

    # The walk of a prune or export (console/jobs/walk.py): one lease on the job, held by the
    # worker listing the pool; `cursor` is its last committed position (NextToken, pages and
    # identities listed, and what the kind keeps, e.g. an export file's committed size).
    walk_state = models.CharField(max_length=8, choices=WalkState.choices, default=WalkState.NONE, blank=True)
    cursor = models.JSONField(default=dict, blank=True)
    walk_token = models.UUIDField(null=True, blank=True)
    walk_lease_until = models.DateTimeField(null=True, blank=True)
    walk_dispatched_at = models.DateTimeField(null=True, blank=True)
    walk_claims = models.PositiveIntegerField(default=0)
    # A prune's dry run (for the real run), and the schedule that started the job, if any.
    dry_run = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    schedule = models.ForeignKey(
        "PruneSchedule", null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    # An export's file (relative to settings.JOB_EXPORT_DIR), kept until file_expires_at.
    file_name = models.CharField(max_length=255, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    file_expires_at = models.DateTimeField(null=True, blank=True)
    # Why the job stopped before its end (a walk's listing failed), with what to do next.
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        default_permissions = ()
        indexes = [
            models.Index(fields=["pool_id", "-created_at"], name="job_pool_idx"),
            models.Index(fields=["status"], name="job_status_idx"),
            models.Index(fields=["walk_state"], name="job_walk_state_idx"),
        ]
        constraints = [
            # Two syncs of one pool never run at once (console/jobs/sync.py): the second start
            # fails here, whatever the timing.
            models.UniqueConstraint(
                fields=["pool_id"],
                condition=models.Q(kind="sync", status__in=["queued", "running", "cancelling"]),
                name="job_one_active_sync",
            ),
        ]

    def __str__(self) -> str:
        return f"job {self.pk} ({self.kind}, {self.status})"

    @property
    def processed(self) -> int:
        return self.done + self.failed + self.skipped

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


class ChunkStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CLAIMED = "claimed", "Claimed"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


TERMINAL_CHUNK = (ChunkStatus.DONE, ChunkStatus.CANCELLED)


class Chunk(models.Model):
    """One Cognito call's worth of items: up to 60 ids to delete, or one pair to merge."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=ChunkStatus.choices, default=ChunkStatus.PENDING)
    # When its "run chunk" message was last sent to the broker (null: not sent yet).
    dispatched_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    # Times claimed: above one, an earlier attempt may already have made the call.
    claims = models.PositiveIntegerField(default=0)
    lost_leases = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "number"]
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["job", "number"], name="chunk_job_number_uniq")]
        indexes = [
            models.Index(fields=["job", "status"], name="chunk_job_status_idx"),
            models.Index(fields=["status", "lease_until"], name="chunk_lease_idx"),
        ]

    def __str__(self) -> str:
        return f"chunk {self.number} of job {self.job_id} ({self.status})"


class Outcome(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class Item(models.Model):
    """One input item (an identity id, or a source → destination pair) and its outcome."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="items")
    # Null for an item that needs no call: a dry run's match, or a prune's target skipped
    # because it changed or vanished since its dry run.
    chunk = models.ForeignKey(Chunk, null=True, blank=True, on_delete=models.CASCADE, related_name="items")
    # Its line in the input (pasted text, file, or selection order), for the person's report.
    line = models.PositiveIntegerField()
    # The identity id to delete, or the source developer user id to merge.
    target = models.CharField(max_length=1024)
    destination = models.CharField(max_length=1024, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.PENDING)
    error_code = models.CharField(max_length=128, blank=True)
    message = models.TextField(blank=True)
    # What the call answered, e.g. the identity id a merge ended in.
    result = models.CharField(max_length=64, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "line", "id"]
        default_permissions = ()
        indexes = [
            models.Index(fields=["job", "line"], name="item_job_line_idx"),
            models.Index(fields=["job", "outcome", "-finished_at"], name="item_job_outcome_idx"),
            # A prune's real run asks, page by page, which listed ids its dry run matched.
            models.Index(fields=["job", "target"], name="item_job_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.target} ({self.outcome})"


# A draft is kept this long after its check ended, then must be started again.
DRAFT_LIFETIME = timedelta(hours=1)


class CheckStatus(models.TextChoices):
    CHECKING = "checking", "Checking"
    READY = "ready", "Ready"
    FAILED = "failed", "Check failed"


class Draft(models.Model):
    """A checked job waiting for its typed confirmation (kept an hour after its check).

    The targets stay on the server between the review and the confirmation, so a job of
    100,000 ids does not travel back and forth in a form. A delete's ids are then checked
    against the pool, one LookupDeveloperIdentity call each, by a task
    (console/jobs/membership.py): the draft is "checking" until every id was asked, and only a
    "ready" draft can be confirmed. A merge's draft is checked likewise: does each source
    developer user exist in the pool (LookupDeveloperIdentity by DeveloperUserIdentifier)?
    """

    kind = models.CharField(max_length=16, choices=Kind.choices)
    pool_id = models.CharField(max_length=64)
    pool_name = models.CharField(max_length=128, blank=True)
    params = models.JSONField(default=dict, blank=True)
    # [[line, target, destination], ...] in input order, duplicates removed. While checking:
    # every id to check; once ready: only those that passed.
    targets = models.JSONField(default=list)
    # Sentences about what the check changed, e.g. "2 duplicate lines removed (lines 4, 9)."
    notes = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    check_status = models.CharField(max_length=10, choices=CheckStatus.choices, default=CheckStatus.READY)
    # How many of the targets, from the first, were checked: what they found is committed with it.
    checked = models.PositiveIntegerField(default=0)
    # [[line, id, reason], ...]: ids refused (another pool's), left out of the targets.
    refused = models.JSONField(default=list, blank=True)
    # [[line, id], ...]: ids that do not exist (already deleted), or a merge's sources not in
    # the pool, left out of the targets.
    missing = models.JSONField(default=list, blank=True)
    # Ids the inventory had in the pool: passed without a LookupDeveloperIdentity call.
    inventory_confirmed = models.PositiveIntegerField(default=0)
    # TooManyRequestsException answers during the check: retried, never a refusal.
    check_throttled = models.PositiveIntegerField(default=0)
    # Why the check stopped (the service's code and message); the draft cannot be confirmed.
    check_error_code = models.CharField(max_length=128, blank=True)
    check_error = models.TextField(blank=True)
    # When the check last moved (a batch committed, its task sent): the reconciler sends a
    # check again once it has not moved for a while (its worker died, its message was lost).
    check_moved_at = models.DateTimeField(null=True, blank=True)
    # When the check ended (ready or failed; None while checking); the draft is kept
    # DRAFT_LIFETIME from then. A draft that needs no check is ready when it is created.
    checked_at = models.DateTimeField(null=True, blank=True, default=timezone.now)

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"draft {self.pk} ({self.kind}, {len(self.targets)} items, {self.check_status})"

    @property
    def count(self) -> int:
        return len(self.targets)

    @property
    def is_checking(self) -> bool:
        return self.check_status == CheckStatus.CHECKING

    @property
    def expires_at(self) -> datetime | None:
        """When the draft is forgotten (None while its check runs)."""
        return self.checked_at + DRAFT_LIFETIME if self.checked_at else None

    @property
    def startable(self) -> bool:
        """Ready, with at least one target left to run."""
        return self.check_status == CheckStatus.READY and bool(self.targets)


class WalkMark(models.Model):
    """An identity id a walk has seen in a first pass (the disabled filter lists the pool twice:
    with HideDisabled, then without; an id missing from the first pass is disabled)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="+")
    identity_id = models.CharField(max_length=64)

    class Meta:
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["job", "identity_id"], name="walkmark_job_id_uniq")]

    def __str__(self) -> str:
        return self.identity_id


class ScheduleKind(models.TextChoices):
    PRUNE = "prune", "Prune"
    SYNC = "sync", "Sync inventory"


class PruneSchedule(models.Model):
    """A job run daily at a UTC time (console/jobs/schedules.py), of one of two kinds:

    - a prune: each run a dry run, then a real run when its count is at most `max_unconfirmed`;
      above it the run stops at its dry run and waits for an admin;
    - an inventory sync of one pool, or of every pool of AWS_REGIONS (`pool_id` empty)."""

    kind = models.CharField(max_length=8, choices=ScheduleKind.choices, default=ScheduleKind.PRUNE)
    # Empty for a sync of every pool (a prune always names its pool).
    pool_id = models.CharField(max_length=64, blank=True)
    region = models.CharField(max_length=32, blank=True)
    pool_name = models.CharField(max_length=128, blank=True)
    # A prune's filter (console/jobs/prune.py Filters, as a dict); a sync's options ({"disabled"}).
    filters = models.JSONField(default=dict)
    time_of_day = models.TimeField(help_text="UTC")
    max_unconfirmed = models.PositiveIntegerField(default=0)
    enabled = models.BooleanField(default=True)
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(default=timezone.now)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)
    # Why the last due run did not start (its owner may no longer run jobs), shown on the page.
    last_problem = models.TextField(blank=True)

    class Meta:
        ordering = ["pool_id", "time_of_day", "id"]
        default_permissions = ()
        indexes = [models.Index(fields=["enabled", "next_run_at"], name="schedule_due_idx")]

    def __str__(self) -> str:
        return (
            f"{self.kind} schedule {self.pk} ({self.pool_id or 'every pool'} at {self.time_of_day:%H:%M} UTC)"
        )

    @property
    def is_sync(self) -> bool:
        return self.kind == ScheduleKind.SYNC
