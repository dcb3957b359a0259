"""The audit trail: one append-only row per mutating call or console action."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """Audit events are never changed or deleted by the console."""


def _refuse(what: str) -> NoReturn:
    raise AppendOnlyError(f"Audit events are append-only: {what} is not allowed.")


class AuditEventQuerySet(models.QuerySet):
    # The ORM's lock; on PostgreSQL a trigger refuses UPDATE and DELETE too (migration 0002).
    def update(self, **kwargs: Any) -> NoReturn:
        _refuse("update")

    def delete(self) -> NoReturn:
        _refuse("delete")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> NoReturn:
        _refuse("bulk_update")


class AppendOnly(models.Model):
    """A row of the trail: written once, never changed or deleted (the database refuses it too,
    on PostgreSQL; the queryset refuses bulk updates and deletes)."""

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse("changing a saved event")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("delete")


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    ERROR = "error", "Error"


def _keyset_index(name: str, *fields: str) -> models.Index:
    # Every filter is an equality on a leading column, then the list's own order, so a
    # page is read straight off the index: no sort, no OFFSET, at any table size.
    return models.Index(fields=[*fields, "-created_at", "-id"], name=name)


class AuditEvent(AppendOnly):
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # The name is kept as text so that it survives the user's deletion. The user's id is kept as
    # it was: no foreign-key constraint and nothing done on delete, because clearing it would be
    # an UPDATE, which the table refuses on PostgreSQL (migration 0002), and because an event may
    # be written on its own connection before the caller's transaction has committed the user.
    actor = models.CharField(max_length=200)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    source_ip = models.GenericIPAddressField(null=True, blank=True)
    region = models.CharField(max_length=32, blank=True)
    # An AWS operation name ("DeleteIdentityPool") or a console action ("console.login").
    operation = models.CharField(max_length=64)
    pool_id = models.CharField(max_length=64, blank=True)
    identity_id = models.CharField(max_length=64, blank=True)
    request = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    error_code = models.CharField(max_length=128, blank=True)
    error_message = models.TextField(blank=True)
    before = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(null=True, blank=True, encoder=DjangoJSONEncoder)
    reason = models.TextField(blank=True)
    # The bulk job whose chunk made the call (None for everything else; events recorded before
    # this column existed name their job only in `actor`, "jobs:<id>").
    job_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # No add/change/delete permissions: reading is the accounts app's view_audit.
        default_permissions = ()
        indexes = [
            _keyset_index("audit_time_idx"),
            _keyset_index("audit_actor_time_idx", "actor"),
            _keyset_index("audit_op_time_idx", "operation"),
            _keyset_index("audit_pool_time_idx", "pool_id"),
            _keyset_index("audit_identity_time_idx", "identity_id"),
            _keyset_index("audit_outcome_time_idx", "outcome"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor} {self.operation} {self.outcome}"


class AuditEventIdentity(AppendOnly):
    """One identity an event touched, so an identity's history finds every event about it.

    An event has one `identity_id` column, but a DeleteIdentities call names up to 60
    identities and a merge changes two: each gets a row here (the event's own identity
    too, so one index answers "what touched this identity"). Append-only like the events.
    """

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="identity_links")
    identity_id = models.CharField(max_length=64)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["identity_id", "event"], name="audit_event_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.identity_id} in event {self.event_id}"


class AuditEventDeveloperUser(AppendOnly):
    """One developer user id an event named, so a search for it finds what the console did.

    UnlinkDeveloperIdentity names one, MergeDeveloperIdentities two (source and destination),
    and a registration (GetOpenIdTokenForDeveloperIdentity) one, which the stored request no
    longer shows (every Logins value is redacted) but the event's "after" keeps. Like
    AuditEventIdentity for identity ids; append-only like the events.
    """

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="developer_user_links")
    developer_user = models.CharField(max_length=1024)

    class Meta:
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["developer_user", "event"], name="audit_event_developer_user_unique"
            )
        ]

    def __str__(self) -> str:
        return f"developer user {self.developer_user} in event {self.event_id}"
