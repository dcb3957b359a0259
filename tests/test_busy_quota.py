"""A busy Cognito quota is never a server error: every page, section and fragment answers with
the console's rate-limit message (what is busy, when to try again), and whole pages retry
themselves when the turn is due instead of holding a web thread."""

from __future__ import annotations

import botocore.session
import pytest

from console.aws import limiter
from tests.urls_helper import all_pages

pytestmark = pytest.mark.django_db

OPERATIONS = botocore.session.get_session().get_service_model("cognito-identity").operation_names
PAGES = all_pages()


@pytest.fixture
def quota_exhausted(settings, redis_db, region):
    """Every operation's bucket empty, at a rate so low that no turn comes during the test."""
    limiter.reset()
    settings.COGNITO_RATE_LIMITER = True
    settings.COGNITO_RATE_LIMITS = dict.fromkeys(OPERATIONS, 0.01)
    settings.COGNITO_RATE_LIMIT_WAIT = 0

    def exhaust() -> None:
        for operation in OPERATIONS:
            limiter.take(region, operation, max_wait=0)

    yield exhaust
    limiter.reset()


@pytest.fixture
def real_ids(cognito):
    """A pool with a developer provider and one of its identities, to put in the pages' URLs."""
    pool = cognito.create_identity_pool(
        IdentityPoolName="busy", AllowUnauthenticatedIdentities=True, DeveloperProviderName="login.busy"
    )["IdentityPoolId"]
    identity = cognito.get_id(IdentityPoolId=pool)["IdentityId"]
    return pool, identity


def _url(page, pool_id: str, identity_id: str) -> str:
    sample = "us-east-1:0a1b2c3d-0000-4000-8000-000000000001"
    return page.url.replace(sample, identity_id if "identities/" in page.url else pool_id)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_no_page_answers_a_server_error_when_the_quota_is_busy(as_admin, quota_exhausted, real_ids, htmx):
    pool_id, identity_id = real_ids
    quota_exhausted()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}

    failures = {}
    for page in PAGES:
        url = _url(page, pool_id, identity_id)
        response = as_admin.get(url, **headers)
        if response.status_code >= 500:
            failures[url] = response.status_code

    assert failures == {}


def test_the_identity_page_says_the_quota_is_busy_and_retries_itself(as_support, quota_exhausted, real_ids):
    _, identity_id = real_ids
    quota_exhausted()

    response = as_support.get(f"/identities/{identity_id}/")

    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    html = response.content.decode()
    assert "Cognito is busy for this account" in html
    assert "ConsoleRateLimited" in html
    assert f'<meta http-equiv="refresh" content="{response["Retry-After"]}">' in html
    assert "shares that quota between every page and every bulk job" in response["X-Console-Message"]


def test_the_pool_page_answers_busy_not_bad_gateway(as_admin, quota_exhausted, real_ids):
    pool_id, _ = real_ids
    quota_exhausted()

    response = as_admin.get(f"/pools/{pool_id}/")

    assert response.status_code == 429
    assert "DescribeIdentityPool" in response.content.decode()


def test_an_htmx_fragment_gets_the_message_for_its_alert_region_and_no_self_refresh(
    as_admin, quota_exhausted, real_ids
):
    _, identity_id = real_ids
    quota_exhausted()

    response = as_admin.get(f"/identities/{identity_id}/", HTTP_HX_REQUEST="true")

    assert response.status_code == 429
    assert "try again in" in response["X-Console-Message"]
    assert 'http-equiv="refresh"' not in response.content.decode()


def test_with_a_free_turn_the_same_page_is_served(as_support, quota_exhausted, real_ids, settings):
    _, identity_id = real_ids
    settings.COGNITO_RATE_LIMITER = True
    settings.COGNITO_RATE_LIMITS = {}

    response = as_support.get(f"/identities/{identity_id}/")

    assert response.status_code == 200
    assert identity_id in response.content.decode()
