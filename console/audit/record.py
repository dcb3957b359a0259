"""Recording events: the gateway's mutating calls and the console's own actions.

Public API for the rest of the console:
- `record_console_action(operation, ...)`: jobs call it for "job.start"/"job.cancel".
- `audit_actor(name, user=..., ip=...)`: who a Celery task or command acts for.
- `diff(before, after)`: keeps only the changed keys (also done by the recorders).
- `touched_identities(event)`: every identity id an event is about (its history index).
- `touched_developer_users(event)`: every developer user id an event names (the search box's
  index of what the console did to a developer user id).

Models are imported inside the functions: the gateway imports this module and may be
imported before Django's app registry is ready.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, transaction

from .actor import Actor, audit_actor, current_actor
from .redact import REDACTED, diff, redact, scrub_text, storable_text

__all__ = [
    "CONSOLE_ACTIONS",
    "MUTATING_OPERATIONS",
    "READ_ONLY_ACTIONS",
    "audit_actor",
    "diff",
    "record_console_action",
    "record_gateway_call",
    "touched_developer_users",
    "touched_identities",
]

logger = logging.getLogger(__name__)

# The database alias audit events are written through when the caller is inside a transaction
# (settings.DATABASES: the same database as "default", its own connection).
AUDIT_DATABASE = "audit"
# Ends a value cut to fit its column ("us-east-1:aaaa…").
TRUNCATED = "…"

# Every Cognito operation that changes something; the other eight only read. GetId,
# GetCredentialsForIdentity and GetOpenIdToken count: they create identities, link logins and
# merge identities. Their answers (credentials, tokens) are never stored: only the pool's
# configuration and unprocessed ids are kept of an answer (_after_from_answer).
MUTATING_OPERATIONS = frozenset(
    {
        "GetId",
        "GetCredentialsForIdentity",
        "GetOpenIdToken",
        "CreateIdentityPool",
        "UpdateIdentityPool",
        "DeleteIdentityPool",
        "SetIdentityPoolRoles",
        "SetPrincipalTagAttributeMap",
        "TagResource",
        "UntagResource",
        "DeleteIdentities",
        "MergeDeveloperIdentities",
        "UnlinkDeveloperIdentity",
        "UnlinkIdentity",
        "GetOpenIdTokenForDeveloperIdentity",
    }
)

# The console's own actions (the audit page's operation filter offers these too, with any
# other name the trail holds). A new action is added here: tests/audit/test_audit_list.py
# reads the code's record_console_action calls and fails on a name missing from this list.
CONSOLE_ACTIONS = (
    "console.login",
    "console.login_failed",
    "console.login_refused",
    "console.logout",
    "console.user_changed",
    "console.audit_export",
    "identities.signin_test",
    "inventory.export_matches",
    "job.start",
    "job.cancel",
    "job.export_download",
    "job.results_download",
    "schedule.create",
    "schedule.update",
    "schedule.delete",
    "schedule.enable",
    "schedule.disable",
)

# Console actions that change nothing: sign-ins, sign-outs, refused and failed sign-ins,
# downloads and exports (reading), sign-in test runs (the calls they make that create or
# link identities are events of their own). The audit page hides them unless asked
# ("Changes only"). Every Cognito operation recorded changes something (MUTATING_OPERATIONS).
READ_ONLY_ACTIONS = frozenset(
    {
        "console.login",
        "console.login_failed",
        "console.login_refused",
        "console.logout",
        "console.audit_export",
        "identities.signin_test",
        "inventory.export_matches",
        "job.export_download",
        "job.results_download",
    }
)

# Operations whose answer is the pool's new configuration: stored as "after" when the
# caller did not give one.
_RETURNS_POOL = {"CreateIdentityPool", "UpdateIdentityPool"}
_ARN_POOL_MARKER = ":identitypool/"
# DeleteIdentities names at most 60; a little room for the event's own id and a merge's.
_MAX_TOUCHED = 64
_ID_MAX_LENGTH = 64
# Where events name developer user ids: the parameters of UnlinkDeveloperIdentity and
# MergeDeveloperIdentities, and the before/after the gateway gives a registration and an unlink
# (a registration's request keeps none: its Logins values are redacted).
_DEVELOPER_USER_KEYS = ("DeveloperUserIdentifier", "SourceUserIdentifier", "DestinationUserIdentifier")
_DEVELOPER_USER_STATE_KEY = "DeveloperUserIdentifier"
# The service's bound on a developer user id; and the index's, in bytes: PostgreSQL refuses a
# B-tree entry over about 2,700 bytes, which 1,024 characters of four bytes would pass.
_DEVELOPER_USER_MAX_LENGTH = 1024
_DEVELOPER_USER_MAX_BYTES = 2000


def record_gateway_call(
    region: str,
    operation: str,
    params: dict[str, Any],
    *,
    response: dict[str, Any] | None = None,
    error: BaseException | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    identities: tuple[str, ...] = (),
) -> None:
    """Record one mutating Cognito call and its outcome (called by `console.aws.calls.call`).

    `identities`: other identities the call touched that its request does not name.
    """
    answer = {key: value for key, value in (response or {}).items() if key != "ResponseMetadata"}
    if after is None:
        after = _after_from_answer(operation, answer)
    before, after = diff(before, after)
    _store(
        current_actor(),
        operation=operation,
        region=region,
        pool_id=_pool_id(params, answer),
        identity_id=_identity_id(params, answer),
        request=params,
        error=error,
        before=before,
        after=after,
        reason=reason,
        identities=identities,
    )


def record_console_action(
    operation: str,
    *,
    pool_id: str = "",
    identity_id: str = "",
    region: str = "",
    request: dict[str, Any] | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    outcome: str = "success",
    error_code: str = "",
    error_message: str = "",
    actor: Actor | None = None,
    identities: tuple[str, ...] = (),
) -> None:
    """Record an action of the console itself, e.g. record_console_action("job.start", request={"job": 7}).

    The actor is the current one (request user, `audit_actor` block, or "system")
    unless given. `request` is redacted like a Cognito request; before/after keep only
    their changed keys.
    """
    before, after = diff(before, after)
    _store(
        actor or current_actor(),
        operation=operation,
        region=region,
        pool_id=pool_id,
        identity_id=identity_id,
        request=request or {},
        outcome=outcome,
        error_code=error_code,
        error_message=error_message,
        before=before,
        after=after,
        reason=reason,
        identities=identities,
    )


def _store(
    actor: Actor,
    *,
    request: dict[str, Any],
    error: BaseException | None = None,
    outcome: str = "success",
    error_code: str = "",
    error_message: str = "",
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    identities: tuple[str, ...] = (),
    **fields: Any,
) -> None:
    from .models import AuditEvent, Outcome

    if error is not None:
        outcome = Outcome.ERROR
        error_code = getattr(error, "code", "") or type(error).__name__
        error_message = getattr(error, "message", "") or str(error)
    if actor.pool_id and not fields.get("pool_id"):
        fields["pool_id"] = actor.pool_id
    event = AuditEvent(
        actor=actor.name,
        actor_user_id=actor.user_id,
        source_ip=actor.ip,
        job_id=actor.job_id,
        request=redact(request),
        outcome=outcome,
        error_code=error_code,
        error_message=scrub_text(error_message),
        before=redact(before),
        after=redact(after),
        **fields,
    )
    _fit_text_fields(event)
    try:
        _save(event, identities)
    except Exception:
        # The Cognito call has already happened: failing it now would tell the person it
        # did not. The event goes to the log instead, where operators will see it.
        logger.exception(
            "Could not store audit event %s by %s (%s): %r", event.operation, actor.name, outcome, fields
        )


def touched_identities(event: Any, extra: tuple[str, ...] = ()) -> list[str]:
    """The distinct identity ids an event is about: its own, every id of a multi-id
    DeleteIdentities, and `extra` (a merge's source identity)."""
    request = event.request if isinstance(event.request, dict) else {}
    found = dict.fromkeys([event.identity_id, *_named_identities(request), *extra])
    # An id too long for the column is no identity (the call failed validation): skipped,
    # so that the event itself is still stored.
    return [value for value in found if value and len(value) <= _ID_MAX_LENGTH][:_MAX_TOUCHED]


def touched_developer_users(event: Any) -> list[str]:
    """The distinct developer user ids an event names: the unlinked one, a merge's source and
    destination, a registered one."""
    request = event.request if isinstance(event.request, dict) else {}
    values = [request.get(key) for key in _DEVELOPER_USER_KEYS]
    values += [
        state.get(_DEVELOPER_USER_STATE_KEY)
        for state in (event.before, event.after)
        if isinstance(state, dict)
    ]
    # A value the redaction replaced names nobody.
    found = dict.fromkeys(value for value in values if isinstance(value, str) and value and value != REDACTED)
    # One too long for the index is skipped (the call failed validation), so the event is kept.
    return [
        value
        for value in found
        if len(value) <= _DEVELOPER_USER_MAX_LENGTH
        and len(value.encode("utf-8", "replace")) <= _DEVELOPER_USER_MAX_BYTES
    ]


def _named_identities(params: dict[str, Any]) -> list[str]:
    doomed = params.get("IdentityIdsToDelete")
    return [str(value) for value in doomed if isinstance(value, str)] if isinstance(doomed, list) else []


def _save(event: Any, identities: tuple[str, ...] = ()) -> None:
    """Store `event` and its identity index rows so that no rollback of the caller's
    transaction can remove them.

    - The caller has no transaction open: the insert commits by itself, at once.
    - The caller is inside a transaction: the event goes through AUDIT_DATABASE, the same
      database on a connection of its own, in autocommit, so the row is committed before the
      caller's transaction ends, however it ends.
    - Except on SQLite (development only): one writer at a time, and the caller's open
      transaction already holds the write lock (IMMEDIATE mode), so a second connection would
      wait for it. There the event joins the caller's transaction in a savepoint, and a
      rollback removes it. The same happens, with a warning, if the audit connection fails.
    """
    if _in_callers_transaction() and connection.vendor != "sqlite":
        try:
            _write(event, identities, AUDIT_DATABASE)
            return
        except Exception:
            logger.warning("Audit connection failed; storing the event with the caller's work", exc_info=True)
            # Nothing was kept of that attempt: insert the event afresh below.
            event.pk = None
            event._state.adding = True
    _write(event, identities, DEFAULT_DB_ALIAS)


def _write(event: Any, identities: tuple[str, ...], using: str) -> None:
    # One transaction (a savepoint inside the caller's): the event and its index rows are
    # stored together or not at all, and a failed insert does not break the caller's work.
    from .models import AuditEventDeveloperUser, AuditEventIdentity

    with transaction.atomic(using=using):
        event.save(using=using)
        AuditEventIdentity.objects.using(using).bulk_create(
            AuditEventIdentity(event=event, identity_id=identity_id)
            for identity_id in touched_identities(event, identities)
        )
        AuditEventDeveloperUser.objects.using(using).bulk_create(
            AuditEventDeveloperUser(event=event, developer_user=user)
            for user in touched_developer_users(event)
        )


def _in_callers_transaction() -> bool:
    # The atomic blocks Django's test cases wrap each test in stand for "no transaction", as
    # they do for atomic(durable=True): a test then reads its events on its own connection.
    return any(not getattr(block, "_from_testcase", False) for block in connection.atomic_blocks)


def _fit_text_fields(event: Any) -> None:
    """Cut every text value longer than its column, marking the cut, so the insert cannot fail."""
    for field in event._meta.concrete_fields:
        value = getattr(event, field.attname)
        if isinstance(value, str):
            value = storable_text(value)
            limit = getattr(field, "max_length", None)
            if limit and len(value) > limit:
                value = value[: limit - len(TRUNCATED)] + TRUNCATED
            setattr(event, field.attname, value)


def _after_from_answer(operation: str, answer: dict[str, Any]) -> dict[str, Any] | None:
    if operation in _RETURNS_POOL and answer:
        return answer
    if answer.get("UnprocessedIdentityIds"):
        # DeleteIdentities succeeded but left some ids: keep them with the event.
        return {"UnprocessedIdentityIds": answer["UnprocessedIdentityIds"]}
    return None


def _pool_id(params: dict[str, Any], answer: dict[str, Any]) -> str:
    if params.get("IdentityPoolId"):
        return str(params["IdentityPoolId"])
    arn = str(params.get("ResourceArn", ""))
    if _ARN_POOL_MARKER in arn:
        return arn.split(_ARN_POOL_MARKER, 1)[1]
    return str(answer.get("IdentityPoolId", ""))


def _identity_id(params: dict[str, Any], answer: dict[str, Any]) -> str:
    if params.get("IdentityId"):
        return str(params["IdentityId"])
    doomed = params.get("IdentityIdsToDelete") or []
    if len(doomed) == 1:
        return str(doomed[0])
    # GetOpenIdTokenForDeveloperIdentity and MergeDeveloperIdentities answer with it.
    return str(answer.get("IdentityId", ""))
