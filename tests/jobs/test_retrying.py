"""The one retry loop (console/jobs/retrying.py) every job call goes through: a chunk's, a walk's
(both with a deadline) and a membership check's (with or without one)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from console.aws import errors
from console.jobs import retrying


class Work:
    """A caller's work, recording what the loop asked of it."""

    def __init__(self, left: float) -> None:
        self.left = left
        self.throttled = 0
        self.pauses: list[int] = []
        self.renewed = 0

    def remaining(self) -> float:
        return self.left

    def note_throttle(self) -> None:
        self.throttled += 1

    def pause(self, retry: int) -> None:
        self.pauses.append(retry)

    def renew(self) -> None:
        self.renewed += 1


def answering(*failures: errors.CognitoError) -> tuple[Callable[..., Any], list[float]]:
    """A call failing with each of `failures` in turn, then answering "ok"; and the waits it was given."""
    waits: list[float] = []
    pending = list(failures)

    def call(*, max_wait: float) -> str:
        waits.append(max_wait)
        if pending:
            raise pending.pop(0)
        return "ok"

    return call, waits


def test_throttling_is_counted_paused_on_and_retried_with_the_lease_renewed():
    work = Work(left=30.0)
    call, waits = answering(errors.Throttled("slow down"), errors.Throttled("slow down"))

    assert retrying.call_with_retries(work, call) == "ok"
    assert (work.throttled, work.pauses, work.renewed, waits) == (2, [0, 1], 2, [30.0] * 3)


def test_endpoint_failures_are_retried_a_few_times_then_raised():
    work = Work(left=30.0)
    call, _ = answering(*[errors.Unavailable("down")] * (retrying.TRANSIENT_RETRIES + 1))

    with pytest.raises(errors.Unavailable):
        retrying.call_with_retries(work, call)
    assert work.pauses == list(range(retrying.TRANSIENT_RETRIES))


def test_with_a_deadline_a_limiter_queue_longer_than_the_time_left_is_out_of_time():
    call, _ = answering(errors.RateLimited("queue too long"))

    with pytest.raises(retrying.OutOfTime):
        retrying.call_with_retries(Work(left=30.0), call)
    with pytest.raises(retrying.OutOfTime):
        retrying.call_with_retries(Work(left=0.0), answering()[0])


def test_without_a_deadline_the_call_waits_its_turn_uncounted_at_most_the_cap_at_a_time():
    work = Work(left=math.inf)
    call, waits = answering(errors.RateLimited("queue too long"), errors.RateLimited("queue too long"))

    assert retrying.call_with_retries(work, call, wait_cap=60.0) == "ok"
    assert (work.throttled, work.pauses, waits) == (0, [0, 0], [60.0] * 3)
