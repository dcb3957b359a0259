"""The AWS account the console's pools live in: needed for a pool's ARN (tags are set on the ARN)."""

from __future__ import annotations

import functools
import threading

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from . import errors
from .clients import client_config
from .ids import region_of

_cache: dict[str, str] = {}
_lock = threading.Lock()


def account_id(region: str) -> str:
    """The account id: STS GetCallerIdentity against real AWS, else the embedded service's account.

    GetCallerIdentity needs no IAM permission. An endpoint given as a URL is taken to be an
    emulator using EMULATOR_ACCOUNT_ID (the embedded one over HTTP, or one set up like it).
    """
    if settings.COGNITO_ENDPOINT != "aws":
        return settings.EMULATOR_ACCOUNT_ID
    with _lock:
        if "aws" not in _cache:
            _cache["aws"] = _caller_account(region)
        return _cache["aws"]


def _caller_account(region: str) -> str:
    client = boto3.session.Session().client("sts", region_name=region, config=client_config())
    try:
        return client.get_caller_identity()["Account"]
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise errors.error_for_code(
            error.get("Code", "Unknown"), error.get("Message", str(exc)), "GetCallerIdentity"
        ) from exc
    except BotoCoreError as exc:
        raise errors.Unavailable(str(exc), operation="GetCallerIdentity") from exc


def pool_arn(pool_id: str) -> str:
    """arn:<partition>:cognito-identity:<region>:<account>:identitypool/<pool id>."""
    region = region_of(pool_id)
    return f"arn:{_partition(region)}:cognito-identity:{region}:{account_id(region)}:identitypool/{pool_id}"


@functools.cache
def _partition(region: str) -> str:
    try:
        return boto3.session.Session().get_partition_for_region(region)
    except BotoCoreError:  # a region botocore does not know yet
        return "aws"
