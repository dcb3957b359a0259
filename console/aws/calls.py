"""Making calls: one wrapper that maps botocore failures to gateway errors, and paging."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    ParamValidationError,
)

from console.audit import record as audit

from . import errors, limiter
from .clients import get_client


def call(
    region: str,
    operation: str,
    *,
    client: Any = None,
    audit_before: dict[str, Any] | None = None,
    audit_after: dict[str, Any] | None = None,
    audit_reason: str = "",
    max_wait: float | None = None,
    background: bool = False,
    audit_identities: Iterable[str] = (),
    **params: Any,
) -> dict[str, Any]:
    """Call one Cognito operation (snake_case name, e.g. 'list_identity_pools').

    `client` replaces the region's shared client (health probes use a quick one).
    Every call first waits for its turn in the shared rate limiter, at most `max_wait`
    seconds (default COGNITO_RATE_LIMIT_WAIT, what a page may wait; jobs give their own),
    else raises `errors.RateLimited` without calling; a `background` call (a job's) lets
    every page waiting for the same operation go first.
    A mutating operation records one audit event with its outcome, whether it succeeds
    or fails; `audit_before`/`audit_after` (the state the caller knows, stored as a
    diff) and `audit_reason` go into that event and are not sent to AWS; so do
    `audit_identities`, other identities the call changes that its request does not name
    (a merge's source identity), so that their history finds the event.
    """
    client = client or get_client(region)
    method = getattr(client, operation)
    op_name = client.meta.method_to_api_mapping.get(operation, operation)
    limiter.acquire(region, op_name, max_wait=max_wait, background=background)
    if op_name not in audit.MUTATING_OPERATIONS:
        return _invoke(method, op_name, params)
    extra = {
        "before": audit_before,
        "after": audit_after,
        "reason": audit_reason,
        "identities": tuple(audit_identities),
    }
    try:
        response = _invoke(method, op_name, params)
    except Exception as exc:
        audit.record_gateway_call(region, op_name, params, error=exc, **extra)
        raise
    audit.record_gateway_call(region, op_name, params, response=response, **extra)
    return response


def _invoke(method: Any, op_name: str, params: dict[str, Any]) -> dict[str, Any]:
    try:
        return method(**params)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise errors.error_for_code(
            error.get("Code", "Unknown"), error.get("Message", str(exc)), op_name
        ) from exc
    except ParamValidationError as exc:
        raise errors.InvalidInput(str(exc), code="ValidationException", operation=op_name) from exc
    except NoCredentialsError as exc:
        raise errors.CredentialsMissing(str(exc), operation=op_name) from exc
    except BotoCoreError as exc:  # connection failures, timeouts, unparseable answers
        raise errors.Unavailable(str(exc), operation=op_name) from exc


def iter_pages(
    region: str, operation: str, result_key: str, page_size: int = 60, **params: Any
) -> Iterator[list[dict[str, Any]]]:
    """Yield each page of a NextToken-paginated operation until the last one."""
    token: str | None = None
    while True:
        request = dict(params, MaxResults=page_size)
        if token:
            request["NextToken"] = token
        page = call(region, operation, **request)
        yield page.get(result_key, [])
        token = page.get("NextToken")
        if not token:
            return


def iter_items(
    region: str, operation: str, result_key: str, page_size: int = 60, **params: Any
) -> Iterator[dict[str, Any]]:
    """Yield every item of a NextToken-paginated operation."""
    for page in iter_pages(region, operation, result_key, page_size, **params):
        yield from page
