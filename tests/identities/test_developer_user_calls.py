"""What the identity page costs of LookupDeveloperIdentity (the account's scarcest quota, 5 a
second at AWS): nothing for an identity that cannot have developer user ids, nothing after the
search that found it, and a fresh answer once the console changed its developer user ids."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from console.inventory import store
from console.inventory.store import ListedIdentity
from tests.cognito import DEVELOPER, GOOGLE, id_token
from tests.xss import PAYLOADS, assert_rendered_as_text

pytestmark = pytest.mark.django_db

LOOKUP = reverse("identities:lookup")
LOOKUPS = "LookupDeveloperIdentity"


@pytest.fixture
def calls(client_calls):
    """Here: the calls of the console's own client for the region (the pages' client)."""
    return client_calls


@pytest.fixture
def developer_pools(make_pool) -> list[str]:
    """Three pools with a developer provider each, as in the issue's count."""
    return [make_pool(f"pool-{number}", DeveloperProviderName=f"login.app{number}") for number in range(3)]


def page(identity_id: str) -> str:
    return reverse("identities:detail", args=[identity_id])


def developer_users_shown(html: str) -> list[str]:
    return re.findall(r'<tr data-developer-user="([^"]*)">', html)


def inventoried(pool_id: str, identity_id: str) -> str:
    """The identity as a sync would have listed it: the inventory knows its pool."""
    store.add_identities(pool_id, [ListedIdentity(identity_id)])
    return identity_id


def register(cognito, pool_id: str, provider: str, user: str) -> str:
    return cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={provider: user})[
        "IdentityId"
    ]


def test_a_guest_identitys_page_asks_for_no_developer_user_ids(as_support, cognito, pool_id, calls):
    guest = inventoried(pool_id, cognito.get_id(IdentityPoolId=pool_id)["IdentityId"])

    response = as_support.get(page(guest))

    html = response.content.decode()
    assert response.status_code == 200
    assert calls[LOOKUPS] == 0
    assert "None linked to this identity." in html


def test_an_identity_with_only_a_social_login_asks_for_none(as_support, cognito, pool_id, calls):
    identity = inventoried(
        pool_id, cognito.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: id_token("ada")})["IdentityId"]
    )

    html = as_support.get(page(identity)).content.decode()

    assert calls[LOOKUPS] == 0
    assert f'<span class="tag">{GOOGLE}</span>' in html
    assert "None linked to this identity." in html


def test_a_developer_users_identity_opened_without_a_search_asks_once(as_support, cognito, pool_id, calls):
    identity = inventoried(pool_id, register(cognito, pool_id, DEVELOPER, "customer-1"))

    html = as_support.get(page(identity)).content.decode()

    assert calls[LOOKUPS] == 1
    assert developer_users_shown(html) == ["customer-1"]
    assert 'data-testid="users-found-by-search"' not in html


def test_the_identity_page_a_search_opens_asks_nothing_more(as_support, cognito, developer_pools, calls):
    identity = register(cognito, developer_pools[1], "login.app1", "customer-1")

    found = as_support.get(LOOKUP, {"q": "customer-1"})
    searched = calls[LOOKUPS]
    response = as_support.get(found["Location"])

    assert found.status_code == 302
    assert searched == len(developer_pools)
    assert calls[LOOKUPS] == searched
    html = response.content.decode()
    assert identity in found["Location"]
    assert developer_pools[1] in html
    assert developer_users_shown(html) == ["customer-1"]
    assert "As found by a search at" in html


def _merged(cognito, pool_id: str, keeper: str, moved: str) -> str:
    identity = register(cognito, pool_id, DEVELOPER, keeper)
    register(cognito, pool_id, DEVELOPER, moved)
    cognito.merge_developer_identities(
        SourceUserIdentifier=moved,
        DestinationUserIdentifier=keeper,
        DeveloperProviderName=DEVELOPER,
        IdentityPoolId=pool_id,
    )
    return identity


def test_all_of_the_identitys_developer_user_ids_are_one_click_away(as_support, cognito, pool_id, calls):
    identity = _merged(cognito, pool_id, "customer-1", "customer-2")
    found = as_support.get(LOOKUP, {"q": "customer-1"})
    html = as_support.get(found["Location"]).content.decode()
    link = re.search(r'<a href="([^"]*)">List all its developer user ids</a>', html).group(1)
    before = calls[LOOKUPS]

    whole = as_support.get(page(identity) + link.replace("&amp;", "&"))
    fragment = as_support.get(
        page(identity) + link.replace("&amp;", "&"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="developer-users"
    )

    assert developer_users_shown(html) == ["customer-1"]
    assert developer_users_shown(whole.content.decode()) == ["customer-1", "customer-2"]
    assert calls[LOOKUPS] == before + 2
    text = fragment.content.decode()
    assert "<html" not in text
    assert text.lstrip().startswith('<div id="developer-users">')
    assert developer_users_shown(text) == ["customer-1", "customer-2"]


def test_after_an_unlink_through_the_console_the_page_asks_again(as_support, cognito, pool_id, calls):
    identity = _merged(cognito, pool_id, "customer-1", "customer-2")
    found = as_support.get(LOOKUP, {"q": "customer-1"})
    assert developer_users_shown(as_support.get(found["Location"]).content.decode()) == ["customer-1"]
    unlink = reverse("identities:unlink_developer_user", args=[identity])
    as_support.post(unlink, {"pool": pool_id, "user": "customer-1", "reason": "Ticket 12345"})
    before = calls[LOOKUPS]

    html = as_support.get(page(identity), {"pool": pool_id}).content.decode()

    assert developer_users_shown(html) == ["customer-2"]
    assert "As found by a search" not in html
    assert calls[LOOKUPS] == before + 1


def test_the_last_developer_user_unlinked_leaves_nothing_to_ask(as_support, cognito, pool_id, calls):
    identity = inventoried(pool_id, register(cognito, pool_id, DEVELOPER, "customer-1"))
    found = as_support.get(LOOKUP, {"q": "customer-1"})
    unlink = reverse("identities:unlink_developer_user", args=[identity])
    as_support.post(unlink, {"pool": pool_id, "user": "customer-1", "reason": "Ticket 12345"})
    before = calls[LOOKUPS]

    html = as_support.get(found["Location"]).content.decode()

    assert developer_users_shown(html) == []
    assert "None linked to this identity." in html
    assert calls[LOOKUPS] == before


@pytest.mark.parametrize("payload", PAYLOADS)
def test_user_ids_found_by_a_search_are_shown_as_text(as_support, cognito, pool_id, payload):
    register(cognito, pool_id, DEVELOPER, payload)
    found = as_support.get(LOOKUP, {"q": payload})

    html = as_support.get(found["Location"]).content.decode()

    assert "As found by a search at" in html
    assert_rendered_as_text(html, payload, payload)
