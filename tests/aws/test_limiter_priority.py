"""People before background work in the shared limiter: a page's call is served while a job
uses the whole quota, and a job alone takes every token (work-conserving, not a fixed share)."""

from __future__ import annotations

import threading
import time

import pytest

from console.aws import errors, limiter

REGION = "us-east-1"
OPERATION = "ListIdentities"

pytestmark = pytest.mark.django_db


@pytest.fixture
def limiter_at(settings, redis_db):
    limiter.reset()

    def turn_on(rate: float) -> None:
        settings.COGNITO_RATE_LIMITER = True
        settings.COGNITO_RATE_LIMITS = {OPERATION: rate}

    yield turn_on
    limiter.reset()


def _drain(count: int) -> None:
    for _ in range(count):
        assert limiter.try_take(REGION, OPERATION) == 0


def test_a_background_caller_takes_a_free_token_and_reserves_none_when_there_is_none(limiter_at):
    limiter_at(5)
    _drain(5)  # a second's worth

    due = limiter.try_take(REGION, OPERATION)
    again = limiter.try_take(REGION, OPERATION)

    assert 0 < due <= 0.2
    assert 0 < again <= due  # asking did not push the next turn back: nothing was reserved


def test_a_page_that_queues_goes_before_a_background_caller_already_waiting(limiter_at):
    limiter_at(5)
    _drain(5)
    background_due = limiter.try_take(REGION, OPERATION)

    page_wait = limiter.take(REGION, OPERATION, max_wait=5)  # the page reserves the next token
    time.sleep(background_due)

    # When the background caller comes back for "its" token, the page holds it: it waits one turn more.
    assert limiter.try_take(REGION, OPERATION) > 0
    assert page_wait <= background_due + 0.01


def test_a_job_alone_uses_the_whole_quota(limiter_at):
    limiter_at(20)
    _drain(20)
    started = time.monotonic()

    waits = [limiter.acquire(REGION, OPERATION, max_wait=5, background=True) for _ in range(10)]

    # Ten tokens at 20 a second come due over half a second: each call waited for its own, no
    # call was refused, and none waited for a share kept back for pages that were not there.
    assert all(wait > 0 for wait in waits)
    assert time.monotonic() - started < 3 * 10 / 20


def test_pages_are_served_first_while_a_job_keeps_the_bucket_busy(limiter_at):
    limiter_at(10)
    stop = threading.Event()
    job_calls = []

    def job() -> None:
        while not stop.is_set():
            limiter.acquire(REGION, OPERATION, max_wait=5, background=True)
            job_calls.append(time.monotonic())

    worker = threading.Thread(target=job)
    worker.start()
    try:
        while len(job_calls) < 12:  # the burst is gone: the job now takes each token as it comes
            time.sleep(0.01)
        page_waits = [limiter.acquire(REGION, OPERATION, max_wait=5) for _ in range(3)]
    finally:
        stop.set()
        worker.join()

    # Each page waited for at most the next token or two (one turn is 0.1 s), not behind the job.
    assert all(wait <= 0.25 for wait in page_waits)
    assert len(job_calls) >= 12


def test_a_background_caller_that_may_not_wait_so_long_is_refused_and_takes_nothing(limiter_at):
    limiter_at(1)
    _drain(1)

    with pytest.raises(errors.RateLimited):
        limiter.acquire(REGION, OPERATION, max_wait=0.1, background=True)

    assert 0 < limiter.try_take(REGION, OPERATION) <= 1


def test_the_limiter_off_lets_background_calls_through(settings, redis_db):
    settings.COGNITO_RATE_LIMITER = False

    assert [limiter.try_take(REGION, OPERATION) for _ in range(50)] == [0] * 50
