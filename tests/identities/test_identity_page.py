"""The identity page: what DescribeIdentity and LookupDeveloperIdentity say, its pool, its history."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from console.audit.actor import audit_actor
from console.aws import identities as gateway
from console.aws.errors import Conflict
from console.identities.views.identity import DEVELOPER_USERS_PAGE
from tests.cognito import DEVELOPER, GOOGLE, id_token
from tests.xss import PAYLOADS, assert_rendered_as_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]


def page(identity_id: str) -> str:
    return reverse("identities:detail", args=[identity_id])


def developer_users_shown(html: str) -> list[str]:
    return re.findall(r'<tr data-developer-user="([^"]*)">', html)


def history_operations(html: str) -> list[str]:
    return re.findall(
        r'<tr data-event-id="\d+">\s*<td class="time">.*?</td>\s*<td>.*?</td>\s*<td><code>([^<]+)</code>',
        html,
        re.S,
    )


def test_it_shows_the_identity_its_logins_and_its_pool(as_viewer, cognito, pool_id):
    identity = cognito.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: id_token("ada")})["IdentityId"]

    response = as_viewer.get(page(identity), {"pool": pool_id})

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<code data-testid="identity-id">{identity}</code>' in html
    assert f'<span class="tag">{GOOGLE}</span>' in html
    assert f"<code>{pool_id}</code>" in html
    assert "everything" in html  # the pool's name


def test_the_pool_is_found_when_the_link_does_not_name_it(as_viewer, make_pool, guests):
    make_pool("first")
    second = make_pool("second")
    [identity] = guests(second, 1)

    html = as_viewer.get(page(identity)).content.decode()

    assert f"<code>{second}</code>" in html


def test_a_wrong_pool_in_the_link_is_corrected(as_viewer, make_pool, guests):
    first = make_pool("first")
    second = make_pool("second")
    [identity] = guests(second, 1)

    html = as_viewer.get(page(identity), {"pool": first}).content.decode()

    assert f"<code>{second}</code>" in html
    assert f"<code>{first}</code>" not in html


def _merged_into(cognito, pool_id: str, users: list[str]) -> None:
    """Merge the developer users `users[1:]` into the identity of `users[0]`."""
    for user in users[1:]:
        cognito.merge_developer_identities(
            SourceUserIdentifier=user,
            DestinationUserIdentifier=users[0],
            DeveloperProviderName=DEVELOPER,
            IdentityPoolId=pool_id,
        )


def test_support_sees_its_developer_user_ids(as_support, pool_id, developer_user, cognito):
    identity = developer_user(pool_id, "customer-1")
    developer_user(pool_id, "customer-2")
    _merged_into(cognito, pool_id, ["customer-1", "customer-2"])

    html = as_support.get(page(identity), {"pool": pool_id}).content.decode()

    assert developer_users_shown(html) == ["customer-1", "customer-2"]
    assert f'<span class="tag">{DEVELOPER}</span>' in html


def test_many_developer_user_ids_are_paged(as_support, pool_id, developer_user, cognito):
    users = [f"customer-{number:03d}" for number in range(DEVELOPER_USERS_PAGE + 2)]
    identity = developer_user(pool_id, users[0])
    for user in users[1:]:
        developer_user(pool_id, user)
    _merged_into(cognito, pool_id, users)

    first = as_support.get(page(identity), {"pool": pool_id}).content.decode()
    more = (
        re.search(r'<a href="([^"]*)" rel="next">More developer user ids', first)
        .group(1)
        .replace("&amp;", "&")
    )
    second = as_support.get(
        f"{page(identity)}{more}", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="developer-users"
    )

    assert developer_users_shown(first) == users[:DEVELOPER_USERS_PAGE]
    html = second.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="developer-users">')
    assert developer_users_shown(html) == users[DEVELOPER_USERS_PAGE:]


def test_viewers_see_no_developer_user_ids_history_or_actions(as_viewer, pool_id, developer_user):
    identity = developer_user(pool_id, "customer-1")

    html = as_viewer.get(page(identity), {"pool": pool_id}).content.decode()

    assert "customer-1" not in html
    assert "History" not in html
    assert "Unlink" not in html and "Delete this identity" not in html


def test_support_may_unlink_but_only_admins_merge_or_delete(
    as_support, as_admin, pool_id, developer_user, cognito
):
    identity = developer_user(pool_id, "customer-1")

    support = as_support.get(page(identity), {"pool": pool_id}).content.decode()
    admin = as_admin.get(page(identity), {"pool": pool_id}).content.decode()

    assert "Unlink…" in support and "Unlink…" in admin
    for action in ("Merge another developer user", "Delete this identity"):
        assert action not in support
        assert action in admin


def test_the_history_shows_a_bulk_delete_of_several_identities(as_support, admin, pool_id, guests):
    doomed = guests(pool_id, 3)
    with audit_actor(admin.username, user=admin):
        gateway.delete_identities("us-east-1", doomed, reason="Ticket 7: GDPR erasure")

    for identity in doomed:
        response = as_support.get(page(identity))
        html = response.content.decode()
        # Deleted: DescribeIdentity no longer knows it, the history still does.
        assert response.status_code == 404
        assert history_operations(html) == ["DeleteIdentities"]
        assert "(3 identities)" in html
        assert "Ticket 7: GDPR erasure" in html
        assert admin.username in html


def test_the_history_of_a_merged_away_identity_shows_the_merge(as_support, admin, pool_id, developer_user):
    keeper = developer_user(pool_id, "customer-1")
    merged = developer_user(pool_id, "customer-2")
    with audit_actor(admin.username, user=admin):
        gateway.merge_developer_users(
            pool_id, DEVELOPER, "customer-2", "customer-1", source_identity=merged, reason="Same person"
        )

    for identity in (keeper, merged):
        html = as_support.get(page(identity), {"pool": pool_id}).content.decode()
        assert history_operations(html) == ["MergeDeveloperIdentities"], identity
        assert "Same person" in html


def test_the_history_is_paged_newest_first(as_support, admin, pool_id, developer_user):
    identity = developer_user(pool_id, "customer-0")
    with audit_actor(admin.username, user=admin):
        for number in range(1, 24):
            # Refused (that user is not linked), and recorded all the same.
            with pytest.raises(Conflict):
                gateway.unlink_developer_user(
                    pool_id, identity, DEVELOPER, f"nobody-{number}", reason=f"#{number}"
                )

    first = as_support.get(page(identity), {"pool": pool_id}).content.decode()
    older = re.search(r'<a href="([^"]*)" rel="next">Older events', first).group(1).replace("&amp;", "&")
    second = as_support.get(
        f"{page(identity)}{older}", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="identity-history"
    )

    assert len(history_operations(first)) == 20
    assert "#23" in first and "#4<" in first and "#3<" not in first
    html = second.content.decode()
    assert html.lstrip().startswith('<div id="identity-history">')
    assert len(history_operations(html)) == 3
    assert "#3<" in html and "#1<" in html


def test_an_unknown_identity_is_404(as_support):
    response = as_support.get(page("us-east-1:0a1b2c3d-0000-4000-8000-000000000009"))

    assert response.status_code == 404
    assert "ResourceNotFoundException" in response.content.decode()


def test_a_malformed_id_is_404(as_viewer):
    # Spelled out: the URLconf's converter does not reverse an address that is no page.
    assert as_viewer.get("/identities/not-an-identity/").status_code == 404


def test_an_htmx_request_for_the_whole_page_gets_the_page(as_viewer, pool_id, guests):
    [identity] = guests(pool_id, 1)

    html = as_viewer.get(page(identity), {"pool": pool_id}, HTTP_HX_REQUEST="true").content.decode()

    assert "<html" in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_developer_user_ids_are_shown_as_text(as_support, pool_id, developer_user, payload):
    identity = developer_user(pool_id, payload)

    html = as_support.get(page(identity), {"pool": pool_id}).content.decode()

    assert_rendered_as_text(html, payload, payload)


def test_the_page_is_get_only(as_admin, pool_id, guests):
    [identity] = guests(pool_id, 1)

    assert as_admin.post(page(identity)).status_code == 405
