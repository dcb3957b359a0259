"""Deleting a pool: POST only, the password typed recently, the pool's exact name typed, and a
reason kept in the audit trail; the page says every identity goes with the pool."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from console.audit.models import AuditEvent
from console.safeguards.reauth import PASSWORD_AT
from tests.pools.helpers import text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]


def _delete_url(pool_id: str) -> str:
    return reverse("pools:delete", args=[pool_id])


def _exists(cognito, pool_id: str) -> bool:
    return any(
        pool["IdentityPoolId"] == pool_id
        for pool in cognito.list_identity_pools(MaxResults=60)["IdentityPools"]
    )


def _password_typed_long_ago(client, settings) -> None:
    session = client.session
    session[PASSWORD_AT] = time.time() - settings.REAUTH_MAX_AGE_SECONDS - 1
    session.save()


def test_the_page_says_what_goes_and_asks_for_the_exact_name_and_a_reason(as_admin, pool_id):
    response = as_admin.get(_delete_url(pool_id))

    html = response.content.decode()
    page = text(html)
    assert response.status_code == 200
    assert html.count("<h1>") == 1
    assert "Every identity of the pool will go with it" in page
    assert "Type everything to confirm" in page
    assert "Reason" in page
    assert '<button type="submit" class="button danger">Delete pool</button>' in html


def test_the_pool_is_deleted_with_the_name_typed_and_the_reason_audited(
    as_admin, admin, pool_id, cognito, region
):
    cognito.get_id(IdentityPoolId=pool_id)

    response = as_admin.post(
        _delete_url(pool_id), {"confirmation": "everything", "reason": "TICKET-42 retired app"}
    )

    assert response.status_code == 302
    assert response.url == f"/?region={region}"
    assert not _exists(cognito, pool_id)
    event = AuditEvent.objects.get(operation="DeleteIdentityPool")
    assert (event.outcome, event.reason, event.actor, event.pool_id) == (
        "success",
        "TICKET-42 retired app",
        admin.username,
        pool_id,
    )
    assert event.before["IdentityPoolName"] == "everything"


def test_the_list_says_the_pool_was_deleted(as_admin, pool_id):
    response = as_admin.post(
        _delete_url(pool_id), {"confirmation": "everything", "reason": "cleanup"}, follow=True
    )

    assert f"Pool “everything” ({pool_id}) deleted." in text(response.content.decode())


def test_a_name_that_does_not_match_exactly_deletes_nothing(as_admin, pool_id, cognito):
    response = as_admin.post(_delete_url(pool_id), {"confirmation": "Everything", "reason": "cleanup"})

    assert response.status_code == 200
    assert "That does not match. Type “everything” exactly, capitals included." in text(
        response.content.decode()
    )
    assert _exists(cognito, pool_id)
    assert not AuditEvent.objects.filter(operation="DeleteIdentityPool").exists()


def test_a_reason_is_required(as_admin, pool_id, cognito):
    html = as_admin.post(_delete_url(pool_id), {"confirmation": "everything", "reason": ""}).content.decode()

    assert "Say why: a ticket id or a sentence." in text(html)
    assert _exists(cognito, pool_id)


def test_an_old_password_is_asked_again_before_the_page(as_admin, pool_id, settings):
    _password_typed_long_ago(as_admin, settings)

    response = as_admin.get(_delete_url(pool_id))

    assert response.status_code == 302
    assert response.url.startswith(reverse("reauth"))


def test_an_old_password_is_asked_again_before_deleting(as_admin, pool_id, cognito, settings):
    _password_typed_long_ago(as_admin, settings)

    response = as_admin.post(_delete_url(pool_id), {"confirmation": "everything", "reason": "cleanup"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("reauth"))
    assert _exists(cognito, pool_id)


def test_an_htmx_delete_sends_the_browser_to_the_list(as_admin, pool_id, region):
    response = as_admin.post(
        _delete_url(pool_id), {"confirmation": "everything", "reason": "cleanup"}, HTTP_HX_REQUEST="true"
    )

    assert response["HX-Redirect"] == f"/?region={region}"


@pytest.mark.parametrize("client_name", ["as_viewer", "as_support"])
def test_only_admins_may_delete(request, client_name, pool_id, cognito):
    client = request.getfixturevalue(client_name)

    assert client.get(_delete_url(pool_id)).status_code == 403
    assert client.post(_delete_url(pool_id), {"confirmation": "everything", "reason": "x"}).status_code == 403
    assert _exists(cognito, pool_id)


def test_the_pool_page_links_admins_to_deleting(as_admin, pool_id):
    html = as_admin.get(reverse("pools:detail", args=[pool_id])).content.decode()

    assert f'<a class="button danger" href="{_delete_url(pool_id)}">Delete pool</a>' in html


def test_a_pool_named_only_with_spaces_is_confirmed_with_its_id(as_admin, make_pool, cognito):
    pool_id = make_pool("   ")

    page = text(as_admin.get(_delete_url(pool_id)).content.decode())
    response = as_admin.post(_delete_url(pool_id), {"confirmation": pool_id, "reason": "cleanup"})

    assert f"Type {pool_id} to confirm" in page
    assert response.status_code == 302
    assert not _exists(cognito, pool_id)
