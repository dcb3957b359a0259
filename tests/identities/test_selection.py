"""The identity browser's selection for a bulk delete: kept across pages (live and inventory),
counted, limited, cleared, handed to the bulk delete's review, never mixed between pools."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from console.identities import selection
from console.inventory.store import ListedIdentity
from console.jobs.models import Draft, Job
from tests.identities.conftest import identity_ids_shown
from tests.inventory.helpers import FACEBOOK, identity_id, listed, sync
from tests.inventory_pages.conftest import SYNCED_AT
from tests.jobs.conftest import check_drafts

pytestmark = pytest.mark.django_db


def browser_url(pool_id: str) -> str:
    return reverse("identities:browser", args=[pool_id])


def selection_url(pool_id: str) -> str:
    return reverse("identities:selection", args=[pool_id])


def _unescape(text: str) -> str:
    return text.replace("&amp;", "&")


def ticked(html: str) -> list[str]:
    return re.findall(r'name="identity_id" value="([^"]+)" data-select-row aria-label="[^"]*" checked', html)


def count_shown(html: str) -> int:
    return int(re.search(r'data-testid="selection-count">(\d+) selected<', html).group(1))


def go_value(html: str, rel: str) -> str | None:
    match = re.search(rf'name="go" value="([^"]*)" class="button small" data-rel="{rel}"', html)
    return match and _unescape(match.group(1))


def submit(client, pool_id: str, html: str, ticks: list[str], *, action: str = "", go: str = "", **headers):
    """The page's selection form as a browser sends it: every row shown, the boxes ticked, the
    button pressed (an action, or a pager button's `go`)."""
    data = {
        "here": _unescape(re.search(r'name="here" value="([^"]*)"', html).group(1)),
        "shown": identity_ids_shown(html),
        "identity_id": ticks,
    }
    if action:
        data["action"] = action
    if go:
        data["go"] = go
    return client.post(selection_url(pool_id), data, headers=headers)


def follow(client, response) -> str:
    assert response.status_code == 302, response.content.decode()[:500]
    return client.get(response.url).content.decode()


def selected(client, pool_id: str) -> list[str]:
    return list(client.session.get(selection.SESSION_KEY, {}).get(pool_id, {}).get("ids", []))


@pytest.fixture
def walk_live(as_admin, pool_id, guests):
    """25 guests in the live listing, pages of 10: (ids, first page's html)."""
    ids = guests(pool_id, 25)
    return ids, as_admin.get(browser_url(pool_id), {"size": 10, "source": "live"}).content.decode()


def test_ticks_survive_paging_back_and_forth_in_the_live_listing(as_admin, pool_id, walk_live):
    ids, page1 = walk_live

    page2 = follow(as_admin, submit(as_admin, pool_id, page1, [ids[0], ids[3]], go=go_value(page1, "next")))
    assert identity_ids_shown(page2) == ids[10:20]
    assert count_shown(page2) == 2 and ticked(page2) == []

    again1 = follow(as_admin, submit(as_admin, pool_id, page2, [ids[12]], go=go_value(page2, "prev")))
    assert identity_ids_shown(again1) == ids[:10]
    assert ticked(again1) == [ids[0], ids[3]] and count_shown(again1) == 3

    # Unticking on a page removes only that page's id; the other pages' stay.
    saved = follow(as_admin, submit(as_admin, pool_id, again1, [ids[0]], action="save"))
    assert ticked(saved) == [ids[0]] and count_shown(saved) == 2
    assert selected(as_admin, pool_id) == [ids[0], ids[12]]


def test_ticks_survive_paging_in_inventory_mode_with_next_and_previous(as_admin, pool_id):
    ids = [identity_id(number) for number in range(1, 26)]
    sync(pool_id, [listed(number) for number in range(1, 26)], at=SYNCED_AT)
    page1 = as_admin.get(browser_url(pool_id), {"sort": "created", "size": 10}).content.decode()
    assert identity_ids_shown(page1) == ids[:10]

    page2 = follow(as_admin, submit(as_admin, pool_id, page1, [ids[1]], go=go_value(page1, "next")))
    assert identity_ids_shown(page2) == ids[10:20] and count_shown(page2) == 1
    again1 = follow(
        as_admin, submit(as_admin, pool_id, page2, [ids[10], ids[19]], go=go_value(page2, "prev"))
    )

    assert identity_ids_shown(again1) == ids[:10]
    assert ticked(again1) == [ids[1]] and count_shown(again1) == 3
    assert selected(as_admin, pool_id) == [ids[1], ids[10], ids[19]]
    # "Select all N matches" is still offered beside the ticks.
    assert "Select all 25 matches and delete…" in again1


def test_inventory_mode_keeps_the_limit_and_clears_too(as_admin, pool_id, settings):
    settings.IDENTITY_SELECTION_MAX = 4
    sync(pool_id, [listed(number) for number in range(1, 16)], at=SYNCED_AT)
    page1 = as_admin.get(browser_url(pool_id), {"sort": "created", "size": 10}).content.decode()

    html = follow(as_admin, submit(as_admin, pool_id, page1, [], action="page"))

    assert "A selection holds at most 4 identities: 6 of the ones ticked on this page were not added" in html
    assert ticked(html) == [identity_id(n) for n in range(1, 5)] and count_shown(html) == 4
    cleared = follow(as_admin, submit(as_admin, pool_id, html, ticked(html), action="clear"))
    assert count_shown(cleared) == 0 and ticked(cleared) == []
    assert identity_ids_shown(cleared) == identity_ids_shown(page1)


def test_select_all_on_this_page_and_clear(as_admin, pool_id, walk_live):
    ids, page1 = walk_live

    page = follow(as_admin, submit(as_admin, pool_id, page1, [], action="page"))
    assert ticked(page) == ids[:10] and count_shown(page) == 10
    assert "Clear selection" in page

    cleared = follow(as_admin, submit(as_admin, pool_id, page, ticked(page), action="clear"))
    assert ticked(cleared) == [] and count_shown(cleared) == 0
    assert selected(as_admin, pool_id) == []


def test_the_limit_is_kept_and_said_and_nothing_already_selected_is_lost(
    as_admin, pool_id, walk_live, settings
):
    settings.IDENTITY_SELECTION_MAX = 3
    ids, page1 = walk_live
    page2 = follow(as_admin, submit(as_admin, pool_id, page1, ids[:2], go=go_value(page1, "next")))

    response = submit(as_admin, pool_id, page2, ids[10:13], go=go_value(page2, "next"))
    html = follow(as_admin, response)

    # The page asked for is not shown: the same page, with what was kept and why.
    assert identity_ids_shown(html) == ids[10:20]
    assert "A selection holds at most 3 identities: 2 of the ones ticked on this page were not added" in html
    assert ticked(html) == [ids[10]] and count_shown(html) == 3
    assert selected(as_admin, pool_id) == [ids[0], ids[1], ids[10]]
    assert "at most 3" in html


@pytest.mark.parametrize(
    "bad", ["not-an-id", "eu-west-1:0a1b2c3d-0000-4000-8000-000000000001", "us-east-1:nope"]
)
def test_bad_values_are_ignored_and_said_and_the_selection_stays(as_admin, pool_id, walk_live, bad):
    ids, page1 = walk_live
    follow(as_admin, submit(as_admin, pool_id, page1, ids[:2], action="save"))

    response = as_admin.post(
        selection_url(pool_id),
        {"here": "?size=10&source=live", "shown": [bad, ids[5]], "identity_id": [bad, ids[5]]},
    )
    html = follow(as_admin, response)

    assert "value(s) sent were not identity ids of this page" in html
    assert selected(as_admin, pool_id) == [ids[0], ids[1], ids[5]]


@pytest.mark.parametrize("go", ["https://elsewhere.example/", "//elsewhere.example/x", "/jobs/", "?a\nb"])
def test_a_page_to_go_to_is_always_a_page_of_this_pools_browser(as_admin, pool_id, go):
    response = as_admin.post(selection_url(pool_id), {"here": "?size=10", "go": go})

    assert response.status_code == 302
    assert urlsplit(response.url).path == browser_url(pool_id)


def test_an_unknown_button_changes_nothing(as_admin, pool_id, walk_live):
    ids, page1 = walk_live
    follow(as_admin, submit(as_admin, pool_id, page1, ids[:1], action="save"))

    html = follow(as_admin, submit(as_admin, pool_id, page1, [], action="explode"))

    assert "the selection was not changed" in html
    assert selected(as_admin, pool_id) == ids[:1]


def test_delete_selected_opens_the_review_with_exactly_the_selected_ids(as_admin, pool_id, walk_live):
    ids, page1 = walk_live
    page2 = follow(as_admin, submit(as_admin, pool_id, page1, [ids[7], ids[2]], go=go_value(page1, "next")))
    page3 = follow(as_admin, submit(as_admin, pool_id, page2, [ids[19]], go=go_value(page2, "next")))

    response = submit(as_admin, pool_id, page3, [ids[20], ids[24]], action="delete")

    draft = Draft.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("jobs:confirm", kwargs={"draft_id": draft.pk})
    assert [target for _, target, _ in draft.targets] == [ids[2], ids[7], ids[19], ids[20], ids[24]]
    assert draft.pool_id == pool_id
    # Handed over, not gone: the selection stays until a job is started with it.
    assert len(selected(as_admin, pool_id)) == 5


def test_a_full_selection_of_ten_pages_reaches_the_review_without_losing_an_id(as_admin, pool_id):
    # The default limit, filled through the inventory's largest pages.
    sync(pool_id, [listed(number) for number in range(1, 1001)], at=SYNCED_AT)
    html = as_admin.get(browser_url(pool_id), {"sort": "created", "size": 100}).content.decode()
    for _ in range(9):
        html = follow(
            as_admin, submit(as_admin, pool_id, html, identity_ids_shown(html), go=go_value(html, "next"))
        )
    assert count_shown(html) == 900

    response = submit(as_admin, pool_id, html, identity_ids_shown(html), action="delete")

    assert response.status_code == 302
    draft = Draft.objects.get()
    assert [target for _, target, _ in draft.targets] == [identity_id(n) for n in range(1, 1001)]


def test_the_selection_is_cleared_once_the_job_starts_and_kept_when_the_draft_is_discarded(
    as_admin, pool_id, walk_live
):
    ids, page1 = walk_live
    submit(as_admin, pool_id, page1, ids[:2], action="delete")
    discarded = Draft.objects.get()
    as_admin.post(reverse("jobs:confirm", kwargs={"draft_id": discarded.pk}), {"discard": "1"})

    kept = as_admin.get(browser_url(pool_id), {"size": 10}).content.decode()
    assert count_shown(kept) == 2 and ticked(kept) == ids[:2]

    review = submit(as_admin, pool_id, kept, ids[:2], action="delete")
    check_drafts()
    started = as_admin.post(review.url, {"confirmation": "DELETE 2 IDENTITIES", "reason": "TICKET-7"})
    assert started.status_code == 302
    job = Job.objects.get()

    after = as_admin.get(browser_url(pool_id), {"size": 10}).content.decode()
    assert f"Job {job.pk} was started with the selected identities: the selection is cleared." in after
    assert count_shown(after) == 0
    assert selected(as_admin, pool_id) == []


def test_delete_with_nothing_selected_says_so(as_admin, pool_id, walk_live):
    _, page1 = walk_live

    html = follow(as_admin, submit(as_admin, pool_id, page1, [], action="delete"))

    assert "Tick at least one identity to delete." in html
    assert not Draft.objects.exists()


def test_another_pools_selection_never_mixes_in(as_admin, make_pool, guests):
    first, second = make_pool("first"), make_pool("second")
    first_ids, second_ids = guests(first, 3), guests(second, 3)
    page_a = as_admin.get(browser_url(first)).content.decode()
    follow(as_admin, submit(as_admin, first, page_a, first_ids, action="save"))

    page_b = as_admin.get(browser_url(second)).content.decode()
    assert count_shown(page_b) == 0 and ticked(page_b) == []
    submit(as_admin, second, page_b, second_ids[1:], action="delete")

    draft = Draft.objects.get()
    assert draft.pool_id == second
    assert [target for _, target, _ in draft.targets] == second_ids[1:]
    assert selected(as_admin, first) == first_ids


@pytest.mark.parametrize("role", ["as_viewer", "as_support"])
def test_viewers_and_support_see_no_ticks_and_cannot_select(request, role, pool_id, walk_live):
    client = request.getfixturevalue(role)
    ids, _ = walk_live

    html = client.get(browser_url(pool_id), {"size": 10}).content.decode()
    response = client.post(
        selection_url(pool_id), {"shown": ids[:1], "identity_id": ids[:1], "action": "delete"}
    )

    assert 'name="identity_id"' not in html and 'data-testid="selection-count"' not in html
    assert 'rel="next"' in html  # their pager is plain links
    assert response.status_code == 403
    assert selected(client, pool_id) == [] and not Draft.objects.exists()


def test_a_post_without_the_csrf_token_is_refused(admin, pool_id, walk_live):
    ids, _ = walk_live
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)

    response = client.post(selection_url(pool_id), {"shown": ids[:1], "identity_id": ids[:1]})

    assert response.status_code == 403
    assert selected(client, pool_id) == []


