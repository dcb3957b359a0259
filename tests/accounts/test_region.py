"""Choosing the region the console shows, per session."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

SET_REGION = reverse("set_region")
POOLS = reverse("pools:list")


@pytest.fixture(autouse=True)
def two_regions(settings):
    settings.AWS_REGIONS = ["us-east-1", "eu-west-1"]


def test_switching_region_is_remembered_for_the_session(as_viewer):
    response = as_viewer.post(SET_REGION, {"region": "eu-west-1", "next": POOLS})

    assert response.status_code == 302
    assert response.url == POOLS
    assert as_viewer.session["region"] == "eu-west-1"
    assert b"Identity pools <small" in as_viewer.get(POOLS).content
    assert b"in eu-west-1" in as_viewer.get(POOLS).content


def test_the_region_selector_shows_the_configured_regions_with_the_current_one_selected(as_viewer):
    as_viewer.post(SET_REGION, {"region": "eu-west-1"})

    page = as_viewer.get(POOLS).content.decode()

    assert re.search(r'<option value="us-east-1"\s*>us-east-1</option>', page)
    assert re.search(r'<option value="eu-west-1"\s+selected>eu-west-1</option>', page)


def test_the_first_region_is_shown_until_another_is_chosen(as_viewer):
    assert b"in us-east-1" in as_viewer.get(POOLS).content


def test_an_unknown_region_shows_an_error_and_changes_nothing(as_viewer):
    as_viewer.post(SET_REGION, {"region": "eu-west-1"})

    response = as_viewer.post(SET_REGION, {"region": "mars-north-1", "next": POOLS}, follow=True)

    assert as_viewer.session["region"] == "eu-west-1"
    assert b"Unknown region &#x27;mars-north-1&#x27;; choose one of us-east-1, eu-west-1." in response.content


def test_an_unknown_region_is_shown_escaped(as_viewer):
    response = as_viewer.post(SET_REGION, {"region": "<script>alert(1)</script>"}, follow=True)

    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


def test_a_region_dropped_from_the_settings_falls_back_to_the_first(as_viewer, settings):
    as_viewer.post(SET_REGION, {"region": "eu-west-1"})
    settings.AWS_REGIONS = ["us-east-1"]

    assert b"in us-east-1" in as_viewer.get(POOLS).content


def test_switching_returns_to_the_page_it_came_from(as_viewer):
    response = as_viewer.post(SET_REGION, {"region": "eu-west-1", "next": "/?token=abc"})

    assert response.url == "/?token=abc"


def test_switching_without_next_goes_to_the_pools_page(as_viewer):
    response = as_viewer.post(SET_REGION, {"region": "eu-west-1"})

    assert response.url == "/"


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "http://testserver.evil.example/", "javascript:alert(1)"],
)
def test_next_never_leads_to_another_site(as_viewer, target):
    response = as_viewer.post(SET_REGION, {"region": "eu-west-1", "next": target})

    assert response.url == "/"


def test_an_https_page_is_not_sent_back_over_plain_http(as_viewer):
    response = as_viewer.post(SET_REGION, {"region": "eu-west-1", "next": "http://testserver/"}, secure=True)

    assert response.url == "/"


def test_switching_region_is_post_only(as_viewer):
    assert as_viewer.get(SET_REGION, {"region": "eu-west-1"}).status_code == 405
    assert "region" not in as_viewer.session


def test_the_region_selector_leads_to_the_list_of_that_region_or_of_all(as_viewer):
    # A GET form: the region lands in the list's URL, which can be bookmarked and shared.
    page = as_viewer.get(POOLS, {"token": "abc"}).content.decode()

    form = re.search(r'<form class="region-form" method="get" action="/">(.*?)</form>', page, re.S)
    assert form is not None
    assert 'name="region"' in form.group(1)
    assert re.search(r'<option value="all"\s*>All regions</option>', form.group(1))
    assert "token" not in form.group(1)


def test_the_region_chosen_in_the_url_becomes_the_sessions_default(as_viewer):
    as_viewer.get(POOLS, {"region": "eu-west-1"})

    assert as_viewer.session["region"] == "eu-west-1"
    assert b"in eu-west-1" in as_viewer.get(POOLS).content
