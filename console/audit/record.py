"""Recording events: the gateway's mutating calls and the console's own actions.

Public API for the rest of the console:
- `record_console_action(operation, ...)`: jobs call it for "job.start"/"job.cancel".
- `audit_actor(name, user=..., ip=...)`: who a Celery task or command acts for.
- `diff(before, after)`: keeps only the changed keys (also done by the recorders).
- `touched_identities(event)`: every identity id an event is about (its history index).

Models are imported inside the functions: the gateway imports this module and may be
imported before Django's app registry is ready.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from .actor import Actor, audit_actor, current_actor
from .redact import diff, redact, scrub_text

__all__ = [
    "CONSOLE_ACTIONS",
    "MUTATING_OPERATIONS",
    "audit_actor",
    "diff",
    "record_console_action",
    "record_gateway_call",
    "touched_identities",
]

logger = logging.getLogger(__name__)

# Every Cognito operation that changes something; the other eleven only read.
MUTATING_OPERATIONS = frozenset(
    {
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

# The console's own actions (the audit page's operation filter offers these too).
CONSOLE_ACTIONS = (
    "console.login",
    "console.login_failed",
    "console.logout",
    "console.user_changed",
    "console.audit_export",
    "identities.signin_test",
    "job.start",
    "job.cancel",
)

# Operations whose answer is the pool's new configuration: stored as "after" when the
# caller did not give one.
_RETURNS_POOL = {"CreateIdentityPool", "UpdateIdentityPool"}
_ARN_POOL_MARKER = ":identitypool/"
# DeleteIdentities names at most 60; a little room for the event's own id and a merge's.
_MAX_TOUCHED = 64
_ID_MAX_LENGTH = 64


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
    from .models import AuditEvent, AuditEventIdentity, Outcome

    if error is not None:
        outcome = Outcome.ERROR
        error_code = getattr(error, "code", "") or type(error).__name__
        error_message = getattr(error, "message", "") or str(error)
    event = AuditEvent(
        actor=actor.name[:200],
        actor_user_id=actor.user_id,
        source_ip=actor.ip,
        request=redact(request),
        outcome=outcome,
        error_code=error_code[:128],
        error_message=scrub_text(error_message),
        before=redact(before),
        after=redact(after),
        **fields,
    )
    try:
        # A savepoint: a failed insert must not break the caller's own transaction.
        with transaction.atomic():
            event.save()
            AuditEventIdentity.objects.bulk_create(
                AuditEventIdentity(event=event, identity_id=identity_id)
                for identity_id in touched_identities(event, identities)
            )
    except Exception:
        # The Cognito call has already happened: failing it now would tell the person it
        # did not. The event goes to the log instead, where operators will see it.
        logger.exception(
            "Could not store audit event %s by %s (%s): %r", fields["operation"], actor.name, outcome, fields
        )


def touched_identities(event: Any, extra: tuple[str, ...] = ()) -> list[str]:
    """The distinct identity ids an event is about: its own, every id of a multi-id
    DeleteIdentities, and `extra` (a merge's source identity)."""
    request = event.request if isinstance(event.request, dict) else {}
    found = dict.fromkeys([event.identity_id, *_named_identities(request), *extra])
    # An id too long for the column is no identity (the call failed validation): skipped,
    # so that the event itself is still stored.
    return [value for value in found if value and len(value) <= _ID_MAX_LENGTH][:_MAX_TOUCHED]


def _named_identities(params: dict[str, Any]) -> list[str]:
    doomed = params.get("IdentityIdsToDelete")
    return [str(value) for value in doomed if isinstance(value, str)] if isinstance(doomed, list) else []


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
