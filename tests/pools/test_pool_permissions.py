"""Only admins change pools: support and viewers get 403 for every pool URL that changes
something, GET or POST, and the pool stays as it was. Reading is for every role."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.cognito import AUTH_ROLE, GOOGLE, pool_arn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]

CHANGING = ("pools:edit", "pools:delete", "pools:roles", "pools:principal_tags", "pools:tags")
POSTS = {
    "pools:edit": {"name": "hijacked", "step": "save"},
    "pools:delete": {"confirmation": "everything", "reason": "x"},
    "pools:roles": {"authenticated": AUTH_ROLE, "step": "save"},
    "pools:principal_tags": {"provider": GOOGLE, "use": "defaults", "save": "1"},
    "pools:tags": {"tag-0-key": "owner", "tag-0-value": "me", "save": "1"},
}


def _state(cognito, pool_id) -> tuple:
    return (
        cognito.describe_identity_pool(IdentityPoolId=pool_id)["IdentityPoolName"],
        cognito.get_identity_pool_roles(IdentityPoolId=pool_id).get("Roles"),
        cognito.get_principal_tag_attribute_map(IdentityPoolId=pool_id, IdentityProviderName=GOOGLE)[
            "UseDefaults"
        ],
        cognito.list_tags_for_resource(ResourceArn=pool_arn(pool_id))["Tags"],
    )


@pytest.mark.parametrize("role", ["viewer", "support"])
@pytest.mark.parametrize("url_name", CHANGING)
def test_support_and_viewers_cannot_open_or_post_what_changes_a_pool(
    request, role, url_name, pool_id, cognito
):
    client = request.getfixturevalue(f"as_{role}")
    before = _state(cognito, pool_id)
    url = reverse(url_name, args=[pool_id])

    assert client.get(url).status_code == 403
    assert client.post(url, POSTS[url_name]).status_code == 403
    assert client.post(url, POSTS[url_name], HTTP_HX_REQUEST="true").status_code == 403
    assert _state(cognito, pool_id) == before


@pytest.mark.parametrize("role", ["viewer", "support"])
def test_support_and_viewers_cannot_create_pools(request, role, cognito):
    client = request.getfixturevalue(f"as_{role}")

    assert client.post(reverse("pools:new"), {"name": "sneaky", "region": "us-east-1"}).status_code == 403
    assert cognito.list_identity_pools(MaxResults=60)["IdentityPools"] == []


@pytest.mark.parametrize("role", ["viewer", "support", "admin"])
def test_every_role_reads_the_list_and_the_pool_page(request, role, pool_id):
    client = request.getfixturevalue(f"as_{role}")

    assert client.get(reverse("pools:list")).status_code == 200
    assert client.get(reverse("pools:detail", args=[pool_id])).status_code == 200


def test_anonymous_visitors_are_sent_to_sign_in(client, pool_id):
    response = client.get(reverse("pools:detail", args=[pool_id]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
