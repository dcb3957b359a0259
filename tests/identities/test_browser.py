"""The identity browser: ListIdentities a page at a time, Next and Previous, each page its own URL."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from console.identities.models import PageTrail
from console.identities.paging import prune
from tests.cognito import GOOGLE, id_token
from tests.identities.conftest import identity_ids_shown, link, link_named

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]


def browser_url(pool_id: str) -> str:
    return reverse("identities:browser", args=[pool_id])


def _walk_forward(client, url: str) -> tuple[list[list[str]], list[str]]:
    """Every page from `url` on by Next: the ids of each page and each page's URL."""
    pages, urls = [], []
    while url:
        html = client.get(url).content.decode()
        pages.append(identity_ids_shown(html))
        urls.append(url)
        next_url = link(html, "next")
        url = f"{urlsplit(url).path}{next_url}" if next_url else None
    return pages, urls


def test_paging_forward_and_back_over_150_identities_visits_each_exactly_once(as_viewer, pool_id, guests):
    created = guests(pool_id, 150)
    base = browser_url(pool_id)

    forward, urls = _walk_forward(as_viewer, f"{base}?size=10")
    backward = []
    html = as_viewer.get(urls[-1]).content.decode()
    backward.append(identity_ids_shown(html))
    while previous := link(html, "prev"):
        html = as_viewer.get(f"{base}{previous}").content.decode()
        backward.append(identity_ids_shown(html))

    assert len(forward) == 15
    assert [identity for page in forward for identity in page] == created
    assert backward == forward[::-1]


def test_a_pages_url_reloads_the_same_page(as_viewer, pool_id, guests):
    guests(pool_id, 35)
    base = browser_url(pool_id)
    pages, urls = _walk_forward(as_viewer, f"{base}?size=10")

    for url, shown in zip(urls, pages, strict=True):
        again = as_viewer.get(url).content.decode()
        assert identity_ids_shown(again) == shown
    assert "Page 3" in as_viewer.get(urls[2]).content.decode()


def test_previous_works_a_hundred_pages_back_and_the_url_stays_short(as_viewer, pool_id, guests):
    created = guests(pool_id, 1010)
    base = browser_url(pool_id)
    url = f"{base}?size=10"
    lengths = []
    for _ in range(100):
        html = as_viewer.get(url).content.decode()
        url = f"{base}{link(html, 'next')}"
        lengths.append(len(url))
    page_101 = as_viewer.get(url).content.decode()
    assert identity_ids_shown(page_101) == created[1000:1010]
    assert "Page 101" in page_101

    html = page_101
    for _ in range(100):
        html = as_viewer.get(f"{base}{link(html, 'prev')}").content.decode()

    assert identity_ids_shown(html) == created[:10]
    assert "Page 1<" in html
    assert link(html, "prev") is None
    # One token and one trail key, whatever the depth.
    assert max(lengths) - min(lengths[1:]) < 20
    assert max(lengths) < 400


def test_a_page_whose_trail_was_pruned_still_loads_and_offers_the_first_page(as_viewer, pool_id, guests):
    created = guests(pool_id, 40)
    base = browser_url(pool_id)
    _, urls = _walk_forward(as_viewer, f"{base}?size=10")
    PageTrail.objects.update(created_at="2000-01-01T00:00:00Z")
    assert prune() > 0

    html = as_viewer.get(urls[3]).content.decode()

    assert identity_ids_shown(html) == created[30:40]
    assert link(html, "prev") is None
    assert link_named(html, "First page") == "?size=10"
    assert "Page ?" in html


def test_reloading_pages_stores_no_new_trail(as_viewer, pool_id, guests):
    guests(pool_id, 50)
    _, urls = _walk_forward(as_viewer, f"{browser_url(pool_id)}?size=10")
    stored = PageTrail.objects.count()

    for url in urls:
        as_viewer.get(url)

    assert stored == 3  # pages 2, 3 and 4 led somewhere; the last page and the first need none
    assert PageTrail.objects.count() == stored


def test_hide_disabled_leaves_out_identities_merged_away(as_viewer, cognito, pool_id, guests, with_roles):
    with_roles(pool_id)
    guest, other = guests(pool_id, 2)
    owner = cognito.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: id_token("ada")})["IdentityId"]
    # A guest signing in as a known user is merged into that user's identity and disabled.
    cognito.get_credentials_for_identity(IdentityId=guest, Logins={GOOGLE: id_token("ada")})
    base = browser_url(pool_id)

    everything = identity_ids_shown(as_viewer.get(base).content.decode())
    enabled_only = as_viewer.get(base, {"hide": "1"}).content.decode()

    assert everything == [guest, other, owner]
    assert identity_ids_shown(enabled_only) == [other, owner]
    assert re.search(r'name="hide" value="1"[^>]* checked', enabled_only)


