"""Asking several pools at once: order kept, gateway errors captured, a few threads, actor carried."""

from __future__ import annotations

import threading

import pytest
from django.urls import reverse

from console.audit.actor import audit_actor, current_actor
from console.aws.errors import NotFound
from console.aws.fanout import fan_out
from tests.cognito import full_pool_settings


def test_outcomes_come_in_the_order_of_the_items(settings):
    outcomes = fan_out(lambda number: number * 2, range(20), workers=4)

    assert [outcome.value for outcome in outcomes] == [number * 2 for number in range(20)]


def test_gateway_errors_are_outcomes_other_errors_propagate():
    def ask(number: int) -> int:
        if number == 1:
            raise NotFound("gone")
        return number

    outcomes = fan_out(ask, [0, 1, 2], workers=3)

    assert [outcome.ok for outcome in outcomes] == [True, False, True]
    assert outcomes[1].error.code == "ResourceNotFoundException"
    with pytest.raises(ZeroDivisionError):
        fan_out(lambda number: 1 / number, [1, 0], workers=2)


def test_at_most_the_configured_number_of_threads_run_and_each_knows_the_actor():
    running, most = [0], [0]
    lock = threading.Lock()
    release = threading.Event()

    def ask(_: int) -> str:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(0.05)
        with lock:
            running[0] -= 1
        return f"{current_actor().name} on {threading.current_thread().name}"

    with audit_actor("sam-support"):
        outcomes = fan_out(ask, range(12), workers=3)

    assert most[0] <= 3
    assert all(outcome.value.startswith("sam-support on lookup") for outcome in outcomes)


def test_one_worker_runs_in_the_calling_thread():
    outcomes = fan_out(lambda _: threading.current_thread().name, range(3), workers=1)

    assert {outcome.value for outcome in outcomes} == {threading.current_thread().name}


@pytest.mark.django_db(transaction=True)
def test_a_lookup_across_regions_on_worker_threads_finds_every_match(settings, as_support, cognito_in):
    # Committed rows: the worker threads use database connections of their own.
    settings.LOOKUP_WORKERS = 4
    settings.AWS_REGIONS = ["us-east-1", "eu-west-1"]
    found = []
    for region in settings.AWS_REGIONS:
        client = cognito_in(region)
        for name in ("a", "b"):
            pool = client.create_identity_pool(**full_pool_settings(IdentityPoolName=f"{name} {region}"))
            found.append(
                client.get_open_id_token_for_developer_identity(
                    IdentityPoolId=pool["IdentityPoolId"], Logins={"login.example.app": "customer-1"}
                )["IdentityId"]
            )

    html = as_support.get(reverse("identities:lookup"), {"q": "customer-1"}).content.decode()

    assert "4 identities with developer user" in html
    for identity in found:
        assert identity in html
