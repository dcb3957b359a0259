"""The search box takes ids as people paste them: in upper case, as a pool's ARN, as a GUID
without its region, quoted or with a comma after."""

from __future__ import annotations

import pytest
from django.urls import reverse

from console.audit.record import audit_actor
from console.aws import identities as gateway
from tests.cognito import full_pool_settings, pool_arn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]

LOOKUP = reverse("identities:lookup")
REGIONS = ["us-east-1", "eu-west-1"]


def identity_page(identity_id: str, pool_id: str) -> str:
    return f"{reverse('identities:detail', args=[identity_id])}?pool={pool_id.replace(':', '%3A')}"


def guid_of(cognito_id: str) -> str:
    return cognito_id.split(":", 1)[1]


@pytest.fixture
def two_regions(settings):
    settings.AWS_REGIONS = REGIONS


@pytest.mark.parametrize(
    "paste",
    [
        "{upper}",
        "  {id}\t",
        '"{id}"',
        "\u201c{id}\u201d,",
        "'{id}';",
        "{id}.",
    ],
)
def test_an_identity_id_as_pasted_opens_its_identity(as_support, pool_id, guests, paste):
    [identity] = guests(pool_id, 1)

    response = as_support.get(LOOKUP, {"q": paste.format(id=identity, upper=identity.upper())})

    assert response.status_code == 302
    assert response["Location"] == identity_page(identity, pool_id)


def test_a_pool_arn_opens_the_pool(as_support, pool_id):
    response = as_support.get(LOOKUP, {"q": f" {pool_arn(pool_id)} "})

    assert response.status_code == 302
    assert response["Location"] == reverse("pools:detail", args=[pool_id])


def test_a_pool_arn_in_upper_case_opens_the_pool(as_support, pool_id):
    response = as_support.get(LOOKUP, {"q": pool_arn(pool_id).upper()})

    assert response["Location"] == reverse("pools:detail", args=[pool_id])


def test_a_guid_without_its_region_opens_its_identity(as_support, pool_id, guests):
    [identity] = guests(pool_id, 1)

    response = as_support.get(LOOKUP, {"q": guid_of(identity).upper()})

    assert response.status_code == 302
    assert response["Location"] == identity_page(identity, pool_id)


def test_a_guid_is_asked_in_each_configured_region(as_support, two_regions, cognito_in):
    eu = cognito_in("eu-west-1")
    pool = eu.create_identity_pool(**full_pool_settings(IdentityPoolName="shop eu"))["IdentityPoolId"]
    identity = eu.get_id(IdentityPoolId=pool)["IdentityId"]

    response = as_support.get(LOOKUP, {"q": guid_of(identity)})

    assert response.status_code == 302
    assert response["Location"] == identity_page(identity, pool)


def test_a_guid_of_a_pool_opens_the_pool(as_support, two_regions, cognito_in):
    pool = cognito_in("eu-west-1").create_identity_pool(**full_pool_settings(IdentityPoolName="shop eu"))[
        "IdentityPoolId"
    ]

    response = as_support.get(LOOKUP, {"q": f'"{guid_of(pool)}",'})

    assert response["Location"] == reverse("pools:detail", args=[pool])


def test_a_guid_of_an_identity_the_console_deleted_finds_it_through_its_history(
    as_support, admin, two_regions, cognito_in
):
    eu = cognito_in("eu-west-1")
    pool = eu.create_identity_pool(**full_pool_settings(IdentityPoolName="shop eu"))["IdentityPoolId"]
    identity = eu.get_id(IdentityPoolId=pool)["IdentityId"]
    with audit_actor(admin.username, user=admin):
        gateway.delete_identities("eu-west-1", [identity], reason="Ticket 31: close my account")

    html = as_support.get(LOOKUP, {"q": guid_of(identity)}).content.decode()

    assert f"searched for <code>{identity}</code>" in html
    assert f"The identity <code>{identity}</code> does not exist any more" in html
    assert "Ticket 31: close my account" in html


def test_a_guid_nobody_knows_says_so_for_every_region(as_support, two_regions):
    guid = "0a1b2c3d-0000-4000-8000-0000000000ff"

    response = as_support.get(LOOKUP, {"q": guid})

    html = response.content.decode()
    assert response.status_code == 200
    assert (
        f"No identity or pool has the GUID <code>{guid}</code> in any region this console uses "
        "(us-east-1, eu-west-1)." in html
    )


@pytest.mark.parametrize("paste", ['"customer-12345"', "\u2018customer-12345\u2019,", " customer-12345; "])
def test_a_quoted_developer_user_id_is_searched_without_its_quotes(
    as_support, pool_id, developer_user, paste
):
    identity = developer_user(pool_id, "customer-12345")

    response = as_support.get(LOOKUP, {"q": paste})

    assert response["Location"] == identity_page(identity, pool_id)


def test_the_page_says_what_it_searched_for_when_it_took_something_off(as_support, pool_id):
    html = as_support.get(LOOKUP, {"q": '"nobody-here",'}).content.decode()

    assert "You pasted <code>&quot;nobody-here&quot;,</code>; searched for <code>nobody-here</code>." in html
    assert "No identity has developer user id <code>nobody-here</code> in the pools searched." in html


def test_a_developer_user_found_says_which_pool_it_was_found_in(
    as_support, cognito, pool_id, make_pool, developer_user
):
    other_pool = make_pool("second shop")
    identities = [developer_user(pool, "customer-12345") for pool in (pool_id, other_pool)]

    html = as_support.get(LOOKUP, {"q": "customer-12345"}).content.decode()

    for identity, pool, name in zip(
        identities, (pool_id, other_pool), ("everything", "second shop"), strict=True
    ):
        assert identity in html
        assert (
            f'found in <a href="{reverse("pools:detail", args=[pool])}">{name} <code>{pool}</code></a>'
            in html
        )


def test_a_pool_arn_of_a_region_the_console_does_not_use_gets_a_clear_answer(as_support):
    arn = "arn:aws:cognito-identity:ap-south-2:123456789012:identitypool/ap-south-2:0a1b2c3d-0000-4000-8000-000000000001"

    html = as_support.get(LOOKUP, {"q": arn}).content.decode()

    assert "That cannot be looked up." in html
    assert "Region ap-south-2 is not one this console uses" in html
