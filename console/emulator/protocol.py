"""The AWS JSON 1.1 wire protocol of the embedded Cognito Identity service.

One function, `handle`, turns a raw HTTP request into a raw HTTP response. Both
ways of reaching the service use it: the console's in-process hook (botocore's
`before-send`) and the WSGI app behind `manage.py emulator`.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection

from . import errors, quotas, regions, signatures
from .validation import validate_input

log = logging.getLogger(__name__)

TARGET_PREFIX = "AWSCognitoIdentityService."
CONTENT_TYPE = "application/x-amz-json-1.1"
PUBLIC_OPERATIONS = frozenset({"GetId", "GetOpenIdToken", "GetCredentialsForIdentity", "UnlinkIdentity"})

_ID_REGION = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+):")
# Control characters (but tab) become spaces in header values.
_CONTROLS = {code: " " for code in [*range(0x20), 0x7F] if code != 0x09}


@dataclass(frozen=True)
class RequestContext:
    """What an operation knows about the request besides its input."""

    operation: str
    region: str
    account_id: str
    request_id: str
    signed: bool
    access_key: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass
class EmulatorResponse:
    """A complete HTTP response: status, headers and body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes


Operation = Callable[[RequestContext, dict[str, Any]], "dict[str, Any] | None"]

# Filled by console.emulator.operations (operation name -> function).
OPERATIONS: dict[str, Operation] = {}


def operation(name: str) -> Callable[[Operation], Operation]:
    """Register a function as the implementation of one AWS operation."""

    def register(func: Operation) -> Operation:
        OPERATIONS[name] = func
        return func

    return register


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return round(value.timestamp(), 3)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _response(status: int, request_id: str, payload: dict[str, Any] | None) -> EmulatorResponse:
    body = json.dumps(payload or {}, default=_json_default, separators=(",", ":")).encode()
    headers = {
        "Content-Type": CONTENT_TYPE,
        "Content-Length": str(len(body)),
        "x-amzn-RequestId": request_id,
        "Date": formatdate(usegmt=True),
    }
    return EmulatorResponse(status, headers, body)


def error_response(error: errors.AwsError, request_id: str) -> EmulatorResponse:
    """The wire form of an error: `__type`/`message` body plus x-amzn-ErrorType header."""
    response = _response(error.status, request_id, {"__type": error.code, "message": error.message})
    response.headers["x-amzn-ErrorType"] = f"{error.code}:"
    # Header values must stay on one line, in latin-1 and free of control characters.
    message = error.message.translate(_CONTROLS)
    response.headers["x-amzn-ErrorMessage"] = message.encode("latin-1", "replace").decode("latin-1")
    return response


def request_region(headers: Mapping[str, str], params: Mapping[str, Any]) -> str:
    """The region a request is for: its signature's scope, else the id it carries."""
    scope = signatures.credential_scope(headers.get("authorization", ""))
    if scope:
        return scope[1]
    for key in ("IdentityPoolId", "IdentityId"):
        value = params.get(key)
        if isinstance(value, str):
            # Not validated yet: the region must be sane before it names a quota bucket.
            id_match = _ID_REGION.match(value)
            if id_match and signatures.is_region(id_match.group(1)):
                return id_match.group(1)
    return getattr(settings, "EMULATOR_DEFAULT_REGION", "us-east-1")


def _check_known_region(region: str, headers: Mapping[str, str]) -> None:
    # Each region gets its own rate-bucket rows: only regions botocore knows may have one, or
    # made-up names would add rows without end.
    if regions.is_known(region):
        return
    if signatures.credential_scope(headers.get("authorization", "")):
        raise signatures.InvalidSignature(signatures.INVALID_REGION)
    raise errors.InvalidParameter(f"'{region[:64]}' is not an AWS region this service knows.")


def _parse_body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        params = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise errors.SerializationError("Unable to parse request body as JSON.") from exc
    if not isinstance(params, dict):
        raise errors.SerializationError("Request body must be a JSON object.")
    return params


def handle(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    trusted: bool = False,
    in_process: bool = False,
) -> EmulatorResponse:
    """Answer one HTTP request. `headers` must have lower-case names.

    `trusted` is for this project's own code that builds requests by hand (the seeder):
    such calls skip signature verification and the simulated quotas. `in_process` says the
    request was handed over in this process (the console's botocore hook), never over HTTP:
    only then is the console's published placeholder key pair accepted. The WSGI app never
    sets either.
    """
    request_id = str(uuid.uuid4())
    try:
        if method != "POST":
            raise errors.UnknownOperation(f"Unsupported method {method} on {path}.")
        target = headers.get("x-amz-target", "")
        name = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else ""
        func = OPERATIONS.get(name)
        if func is None:
            raise errors.UnknownOperation(f"Unknown operation {target or '(no X-Amz-Target)'}.")
        # Both checks are off by default and then cost one attribute test each.
        if settings.EMULATOR_ACCESS_KEYS and not trusted:
            signatures.verify(name in PUBLIC_OPERATIONS, method, path, headers, body, in_process=in_process)
        params = _parse_body(body)
        region = request_region(headers, params)
        if settings.EMULATOR_QUOTAS and not trusted:
            _check_known_region(region, headers)
            # Before validation, so a malformed call costs a token too (our choice: AWS does not say).
            quotas.take(settings.EMULATOR_ACCOUNT_ID, region, name)
        validate_input(name, params)
        authorization = headers.get("authorization", "")
        scope = signatures.credential_scope(authorization)
        context = RequestContext(
            operation=name,
            region=region,
            account_id=settings.EMULATOR_ACCOUNT_ID,
            request_id=request_id,
            signed=bool(authorization),
            access_key=scope[0] if scope else None,
            headers=headers,
        )
        return _response(200, request_id, func(context, params))
    except errors.AwsError as error:
        return error_response(error, request_id)
    except DatabaseError:
        log.exception("database error in emulator request %s", request_id)
        # A broken connection must not poison the next request on this thread; but in-process,
        # inside the caller's transaction, closing it would break the caller instead.
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()
        return error_response(errors.InternalError("Internal error; retry the request."), request_id)
    except Exception:
        log.exception("unexpected error in emulator request %s", request_id)
        return error_response(errors.InternalError("Internal error; retry the request."), request_id)
