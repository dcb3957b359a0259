"""Identities: GetId, DescribeIdentity, ListIdentities, DeleteIdentities, UnlinkIdentity."""

from __future__ import annotations

import datetime as dt

import pytest

from console.emulator.models import Identity, IdentityLogin
from tests.cognito import (
    DEVELOPER,
    FACEBOOK,
    GOOGLE,
    OIDC_ISSUER,
    SAML_ARN,
    USER_POOL,
    aws_error,
    id_token,
    login_token,
)

pytestmark = pytest.mark.django_db

UNAUTHENTICATED = "Unauthenticated access is not supported for this identity pool."
NOT_SUPPORTED = "Token is not from a supported provider of this identity pool."
LOGINS_DONT_MATCH = (
    "Logins don't match. Please include at least one valid login for this identity or identity pool."
)


def test_every_unauthenticated_get_id_mints_a_new_identity(cognito, pool_id):
    first = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    second = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    assert first != second
    assert first.startswith("us-east-1:")


def test_get_id_without_logins_needs_guest_access(cognito, make_pool):
    pool_id = make_pool(AllowUnauthenticatedIdentities=False)
    assert aws_error(cognito.get_id, IdentityPoolId=pool_id) == ("NotAuthorizedException", UNAUTHENTICATED)


def test_get_id_returns_the_same_identity_for_the_same_jwt_subject(cognito, pool_id):
    first = cognito.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: id_token("alice")})["IdentityId"]
    # A fresh token for the same user (different claims, same `sub`).
    again = id_token("alice", iat=1, email="alice@example.com")
    assert cognito.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: again})["IdentityId"] == first
    assert cognito.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: id_token("bob")})["IdentityId"] != first


def test_get_id_uses_an_opaque_token_itself_as_the_user(cognito, pool_id):
    first = cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "EAAopaque"})["IdentityId"]
    assert cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "EAAopaque"})["IdentityId"] == first
    assert IdentityLogin.objects.get(identity__identity_id=first).subject == "EAAopaque"


def test_get_id_with_logins_works_without_guest_access(cognito, make_pool):
    pool_id = make_pool(AllowUnauthenticatedIdentities=False)
    assert cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "token"})["IdentityId"]


@pytest.mark.parametrize("provider", [FACEBOOK, GOOGLE, USER_POOL, OIDC_ISSUER, SAML_ARN])
def test_get_id_accepts_every_kind_of_configured_provider(cognito, pool_id, provider):
    token = login_token(provider, "someone")
    identity_id = cognito.get_id(IdentityPoolId=pool_id, Logins={provider: token})["IdentityId"]
    assert cognito.describe_identity(IdentityId=identity_id)["Logins"] == [provider]


def test_get_id_refuses_a_provider_the_pool_does_not_have(cognito, pool_id):
    code_message = aws_error(cognito.get_id, IdentityPoolId=pool_id, Logins={"www.amazon.com": "token"})
    assert code_message == ("NotAuthorizedException", NOT_SUPPORTED)


def test_get_id_refuses_the_developer_provider_name(cognito, pool_id):
    assert aws_error(cognito.get_id, IdentityPoolId=pool_id, Logins={DEVELOPER: "user-1"}) == (
        "NotAuthorizedException",
        NOT_SUPPORTED,
    )


def test_get_id_refuses_a_cognito_token(cognito, pool_id):
    assert aws_error(
        cognito.get_id, IdentityPoolId=pool_id, Logins={"cognito-identity.amazonaws.com": "x"}
    ) == (
        "NotAuthorizedException",
        "Invalid login token. Can't pass in a Cognito token.",
    )


def test_get_id_on_a_pool_without_providers_says_so(cognito):
    pool_id = cognito.create_identity_pool(IdentityPoolName="bare", AllowUnauthenticatedIdentities=True)[
        "IdentityPoolId"
    ]
    assert aws_error(cognito.get_id, IdentityPoolId=pool_id, Logins={FACEBOOK: "t"}) == (
        "NotAuthorizedException",
        f"Identity pool - {pool_id} does not have identity providers configured.",
    )


def test_get_id_unknown_pool_is_not_found(cognito):
    missing = "us-east-1:00000000-0000-4000-8000-000000000000"
    assert aws_error(cognito.get_id, IdentityPoolId=missing) == (
        "ResourceNotFoundException",
        f"IdentityPool '{missing}' not found.",
    )


def test_get_id_links_a_second_provider_to_the_identity_of_the_first(cognito, pool_id):
    alice = cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "fb-alice"})["IdentityId"]
    both = cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "fb-alice", GOOGLE: id_token("g-alice")})
    assert both["IdentityId"] == alice
    assert cognito.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: id_token("g-alice")})["IdentityId"] == alice


def test_get_id_with_logins_of_two_identities_that_cannot_merge_conflicts(cognito, pool_id):
    cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "fb-alice"})
    # Bob's identity has another Facebook user: one identity cannot hold both.
    cognito.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: id_token("g-bob"), FACEBOOK: "fb-bob"})
    code, _ = aws_error(
        cognito.get_id, IdentityPoolId=pool_id, Logins={FACEBOOK: "fb-alice", GOOGLE: id_token("g-bob")}
    )
    assert code == "ResourceConflictException"


def test_describe_identity_lists_provider_names_and_dates(cognito, pool_id):
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)
    identity_id = cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "fb"})["IdentityId"]
    described = cognito.describe_identity(IdentityId=identity_id)
    assert described["IdentityId"] == identity_id
    assert described["Logins"] == [FACEBOOK]
    assert described["CreationDate"] >= before
    assert described["LastModifiedDate"] >= described["CreationDate"]


