"""The job forms' pool picker: every region's pools by name, the pool from the URL chosen, a typed
id still taken, bad ids refused with the input kept, and the list read from the shared cache."""

from __future__ import annotations

import html as html_lib

import pytest
from django.urls import reverse

from bench.servers import free_port
from console.jobs.models import Job, Kind, PruneSchedule
from tests.cognito import full_pool_settings
from tests.pools.helpers import pool_form

pytestmark = pytest.mark.django_db

EAST, WEST = "us-east-1", "eu-west-1"
UNKNOWN = "us-east-1:0a1b2c3d-0000-4000-8000-00000000beef"

FORMS = [
    reverse("jobs:new_delete"),
    reverse("jobs:new_merge"),
    reverse("jobs:new_prune"),
    reverse("jobs:new_export"),
    reverse("jobs:schedule_new"),
    reverse("jobs:schedule_new") + "?kind=sync",
]


@pytest.fixture
def two_regions(settings, cognito_in) -> dict[str, str]:
    """A pool in each of two regions: {name: id}."""
    settings.AWS_REGIONS = [EAST, WEST]
    return {
        name: cognito_in(region).create_identity_pool(**full_pool_settings(IdentityPoolName=name))[
            "IdentityPoolId"
        ]
        for region, name in ((EAST, "Checkout app"), (WEST, "Loyalty app"))
    }


def group(page: str, region: str) -> str:
    """The <optgroup> of `region` in the page."""
    start = page.index(f'<optgroup label="{region}">')
    return page[start : page.index("</optgroup>", start)]


def page_of(client, url: str, **query: str) -> str:
    response = client.get(url, query)
    assert response.status_code == 200
    return html_lib.unescape(response.content.decode())


@pytest.mark.parametrize("url", FORMS)
def test_every_job_form_lists_the_pools_of_every_region_by_name(as_admin, two_regions, url):
    page = page_of(as_admin, url)

    checkout, loyalty = two_regions["Checkout app"], two_regions["Loyalty app"]
    assert f'<option value="{checkout}">Checkout app — {checkout}</option>' in group(page, EAST)
    assert f'<option value="{loyalty}">Loyalty app — {loyalty}</option>' in group(page, WEST)
    assert "data-pool-picker" in page and "js/pool-picker.js" in page
    assert "… or type or paste the pool id" in page


@pytest.mark.parametrize("url", FORMS)
def test_a_pool_given_in_the_url_is_chosen_in_the_list(as_admin, two_regions, url):
    loyalty = two_regions["Loyalty app"]

    page = page_of(as_admin, url, pool=loyalty)

    assert f'<option value="{loyalty}" selected>Loyalty app — {loyalty}</option>' in page


def test_a_pool_the_list_does_not_show_is_put_in_the_box(as_admin, two_regions):
    page = page_of(as_admin, reverse("jobs:new_prune"), pool=UNKNOWN)

    assert f'name="pool_id" value="{UNKNOWN}"' in page
    assert '<option value="" selected>Choose a pool…</option>' in page


def test_the_pool_pages_link_to_the_job_forms_with_their_pool(as_admin, pool_id):
    page = page_of(as_admin, reverse("pools:detail", args=[pool_id]))

    for name in ("jobs:new_delete", "jobs:new_merge", "jobs:new_prune", "jobs:schedules"):
        assert f"{reverse(name)}?pool={pool_id.replace(':', '%3A')}" in page


def test_a_pool_chosen_in_the_list_starts_the_job(as_admin, two_regions):
    loyalty = two_regions["Loyalty app"]

    response = as_admin.post(reverse("jobs:new_prune"), {"pool": loyalty, "unauthenticated": "on"})

    job = Job.objects.get(kind=Kind.PRUNE_DRY_RUN)
    assert response.status_code == 302 and job.pool_id == loyalty


def test_a_typed_id_still_starts_the_job_and_costs_no_listing(as_admin, pool_id, calls):
    response = as_admin.post(reverse("jobs:new_prune"), {"pool_id": f"  {pool_id} ", "unauthenticated": "on"})

    assert response.status_code == 302
    assert Job.objects.get(kind=Kind.PRUNE_DRY_RUN).pool_id == pool_id
    assert calls["ListIdentityPools"] == 0