def test_linked_login_providers_and_dates_are_shown_but_no_count(as_viewer, cognito, pool_id):
    cognito.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: id_token("ada")})

    html = as_viewer.get(browser_url(pool_id)).content.decode()

    assert f'<span class="tag">{GOOGLE}</span>' in html
    assert "Cognito gives no count" in html
    assert "<strong" in html and ">—</strong>" in html


@pytest.mark.parametrize("size", [10, 25, 60])
def test_pages_hold_10_25_or_60_identities(as_viewer, pool_id, guests, size):
    guests(pool_id, 61)

    html = as_viewer.get(browser_url(pool_id), {"size": size}).content.decode()

    assert len(identity_ids_shown(html)) == size
    assert f'<option value="{size}" selected>' in html


def test_an_unlisted_page_size_falls_back_to_25(as_viewer, pool_id, guests):
    guests(pool_id, 30)

    assert (
        len(identity_ids_shown(as_viewer.get(browser_url(pool_id), {"size": "5000"}).content.decode())) == 25
    )


def test_an_empty_pool_says_so(as_viewer, pool_id):
    html = as_viewer.get(browser_url(pool_id)).content.decode()

    assert "This pool has no identities yet." in html


def test_a_garbled_token_shows_the_services_error_and_a_way_back(as_viewer, pool_id):
    html = as_viewer.get(browser_url(pool_id), {"token": "garbled"}).content.decode()

    assert "Invalid NextToken." in html
    assert "Start again from the first page" in html


def test_an_unknown_pool_is_404_with_the_services_error(as_viewer):
    response = as_viewer.get(browser_url("us-east-1:0a1b2c3d-0000-4000-8000-000000000001"))

    assert response.status_code == 404
    assert "ResourceNotFoundException" in response.content.decode()


@pytest.mark.parametrize("bad", ["not-an-id", "eu-central-9:0a1b2c3d-0000-4000-8000-000000000001"])
def test_an_id_of_no_configured_region_is_404(as_viewer, bad):
    # Spelled out: the URLconf's converter does not reverse an address that is no page.
    assert as_viewer.get(f"/pools/{bad}/identities/").status_code == 404


def test_an_htmx_request_gets_only_the_table(as_viewer, pool_id, guests):
    created = guests(pool_id, 12)

    response = as_viewer.get(browser_url(pool_id), {"size": 10}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="identity-table">')
    assert identity_ids_shown(html) == created[:10]
    assert "HX-Request" in response["Vary"]


def test_an_htmx_next_page_is_that_pages_table(as_viewer, pool_id, guests):
    created = guests(pool_id, 12)
    next_url = link(as_viewer.get(browser_url(pool_id), {"size": 10}).content.decode(), "next")

    html = as_viewer.get(f"{browser_url(pool_id)}{next_url}", HTTP_HX_REQUEST="true").content.decode()

    assert "<html" not in html
    assert identity_ids_shown(html) == created[10:]


def test_rows_link_to_the_identity_page_naming_the_pool(as_viewer, pool_id, guests):
    [identity] = guests(pool_id, 1)

    html = as_viewer.get(browser_url(pool_id)).content.decode()

    expected = f"{reverse('identities:detail', args=[identity])}?pool={pool_id.replace(':', '%3A')}"
    assert f'href="{expected}"' in html


def test_admins_can_select_rows_viewers_and_support_cannot(as_admin, as_support, as_viewer, pool_id, guests):
    guests(pool_id, 3)

    for client in (as_viewer, as_support):
        assert 'name="identity_id"' not in client.get(browser_url(pool_id)).content.decode()
    html = as_admin.get(browser_url(pool_id)).content.decode()
    assert html.count('name="identity_id"') == 3
    assert "0 selected" in html


def test_the_admins_ticks_post_to_the_pools_selection(as_admin, pool_id, guests):
    # What the selection does with them: tests/identities/test_selection.py.
    guests(pool_id, 2)

    html = as_admin.get(browser_url(pool_id)).content.decode()

    selection = reverse("identities:selection", args=[pool_id])
    assert f'<form method="post" action="{selection}" id="identity-selection"' in html
    assert "Delete selected…" in html and "Select all on this page" in html


def test_the_page_links_the_tester_and_registration_by_role(as_admin, as_support, as_viewer, pool_id):
    tester = reverse("identities:signin_tester", args=[pool_id])
    register = reverse("identities:register_developer", args=[pool_id])

    viewer, support, admin = (
        client.get(browser_url(pool_id)).content.decode() for client in (as_viewer, as_support, as_admin)
    )

    assert tester not in viewer and register not in viewer
    assert tester in support and register not in support
    assert tester in admin and register in admin


def test_the_page_is_get_only(as_admin, pool_id):
    assert as_admin.post(browser_url(pool_id)).status_code == 405
