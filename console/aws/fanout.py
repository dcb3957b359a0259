"""Asking many pools (or regions) at once, a few at a time.

A lookup asks every pool with a developer provider; against AWS each call is a network round
trip, so they run on a small thread pool (LOOKUP_WORKERS threads, so that one search cannot
use up the account's request quota). In local mode the embedded service answers in the
calling thread and uses the database: each worker thread closes its own database connections
after every task, or they would outlive the request.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.conf import settings
from django.db import connections

from console.aws.errors import CognitoError

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Outcome(Generic[T, R]):
    """What asking about `item` gave: a value, or the gateway error it failed with."""

    item: T
    value: R | None = None
    error: CognitoError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def fan_out(ask: Callable[[T], R], items: Iterable[T], workers: int | None = None) -> list[Outcome[T, R]]:
    """`ask(item)` for every item, at most `workers` at a time; outcomes in the items' order.

    Gateway errors become failed outcomes; anything else is a bug and propagates. With one
    item or one worker, everything runs in the calling thread.
    """
    items = list(items)
    workers = max(1, min(workers or settings.LOOKUP_WORKERS, len(items) or 1))
    if workers == 1:
        return [_ask(ask, item) for item in items]
    # Each task runs in a copy of the caller's context: the audit actor goes with it.
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lookup") as pool:
        futures = [pool.submit(context.copy().run, _ask_in_thread, ask, item) for item in items]
        return [future.result() for future in futures]


def _ask(ask: Callable[[T], R], item: T) -> Outcome[T, R]:
    try:
        return Outcome(item, value=ask(item))
    except CognitoError as exc:
        return Outcome(item, error=exc)


def _ask_in_thread(ask: Callable[[T], R], item: T) -> Outcome[T, R]:
    try:
        return _ask(ask, item)
    finally:
        connections.close_all()


def first_success(outcomes: Sequence[Outcome[T, R]]) -> Outcome[T, R] | None:
    return next((outcome for outcome in outcomes if outcome.ok), None)
