"""Unlinking a developer user id from an identity: support and admin, with a reason, audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.audit.models import AuditEvent
from tests.cognito import DEVELOPER, GOOGLE, aws_error, id_token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]


def url(identity_id: str) -> str:
    return reverse("identities:unlink_developer_user", args=[identity_id])


def developer_users(cognito, pool_id: str, identity_id: str) -> list[str]:
    answer = cognito.lookup_developer_identity(IdentityPoolId=pool_id, IdentityId=identity_id, MaxResults=60)
    return answer["DeveloperUserIdentifierList"]


def test_the_page_says_what_happens_and_asks_for_a_reason(as_support, pool_id, developer_user):
    identity = developer_user(pool_id, "customer-1")

    response = as_support.get(url(identity), {"pool": pool_id, "user": "customer-1"})

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Developer user <code>customer-1</code> ({DEVELOPER}) will be unlinked from this identity" in html
    assert "This is the identity's last login" in html
    assert 'name="reason"' in html


def test_support_unlinks_with_a_reason_and_the_event_keeps_it(
    as_support, support, cognito, pool_id, developer_user
):
    identity = developer_user(pool_id, "customer-1")
    cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, IdentityId=identity, Logins={DEVELOPER: "customer-1", GOOGLE: id_token("ada")}
    )

    response = as_support.post(
        url(identity), {"pool": pool_id, "user": "customer-1", "reason": "Ticket 12345"}
    )

    assert response.status_code == 302
    assert (
        response["Location"]
        == f"{reverse('identities:detail', args=[identity])}?pool={pool_id.replace(':', '%3A')}"
    )
    assert developer_users(cognito, pool_id, identity) == []
    event = AuditEvent.objects.get(operation="UnlinkDeveloperIdentity")
    assert (event.actor, event.outcome, event.reason, event.identity_id) == (
        support.username,
        "success",
        "Ticket 12345",
        identity,
    )
    assert event.request["DeveloperUserIdentifier"] == "customer-1"
    page = as_support.get(response["Location"]).content.decode()
    assert "is no longer linked to this identity" in page
    assert "Ticket 12345" in page


def test_without_a_reason_nothing_changes(as_support, cognito, pool_id, developer_user):
    identity = developer_user(pool_id, "customer-1")

    response = as_support.post(url(identity), {"pool": pool_id, "user": "customer-1", "reason": ""})

    assert response.status_code == 200
    assert "Say why" in response.content.decode()
    assert developer_users(cognito, pool_id, identity) == ["customer-1"]
    assert not AuditEvent.objects.filter(operation="UnlinkDeveloperIdentity").exists()


def test_a_user_not_linked_to_the_identity_shows_the_services_refusal(as_support, pool_id, developer_user):
    identity = developer_user(pool_id, "customer-1")

    response = as_support.post(url(identity), {"pool": pool_id, "user": "somebody-else", "reason": "typo"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "ResourceConflictException" in html
    assert AuditEvent.objects.get(operation="UnlinkDeveloperIdentity").outcome == "error"


def test_the_last_login_gone_the_identity_cannot_sign_in(as_admin, cognito, pool_id, developer_user):
    identity = developer_user(pool_id, "customer-1")

    as_admin.post(url(identity), {"pool": pool_id, "user": "customer-1", "reason": "account closed"})

    code, _ = aws_error(cognito.get_credentials_for_identity, IdentityId=identity)
    assert code == "NotAuthorizedException"


def test_viewers_may_not_unlink(as_viewer, cognito, pool_id, developer_user):
    identity = developer_user(pool_id, "customer-1")

    assert as_viewer.get(url(identity), {"pool": pool_id, "user": "customer-1"}).status_code == 403
    assert (
        as_viewer.post(url(identity), {"pool": pool_id, "user": "customer-1", "reason": "x"}).status_code
        == 403
    )
    assert developer_users(cognito, pool_id, identity) == ["customer-1"]


def test_the_pool_must_be_the_identitys(as_support, make_pool, developer_user):
    pool_id = make_pool("first")
    other = make_pool("second")
    identity = developer_user(pool_id, "customer-1")

    assert as_support.get(url(identity), {"pool": other, "user": "customer-1"}).status_code == 404
    assert as_support.get(url(identity), {"user": "customer-1"}).status_code == 404
