"""Pages that ask every pool (issue 19, item 8): the identity page's "which pool" is asked once per
identity and kept, a busy quota is said to be busy (never "no pool"), and reading the lookup's
pools again is limited per person."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.aws import limiter
from tests.cognito import full_pool_settings

pytestmark = pytest.mark.django_db

LOOKUP = reverse("identities:lookup")


@pytest.fixture
def calls(client_calls):
    """Here: the calls of the console's own client for the region (the pages' client)."""
    return client_calls


@pytest.fixture
def pools(make_pool) -> list[str]:
    # Several pools, so that finding an identity's pool is a fan-out.
    return [make_pool(f"pool-{number}") for number in range(4)]


@pytest.fixture
def lookups_exhausted(settings, redis_db, region):
    """LookupDeveloperIdentity's bucket empty at a rate that gives no turn during the test."""
    limiter.reset()
    settings.COGNITO_RATE_LIMITER = True
    settings.COGNITO_RATE_LIMITS = {"LookupDeveloperIdentity": 0.01}
    settings.COGNITO_RATE_LIMIT_WAIT = 0
    limiter.take(region, "LookupDeveloperIdentity", max_wait=0)
    yield settings
    limiter.reset()


def identity_page(identity_id: str) -> str:
    return reverse("identities:detail", args=[identity_id])


def test_the_identity_pages_pool_is_found_once_and_a_second_visit_asks_no_pool(
    as_viewer, cognito, pools, calls
):
    identity = cognito.get_id(IdentityPoolId=pools[-1])["IdentityId"]

    first = as_viewer.get(identity_page(identity))
    asked_first = calls["LookupDeveloperIdentity"]
    second = as_viewer.get(identity_page(identity))

    assert asked_first >= 1
    assert calls["LookupDeveloperIdentity"] == asked_first
    for response in (first, second):
        assert response.status_code == 200
        assert pools[-1] in response.content.decode()


def test_a_pool_confirmed_by_the_link_is_kept_for_visits_without_it(
    as_support, as_viewer, cognito, pools, calls
):
    identity = cognito.get_id(IdentityPoolId=pools[2])["IdentityId"]
    as_support.get(identity_page(identity), {"pool": pools[2]})
    before = calls["LookupDeveloperIdentity"]

    response = as_viewer.get(identity_page(identity))

    assert calls["LookupDeveloperIdentity"] == before
    assert pools[2] in response.content.decode()


def test_a_busy_quota_while_finding_the_pool_says_so_instead_of_no_pool(
    as_viewer, cognito, pools, lookups_exhausted
):
    identity = cognito.get_id(IdentityPoolId=pools[0])["IdentityId"]

    response = as_viewer.get(identity_page(identity))

    html = response.content.decode()
    assert response.status_code == 200
    assert "The pool could not be found now: Cognito is busy" in html
    assert "no pool of its region answered" not in html


def test_a_busy_answer_is_not_kept_so_the_pool_is_found_once_the_quota_frees(
    as_viewer, cognito, pools, lookups_exhausted
):
    identity = cognito.get_id(IdentityPoolId=pools[0])["IdentityId"]
    as_viewer.get(identity_page(identity))
    lookups_exhausted.COGNITO_RATE_LIMITER = False  # the quota is free again

    html = as_viewer.get(identity_page(identity)).content.decode()

    assert "Cognito is busy" not in html
    assert pools[0] in html


def test_reading_the_pools_again_is_limited_per_person(as_support, as_admin, pools, calls):
    as_support.get(LOOKUP, {"q": "someone", "refresh": "1"})
    described = calls["DescribeIdentityPool"]

    again = as_support.get(LOOKUP, {"q": "someone", "refresh": "1"})
    refused = calls["DescribeIdentityPool"] - described
    by_someone_else = as_admin.get(LOOKUP, {"q": "someone", "refresh": "1"})

    assert described >= len(pools)
    assert refused == 0
    assert "The pools were not read again: you did that less than 60 s ago" in again.content.decode()
    assert "Read the pools again" in by_someone_else.content.decode()
    assert calls["DescribeIdentityPool"] - described >= len(pools)


def test_a_refused_refresh_still_finds_what_the_kept_list_knows(
    as_support, cognito, pools, developer_user, calls
):
    as_support.get(LOOKUP, {"q": "anyone", "refresh": "1"})
    identity = developer_user(pools[1], "customer-777")
    newer = cognito.create_identity_pool(**full_pool_settings(IdentityPoolName="newer"))["IdentityPoolId"]

    response = as_support.get(LOOKUP, {"q": "customer-777", "refresh": "1"})

    # The kept list predates `newer`, so it is not asked; the known pool's match is opened.
    assert response.status_code == 302
    assert identity in response["Location"]
    assert newer not in response["Location"]


def test_a_search_that_found_nothing_only_because_the_quota_is_busy_answers_the_busy_page(
    as_support, pools, lookups_exhausted
):
    response = as_support.get(LOOKUP, {"q": "customer-12345"})

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "LookupDeveloperIdentity" in response.content.decode()
    assert 'http-equiv="refresh"' in response.content.decode()
