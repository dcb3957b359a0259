"""Deleting one identity: admins, password again, typed confirmation, reason, audited."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from console.audit.models import AuditEvent
from console.identities.views.actions import DELETE_ONE
from console.safeguards.reauth import PASSWORD_AT
from tests.cognito import aws_error

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]


def url(identity_id: str) -> str:
    return reverse("identities:delete", args=[identity_id])


def test_the_page_says_what_is_deleted_and_what_to_type(as_admin, pool_id, developer_user):
    identity = developer_user(pool_id, "customer-1")

    html = as_admin.get(url(identity), {"pool": pool_id}).content.decode()

    assert f"Identity {identity} of pool “everything” will be deleted with its logins" in html
    assert f'<code class="expected">{DELETE_ONE}</code>' in html


def test_an_admin_deletes_it_with_the_confirmation_and_a_reason(
    as_admin, admin, cognito, pool_id, developer_user
):
    identity = developer_user(pool_id, "customer-1")

    response = as_admin.post(
        url(identity), {"pool": pool_id, "confirmation": DELETE_ONE, "reason": "GDPR request 4"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("identities:browser", args=[pool_id])
    assert aws_error(cognito.describe_identity, IdentityId=identity)[0] == "ResourceNotFoundException"
    event = AuditEvent.objects.get(operation="DeleteIdentities")
    assert (event.actor, event.outcome, event.reason, event.identity_id) == (
        admin.username,
        "success",
        "GDPR request 4",
        identity,
    )
    assert event.before == {"IdentityId": identity, "Logins": ["login.example.app"]}
    assert f"Identity {identity} was deleted." in as_admin.get(response["Location"]).content.decode()


def test_a_wrong_confirmation_deletes_nothing(as_admin, cognito, pool_id, guests):
    [identity] = guests(pool_id, 1)

    response = as_admin.post(
        url(identity), {"pool": pool_id, "confirmation": "delete 1 identity", "reason": "x"}
    )

    assert response.status_code == 200
    assert "That does not match" in response.content.decode()
    assert cognito.describe_identity(IdentityId=identity)["IdentityId"] == identity
    assert not AuditEvent.objects.filter(operation="DeleteIdentities").exists()


def test_the_password_is_asked_first_when_it_is_old(as_admin, pool_id, guests):
    [identity] = guests(pool_id, 1)
    session = as_admin.session
    session[PASSWORD_AT] = time.time() - 3600
    session.save()

    page = as_admin.get(url(identity), {"pool": pool_id})
    post = as_admin.post(url(identity), {"pool": pool_id, "confirmation": DELETE_ONE, "reason": "x"})

    for response in (page, post):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("reauth"))
    assert not AuditEvent.objects.filter(operation="DeleteIdentities").exists()


@pytest.mark.parametrize("role", ["as_support", "as_viewer"])
def test_only_admins_may_delete(request, cognito, pool_id, guests, role):
    client = request.getfixturevalue(role)
    [identity] = guests(pool_id, 1)

    assert client.get(url(identity), {"pool": pool_id}).status_code == 403
    assert (
        client.post(url(identity), {"pool": pool_id, "confirmation": DELETE_ONE, "reason": "x"}).status_code
        == 403
    )
    assert cognito.describe_identity(IdentityId=identity)["IdentityId"] == identity


def test_an_identity_already_gone_is_404(as_admin, pool_id):
    assert (
        as_admin.get(url("us-east-1:0a1b2c3d-0000-4000-8000-000000000009"), {"pool": pool_id}).status_code
        == 404
    )
