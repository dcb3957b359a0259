"""One gateway call made for a job's work, retried on throttling and endpoint failures.

The jobs' client makes one attempt per call (console/aws/clients.py), so every
TooManyRequestsException and every endpoint failure reaches the loop here. The work the call is
made for (a chunk's Attempt, a walk's WalkClaim, a membership check's Clock) gives the loop its
time left, counts throttles, pauses and renews its lease; a work without a deadline (the `job
delete` command's check) has infinite time left.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from typing import Any, Protocol

from console.aws import errors

# Endpoint failures (5xx, timeouts) retried for one call before its error counts.
TRANSIENT_RETRIES = 3
BACKOFF_BASE = 0.25
BACKOFF_CAP = 5.0


class OutOfTime(Exception):
    """The work's calls used its share of the time limit (throttled for too long, or the
    limiter's queue is longer than the time left): it goes back to the queue, to go on later."""


class CallerWork(Protocol):
    """What call_with_retries needs of the work it calls for."""

    def remaining(self) -> float: ...
    def note_throttle(self) -> None: ...
    def pause(self, retry: int) -> None: ...
    def renew(self) -> None: ...


def backoff(retry: int, remaining: float) -> None:
    """Sleep before retry number `retry` (0-based): exponential backoff with full jitter, at most `remaining`."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2**retry)
    time.sleep(min(random.uniform(0, ceiling), max(0.0, remaining)))  # noqa: S311 - jitter


def call_with_retries(
    work: CallerWork,
    function: Callable[..., Any],
    /,
    *args: Any,
    wait_cap: float = math.inf,
    **kwargs: Any,
) -> Any:
    """Make one gateway call for `work`, retrying throttling and endpoint failures.

    The call may wait in the shared limiter for the work's time left (at most `wait_cap`).
    TooManyRequestsException is counted in the work, paused on with backoff and jitter, and
    retried through the limiter again: never an item's failure. Endpoint failures are retried
    TRANSIENT_RETRIES times, then raised. When the work's time runs out, or the limiter would
    make the call wait past it, OutOfTime; without a deadline the call waits its turn instead.
    """
    throttles = transient = 0
    while True:
        left = work.remaining()
        if left <= 0:
            raise OutOfTime
        try:
            return function(*args, max_wait=min(left, wait_cap), **kwargs)
        except errors.RateLimited:
            # Our own limiter would make us wait past the budget: nothing was called.
            if left != math.inf:
                raise OutOfTime from None
            work.pause(throttles)
        except errors.Throttled:
            work.note_throttle()
            work.pause(throttles)
            throttles += 1
        except errors.Unavailable:
            if transient >= TRANSIENT_RETRIES:
                raise
            work.pause(transient)
            transient += 1
        work.renew()