def test_the_selection_only_takes_posts(as_admin, pool_id):
    assert as_admin.get(selection_url(pool_id)).status_code == 405


def test_htmx_gets_the_next_pages_table_and_its_url(as_admin, pool_id, walk_live):
    ids, page1 = walk_live

    response = submit(as_admin, pool_id, page1, ids[:1], go=go_value(page1, "next"), HX_Request="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="identity-table">')
    assert identity_ids_shown(html) == ids[10:20] and count_shown(html) == 1
    assert response["HX-Push-Url"] == browser_url(pool_id) + go_value(page1, "next")


def test_htmx_delete_goes_to_the_review_as_a_whole_page(as_admin, pool_id, walk_live):
    ids, page1 = walk_live

    response = submit(as_admin, pool_id, page1, ids[:1], action="delete", HX_Request="true")

    assert response["HX-Redirect"] == reverse("jobs:confirm", kwargs={"draft_id": Draft.objects.get().pk})


def test_htmx_shows_a_problem_in_the_table(as_admin, pool_id, walk_live, settings):
    settings.IDENTITY_SELECTION_MAX = 1
    ids, page1 = walk_live

    response = submit(as_admin, pool_id, page1, ids[:2], go=go_value(page1, "next"), HX_Request="true")

    html = response.content.decode()
    assert "A selection holds at most 1 identities" in html
    assert identity_ids_shown(html) == ids[:10]


# --- What the rows say ----------------------------------------------------------------------


def test_inventory_mode_marks_disabled_identities(as_viewer, pool_id):
    rows = [listed(number) for number in range(1, 6)]
    sync(pool_id, rows, at=SYNCED_AT, enabled=[rows[0], rows[1], rows[3]])

    html = as_viewer.get(browser_url(pool_id), {"sort": "created"}).content.decode()

    marked = re.findall(r'<tr data-identity-id="([^"]+)" class="disabled">', html)
    assert marked == [identity_id(3), identity_id(5)]
    assert html.count('<strong class="tag tag-disabled">disabled</strong>') == 2
    assert html.count("<td>no</td>") == 3


def test_inventory_mode_says_disabled_is_not_known_before_a_sync_checked_it(as_viewer, pool_id):
    sync(pool_id, [listed(1), listed(2)], at=SYNCED_AT)

    html = as_viewer.get(browser_url(pool_id)).content.decode()

    assert html.count("not known</span>") == 2
    assert "Disabled: not known until a sync with the disabled option." in html


def test_guests_read_guest_no_linked_logins_in_both_modes(as_viewer, pool_id, guests):
    guests(pool_id, 1)
    sync(pool_id, [listed(1), listed(2, (FACEBOOK,))], at=SYNCED_AT)

    live = as_viewer.get(browser_url(pool_id), {"source": "live"}).content.decode()
    inventory = as_viewer.get(browser_url(pool_id), {"source": "inventory"}).content.decode()

    for html in (live, inventory):
        assert "guest (no linked logins)" in html
        assert ">none<" not in html
    assert inventory.count("guest (no linked logins)") == 1
    assert f'<span class="tag">{FACEBOOK}</span>' in inventory


def test_the_live_listing_marks_disabled_from_hide_disabled_or_the_inventory(as_viewer, pool_id, guests):
    ids = guests(pool_id, 3)
    when = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    rows = [ListedIdentity(each, (), when, when) for each in ids]

    unknown = as_viewer.get(browser_url(pool_id), {"source": "live"}).content.decode()
    hidden = as_viewer.get(browser_url(pool_id), {"source": "live", "hide": "1"}).content.decode()
    # A sync with the disabled option: the inventory knows the first one is disabled.
    sync(pool_id, rows, at=SYNCED_AT, enabled=rows[1:])
    known = as_viewer.get(browser_url(pool_id), {"source": "live"}).content.decode()

    assert unknown.count("not known</span>") == 3
    assert "every identity listed is enabled" in hidden and hidden.count("<td>no</td>") == 3
    assert re.findall(r'<tr data-identity-id="([^"]+)" class="disabled">', known) == ids[:1]
    assert known.count("<td>no</td>") == 2
    assert "Marked from the inventory's last sync with the disabled option" in known
