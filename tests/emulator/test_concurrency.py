"""Concurrent callers: one login never ends up on two identities.

These need a database with real row locks and concurrent transactions (PostgreSQL,
as in CI); SQLite's in-memory test database serialises writers differently.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from console.aws.clients import build_client
from console.emulator.models import Identity, IdentityLogin
from tests.cognito import DEVELOPER, FACEBOOK, REGION, full_pool_settings

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent transactions (PostgreSQL)"
    ),
]

CALLERS = 6


def race(call: Callable[[Any], str]) -> list[str]:
    """Run `call(client)` in CALLERS threads released at the same moment."""
    barrier = threading.Barrier(CALLERS)
    results: list[str] = []
    failures: list[BaseException] = []

    def run() -> None:
        client = build_client(REGION, "local")
        try:
            barrier.wait()
            results.append(call(client))
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    return results


def test_racing_get_id_calls_for_one_new_login_agree_on_one_identity():
    cognito = build_client(REGION, "local")
    pool_id = cognito.create_identity_pool(**full_pool_settings())["IdentityPoolId"]
    results = race(
        lambda client: client.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "racer"})["IdentityId"]
    )
    assert len(set(results)) == 1
    assert IdentityLogin.objects.filter(provider=FACEBOOK, subject="racer").count() == 1
    assert Identity.objects.count() == 1


def test_racing_developer_registrations_agree_on_one_identity():
    cognito = build_client(REGION, "local")
    pool_id = cognito.create_identity_pool(**full_pool_settings())["IdentityPoolId"]

    def register(client: Any) -> str:
        answer = client.get_open_id_token_for_developer_identity(
            IdentityPoolId=pool_id, Logins={DEVELOPER: "u-1"}
        )
        return answer["IdentityId"]

    results = race(register)
    assert len(set(results)) == 1
    assert Identity.objects.count() == 1
