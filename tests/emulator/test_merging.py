"""Linking logins to identities and merging identities that turn out to be one user."""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from django.db import connection

from console.aws.clients import build_client
from console.emulator.models import Identity, IdentityLogin
from tests.cognito import (
    AUTH_ROLE,
    DEVELOPER,
    FACEBOOK,
    GOOGLE,
    REGION,
    UNAUTH_ROLE,
    USER_POOL,
    aws_error,
    full_pool_settings,
    id_token,
)

from .test_concurrency import race

pytestmark = pytest.mark.django_db

LOGINS_DONT_MATCH = (
    "Logins don't match. Please include at least one valid login for this identity or identity pool."
)
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs concurrent transactions (PostgreSQL)"
)


@pytest.fixture
def pool(cognito, pool_id) -> str:
    cognito.set_identity_pool_roles(
        IdentityPoolId=pool_id, Roles={"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE}
    )
    return pool_id


def stored(identity_id: str) -> Identity:
    return Identity.objects.get(identity_id=identity_id)


def listed(cognito, pool_id: str, **extra: Any) -> list[str]:
    answer = cognito.list_identities(IdentityPoolId=pool_id, MaxResults=60, **extra)
    return [item["IdentityId"] for item in answer["Identities"]]


def forbidden(identity_id: str) -> tuple[str, str]:
    return ("NotAuthorizedException", f"Access to identity '{identity_id}' is forbidden")


# --- Linking ------------------------------------------------------------------------------------


def test_a_guest_signing_in_with_a_new_login_keeps_its_identity(cognito, pool):
    guest = cognito.get_id(IdentityPoolId=pool)["IdentityId"]
    answer = cognito.get_open_id_token(IdentityId=guest, Logins={GOOGLE: id_token("g-1")})
    assert answer["IdentityId"] == guest
    assert cognito.describe_identity(IdentityId=guest)["Logins"] == [GOOGLE]
    assert not stored(guest).disabled


def test_an_extra_login_is_linked_to_the_identity_of_the_known_one(cognito, pool):
    alice = cognito.get_id(IdentityPoolId=pool, Logins={FACEBOOK: "fb-alice"})["IdentityId"]
    both = {FACEBOOK: "fb-alice", USER_POOL: id_token("pool-alice", USER_POOL)}
    answer = cognito.get_credentials_for_identity(IdentityId=alice, Logins=both)
    assert answer["IdentityId"] == alice
    assert cognito.describe_identity(IdentityId=alice)["Logins"] == [FACEBOOK, USER_POOL]
    only_the_new_one = {USER_POOL: id_token("pool-alice", USER_POOL)}
    assert cognito.get_id(IdentityPoolId=pool, Logins=only_the_new_one)["IdentityId"] == alice


def test_a_second_user_of_the_same_provider_cannot_be_linked(cognito, pool):
    alice = cognito.get_id(IdentityPoolId=pool, Logins={GOOGLE: id_token("g-alice"), FACEBOOK: "fb-alice"})[
        "IdentityId"
    ]
    code, _ = aws_error(
        cognito.get_open_id_token, IdentityId=alice, Logins={GOOGLE: id_token("g-alice"), FACEBOOK: "fb-bob"}
    )
    assert code == "ResourceConflictException"
    assert cognito.describe_identity(IdentityId=alice)["Logins"] == [GOOGLE, FACEBOOK]
    assert not IdentityLogin.objects.filter(subject="fb-bob").exists()


def test_an_identity_holds_at_most_twenty_logins(cognito, pool):
    owner = cognito.get_id(IdentityPoolId=pool, Logins={FACEBOOK: "fb"})["IdentityId"]
    for number in range(19):
        cognito.get_open_id_token_for_developer_identity(
            IdentityPoolId=pool, IdentityId=owner, Logins={DEVELOPER: f"user-{number}", FACEBOOK: "fb"}
        )
    assert IdentityLogin.objects.filter(identity__identity_id=owner).count() == 20
    code, message = aws_error(
        cognito.get_id, IdentityPoolId=pool, Logins={FACEBOOK: "fb", GOOGLE: id_token("g")}
    )
    assert code == "ResourceConflictException"
    assert "20" in message


def test_an_authenticated_identity_needs_one_of_its_own_logins(cognito, pool):
    alice = cognito.get_id(IdentityPoolId=pool, Logins={FACEBOOK: "fb-alice"})["IdentityId"]
    cognito.get_id(IdentityPoolId=pool, Logins={GOOGLE: id_token("g-bob")})
    for call in (cognito.get_open_id_token, cognito.get_credentials_for_identity):
        assert aws_error(call, IdentityId=alice) == ("NotAuthorizedException", LOGINS_DONT_MATCH)
        # Somebody else's valid login is no proof either, and merges nothing.
        assert aws_error(call, IdentityId=alice, Logins={GOOGLE: id_token("g-bob")}) == (
            "NotAuthorizedException",
            LOGINS_DONT_MATCH,
        )
    assert not Identity.objects.filter(disabled=True).exists()


# --- Merging ------------------------------------------------------------------------------------


def test_a_guest_signing_in_with_a_login_of_another_identity_is_merged_into_it(cognito, pool):
    owner = cognito.get_id(IdentityPoolId=pool, Logins={GOOGLE: id_token("g-1")})["IdentityId"]
    guest = cognito.get_id(IdentityPoolId=pool)["IdentityId"]

    answer = cognito.get_credentials_for_identity(IdentityId=guest, Logins={GOOGLE: id_token("g-1")})

    assert answer["IdentityId"] == owner
    assert stored(owner).last_role_arn == AUTH_ROLE
    assert (stored(guest).disabled, stored(guest).merged_into) == (True, owner)
    assert listed(cognito, pool) == [owner, guest]
    assert listed(cognito, pool, HideDisabled=True) == [owner]
    assert aws_error(cognito.get_credentials_for_identity, IdentityId=guest) == forbidden(guest)
    assert aws_error(cognito.get_open_id_token, IdentityId=guest) == forbidden(guest)


def test_the_open_id_token_after_a_merge_is_the_survivors(cognito, pool):
    owner = cognito.get_id(IdentityPoolId=pool, Logins={FACEBOOK: "fb-1"})["IdentityId"]
    guest = cognito.get_id(IdentityPoolId=pool)["IdentityId"]
    answer = cognito.get_open_id_token(IdentityId=guest, Logins={FACEBOOK: "fb-1"})
    assert answer["IdentityId"] == owner
    claims = jwt.decode(answer["Token"], options={"verify_signature": False})
    assert claims["sub"] == owner
    assert claims["amr"] == ["authenticated", FACEBOOK]


def test_an_authenticated_caller_keeps_its_id_and_absorbs_the_other_identity(cognito, pool):
    alice = cognito.get_id(IdentityPoolId=pool, Logins={FACEBOOK: "fb-alice"})["IdentityId"]
    other = cognito.get_id(IdentityPoolId=pool, Logins={GOOGLE: id_token("g-alice")})["IdentityId"]

    logins = {FACEBOOK: "fb-alice", GOOGLE: id_token("g-alice")}
    answer = cognito.get_credentials_for_identity(IdentityId=alice, Logins=logins)

    assert answer["IdentityId"] == alice
    assert cognito.describe_identity(IdentityId=alice)["Logins"] == [FACEBOOK, GOOGLE]
    assert "Logins" not in cognito.describe_identity(IdentityId=other)
    assert (stored(other).disabled, stored(other).merged_into) == (True, alice)
    assert cognito.get_id(IdentityPoolId=pool, Logins={GOOGLE: id_token("g-alice")})["IdentityId"] == alice


def test_get_id_with_logins_of_two_identities_keeps_the_older_one(cognito, pool):
    older = cognito.get_id(IdentityPoolId=pool, Logins={GOOGLE: id_token("g-1")})["IdentityId"]
    newer = cognito.get_id(IdentityPoolId=pool, Logins={FACEBOOK: "fb-1"})["IdentityId"]
    answer = cognito.get_id(IdentityPoolId=pool, Logins={FACEBOOK: "fb-1", GOOGLE: id_token("g-1")})
    assert answer["IdentityId"] == older
    assert stored(newer).merged_into == older
    assert listed(cognito, pool, HideDisabled=True) == [older]


def test_identities_with_different_users_of_one_provider_are_not_merged(cognito, pool):
    alice = cognito.get_id(IdentityPoolId=pool, Logins={FACEBOOK: "fb-alice"})["IdentityId"]
    cognito.get_id(IdentityPoolId=pool, Logins={FACEBOOK: "fb-bob", GOOGLE: id_token("g-bob")})
    code, _ = aws_error(
        cognito.get_open_id_token, IdentityId=alice, Logins={FACEBOOK: "fb-alice", GOOGLE: id_token("g-bob")}
    )
    assert code == "ResourceConflictException"
    assert not Identity.objects.filter(disabled=True).exists()


def test_a_developer_token_call_merges_the_identity_of_a_public_login_into_the_developer_users(cognito, pool):
    developer = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool, Logins={DEVELOPER: "u-1"}
    )["IdentityId"]
    google = cognito.get_id(IdentityPoolId=pool, Logins={GOOGLE: id_token("g-1")})["IdentityId"]
    answer = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool, Logins={DEVELOPER: "u-1", GOOGLE: id_token("g-1")}
    )
    assert answer["IdentityId"] == developer
    assert stored(google).merged_into == developer
    assert cognito.describe_identity(IdentityId=developer)["Logins"] == [DEVELOPER, GOOGLE]


