"""The pools page: the region's identity pools, a page at a time."""

from __future__ import annotations

import re
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from console.pools.views import PAGE_SIZE
from tests.cognito import create_pools

# Nothing these pages log (at DEBUG) may hold a credential or the password typed.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]

POOLS = reverse("pools:list")


def _names_shown(html: str) -> list[str]:
    return re.findall(r"<tr><td>([^<]*)</td><td><code>", html)


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
    assert 'href="?"' in html


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
