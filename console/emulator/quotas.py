"""Simulated request-rate quotas (EMULATOR_QUOTAS=1), answered as AWS does: TooManyRequestsException.

A token bucket per account, region and operation, as AWS counts its quotas. It holds one
second's worth of calls (at least one) and refills continuously at the operation's rate.
The buckets live in the database, so every thread and every process of the emulator draws
from the same ones: each call takes its token in one short transaction that locks its
bucket's row (SELECT ... FOR UPDATE on PostgreSQL; on SQLite the IMMEDIATE transaction
already serialises writers).

Off by default, and then this module is never called.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core import checks
from django.db import IntegrityError, transaction

from console.quotarates import default_rate

from . import errors
from .models import QuotaBucket

RATE_EXCEEDED = "Rate exceeded"


def rate(operation: str) -> float:
    """The operation's rate in requests per second: its override, else the default."""
    override = settings.EMULATOR_QUOTA_OVERRIDES.get(operation)
    if override is not None:
        return override
    return default_rate(operation)


def take(account_id: str, region: str, operation: str) -> None:
    """Spend one token of the operation's bucket, or raise TooManyRequestsException."""
    per_second = rate(operation)
    capacity = max(per_second, 1.0)
    key = {"account_id": account_id, "region": region, "operation": operation}
    with transaction.atomic():
        # Read the clock once the row is ours, so refills follow the order of the locks.
        bucket = _locked_bucket(key, capacity)
        now = max(time.time(), bucket.refilled_at)
        tokens = min(capacity, bucket.tokens + (now - bucket.refilled_at) * per_second)
        allowed = tokens >= 1
        if allowed:
            tokens -= 1
        QuotaBucket.objects.filter(pk=bucket.pk).update(tokens=tokens, refilled_at=now)
    if not allowed:
        raise errors.TooManyRequests(RATE_EXCEEDED)


def _locked_bucket(key: dict[str, str], capacity: float) -> QuotaBucket:
    bucket = QuotaBucket.objects.select_for_update().filter(**key).first()
    if bucket is not None:
        return bucket
    try:
        with transaction.atomic():
            # A new bucket starts full, as AWS's burst allowance does.
            return QuotaBucket.objects.create(**key, tokens=capacity, refilled_at=time.time())
    except IntegrityError:
        # Another process created it between our read and our insert: lock theirs.
        return QuotaBucket.objects.select_for_update().get(**key)


@checks.register()
def check_overrides(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A misspelt operation in EMULATOR_QUOTA_OVERRIDES would otherwise be ignored silently."""
    from .protocol import OPERATIONS

    return [
        checks.Error(
            f"EMULATOR_QUOTA_OVERRIDES names {name!r}, which is not an operation of the service.",
            hint="Use the operation names of the API, e.g. GetId=50,ListIdentities=20.",
            id="emulator.E001",
        )
        for name in sorted(set(settings.EMULATOR_QUOTA_OVERRIDES) - set(OPERATIONS))
    ]
