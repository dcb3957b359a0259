"""Choosing the region the console shows, per session."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

POOLS = reverse("pools:list")


@pytest.fixture(autouse=True)
def two_regions(settings):
    settings.AWS_REGIONS = ["us-east-1", "eu-west-1"]


def test_the_region_selector_shows_the_configured_regions_with_the_current_one_selected(as_viewer):
    as_viewer.get(POOLS, {"region": "eu-west-1"})

    page = as_viewer.get(POOLS).content.decode()

    assert re.search(r'<option value="us-east-1"\s*>us-east-1</option>', page)
    assert re.search(r'<option value="eu-west-1"\s+selected>eu-west-1</option>', page)


def test_the_first_region_is_shown_until_another_is_chosen(as_viewer):
    assert b"in us-east-1" in as_viewer.get(POOLS).content


def test_an_unknown_region_shows_an_error_and_changes_nothing(as_viewer):
    as_viewer.get(POOLS, {"region": "eu-west-1"})

    response = as_viewer.get(POOLS, {"region": "mars-north-1"})

    assert response.status_code == 400
    assert as_viewer.session["region"] == "eu-west-1"
    assert "Region “mars-north-1” is not one of this console" in response.content.decode()


def test_a_region_dropped_from_the_settings_falls_back_to_the_first(as_viewer, settings):
    as_viewer.get(POOLS, {"region": "eu-west-1"})
    settings.AWS_REGIONS = ["us-east-1"]

    assert b"in us-east-1" in as_viewer.get(POOLS).content


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
