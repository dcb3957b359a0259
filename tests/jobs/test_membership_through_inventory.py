"""A bulk delete's pool check asks the inventory first: ids it last listed in the pool pass at once,
ids it listed in another pool are refused at once, and only the ids it does not know (or knows as
gone: not proof, DESIGN.md invariant 7) cost a LookupDeveloperIdentity call."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from console.inventory import store
from console.jobs.membership import OTHER_POOL
from console.jobs.models import Draft, Item, Job
from tests.identities.conftest import link_named
from tests.inventory.helpers import T0, listed, sync

from .conftest import REASON, check_drafts, drive, guest_identities, pool_identities

pytestmark = pytest.mark.django_db

NEW = reverse("jobs:new_delete")
UNKNOWN = "us-east-1:0a1b2c3d-0000-4000-8000-00000000beef"
SYNCED_AT = dt.datetime(2026, 4, 1, 8, 30, tzinfo=dt.UTC)


@pytest.fixture
def other_pool(make_pool) -> str:
    return make_pool("neighbour")


def inventory_of(pool_id: str, ids: list[str]) -> None:
    """The pool synced with these (real) identities, as guests created in their order."""
    rows = [store.ListedIdentity(each, (), T0 + dt.timedelta(minutes=n), T0) for n, each in enumerate(ids)]
    sync(pool_id, rows, at=SYNCED_AT)


def review(client, pool_id: str, text: str):
    response = client.post(NEW, {"pool_id": pool_id, "text": text, "review": "1"})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response.url


def test_ids_the_inventory_knows_are_settled_without_a_call_and_only_unknown_ids_are_asked(
    as_admin, cognito, pool_id, other_pool, calls
):
    known = guest_identities(cognito, pool_id, 3)
    theirs = guest_identities(cognito, other_pool, 1)[0]
    unlisted = guest_identities(cognito, pool_id, 1)[0]
    inventory_of(pool_id, known)
    inventory_of(other_pool, [theirs])
    url = review(as_admin, pool_id, "\n".join([*known, theirs, unlisted, UNKNOWN]))
    calls.clear()

    check_drafts()
    page = as_admin.get(url).content.decode()

    assert calls["LookupDeveloperIdentity"] == 2  # the unlisted one and the unknown one
    draft = Draft.objects.get()
    assert draft.inventory_confirmed == 3
    assert [target for _, target, _ in draft.targets] == [*known, unlisted]
    assert f"Line 4: {theirs} {OTHER_POOL.format(pool=pool_id)}" in page
    assert "3 of them were confirmed in the pool by the inventory (no call needed); 3 were asked" in page


def test_an_id_the_inventory_knows_as_gone_is_checked_live(as_admin, cognito, pool_id, calls):
    alive = guest_identities(cognito, pool_id, 1)[0]
    inventory_of(pool_id, [alive])
    store.mark_gone([alive], how="deleted")  # a wrong mark: the service still has it
    url = review(as_admin, pool_id, alive)
    calls.clear()

    check_drafts()

    assert calls["LookupDeveloperIdentity"] == 1
    draft = Draft.objects.get()
    assert (draft.inventory_confirmed, draft.count) == (0, 1)
    assert "DELETE 1 IDENTITY" in as_admin.get(url).content.decode()


def test_the_check_of_many_known_ids_commits_in_few_batches(
    as_admin, pool_id, calls, django_assert_max_num_queries
):
    ids = [listed(number).identity_id for number in range(1, 501)]
    sync(pool_id, [listed(number) for number in range(1, 501)], at=SYNCED_AT)
    review(as_admin, pool_id, "\n".join(ids))
    calls.clear()

    with django_assert_max_num_queries(40):
        check_drafts()

    assert calls["LookupDeveloperIdentity"] == 0
    assert Draft.objects.get().inventory_confirmed == 500


def test_select_all_matches_sends_every_match_to_the_delete_review_past_sixty(as_admin, pool_id):
    sync(
        pool_id,
        [listed(number, () if number <= 75 else ("graph.facebook.com",)) for number in range(1, 91)],
        at=SYNCED_AT,
    )
    browser = reverse("identities:browser", args=[pool_id])
    html = as_admin.get(f"{browser}?provider=guests").content.decode()
    delete_url = link_named(html, "Select all 75 matches and delete…")
    form = as_admin.get(delete_url).content.decode()
    matches = parse_qs(urlsplit(delete_url).query)["inventory_filter"][0]

    assert "All 75 identities matching: guests (from the inventory as of 2026-04-01 08:31 UTC)" in form
    assert 'name="inventory_filter" value="provider=guests"' in form
    response = as_admin.post(
        NEW, {"pool_id": pool_id, "inventory_filter": matches, "text": "", "review": "1"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    check_drafts()
    draft = Draft.objects.get()
    assert [target for _, target, _ in draft.targets] == [
        listed(n).identity_id for n in range(75, 0, -1)
    ]  # the browser's order
    assert draft.inventory_confirmed == 75
    page = as_admin.get(response.url).content.decode()
    assert "DELETE 75 IDENTITIES" in page
    assert "All 75 identities matching: guests" in page


def test_all_matches_go_through_the_typed_confirmation_and_the_job_deletes_them(as_admin, cognito, pool_id):
    made = guest_identities(cognito, pool_id, 3)
    inventory_of(pool_id, made)
    response = as_admin.post(NEW, {"pool_id": pool_id, "inventory_filter": "all", "text": "", "review": "1"})
    check_drafts()
    started = as_admin.post(response.url, {"confirmation": "DELETE 3 IDENTITIES", "reason": REASON})

    job = Job.objects.get()
    assert started.url == reverse("jobs:detail", args=[job.pk])
    assert sorted(Item.objects.filter(job=job).values_list("target", flat=True)) == sorted(made)
    drive(job)
    assert pool_identities(cognito, pool_id) == []


def test_matches_and_a_pasted_list_together_are_refused(as_admin, pool_id):
    response = as_admin.post(
        NEW, {"pool_id": pool_id, "inventory_filter": "all", "text": UNKNOWN, "review": "1"}
    )
    assert "Delete the matches or a list, not both." in response.content.decode()
    assert not Draft.objects.exists()


def test_the_job_command_checks_through_the_inventory_too(
    tmp_path, cognito, pool_id, other_pool, admin, calls
):
    mine = guest_identities(cognito, pool_id, 2)
    theirs = guest_identities(cognito, other_pool, 1)[0]
    inventory_of(pool_id, mine)
    inventory_of(other_pool, [theirs])
    path = tmp_path / "ids.txt"
    errors = StringIO()
    calls.clear()

    path.write_text("\n".join(mine) + "\n")
    call_command(
        "job", "delete", "--pool", pool_id, "--ids-file", str(path), "--reason", "OPS-1", "--user", admin.username,
        stdout=StringIO(), stderr=errors,
    )  # fmt: skip
    assert "2 ids confirmed in the pool by the inventory" in errors.getvalue()
    assert calls["LookupDeveloperIdentity"] == 0

    path.write_text(theirs + "\n")
    with pytest.raises(CommandError, match="belongs to another identity pool"):
        call_command(
            "job", "delete", "--pool", pool_id, "--ids-file", str(path), "--reason", "OPS-1", "--user", admin.username,
            stdout=StringIO(), stderr=StringIO(),
        )  # fmt: skip
    assert calls["LookupDeveloperIdentity"] == 0
