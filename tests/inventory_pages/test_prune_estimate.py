"""The prune form's instant estimate from the inventory: about how many identities match, as of the
last sync, before any dry run (which still lists the live pool)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.jobs.models import Job
from tests.inventory.helpers import listed, sync

from .conftest import SYNCED_AT

pytestmark = pytest.mark.django_db

NEW = reverse("jobs:new_prune")


def estimate(client, pool_id: str, htmx: bool = False, **fields: str) -> str:
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(NEW, {"pool_id": pool_id, "estimate": "1", **fields}, headers=headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"unauthenticated": "on"}, "About 4 identities match"),
        ({"created_before": "2026-03-04"}, "About 2 identities match"),
        ({"modified_before": "2026-03-07"}, "About 5 identities match"),
        ({"unauthenticated": "on", "modified_before": "2026-03-07"}, "About 4 identities match"),
        ({"unauthenticated": "on", "created_before": "2026-03-03"}, "About 1 identity match"),
        ({"modified_before": "2026-03-05"}, "About 3 identities match"),
        ({"disabled": "on"}, "About 2 identities match"),
        ({"unauthenticated": "on", "disabled": "on"}, "About 1 identity match"),
    ],
)
def test_the_estimate_counts_the_inventorys_matches_as_of_its_sync(
    as_admin, pool_id, inventoried, calls, fields, expected, htmx
):
    inventoried()
    # The form was opened first: its pool list is then kept in the shared cache (the plain
    # estimate shows the whole form again), so the estimate itself calls nothing.
    as_admin.get(NEW)
    calls.clear()
    html = estimate(as_admin, pool_id, htmx=htmx, **fields)
    assert f"{expected}, as of 2026-04-01 08:31 UTC" in html
    assert ("<form" in html) is not htmx
    assert sum(calls.values()) == 0
    assert not Job.objects.exists()  # no dry run started


def test_a_pool_never_synced_gets_no_estimate_but_the_dry_run_still_works(as_admin, pool_id):
    html = estimate(as_admin, pool_id, unauthenticated="on")
    assert "No estimate: This pool has not been synced" in html


def test_disabled_needs_a_sync_that_checked_them(as_admin, pool_id):
    sync(pool_id, [listed(1)], at=SYNCED_AT)
    html = estimate(as_admin, pool_id, disabled="on")
    assert "does not know which identities are disabled" in html
    assert "About 1 identity match" in estimate(as_admin, pool_id, unauthenticated="on")


def test_an_estimate_needs_a_valid_filter(as_admin, pool_id, inventoried):
    inventoried()
    html = estimate(as_admin, pool_id)
    assert "No estimate: correct the filter first." in html


@pytest.mark.parametrize("role", ["as_viewer", "as_support"])
def test_only_those_who_may_prune_see_the_estimate(request, role, pool_id, inventoried):
    inventoried()
    response = request.getfixturevalue(role).post(
        NEW, {"pool_id": pool_id, "estimate": "1", "unauthenticated": "on"}
    )
    assert response.status_code == 403