def test_describe_identity_names_the_developer_provider_but_not_the_user(cognito, pool_id):
    identity_id = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER: "u-42"}
    )["IdentityId"]
    described = cognito.describe_identity(IdentityId=identity_id)
    assert described["Logins"] == [DEVELOPER]
    assert "u-42" not in str(described)


def test_describe_a_guest_identity_has_no_logins(cognito, pool_id):
    identity_id = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    assert "Logins" not in cognito.describe_identity(IdentityId=identity_id)


def test_describe_unknown_identity_is_not_found(cognito):
    missing = "us-east-1:00000000-0000-4000-8000-000000000000"
    assert aws_error(cognito.describe_identity, IdentityId=missing) == (
        "ResourceNotFoundException",
        f"Identity '{missing}' not found.",
    )


def test_list_identities_shows_logins_and_hides_disabled_on_request(cognito, pool_id):
    guest = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    member = cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "fb"})["IdentityId"]
    Identity.objects.filter(identity_id=guest).update(disabled=True)
    listed = cognito.list_identities(IdentityPoolId=pool_id, MaxResults=10)
    assert listed["IdentityPoolId"] == pool_id
    assert [item["IdentityId"] for item in listed["Identities"]] == [guest, member]
    assert listed["Identities"][1]["Logins"] == [FACEBOOK]
    assert "NextToken" not in listed
    shown = cognito.list_identities(IdentityPoolId=pool_id, MaxResults=10, HideDisabled=True)["Identities"]
    assert [item["IdentityId"] for item in shown] == [member]


def test_list_identities_of_unknown_pool_is_not_found(cognito):
    missing = "us-east-1:00000000-0000-4000-8000-000000000000"
    assert (
        aws_error(cognito.list_identities, IdentityPoolId=missing, MaxResults=5)[0]
        == "ResourceNotFoundException"
    )


def test_delete_identities_removes_them_across_pools(cognito, make_pool):
    first, second = make_pool(), make_pool()
    one = cognito.get_id(IdentityPoolId=first, Logins={FACEBOOK: "fb"})["IdentityId"]
    two = cognito.get_id(IdentityPoolId=second)["IdentityId"]
    kept = cognito.get_id(IdentityPoolId=second)["IdentityId"]
    answer = cognito.delete_identities(IdentityIdsToDelete=[one, two])
    assert answer["UnprocessedIdentityIds"] == []
    assert aws_error(cognito.describe_identity, IdentityId=one)[0] == "ResourceNotFoundException"
    assert aws_error(cognito.describe_identity, IdentityId=two)[0] == "ResourceNotFoundException"
    assert cognito.describe_identity(IdentityId=kept)["IdentityId"] == kept
    # The login is free again: the same user gets a new identity.
    assert cognito.get_id(IdentityPoolId=first, Logins={FACEBOOK: "fb"})["IdentityId"] != one


def test_delete_identities_treats_unknown_ids_as_deleted(cognito):
    missing = "us-east-1:00000000-0000-4000-8000-000000000000"
    assert cognito.delete_identities(IdentityIdsToDelete=[missing])["UnprocessedIdentityIds"] == []


def test_unlink_identity_detaches_a_public_login(cognito, pool_id):
    identity_id = cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "fb", GOOGLE: id_token("g")})[
        "IdentityId"
    ]
    cognito.unlink_identity(IdentityId=identity_id, Logins={FACEBOOK: "fb"}, LoginsToRemove=[GOOGLE])
    assert cognito.describe_identity(IdentityId=identity_id)["Logins"] == [FACEBOOK]
    # The unlinked user gets a fresh identity next time.
    assert cognito.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: id_token("g")})["IdentityId"] != identity_id


def test_unlink_identity_needs_a_login_of_that_identity(cognito, pool_id):
    identity_id = cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "fb"})["IdentityId"]
    code_message = aws_error(
        cognito.unlink_identity,
        IdentityId=identity_id,
        Logins={FACEBOOK: "someone-else"},
        LoginsToRemove=[FACEBOOK],
    )
    assert code_message == ("NotAuthorizedException", LOGINS_DONT_MATCH)


def test_unlink_identity_of_a_login_not_linked_conflicts(cognito, pool_id):
    identity_id = cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "fb"})["IdentityId"]
    code, _ = aws_error(
        cognito.unlink_identity, IdentityId=identity_id, Logins={FACEBOOK: "fb"}, LoginsToRemove=[GOOGLE]
    )
    assert code == "ResourceConflictException"


def test_unlinking_the_last_login_leaves_the_identity_inaccessible(cognito, pool_id):
    identity_id = cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "fb"})["IdentityId"]
    cognito.unlink_identity(IdentityId=identity_id, Logins={FACEBOOK: "fb"}, LoginsToRemove=[FACEBOOK])
    code, message = aws_error(cognito.get_credentials_for_identity, IdentityId=identity_id)
    assert (code, message) == ("NotAuthorizedException", f"Access to identity '{identity_id}' is forbidden")
    assert (
        cognito.list_identities(IdentityPoolId=pool_id, MaxResults=5, HideDisabled=True)["Identities"] == []
    )


def test_unlink_identity_of_unknown_identity_is_not_found(cognito):
    missing = "us-east-1:00000000-0000-4000-8000-000000000000"
    code, _ = aws_error(
        cognito.unlink_identity, IdentityId=missing, Logins={FACEBOOK: "fb"}, LoginsToRemove=[FACEBOOK]
    )
    assert code == "ResourceNotFoundException"


def test_a_very_long_opaque_token_still_names_one_user(cognito, pool_id):
    token = "EAA" + "x" * 5000
    first = cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: token})["IdentityId"]
    assert cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: token})["IdentityId"] == first
    assert len(IdentityLogin.objects.get(identity__identity_id=first).subject) <= 2048
