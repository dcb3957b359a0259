"""A pool's sections answer htmx with a fragment and a plain visit with a page, at one URL: the
answer says it varies on HX-Request, so no cache hands the fragment to a plain visit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.pools.helpers import detail_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool_id(make_pool):
    return make_pool("shop")


@pytest.mark.parametrize("name", ["edit", "roles", "tags", "role_tester"])
def test_a_section_fragment_varies_on_hx_request(as_admin, pool_id, name):
    response = as_admin.get(
        reverse(f"pools:{name}", args=[pool_id]),
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{detail_url(pool_id)}",
    )

    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_the_new_pool_form_fragment_varies_on_hx_request(as_admin):
    response = as_admin.get(reverse("pools:new"), HTTP_HX_REQUEST="true")

    assert "<html" not in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_a_plain_section_page_varies_on_hx_request_too(as_admin, pool_id):
    response = as_admin.get(reverse("pools:edit", args=[pool_id]))

    assert "<html" in response.content.decode()
    assert "HX-Request" in response["Vary"]
