"""Shared fixtures: the cast of users, a clean Redis database, the region, and the embedded
Cognito service reached through real boto3 clients (helpers for them: tests/cognito.py)."""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connections
from django.test import Client
from django.test.signals import clear_cache_handlers

from console import cache as cache_module
from console.aws import limiter
from console.aws.clients import build_client, get_client, reset_clients
from console.localrun.redis import answers, local_redis_url, socket_url, start_embedded
from console.redisconn import get_redis
from tests.cognito import full_pool_settings, in_process_client
from tests.secrets_scan import no_secret_logs  # noqa: F401 - a fixture for every test module

PASSWORD = "correct-horse-battery-staple"


def _test_redis_url(url: str, db: str) -> str:
    # Tests get their own database number on the same server, cleared before use.
    parts = urlsplit(url)
    if parts.scheme in ("redis", "rediss"):
        return urlunsplit(parts._replace(path=f"/{db}"))
    # A socket URL (redis+socket:///path): Celery's way of naming the database.
    address, _, query = url.partition("?")
    return f"{address}?{query}&virtual_host={db}" if query else f"{address}?virtual_host={db}"


def _redis_server_for_tests() -> str:
    """REDIS_URL when set (CI); else the local Redis if it answers; else an embedded one.

    The embedded server is the one `make run` starts (console/localrun/redis.py), on a
    socket in a fresh temporary folder, stopped when the test session ends.
    """
    if os.environ.get("REDIS_URL"):
        return settings.REDIS_URL
    local = local_redis_url()
    if answers(local):
        return local
    folder = Path(tempfile.mkdtemp(prefix="console-test-redis-"))
    process = start_embedded(folder / "redis.sock")
    atexit.register(_stop, process, folder)
    url = socket_url(folder / "redis.sock")
    # Processes the tests start (a Celery worker, the emulator) find it the same way.
    os.environ["REDIS_URL"] = url
    return url


def _stop(process: subprocess.Popen[bytes], folder: Path) -> None:
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(folder, ignore_errors=True)


settings.REDIS_URL = _test_redis_url(_redis_server_for_tests(), os.environ.get("TEST_REDIS_DB", "15"))
settings.CELERY_BROKER_URL = settings.REDIS_URL
# The cache lives in the same test database (console/cache.py); the cache handler is rebuilt so
# that no connection to the configured Redis database survives.
settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": settings.REDIS_URL}}
clear_cache_handlers(setting="CACHES")
# Threads that serve requests in this process (pytest-django's live server, one thread per
# kept-alive browser connection) close their database connection when each request ends,
# instead of keeping it for DB_CONN_MAX_AGE: a kept one outlived the tests and stopped
# PostgreSQL from dropping the test database (tests/test_live_server_connections.py).
for _alias in connections:
    connections.settings[_alias]["CONN_MAX_AGE"] = 0
# Tests create many users; the production hasher would spend a quarter second on each.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def redis_db():
    """The tests' own Redis database, empty at the start of the test."""
    client = get_redis()
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(autouse=True)
def _empty_cache():
    # The cache is in Redis, so it outlives a test (and a test session): every test starts
    # without another's catalog or pool answers. Only the cache's keys go (console/cache.py).
    cache_module.reset()
    cache.clear()
    yield
    cache_module.reset()


@pytest.fixture(autouse=True)
def _fresh_gateway_clients():
    # A test may change COGNITO_ENDPOINT; never reuse a client built for another one.
    reset_clients()
    yield
    reset_clients()


def _make_user(django_user_model, username: str, role: str | None):
    user = django_user_model.objects.create_user(username=username, password=PASSWORD)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def admin(django_user_model):
    return _make_user(django_user_model, "alice-admin", "admin")


@pytest.fixture
def support(django_user_model):
    return _make_user(django_user_model, "sam-support", "support")


@pytest.fixture
def viewer(django_user_model):
    return _make_user(django_user_model, "vic-viewer", "viewer")


@pytest.fixture
def norole(django_user_model):
    return _make_user(django_user_model, "nora-norole", None)


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_admin(admin) -> Client:
    return _client_for(admin)


@pytest.fixture
def as_support(support) -> Client:
    return _client_for(support)


@pytest.fixture
def as_viewer(viewer) -> Client:
    return _client_for(viewer)


@pytest.fixture
def region() -> str:
    return settings.AWS_REGIONS[0]


@pytest.fixture
def cognito(region) -> Any:
    """A boto3 client for the first region, answered in-process by the embedded service."""
    return build_client(region, "local")


@pytest.fixture
def cognito_in() -> Callable[[str], Any]:
    """Clients for other regions."""
    return lambda region: build_client(region, "local")


@pytest.fixture
def cognito_no_retry(region) -> Any:
    """Like `cognito` but one attempt: botocore retries LimitExceededException and throttling."""
    return in_process_client(region)


@pytest.fixture
def make_pool(cognito) -> Callable[..., str]:
    """Create a pool (named `name`, every kind of provider configured unless overridden); its id."""

    def make(name: str = "everything", **overrides: Any) -> str:
        return cognito.create_identity_pool(**full_pool_settings(IdentityPoolName=name, **overrides))[
            "IdentityPoolId"
        ]

    return make


@pytest.fixture
def pool_id(make_pool) -> str:
    return make_pool()


@pytest.fixture
def calls(monkeypatch) -> Counter[str]:
    """Cognito operations called from now on, by name, from any client and any thread (every
    call takes its turn in the limiter, even with the limiter off)."""
    seen: Counter[str] = Counter()
    lock = threading.Lock()
    real = limiter.acquire

    def counting(region, op_name, *args, **kwargs):
        with lock:
            seen[op_name] += 1
        return real(region, op_name, *args, **kwargs)

    monkeypatch.setattr(limiter, "acquire", counting)
    return seen


@pytest.fixture
def client_calls(region) -> Iterator[Counter[str]]:
    """How many calls of each operation the console's own client for the region makes (botocore's
    events): the pages' calls, apart from the jobs' client."""
    counted: Counter[str] = Counter()

    def count(model, **kwargs) -> None:
        counted[model.name] += 1

    client = get_client(region)
    client.meta.events.register("before-call.cognito-identity", count)
    yield counted
    client.meta.events.unregister("before-call.cognito-identity", count)