def test_a_new_developer_user_joins_the_identity_of_the_public_login_sent_with_it(cognito, pool):
    google = cognito.get_id(IdentityPoolId=pool, Logins={GOOGLE: id_token("g-1")})["IdentityId"]
    answer = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool, Logins={DEVELOPER: "u-new", GOOGLE: id_token("g-1")}
    )
    assert answer["IdentityId"] == google
    assert not Identity.objects.filter(disabled=True).exists()
    found = cognito.lookup_developer_identity(IdentityPoolId=pool, DeveloperUserIdentifier="u-new")
    assert found["IdentityId"] == google


def test_merge_developer_identities_records_where_the_source_went(cognito, pool):
    source = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool, Logins={DEVELOPER: "src"})[
        "IdentityId"
    ]
    destination = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool, Logins={DEVELOPER: "dst"}
    )["IdentityId"]
    cognito.merge_developer_identities(
        SourceUserIdentifier="src",
        DestinationUserIdentifier="dst",
        DeveloperProviderName=DEVELOPER,
        IdentityPoolId=pool,
    )
    assert (stored(source).disabled, stored(source).merged_into) == (True, destination)
    assert aws_error(cognito.get_credentials_for_identity, IdentityId=source) == forbidden(source)


# --- Racing callers (PostgreSQL) ------------------------------------------------------------------


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_guests_racing_to_sign_in_as_one_new_user_end_on_one_identity():
    cognito = build_client(REGION, "local")
    pool_id = cognito.create_identity_pool(**full_pool_settings())["IdentityPoolId"]
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": AUTH_ROLE})
    guests = iter([cognito.get_id(IdentityPoolId=pool_id)["IdentityId"] for _ in range(6)])

    def sign_in(client: Any) -> str:
        guest = next(guests)
        return client.get_credentials_for_identity(IdentityId=guest, Logins={FACEBOOK: "racer"})["IdentityId"]

    results = race(sign_in)

    assert len(set(results)) == 1
    [survivor] = set(results)
    assert IdentityLogin.objects.get(provider=FACEBOOK, subject="racer").identity.identity_id == survivor
    assert list(Identity.objects.filter(disabled=False).values_list("identity_id", flat=True)) == [survivor]
    assert set(Identity.objects.filter(disabled=True).values_list("merged_into", flat=True)) == {survivor}


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_racing_merges_of_the_same_two_identities_agree_on_one_survivor():
    cognito = build_client(REGION, "local")
    pool_id = cognito.create_identity_pool(**full_pool_settings())["IdentityPoolId"]
    older = cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "fb"})["IdentityId"]
    cognito.get_id(IdentityPoolId=pool_id, Logins={USER_POOL: id_token("u", USER_POOL)})
    flip = iter(range(6))

    def merge(client: Any) -> str:
        logins = {FACEBOOK: "fb", USER_POOL: id_token("u", USER_POOL)}
        if next(flip) % 2:
            logins = dict(reversed(logins.items()))
        return client.get_id(IdentityPoolId=pool_id, Logins=logins)["IdentityId"]

    assert set(race(merge)) == {older}
    assert IdentityLogin.objects.filter(identity__identity_id=older).count() == 2
    assert Identity.objects.filter(disabled=False).count() == 1
