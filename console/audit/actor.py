"""Who is acting right now: the signed-in user of a web request, a job, or "system".

The middleware puts the current request in a context variable; Celery tasks and
management commands say who they act for with `audit_actor(...)`. Anything else
(a shell, a test) is recorded as "system".
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

SYSTEM = "system"
ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Actor:
    """The name recorded on an event, the user row when there is one, and the source IP.

    A job's chunks act as "jobs:<id>" with `job_id` and `pool_id` set: every event they record
    names its job and its pool (a DeleteIdentities call has no pool parameter to take it from).
    """

    name: str
    user_id: int | None = None
    ip: str | None = None
    job_id: int | None = None
    pool_id: str = ""


# Either an Actor set by audit_actor(), or the request being served: the request is
# resolved only when an event is recorded, so pages that record nothing pay nothing.
_current: ContextVar[Actor | HttpRequest | None] = ContextVar("audit_actor", default=None)


def current_actor() -> Actor:
    """The actor events recorded now are attributed to."""
    value = _current.get()
    if isinstance(value, Actor):
        return value
    if isinstance(value, HttpRequest):
        return actor_from_request(value)
    return Actor(SYSTEM)


def actor_from_request(request: HttpRequest, user: Any = None) -> Actor:
    """The request's user (or `user`, e.g. the one signing in) and client IP."""
    user = user if user is not None else getattr(request, "user", None)
    ip = client_ip(request)
    if user is not None and user.is_authenticated:
        return Actor(user.get_username(), user.pk, ip)
    return Actor(ANONYMOUS, None, ip)


@contextmanager
def audit_actor(
    name: str, *, user: Any = None, ip: str | None = None, job_id: int | None = None, pool_id: str = ""
) -> Iterator[Actor]:
    """Attribute the events recorded inside the block to `name` (e.g. "jobs:42"); a job's
    chunks also give its id and pool, recorded on every event they make."""
    actor = Actor(name, getattr(user, "pk", None), ip, job_id, pool_id)
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For hop our own proxies added.

    With TRUSTED_PROXY_COUNT = n > 0, each of our n proxies appended the address it saw,
    so the client is the n-th entry from the right. Entries to its left came from the
    client and can say anything, so they are never used.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    return _valid_ip(hops[-proxies]) or remote


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


class AuditActorMiddleware:
    """Makes the request's user and IP the actor of events recorded while serving it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current.set(request)
        try:
            return self.get_response(request)
        finally:
            _current.reset(token)
