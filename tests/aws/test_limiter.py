"""The gateway's shared rate limiter: one Redis token bucket per endpoint, region and operation.

No test measures speed: they count tokens, compare waits the limiter hands out, and check
that processes together never get more calls than the bucket allows in any second (sleeping
never ends early, so being slow cannot make that check fail).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import botocore.session
import pytest
from django.conf import settings as django_settings
from django.core import checks
from django.urls import reverse

from console import quotarates
from console.aws import errors, limiter
from console.aws.pools import list_pools_page
from console.emulator import quotas

REGION = "us-east-1"

pytestmark = pytest.mark.django_db


@pytest.fixture
def limiter_on(settings, redis_db):
    """The limiter on, with the given rates (requests per second), on the tests' clean Redis."""
    limiter.reset()

    def turn_on(**rates: float) -> None:
        settings.COGNITO_RATE_LIMITER = True
        settings.COGNITO_RATE_LIMITS = rates

    yield turn_on
    limiter.reset()


def test_a_bucket_holds_a_seconds_worth_then_queues_callers_one_turn_apart(limiter_on):
    limiter_on(DeleteIdentities=5)

    waits = [limiter.take(REGION, "DeleteIdentities", max_wait=60) for _ in range(7)]

    assert waits[:5] == [0, 0, 0, 0, 0]
    assert 0 < waits[5] <= 0.2
    assert waits[6] > waits[5]  # the next caller's turn comes after the one reserved before it


def test_a_caller_that_may_not_wait_so_long_takes_nothing(limiter_on):
    limiter_on(MergeDeveloperIdentities=1)
    limiter.take(REGION, "MergeDeveloperIdentities", max_wait=0)

    with pytest.raises(errors.RateLimited) as refused:
        limiter.take(REGION, "MergeDeveloperIdentities", max_wait=0.1)

    assert refused.value.code == "ConsoleRateLimited"
    assert isinstance(refused.value, errors.Throttled)
    assert 0 < limiter.take(REGION, "MergeDeveloperIdentities", max_wait=5) <= 1  # nothing was reserved


def test_buckets_are_kept_per_region_and_operation(limiter_on):
    limiter_on(ListIdentities=1)
    limiter.take(REGION, "ListIdentities", max_wait=0)

    assert limiter.take("eu-west-1", "ListIdentities", max_wait=0) == 0
    assert limiter.take(REGION, "DescribeIdentity", max_wait=0) == 0


def test_every_gateway_call_waits_for_its_turn_and_a_page_says_when_it_could_not(
    limiter_on, settings, as_admin, redis_db
):
    limiter_on(ListIdentityPools=1)
    settings.COGNITO_RATE_LIMIT_WAIT = 0

    list_pools_page(REGION)
    html = as_admin.get(reverse("pools:list")).content.decode()

    assert redis_db.exists(limiter.bucket_key(REGION, "ListIdentityPools"))
    assert "ConsoleRateLimited" in html and "rate limit of 1 calls per second" in html


def test_the_limiter_off_asks_redis_nothing(settings, redis_db):
    settings.COGNITO_RATE_LIMITER = False

    list_pools_page(REGION)

    assert not redis_db.keys(f"{limiter.KEY_PREFIX}:*")


def test_pages_keep_working_when_redis_is_down_and_the_log_says_so(limiter_on, settings, as_admin, caplog):
    limiter_on()
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there

    first = as_admin.get(reverse("pools:list"))
    second = as_admin.get(reverse("pools:list"))

    assert first.status_code == second.status_code == 200
    assert "ConsoleRateLimited" not in first.content.decode()
    warnings = [record for record in caplog.records if "Rate limiter unavailable" in record.getMessage()]
    assert len(warnings) == 1  # once, not once per call


def test_the_defaults_are_the_references_published_and_assumed_rates(settings):
    settings.COGNITO_RATE_LIMITS = {}
    settings.EMULATOR_QUOTA_OVERRIDES = {}
    operations = botocore.session.get_session().get_service_model("cognito-identity").operation_names

    # The console paces every operation as the embedded service throttles it.
    assert {op: limiter.rate(op) for op in operations} == {op: quotas.rate(op) for op in operations}
    assert (limiter.rate("GetId"), limiter.rate("DeleteIdentities"), limiter.rate("UpdateIdentityPool")) == (
        25,
        10,
        10,
    )


def test_the_published_rates_follow_aws_current_quotas_page(settings):
    settings.COGNITO_RATE_LIMITS = {}

    # The reference's section 6: the December 2026 page, not the 2023 guide's 200 for developer tokens.
    assert quotarates.PUBLISHED_RATES["GetOpenIdTokenForDeveloperIdentity"] == 50
    assert {"ListIdentities", "DeleteIdentities"} <= set(quotarates.PUBLISHED_RATES)
    assert not {"ListIdentities", "DeleteIdentities"} & set(quotarates.ASSUMED_RATES)
    assert (limiter.rate("ListIdentities"), limiter.rate("DeleteIdentities")) == (5, 10)
    assert limiter.rate("GetOpenIdTokenForDeveloperIdentity") == 50


def test_a_setting_overrides_one_operations_rate(settings):
    settings.COGNITO_RATE_LIMITS = {"DeleteIdentities": 2.5}

    assert (limiter.rate("DeleteIdentities"), limiter.rate("GetId")) == (2.5, 25)


def test_a_misspelt_operation_in_the_settings_is_a_system_check_error(settings):
    settings.COGNITO_RATE_LIMITS = {"DeleteIdentity": 3}

    found = [message for message in checks.run_checks() if message.id == "aws.E001"]

    assert len(found) == 1 and "'DeleteIdentity'" in found[0].msg


_TAKER = """
import json, sys, time
import django
django.setup()
from console.aws import limiter
start = float(sys.argv[1])
print(json.dumps({"ready": time.time()}), flush=True)
time.sleep(max(0.0, start - time.time()))
for _ in range(6):
    limiter.acquire("us-east-1", "DeleteIdentities", max_wait=60)
    print(json.dumps({"granted": time.time()}), flush=True)
"""


def test_two_processes_together_stay_within_one_bucket(redis_db):
    rate = capacity = 4
    start = time.time() + 8
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="console.settings",
        REDIS_URL=django_settings.REDIS_URL,
        COGNITO_RATE_LIMITER="true",
        COGNITO_RATE_LIMITS=f"DeleteIdentities={rate}",
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _TAKER, str(start)],
            cwd=django_settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    reports = [
        [json.loads(line) for line in process.communicate(timeout=60)[0].splitlines()]
        for process in processes
    ]

    assert all(process.returncode == 0 for process in processes)
    assert all(report[0]["ready"] < start for report in reports), "a process was not ready in time"
    granted = sorted(entry["granted"] for report in reports for entry in report[1:])
    assert len(granted) == 12
    # In any one second: at most the bucket's capacity plus a second's refill (sharing one
    # bucket). Two separate buckets would have let all 12 through within half a second.
    busiest = max(sum(1 for moment in granted if first <= moment < first + 1) for first in granted)
    assert busiest <= capacity + rate
    assert granted[-1] - start >= (12 - capacity) / rate
