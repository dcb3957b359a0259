"""Simulated request-rate quotas (EMULATOR_QUOTAS): TooManyRequestsException, as AWS throttles.

No test measures time: rates are low (1/s or 5/s) and the assertions count answers, so
they hold however slow the machine is, within a generous second or more.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import botocore
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from django.core import checks
from django.db import connections

from console.emulator import quotas
from console.emulator.models import QuotaBucket
from tests.cognito import REGION
from tests.cognito import in_process_client as client

from .http_fixtures import running_emulator


@pytest.fixture
def quotas_on(settings) -> Callable[..., None]:
    """Turn quotas on, with the given per-operation overrides."""

    def turn_on(**overrides: float) -> None:
        settings.EMULATOR_QUOTAS = True
        settings.EMULATOR_QUOTA_OVERRIDES = overrides

    return turn_on


def new_pool(region: str = REGION) -> str:
    # Created with quotas off, so setting up costs no tokens.
    return client(region=region).create_identity_pool(
        IdentityPoolName="quota", AllowUnauthenticatedIdentities=True
    )["IdentityPoolId"]


def burst(call: Callable[[], Any], count: int) -> tuple[int, list[ClientError]]:
    """Make `count` calls as fast as they go: (how many succeeded, the errors)."""
    succeeded, failures = 0, []
    for _ in range(count):
        try:
            call()
        except ClientError as error:
            failures.append(error)
        else:
            succeeded += 1
    return succeeded, failures


@pytest.mark.django_db
def test_a_burst_over_the_rate_is_throttled_with_rate_exceeded(quotas_on):
    pool_id = new_pool()
    quotas_on(GetId=5)
    guest = client()

    succeeded, failures = burst(lambda: guest.get_id(IdentityPoolId=pool_id), 20)

    # One second's worth (5) passes, then the bucket refills at 5 per second.
    assert 5 <= succeeded < 20
    error = failures[0].response
    assert (error["Error"]["Code"], error["Error"]["Message"]) == (
        "TooManyRequestsException",
        "Rate exceeded",
    )
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert {failure.response["Error"]["Code"] for failure in failures} == {"TooManyRequestsException"}


@pytest.mark.django_db
def test_get_id_allows_a_burst_of_its_published_rate_of_25(quotas_on):
    pool_id = new_pool()
    quotas_on()
    guest = client()

    succeeded, failures = burst(lambda: guest.get_id(IdentityPoolId=pool_id), 25)

    assert (succeeded, failures) == (25, [])


@pytest.mark.django_db
def test_boto3_standard_retries_get_a_modest_burst_through(quotas_on):
    pool_id = new_pool()
    quotas_on()
    # botocore retries TooManyRequestsException (a throttling code) with backoff.
    guest = client(retries={"mode": "standard"})

    succeeded, failures = burst(lambda: guest.get_id(IdentityPoolId=pool_id), 40)

    assert (succeeded, failures) == (40, [])


@pytest.mark.django_db
def test_with_quotas_off_nothing_is_throttled_and_no_bucket_is_kept(settings):
    settings.EMULATOR_QUOTAS = False
    settings.EMULATOR_QUOTA_OVERRIDES = {"GetId": 1}
    pool_id = new_pool()
    guest = client()

    succeeded, failures = burst(lambda: guest.get_id(IdentityPoolId=pool_id), 30)

    assert (succeeded, failures) == (30, [])
    assert not QuotaBucket.objects.exists()


@pytest.mark.django_db
def test_an_override_changes_only_its_operations_rate(quotas_on):
    pool_id = new_pool()
    quotas_on(GetId=1)
    caller = client()

    get_ids, _ = burst(lambda: caller.get_id(IdentityPoolId=pool_id), 5)
    describes, failures = burst(lambda: caller.describe_identity_pool(IdentityPoolId=pool_id), 5)

    assert 1 <= get_ids < 5
    # DescribeIdentityPool keeps its own bucket at the default 10 per second.
    assert (describes, failures) == (5, [])


@pytest.mark.django_db
def test_quotas_are_counted_per_region(quotas_on):
    here, there = new_pool(), new_pool("eu-west-1")
    quotas_on(GetId=1)
    guest_here, guest_there = client(), client(region="eu-west-1")
    burst(lambda: guest_here.get_id(IdentityPoolId=here), 5)

    assert guest_there.get_id(IdentityPoolId=there)["IdentityId"].startswith("eu-west-1:")


@pytest.mark.django_db
@pytest.mark.parametrize("made_up", ["xx-nowhere-1", "us-moon-9", "eu-aaaaaaaaaaaaaaaaaaaaaaaaaa-7"])
def test_a_signed_call_for_a_region_botocore_does_not_know_is_refused_without_a_bucket(quotas_on, made_up):
    quotas_on()

    with pytest.raises(ClientError) as caught:
        client(region=made_up).list_identity_pools(MaxResults=10)

    error = caught.value.response["Error"]
    assert (error["Code"], error["Message"]) == (
        "InvalidSignatureException",
        "Credential should be scoped to a valid region. ",
    )
    # Made-up names cannot grow the table: no row for them.
    assert not QuotaBucket.objects.filter(region=made_up).exists()


@pytest.mark.django_db
def test_an_unsigned_call_naming_an_id_of_an_unknown_region_is_refused_without_a_bucket(quotas_on):
    quotas_on()
    guest = client(key=None, secret=None)

    with pytest.raises(ClientError) as caught:
        guest.get_id(IdentityPoolId="zz-fake-9:00000000-0000-4000-8000-000000000000")

    assert caught.value.response["Error"]["Code"] == "InvalidParameterException"
    assert not QuotaBucket.objects.filter(region="zz-fake-9").exists()


@pytest.mark.django_db
def test_every_real_region_and_the_configured_ones_still_get_their_bucket(quotas_on, settings):
    settings.AWS_REGIONS = ["us-east-1", "xx-lab-1"]
    quotas_on()

    for region in ("eu-central-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1", "xx-lab-1"):
        assert client(region=region).list_identity_pools(MaxResults=10)["IdentityPools"] == []

    assert {"eu-central-1", "xx-lab-1"} <= set(QuotaBucket.objects.values_list("region", flat=True))


@pytest.mark.django_db(transaction=True)
def test_threads_with_their_own_clients_share_one_bucket(quotas_on):
    pool_id = new_pool()
    quotas_on(GetId=1)
    callers = 6
    barrier = threading.Barrier(callers)
    answers: list[str] = []

    def call_once() -> None:
        guest = client()
        try:
            barrier.wait()
            guest.get_id(IdentityPoolId=pool_id)
            answers.append("ok")
        except ClientError as error:
            answers.append(error.response["Error"]["Code"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call_once) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # A bucket per thread or per client would have let all six through.
    assert answers.count("ok") >= 1
    assert "TooManyRequestsException" in answers
    assert set(answers) == {"ok", "TooManyRequestsException"}


def test_the_default_rates_are_aws_published_ones_where_there_are_any(settings):
    settings.EMULATOR_QUOTA_OVERRIDES = {"ListIdentities": 20}

    assert [quotas.rate(name) for name in ("GetId", "GetCredentialsForIdentity", "TagResource")] == [
        25,
        200,
        5,
    ]
    assert quotas.rate("ListTagsForResource") == 10
    assert quotas.rate("DescribeIdentity") == 5
    assert quotas.rate("CreateIdentityPool") == 10
    assert quotas.rate("ListIdentities") == 20


def test_a_misspelt_operation_in_the_overrides_is_a_system_check_error(settings):
    settings.EMULATOR_QUOTA_OVERRIDES = {"GetID": 50, "GetId": 50}

    found = quotas.check_overrides()

    assert [message.id for message in found] == ["emulator.E001"]
    assert "'GetID'" in found[0].msg
    assert isinstance(found[0], checks.Error)


# --- across processes: `manage.py emulator` draws from the same buckets -------------------------


@pytest.fixture(scope="module")
def throttling_server(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[str]:
    env = {"EMULATOR_QUOTAS": "1", "EMULATOR_QUOTA_OVERRIDES": "GetId=1"}
    with running_emulator(django_db_blocker, tmp_path_factory.mktemp("throttling"), env) as url:
        yield url


def test_the_http_server_and_this_process_share_the_bucket(throttling_server, transactional_db, quotas_on):
    pool_id = new_pool()
    quotas_on(GetId=1)
    over_http = boto3.session.Session().client(
        "cognito-identity",
        region_name=REGION,
        endpoint_url=throttling_server,
        config=Config(
            signature_version=botocore.UNSIGNED, retries={"mode": "standard", "total_max_attempts": 1}
        ),
    )

    assert client().get_id(IdentityPoolId=pool_id)["IdentityId"]
    succeeded, failures = burst(lambda: over_http.get_id(IdentityPoolId=pool_id), 3)

    # This process took the second's one token; the server finds the bucket empty.
    assert succeeded < 3
    assert failures[0].response["Error"]["Code"] == "TooManyRequestsException"