def test_a_schedule_is_saved_for_the_pool_chosen_in_the_list(as_admin, two_regions):
    checkout = two_regions["Checkout app"]
    data = {
        "pool": checkout,
        "unauthenticated": "on",
        "time_of_day": "02:15",
        "max_unconfirmed": "10",
        "enabled": "on",
        "reason": "OPS-9",
    }

    as_admin.post(reverse("jobs:schedule_new"), data)

    assert PruneSchedule.objects.get().pool_id == checkout


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("checkout", "“checkout” is not an identity pool id (REGION:UUID"),
        (UNKNOWN, f"Pool {UNKNOWN}: ResourceNotFoundException"),
    ],
)
def test_a_bad_or_unknown_id_is_refused_clearly_and_the_input_kept(as_admin, two_regions, typed, problem):
    response = as_admin.post(reverse("jobs:new_prune"), {"pool_id": typed, "unauthenticated": "on"})

    page = html_lib.unescape(response.content.decode())
    assert problem in page and "Nothing was started." in page
    assert f'name="pool_id" value="{typed}"' in page
    assert "Checkout app — " in page  # the list is offered again
    assert not Job.objects.exists()


def test_a_pool_deleted_since_is_named_in_the_refusal(as_admin, cognito, make_pool):
    old = make_pool("Old name")
    as_admin.get(reverse("pools:detail", args=[old]))  # the console sees it once
    cognito.delete_identity_pool(IdentityPoolId=old)

    page = html_lib.unescape(
        as_admin.post(reverse("jobs:new_prune"), {"pool_id": old, "unauthenticated": "on"}).content.decode()
    )

    assert (
        f"Pool {old} (“Old name”, deleted since the console last saw it): ResourceNotFoundException" in page
    )


def test_two_different_pools_are_refused_and_both_kept(as_admin, two_regions):
    checkout, loyalty = two_regions["Checkout app"], two_regions["Loyalty app"]

    response = as_admin.post(
        reverse("jobs:new_prune"), {"pool": checkout, "pool_id": loyalty, "unauthenticated": "on"}
    )

    page = html_lib.unescape(response.content.decode())
    assert f"The list says {checkout} and the box says {loyalty}" in page
    assert f'<option value="{checkout}" selected>' in page and f'value="{loyalty}"' in page
    assert not Job.objects.exists()


def test_no_pool_at_all_is_asked_for(as_admin, two_regions):
    page = as_admin.post(reverse("jobs:new_prune"), {"unauthenticated": "on"}).content.decode()

    assert "Choose the pool from the list, or type its id (REGION:UUID)." in page


def test_the_list_is_read_once_and_then_kept(as_admin, two_regions, calls):
    page_of(as_admin, reverse("jobs:new_delete"))
    first = calls["ListIdentityPools"]
    page_of(as_admin, reverse("jobs:new_merge"))
    page_of(as_admin, reverse("jobs:new_prune"))

    assert first == 2  # one page in each region
    assert calls["ListIdentityPools"] == first


def test_a_pool_created_through_the_console_is_in_the_list_at_once(as_admin, two_regions, cognito):
    page_of(as_admin, reverse("jobs:new_delete"))  # the list is now kept
    created = as_admin.post(reverse("pools:new"), pool_form("Fresh app", region=EAST))
    assert created.status_code == 302

    page = page_of(as_admin, reverse("jobs:new_delete"))

    assert "Fresh app — us-east-1:" in group(page, EAST)


def test_a_region_that_cannot_be_listed_offers_the_names_last_seen(as_admin, settings, make_pool):
    kept = make_pool("Checkout app")
    as_admin.get(reverse("pools:list"))  # the console has seen it
    settings.COGNITO_ENDPOINT = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    page = page_of(as_admin, reverse("jobs:new_prune"))

    assert f'<optgroup label="{EAST} — not listed now (EndpointUnavailable): names last seen">' in page
    assert f'<option value="{kept}">Checkout app — {kept}</option>' in page
