"""The cache (issue 19, item 12): in Redis and shared by every process, failing open without it."""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.urls import reverse

from console import cache as cache_module
from console.aws import catalog, limiter
from tests.cognito import DEVELOPER
from tests.test_healthz import closed_port

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent

# A second console process: Django set up from the environment, its own (empty) database, the
# tests' Redis. It prints the catalog's pools; a miss would have to ask Cognito, whose tables
# its database does not have, and fail.
_SECOND_PROCESS = """
import django, json
django.setup()
from console.aws.catalog import catalog
print(json.dumps([pool.pool_id for pool in catalog().pools]))
"""


def test_the_catalog_built_by_one_process_is_read_by_another(make_pool, tmp_path, settings):
    settings.LOOKUP_WORKERS = 1  # the test's rows are not committed: ask in this thread
    developer_pools = {make_pool("first"), make_pool("second")}
    assert {pool.pool_id for pool in catalog.catalog().pools} >= developer_pools

    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "console.settings",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'other.sqlite3'}",
        "REDIS_URL": django_settings.REDIS_URL,
        "COGNITO_ENDPOINT": django_settings.COGNITO_ENDPOINT,
        "AWS_REGIONS": ",".join(django_settings.AWS_REGIONS),
    }
    answer = subprocess.run(
        [sys.executable, "-c", _SECOND_PROCESS],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    assert set(json.loads(answer.stdout.strip().splitlines()[-1])) >= developer_pools


def test_entries_are_in_the_tests_redis_database(redis_db):
    cache.set("probe", {"a": 1}, 60)

    keys = [key.decode() for key in redis_db.keys("console:cache:*")]
    assert keys == ["console:cache:1:probe"]
    assert json.loads(redis_db.get(keys[0])) == {"a": 1}


def test_clearing_the_cache_keeps_the_job_queue_and_the_limiters_buckets(redis_db):
    redis_db.lpush("celery", "a message")
    cache.set("probe", "value", 60)

    cache.clear()

    assert cache.get("probe") is None
    assert redis_db.llen("celery") == 1


def test_a_pickle_planted_in_redis_is_never_unpickled(redis_db):
    class Boom:
        def __reduce__(self):
            return (os.system, ("exit 1",))

    redis_db.set("console:cache:1:probe", pickle.dumps(Boom()))

    assert cache.get("probe", "missed") == "missed"


@pytest.fixture
def redis_down(settings):
    """The cache and the limiter pointed at a port nothing listens on."""
    dead = f"redis://127.0.0.1:{closed_port()}/0"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": dead}}
    settings.REDIS_URL = dead
    settings.COGNITO_RATE_LIMITER = True
    cache_module.reset()
    limiter.reset()
    yield
    cache_module.reset()
    limiter.reset()


def test_without_redis_reads_miss_writes_drop_and_one_warning_is_logged(redis_down, caplog):
    from django.core.cache import cache as down

    with caplog.at_level(logging.WARNING, logger="console.cache"):
        down.set("probe", "value", 60)
        assert down.get("probe", "missed") == "missed"
        assert down.add("probe", "value") is True
        down.delete("probe")

    warnings = [record for record in caplog.records if record.name == "console.cache"]
    assert len(warnings) == 1
    assert "Cache unavailable" in warnings[0].getMessage()


def test_without_redis_the_identity_page_and_the_lookup_still_work(
    redis_down, as_support, cognito, make_pool
):
    pool_id = make_pool("still-works")
    identity = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER: "customer-42"}
    )["IdentityId"]

    page = as_support.get(reverse("identities:detail", args=[identity]))
    search = as_support.get(reverse("identities:lookup"), {"q": "customer-42", "refresh": "1"})

    assert page.status_code == 200
    assert pool_id in page.content.decode()
    assert search.status_code == 302
    assert identity in search["Location"]
