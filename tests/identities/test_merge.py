"""Merging another developer user into an identity: admins, password again, typed confirmation, reason."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from console.audit.models import AuditEvent, AuditEventIdentity
from console.safeguards.reauth import PASSWORD_AT
from tests.cognito import aws_error

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]


def url(identity_id: str) -> str:
    return reverse("identities:merge", args=[identity_id])


@pytest.fixture
def pair(pool_id, developer_user) -> tuple[str, str]:
    """The identities of customer-1 (kept) and customer-2 (to merge in)."""
    return developer_user(pool_id, "customer-1"), developer_user(pool_id, "customer-2")


def _confirm(client, keeper: str, pool_id: str, **fields: str):
    data = {"pool": pool_id, "source": "customer-2", "into": "customer-1", **fields}
    return client.post(url(keeper), data)


def test_choosing_the_other_user_shows_what_will_change_before_anything_does(
    as_admin, cognito, pool_id, pair
):
    keeper, other = pair

    response = as_admin.get(url(keeper), {"pool": pool_id, "source": "customer-2", "into": "customer-1"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "This cannot be undone" in html
    assert f"every login of its identity {other} will be merged into this identity ({keeper})" in html
    assert f"Identity {other} will be disabled" in html
    assert '<code class="expected">MERGE customer-2</code>' in html
    assert cognito.describe_identity(IdentityId=other)["Logins"]


def test_the_first_step_asks_which_developer_user(as_admin, pool_id, pair):
    keeper, _ = pair

    html = as_admin.get(url(keeper), {"pool": pool_id}).content.decode()

    assert 'name="source"' in html
    assert '<option value="customer-1"' in html
    assert "This cannot be undone" not in html


def test_an_admin_merges_with_the_typed_confirmation_and_a_reason(as_admin, admin, cognito, pool_id, pair):
    keeper, other = pair

    response = _confirm(
        as_admin, keeper, pool_id, confirmation="MERGE customer-2", reason="Ticket 99: same person"
    )

    assert response.status_code == 302
    users = cognito.lookup_developer_identity(IdentityPoolId=pool_id, IdentityId=keeper, MaxResults=60)
    assert users["DeveloperUserIdentifierList"] == ["customer-1", "customer-2"]
    assert aws_error(cognito.get_credentials_for_identity, IdentityId=other)[0] == "NotAuthorizedException"
    event = AuditEvent.objects.get(operation="MergeDeveloperIdentities")
    assert (event.actor, event.outcome, event.reason) == (admin.username, "success", "Ticket 99: same person")
    assert event.identity_id == keeper
    assert set(AuditEventIdentity.objects.filter(event=event).values_list("identity_id", flat=True)) == {
        keeper,
        other,
    }
    assert (
        "Merged developer user “customer-2” into this identity."
        in as_admin.get(response["Location"]).content.decode()
    )


def test_a_wrong_confirmation_merges_nothing(as_admin, cognito, pool_id, pair):
    keeper, other = pair

    response = _confirm(as_admin, keeper, pool_id, confirmation="merge customer-2", reason="why")

    assert response.status_code == 200
    assert "That does not match" in response.content.decode()
    assert not AuditEvent.objects.filter(operation="MergeDeveloperIdentities").exists()
    assert cognito.describe_identity(IdentityId=other)["Logins"]


def test_a_missing_reason_merges_nothing(as_admin, pool_id, pair):
    keeper, _ = pair

    response = _confirm(as_admin, keeper, pool_id, confirmation="MERGE customer-2", reason="")

    assert "Say why" in response.content.decode()
    assert not AuditEvent.objects.filter(operation="MergeDeveloperIdentities").exists()


def test_an_unknown_source_user_is_the_services_not_found(as_admin, pool_id, pair):
    keeper, _ = pair

    html = as_admin.get(
        url(keeper), {"pool": pool_id, "source": "nobody", "into": "customer-1"}
    ).content.decode()

    assert "ResourceNotFoundException" in html
    assert "This cannot be undone" not in html


def test_the_identitys_own_user_cannot_be_merged_into_it(as_admin, pool_id, pair):
    keeper, _ = pair

    html = as_admin.get(
        url(keeper), {"pool": pool_id, "source": "customer-1", "into": "customer-1"}
    ).content.decode()

    assert "already this identity" in html


def test_the_password_is_asked_again_when_it_is_old(as_admin, pool_id, pair):
    keeper, _ = pair
    session = as_admin.session
    session[PASSWORD_AT] = time.time() - 3600
    session.save()

    response = _confirm(as_admin, keeper, pool_id, confirmation="MERGE customer-2", reason="why")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("reauth"))
    assert not AuditEvent.objects.filter(operation="MergeDeveloperIdentities").exists()


@pytest.mark.parametrize("role", ["as_support", "as_viewer"])
def test_only_admins_may_merge(request, pool_id, pair, role):
    client = request.getfixturevalue(role)
    keeper, _ = pair

    assert client.get(url(keeper), {"pool": pool_id}).status_code == 403
    assert _confirm(client, keeper, pool_id, confirmation="MERGE customer-2", reason="why").status_code == 403
    assert not AuditEvent.objects.filter(operation="MergeDeveloperIdentities").exists()
