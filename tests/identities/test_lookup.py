"""The search box: identity ids, pool ids and developer user ids, in one search."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bench.servers import free_port
from console.aws import catalog
from tests.cognito import DEVELOPER, full_pool_settings

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]

LOOKUP = reverse("identities:lookup")
REGIONS = ["us-east-1", "eu-west-1"]


def identity_page(identity_id: str, pool_id: str) -> str:
    return f"{reverse('identities:detail', args=[identity_id])}?pool={pool_id.replace(':', '%3A')}"


@pytest.fixture
def two_regions(settings, cognito_in):
    """A pool with a developer provider in each of two regions; their ids."""
    settings.AWS_REGIONS = REGIONS
    return [
        cognito_in(region).create_identity_pool(**full_pool_settings(IdentityPoolName=f"shop {region}"))[
            "IdentityPoolId"
        ]
        for region in REGIONS
    ]


def test_an_identity_id_opens_its_identity_page_with_its_pool(as_support, pool_id, make_pool, guests):
    make_pool("another pool")
    [identity] = guests(pool_id, 1)

    response = as_support.get(LOOKUP, {"q": f"  {identity} "})

    assert response.status_code == 302
    assert response["Location"] == identity_page(identity, pool_id)


def test_a_pool_id_opens_the_pool(as_support, pool_id):
    response = as_support.get(LOOKUP, {"q": pool_id})

    assert response.status_code == 302
    assert response["Location"] in (
        reverse("identities:browser", args=[pool_id]),
        f"/pools/{pool_id}/",  # the pool page, once it exists
    )


def test_an_id_that_is_neither_says_so(as_support, pool_id):
    unknown = "us-east-1:0a1b2c3d-0000-4000-8000-000000000009"

    response = as_support.get(LOOKUP, {"q": unknown})

    html = response.content.decode()
    assert response.status_code == 200
    assert f"No identity or pool has the id <code>{unknown}</code> in us-east-1." in html


def test_a_developer_user_id_found_once_opens_its_identity(as_support, pool_id, developer_user):
    identity = developer_user(pool_id, "customer-12345")

    response = as_support.get(LOOKUP, {"q": "customer-12345"})

    assert response.status_code == 302
    assert response["Location"] == identity_page(identity, pool_id)


def test_a_developer_user_in_two_pools_of_two_regions_is_listed_twice(
    as_support, two_regions, cognito_in, developer_user
):
    identities = [
        developer_user(pool, "customer-12345", client=cognito_in(region))
        for pool, region in zip(two_regions, REGIONS, strict=True)
    ]

    response = as_support.get(LOOKUP, {"q": "customer-12345"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "2 identities with developer user <code>customer-12345</code>" in html
    for identity, pool in zip(identities, two_regions, strict=True):
        assert f'href="{identity_page(identity, pool).replace("&", "&amp;")}"' in html
    assert "Searched 2 pools with a developer provider" in html
    for region in REGIONS:
        assert f"shop {region}" in html


def test_the_pool_selector_narrows_the_search_to_one_pool(
    as_support, two_regions, cognito_in, developer_user
):
    identities = [
        developer_user(pool, "customer-12345", client=cognito_in(region))
        for pool, region in zip(two_regions, REGIONS, strict=True)
    ]

    response = as_support.get(LOOKUP, {"q": "customer-12345", "pool": two_regions[1]})

    assert response.status_code == 302
    assert response["Location"] == identity_page(identities[1], two_regions[1])


def test_the_selector_offers_the_pools_with_a_developer_provider_by_region(as_support, two_regions):
    html = as_support.get(LOOKUP).content.decode()

    for region in REGIONS:
        assert f'<optgroup label="{region}">' in html
    for pool in two_regions:
        assert f'<option value="{pool}">' in html


def test_pools_without_a_developer_provider_are_not_searched(as_support, cognito, pool_id):
    plain = cognito.create_identity_pool(IdentityPoolName="plain", AllowUnauthenticatedIdentities=True)

    html = as_support.get(LOOKUP, {"q": "nobody-here"}).content.decode()

    assert "Searched 1 pool with a developer provider" in html
    assert pool_id in html
    assert plain["IdentityPoolId"] not in html


def test_an_unknown_developer_user_is_not_found_in_the_pools_searched(as_support, pool_id):
    response = as_support.get(LOOKUP, {"q": "nobody-here"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "No identity has developer user id <code>nobody-here</code> in the pools searched." in html


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("us-east-1:NOT-A-GUID", "ids are REGION:GUID with a GUID of hexadecimal digits"),
        (
            "us-east-1:0a1b2c3d-0000-4000-8000-00000000000z",
            "ids are REGION:GUID with a GUID of hexadecimal digits",
        ),
        ("ap-south-2:0a1b2c3d-0000-4000-8000-000000000001", "Region ap-south-2 is not one this console uses"),
        ("user-" * 205, "ids are at most 1,024"),
        ("user\x07name", "control characters"),
    ],
)
def test_malformed_input_gets_a_clear_answer_never_a_500(as_support, pool_id, query, problem):
    response = as_support.get(LOOKUP, {"q": query})

    html = response.content.decode()
    assert response.status_code == 200
    assert "That cannot be looked up." in html
    assert problem in html


def test_an_empty_search_explains_what_to_paste(as_support):
    html = as_support.get(LOOKUP, {"q": "   "}).content.decode()

    assert "Paste what the ticket quotes" in html


def test_pools_that_cannot_be_asked_are_listed_and_the_match_is_not_opened(
    as_support, pool_id, developer_user
):
    identity = developer_user(pool_id, "customer-12345")
    # A pool the service refuses to be asked about (its id fails the model's pattern).
    broken = catalog.DeveloperPool("us-east-1:BROKEN", "broken pool", "us-east-1", DEVELOPER)
    listed = catalog.catalog()
    catalog._remember("us-east-1", catalog.Catalog((*listed.pools, broken), (), listed.as_of))

    response = as_support.get(LOOKUP, {"q": "customer-12345"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Not everything could be searched" in html
    assert "broken pool (us-east-1:BROKEN): <strong>ValidationException</strong>" in html
    assert identity in html


def test_an_unreachable_endpoint_lists_the_regions_that_failed(as_support, settings):
    settings.COGNITO_ENDPOINT = f"http://127.0.0.1:{free_port()}"

    response = as_support.get(LOOKUP, {"q": "customer-12345"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "region us-east-1 (ListIdentityPools): <strong>EndpointUnavailable</strong>" in html


def test_the_pool_list_is_kept_a_minute_and_can_be_read_again(as_support, cognito, pool_id, developer_user):
    as_support.get(LOOKUP, {"q": "anyone"})
    newer = cognito.create_identity_pool(**full_pool_settings(IdentityPoolName="newer"))["IdentityPoolId"]
    identity = developer_user(newer, "customer-12345")

    stale = as_support.get(LOOKUP, {"q": "customer-12345"})
    fresh = as_support.get(LOOKUP, {"q": "customer-12345", "refresh": "1"})

    assert stale.status_code == 200
    assert "Read the pools again" in stale.content.decode()
    assert fresh["Location"] == identity_page(identity, newer)


def test_viewers_may_not_look_up(as_viewer):
    assert as_viewer.get(LOOKUP, {"q": "customer-12345"}).status_code == 403


def test_an_htmx_search_swaps_only_the_results(as_support, pool_id):
    response = as_support.get(LOOKUP, {"q": "nobody-here"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="lookup-results">')
    assert "No identity has developer user id" in html
    assert "HX-Request" in response["Vary"]


def test_an_htmx_search_that_finds_one_identity_loads_its_page(as_support, pool_id, developer_user):
    identity = developer_user(pool_id, "customer-12345")

    response = as_support.get(LOOKUP, {"q": "customer-12345"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert response["HX-Redirect"] == identity_page(identity, pool_id)


def test_the_query_is_escaped_where_it_is_echoed(as_support, pool_id):
    payload = "<script>alert(1)</script>"

    html = as_support.get(LOOKUP, {"q": payload}).content.decode()

    assert payload not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
