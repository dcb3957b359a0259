"""Who an event is attributed to: the request's user and address, a job, or "system"."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from console.audit.actor import Actor, AuditActorMiddleware, audit_actor, client_ip, current_actor

pytestmark = pytest.mark.django_db


def _request(remote: str = "10.0.0.2", forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(_request("10.0.0.2", "6.6.6.6")) == "10.0.0.2"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "192.0.2.10", "192.0.2.10"),
        # What the client wrote itself is to the left of what our proxy added.
        (1, "6.6.6.6, 192.0.2.10", "192.0.2.10"),
        (2, "6.6.6.6, 192.0.2.10, 10.0.0.9", "192.0.2.10"),
        (1, "2001:db8::1", "2001:db8::1"),
        # Fewer hops than proxies, or a hop that is no address: fall back to the peer.
        (2, "192.0.2.10", "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, "6.6.6.6, not-an-ip", "10.0.0.2"),
    ],
)
def test_behind_trusted_proxies_the_address_they_saw_is_used(settings, proxies, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = proxies

    assert client_ip(_request("10.0.0.2", forwarded)) == expected


def test_outside_any_request_or_block_the_actor_is_system():
    assert current_actor() == Actor("system")


def test_a_block_names_the_actor_and_the_previous_one_comes_back(admin):
    with audit_actor("jobs:1", user=admin, ip="192.0.2.1"):
        with audit_actor("jobs:2"):
            assert current_actor() == Actor("jobs:2")
        assert current_actor() == Actor("jobs:1", admin.pk, "192.0.2.1")

    assert current_actor() == Actor("system")


def test_during_a_request_the_signed_in_user_and_address_are_the_actor(admin):
    request = _request("198.51.100.4")
    request.user = admin
    seen = []

    AuditActorMiddleware(lambda request: seen.append(current_actor()))(request)

    assert seen == [Actor(admin.username, admin.pk, "198.51.100.4")]
    assert current_actor() == Actor("system")


def test_an_anonymous_request_is_attributed_to_anonymous():
    request = _request("198.51.100.4")
    request.user = AnonymousUser()
    seen = []

    AuditActorMiddleware(lambda request: seen.append(current_actor()))(request)

    assert seen == [Actor("anonymous", None, "198.51.100.4")]
