"""The search box in the header of every page: for support and admin, a plain GET form to /lookup/."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

FORM = '<form class="lookup-form" role="search" method="get" action="/lookup/">'


@pytest.mark.parametrize("role", ["as_support", "as_admin"])
def test_support_and_admins_have_it_on_every_page(request, role, pool_id):
    client = request.getfixturevalue(role)

    for page in (
        reverse("pools:list"),
        reverse("identities:browser", args=[pool_id]),
        reverse("identities:lookup"),
    ):
        html = client.get(page).content.decode()
        assert FORM in html, page
        assert '<label for="lookup-q">Find</label>' in html
        assert re.search(r'<input type="search" name="q"[^>]* id="lookup-q"', html)


def test_viewers_do_not_have_it(as_viewer):
    response = as_viewer.get(reverse("pools:list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Identity pools " in html
    assert '<span class="user" data-testid="signed-in-user">vic-viewer</span>' in html  # the header is there
    assert FORM not in html


def test_the_lookup_link_in_the_navigation_is_live_for_support_and_hidden_from_viewers(as_support, as_viewer):
    assert '<a href="/lookup/" >Lookup</a>' in as_support.get(reverse("pools:list")).content.decode()
    assert "Lookup" not in as_viewer.get(reverse("pools:list")).content.decode()


def test_the_box_keeps_the_query_on_the_results_page_escaped(as_support):
    html = as_support.get(reverse("identities:lookup"), {"q": '"><b>x'}).content.decode()

    assert 'name="q" value="&quot;&gt;&lt;b&gt;x"' in html
    assert "<b>x" not in html
