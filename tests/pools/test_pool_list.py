"""The pools page: the region's identity pools, a page at a time."""

from __future__ import annotations

import re
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from console.pools.views.listing import PAGE_SIZE
from tests.cognito import create_pools

# Nothing these pages log (at DEBUG) may hold a credential or the password typed.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]

POOLS = reverse("pools:list")


def _names_shown(html: str) -> list[str]:
    return re.findall(r'<tr><td><a href="/pools/[^"]+/">([^<]*)</a></td><td><code>', html)


def _next_link(html: str) -> str | None:
    match = re.search(r'<a href="([^"]*)"[^>]*rel="next"', html)
    return match and match.group(1).replace("&amp;", "&")


def test_the_page_lists_the_regions_pools_with_their_ids(as_viewer, region):
    pool_ids = create_pools(region, ["mobile-app prod", "partner.portal@eu"])

    response = as_viewer.get(POOLS)

    html = response.content.decode()
    assert response.status_code == 200
    assert sorted(_names_shown(html)) == ["mobile-app prod", "partner.portal@eu"]
    for pool_id in pool_ids:
        assert f"<code>{pool_id}</code>" in html
    assert _next_link(html) is None


def test_pools_of_another_region_are_not_listed(as_viewer, region, settings):
    settings.AWS_REGIONS = [region, "eu-west-1"]
    create_pools(region, ["virginia-pool"])
    create_pools("eu-west-1", ["dublin-only"])

    response = as_viewer.get(POOLS)

    assert response.status_code == 200
    assert _names_shown(response.content.decode()) == ["virginia-pool"]


def test_more_pools_than_a_page_are_paged_with_the_token_in_the_url(as_viewer, region):
    names = [f"pool-{number:02d}" for number in range(PAGE_SIZE + 3)]
    create_pools(region, names)

    first = as_viewer.get(POOLS).content.decode()
    next_url = _next_link(first)
    second = as_viewer.get(next_url).content.decode()

    assert len(_names_shown(first)) == PAGE_SIZE
    assert parse_qs(urlsplit(next_url).query)["token"]
    assert len(_names_shown(second)) == 3
    assert sorted(_names_shown(first) + _names_shown(second)) == names
    assert _next_link(second) is None
    assert "First page" in second


def test_the_first_page_has_no_first_page_link(as_viewer, region):
    create_pools(region, [f"pool-{number:02d}" for number in range(PAGE_SIZE + 1)])

    html = as_viewer.get(POOLS).content.decode()

    assert len(_names_shown(html)) == PAGE_SIZE
    assert _next_link(html) is not None
    assert "First page" not in html


def test_a_region_without_pools_says_so(as_viewer, region):
    response = as_viewer.get(POOLS)

    assert f"No identity pools in {region} yet." in response.content.decode()
    assert "<table" not in response.content.decode()


def test_an_unreachable_endpoint_shows_the_error_and_what_to_do(as_viewer, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.COGNITO_ENDPOINT = f"http://127.0.0.1:{port}"

    response = as_viewer.get(POOLS)

    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html
    assert "<strong>EndpointUnavailable</strong> from ListIdentityPools" in html
    assert "check COGNITO_ENDPOINT and the network" in html


def test_a_garbled_token_shows_the_services_message_and_a_way_back(as_viewer):
    response = as_viewer.get(POOLS, {"token": "garbled"})

    html = response.content.decode()
    assert "<strong>InvalidParameterException</strong>" in html
    assert "Invalid NextToken." in html
    assert re.search(r'<a href="/\?region=us-east-1"[^>]*>Start again from the first page', html)


def test_error_text_echoing_the_request_is_escaped(as_viewer):
    # The service repeats an invalid value in its message, as AWS does.
    response = as_viewer.get(POOLS, {"token": "<script>alert(1)</script> x"})

    html = response.content.decode()
    assert "ValidationException" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_pool_names_are_shown_exactly_as_named(as_viewer, region):
    # The name pattern allows no markup; these are the characters it does allow.
    create_pools(region, ["a=b+c, d@e.f-g_h 42"])

    assert _names_shown(as_viewer.get(POOLS).content.decode()) == ["a=b+c, d@e.f-g_h 42"]


def test_an_htmx_request_gets_only_the_table(as_viewer, region):
    create_pools(region, ["mobile-app prod"])

    response = as_viewer.get(POOLS, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="pool-table">')
    assert _names_shown(html) == ["mobile-app prod"]


def test_an_htmx_request_for_the_next_page_gets_that_pages_table(as_viewer, region):
    create_pools(region, [f"pool-{number:02d}" for number in range(PAGE_SIZE + 1)])
    next_url = _next_link(as_viewer.get(POOLS).content.decode())

    html = as_viewer.get(next_url, HTTP_HX_REQUEST="true").content.decode()

    assert "<html" not in html
    assert len(_names_shown(html)) == 1


def test_an_htmx_error_is_shown_in_the_table_fragment(as_viewer):
    html = as_viewer.get(POOLS, {"token": "garbled"}, HTTP_HX_REQUEST="true").content.decode()

    assert "<html" not in html
    assert "Invalid NextToken." in html


def test_full_page_and_fragment_answers_are_cached_apart(as_viewer):
    # The same URL answers a page or a fragment depending on HX-Request.
    response = as_viewer.get(POOLS)

    assert "HX-Request" in response["Vary"]


def test_the_page_is_get_only(as_viewer):
    assert as_viewer.post(POOLS).status_code == 405


# --- the region in the URL, and all regions -------------------------------------------------


@pytest.fixture
def two_regions(settings):
    settings.AWS_REGIONS = ["us-east-1", "eu-west-1"]
    return settings.AWS_REGIONS


def test_the_region_in_the_url_is_the_one_listed(as_viewer, two_regions):
    create_pools("eu-west-1", ["dublin-only"])

    html = as_viewer.get(POOLS, {"region": "eu-west-1"}).content.decode()

    assert _names_shown(html) == ["dublin-only"]
    assert "in eu-west-1" in html
    assert re.search(r'<option value="eu-west-1"\s+selected>', html)


def test_a_region_the_console_is_not_configured_for_is_refused_with_the_regions_it_knows(
    as_viewer, two_regions
):
    response = as_viewer.get(POOLS, {"region": "mars-north-1"})

    html = response.content.decode()
    assert response.status_code == 400
    assert (
        "Region “mars-north-1” is not one of this console&#x27;s regions (AWS_REGIONS: us-east-1, eu-west-1)."
        in html
    )
    assert "<table" not in html


def test_all_regions_has_one_section_per_region_each_loading_itself(as_viewer, two_regions):
    html = as_viewer.get(POOLS, {"region": "all"}).content.decode()

    assert "in all regions" in html
    for region in two_regions:
        assert f'hx-get="/pools/regions/{region}/" hx-trigger="load"' in html
        # Without JavaScript each section offers its region's own list.
        assert f'<a href="/?region={region}">Open the pools of {region}</a>' in html
    assert re.search(r'<option value="all"\s+selected>All regions</option>', html)


def test_all_regions_keeps_the_name_filter_for_every_section(as_viewer, two_regions):
    html = as_viewer.get(POOLS, {"region": "all", "q": "shop & co"}).content.decode()

    assert 'hx-get="/pools/regions/eu-west-1/?q=shop%20%26%20co"' in html
    assert 'value="shop &amp; co"' in html


def test_a_regions_section_lists_that_regions_pools(as_viewer, two_regions):
    create_pools("eu-west-1", ["dublin-only"])
    create_pools("us-east-1", ["virginia-only"])

    response = as_viewer.get(reverse("pools:region", args=["eu-west-1"]), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="region-eu-west-1" class="region-results">')
    assert _names_shown(html) == ["dublin-only"]


def test_a_regions_section_links_to_that_regions_next_page(as_viewer, two_regions):
    create_pools("eu-west-1", [f"pool-{number:02d}" for number in range(PAGE_SIZE + 1)])

    html = as_viewer.get(reverse("pools:region", args=["eu-west-1"]), HTTP_HX_REQUEST="true").content.decode()

    link = re.search(r'<a href="([^"]+)">More pools in eu-west-1</a>', html)
    assert link is not None
    query = parse_qs(urlsplit(link.group(1).replace("&amp;", "&")).query)
    assert query["region"] == ["eu-west-1"] and query["token"]


def test_a_failing_region_shows_its_error_in_its_own_section(as_viewer, two_regions, settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.COGNITO_ENDPOINT = f"http://127.0.0.1:{port}"

    page = as_viewer.get(POOLS, {"region": "all"})
    section = as_viewer.get(reverse("pools:region", args=["eu-west-1"]), HTTP_HX_REQUEST="true")

    # The page itself calls nothing, so a region that fails cannot hold it up.
    assert page.status_code == 200
    assert "EndpointUnavailable" not in page.content.decode()
    html = section.content.decode()
    assert section.status_code == 200
    assert html.lstrip().startswith('<div id="region-eu-west-1"')
    assert "<strong>EndpointUnavailable</strong> from ListIdentityPools" in html


def test_a_regions_section_opened_without_htmx_leads_to_that_regions_list(as_viewer, two_regions):
    response = as_viewer.get(reverse("pools:region", args=["eu-west-1"]), {"q": "shop"})

    assert response.status_code == 302
    assert response.url == "/?region=eu-west-1&q=shop"


def test_a_section_for_a_region_not_configured_says_so(as_viewer, two_regions):
    html = as_viewer.get(
        reverse("pools:region", args=["ap-south-1"]), HTTP_HX_REQUEST="true"
    ).content.decode()

    assert "Region “ap-south-1” is not one of this console" in html


# --- filtering by name walks the pages -------------------------------------------------------


def test_the_name_filter_finds_pools_on_every_page_it_walks(as_viewer, region):
    names = [f"pool-{number:03d}" for number in range(70)] + ["the shop pool"]
    create_pools(region, names)

    html = as_viewer.get(POOLS, {"q": "SHOP"}).content.decode()

    assert _names_shown(html) == ["the shop pool"]
    assert (
        "Searched 2 pages of the pools in us-east-1 (71 pools in this step): 1 name contains “SHOP”." in html
    )
    assert "That was the end of the list." in html
    assert "Search further" not in html


def test_a_search_stopped_at_its_page_bound_offers_to_search_further(as_viewer, region, monkeypatch):
    monkeypatch.setattr("console.pools.views.listing.SEARCH_PAGES", 1)
    create_pools(
        region, [f"shop-{number:03d}" if number % 30 == 0 else f"pool-{number:03d}" for number in range(70)]
    )

    first = as_viewer.get(POOLS, {"q": "shop"}).content.decode()
    further = _next_link(first)
    second = as_viewer.get(further).content.decode()

    assert _names_shown(first) == ["shop-000", "shop-030"]
    assert "Searched 1 page of the pools in us-east-1 (60 pools in this step)" in first
    assert "More pools remain to be searched." in first
    assert parse_qs(urlsplit(further).query)["pages"] == ["1"]
    assert _names_shown(second) == ["shop-060"]
    assert "Searched 2 pages of the pools in us-east-1 (10 pools in this step)" in second
    assert "Search from the start" in second


def test_a_search_that_finds_nothing_says_where_it_looked(as_viewer, region):
    create_pools(region, ["alpha"])

    html = as_viewer.get(POOLS, {"q": "zeta"}).content.decode()

    assert "No pool name in the pages searched contains “zeta”." in html


def test_an_htmx_search_further_gets_only_the_table(as_viewer, region, monkeypatch):
    monkeypatch.setattr("console.pools.views.listing.SEARCH_PAGES", 1)
    create_pools(region, [f"shop-{number:03d}" for number in range(61)])
    further = _next_link(as_viewer.get(POOLS, {"q": "shop"}).content.decode())

    html = as_viewer.get(further, HTTP_HX_REQUEST="true").content.decode()

    assert html.lstrip().startswith('<div id="pool-table">')
    assert _names_shown(html) == ["shop-060"]


# --- creating, for admins only ---------------------------------------------------------------


def test_admins_get_a_create_pool_button_for_the_region_shown(as_admin, region):
    html = as_admin.get(POOLS).content.decode()

    assert f'<a class="button primary" href="/pools/new?region={region}">Create pool</a>' in html


def test_an_empty_region_leads_admins_to_creating_a_pool(as_admin, region):
    html = as_admin.get(POOLS).content.decode()

    empty = html[html.index('<div class="empty">') :]
    assert "Create pool" in empty


@pytest.mark.parametrize("client_name", ["as_viewer", "as_support"])
def test_viewers_and_support_get_no_create_button(request, client_name, region):
    (pool_id,) = create_pools(region, ["mobile-app prod"])

    response = request.getfixturevalue(client_name).get(POOLS)

    html = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="/pools/{pool_id}/">mobile-app prod</a>' in html  # the list, with its pool
    assert "Create pool" not in html


def test_each_pool_links_to_its_page(as_viewer, region):
    (pool_id,) = create_pools(region, ["mobile-app prod"])

    html = as_viewer.get(POOLS).content.decode()

    assert f'<a href="/pools/{pool_id}/">mobile-app prod</a>' in html
