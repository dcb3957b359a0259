"""Developer-authenticated identities: token, lookup, merge and unlink."""

from __future__ import annotations

import pytest

from tests.cognito import DEVELOPER, FACEBOOK, GOOGLE, aws_error, id_token

pytestmark = pytest.mark.django_db

MISSING = "us-east-1:00000000-0000-4000-8000-000000000000"


def developer_identity(cognito, pool_id: str, user: str, **extra) -> str:
    logins = {DEVELOPER: user, **extra.pop("Logins", {})}
    answer = cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins=logins, **extra)
    return answer["IdentityId"]


def test_a_developer_user_keeps_one_identity(cognito, pool_id):
    first = developer_identity(cognito, pool_id, "user-1")
    assert developer_identity(cognito, pool_id, "user-1") == first
    assert developer_identity(cognito, pool_id, "user-2") != first


def test_a_developer_user_can_be_registered_on_a_guest_identity(cognito, pool_id):
    guest = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    assert developer_identity(cognito, pool_id, "user-1", IdentityId=guest) == guest
    assert developer_identity(cognito, pool_id, "user-1") == guest


def test_a_developer_user_of_another_identity_cannot_be_registered_again(cognito, pool_id):
    developer_identity(cognito, pool_id, "user-1")
    guest = cognito.get_id(IdentityPoolId=pool_id)["IdentityId"]
    code, _ = aws_error(
        cognito.get_open_id_token_for_developer_identity,
        IdentityPoolId=pool_id,
        IdentityId=guest,
        Logins={DEVELOPER: "user-1"},
    )
    assert code == "DeveloperUserAlreadyRegisteredException"


def test_adding_a_developer_user_to_an_authenticated_identity_needs_one_of_its_logins(cognito, pool_id):
    owner = cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "fb"})["IdentityId"]
    code, message = aws_error(
        cognito.get_open_id_token_for_developer_identity,
        IdentityPoolId=pool_id,
        IdentityId=owner,
        Logins={DEVELOPER: "user-1"},
    )
    assert code == "NotAuthorizedException"
    assert message.startswith("Logins don't match.")
    with_login = developer_identity(cognito, pool_id, "user-1", IdentityId=owner, Logins={FACEBOOK: "fb"})
    assert with_login == owner


def test_public_logins_next_to_the_developer_user_are_linked(cognito, pool_id):
    identity_id = developer_identity(cognito, pool_id, "user-1", Logins={GOOGLE: id_token("g-1")})
    assert (
        cognito.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: id_token("g-1")})["IdentityId"] == identity_id
    )


def test_a_foreign_developer_provider_is_not_supported(cognito, pool_id):
    assert aws_error(
        cognito.get_open_id_token_for_developer_identity, IdentityPoolId=pool_id, Logins={"other.dev": "u"}
    ) == ("NotAuthorizedException", "This identity pool does not support the specified developer provider")


def test_a_pool_without_developer_provider_does_not_support_one(cognito):
    pool_id = cognito.create_identity_pool(IdentityPoolName="p", AllowUnauthenticatedIdentities=True)[
        "IdentityPoolId"
    ]
    code, _ = aws_error(
        cognito.get_open_id_token_for_developer_identity, IdentityPoolId=pool_id, Logins={DEVELOPER: "u"}
    )
    assert code == "NotAuthorizedException"


def test_logins_without_the_developer_provider_are_invalid(cognito, pool_id):
    code, _ = aws_error(
        cognito.get_open_id_token_for_developer_identity, IdentityPoolId=pool_id, Logins={FACEBOOK: "fb"}
    )
    assert code == "InvalidParameterException"


def test_developer_token_for_unknown_pool_or_identity_is_not_found(cognito, pool_id):
    assert aws_error(
        cognito.get_open_id_token_for_developer_identity, IdentityPoolId=MISSING, Logins={DEVELOPER: "u"}
    )[0] == ("ResourceNotFoundException")
    assert aws_error(
        cognito.get_open_id_token_for_developer_identity,
        IdentityPoolId=pool_id,
        IdentityId=MISSING,
        Logins={DEVELOPER: "u"},
    ) == ("ResourceNotFoundException", f"Identity '{MISSING}' not found.")


def test_lookup_by_developer_user_gives_its_identity(cognito, pool_id):
    identity_id = developer_identity(cognito, pool_id, "user-1")
    found = cognito.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier="user-1")
    assert found["IdentityId"] == identity_id
    assert found["DeveloperUserIdentifierList"] == ["user-1"]


def test_lookup_by_identity_lists_its_developer_users_in_pages(cognito, pool_id):
    identity_id = developer_identity(cognito, pool_id, "user-1")
    for user in ("user-2", "user-3"):
        # Adding a developer user to an identity goes through one of its users' merges.
        developer_identity(cognito, pool_id, user)
        cognito.merge_developer_identities(
            SourceUserIdentifier=user,
            DestinationUserIdentifier="user-1",
            DeveloperProviderName=DEVELOPER,
            IdentityPoolId=pool_id,
        )
    first = cognito.lookup_developer_identity(IdentityPoolId=pool_id, IdentityId=identity_id, MaxResults=2)
    assert first["DeveloperUserIdentifierList"] == ["user-1", "user-2"]
    second = cognito.lookup_developer_identity(
        IdentityPoolId=pool_id, IdentityId=identity_id, MaxResults=2, NextToken=first["NextToken"]
    )
    assert second["DeveloperUserIdentifierList"] == ["user-3"]
    assert "NextToken" not in second


def test_lookup_with_both_values_checks_they_belong_together(cognito, pool_id):
    one = developer_identity(cognito, pool_id, "user-1")
    developer_identity(cognito, pool_id, "user-2")
    matched = cognito.lookup_developer_identity(
        IdentityPoolId=pool_id, IdentityId=one, DeveloperUserIdentifier="user-1"
    )
    assert matched["IdentityId"] == one
    code, _ = aws_error(
        cognito.lookup_developer_identity,
        IdentityPoolId=pool_id,
        IdentityId=one,
        DeveloperUserIdentifier="user-2",
    )
    assert code == "ResourceConflictException"


def test_lookup_needs_an_identity_or_a_developer_user(cognito, pool_id):
    assert (
        aws_error(cognito.lookup_developer_identity, IdentityPoolId=pool_id)[0] == "InvalidParameterException"
    )


def test_lookup_of_an_unknown_developer_user_is_not_found(cognito, pool_id):
    code, _ = aws_error(
        cognito.lookup_developer_identity, IdentityPoolId=pool_id, DeveloperUserIdentifier="nobody"
    )
    assert code == "ResourceNotFoundException"


def test_lookup_of_an_identity_of_another_pool_is_refused(cognito, make_pool):
    first, second = make_pool(), make_pool()
    identity_id = developer_identity(cognito, first, "user-1")
    code, _ = aws_error(cognito.lookup_developer_identity, IdentityPoolId=second, IdentityId=identity_id)
    assert code == "NotAuthorizedException"


def test_lookup_by_identity_tells_the_pools_identities_from_others_and_unknown_ones(cognito, make_pool):
    # What a bulk delete's membership check relies on (reference §4.15), guests included.
    first, second = make_pool(), make_pool()
    guest = cognito.get_id(IdentityPoolId=first)["IdentityId"]

    own = cognito.lookup_developer_identity(IdentityPoolId=first, IdentityId=guest, MaxResults=1)
    other = aws_error(
        cognito.lookup_developer_identity, IdentityPoolId=second, IdentityId=guest, MaxResults=1
    )
    unknown = aws_error(
        cognito.lookup_developer_identity, IdentityPoolId=first, IdentityId=MISSING, MaxResults=1
    )

    assert (own["IdentityId"], own["DeveloperUserIdentifierList"]) == (guest, [])
    assert other == (
        "NotAuthorizedException",
        f"Identity '{guest}' does not belong to identity pool '{second}'.",
    )
    assert unknown[0] == "ResourceNotFoundException"


def test_merge_moves_the_source_user_and_disables_its_old_identity(cognito, pool_id):
    source = developer_identity(cognito, pool_id, "user-src", Logins={FACEBOOK: "fb-src"})
    destination = developer_identity(cognito, pool_id, "user-dst")
    merged = cognito.merge_developer_identities(
        SourceUserIdentifier="user-src",
        DestinationUserIdentifier="user-dst",
        DeveloperProviderName=DEVELOPER,
        IdentityPoolId=pool_id,
    )
    assert merged["IdentityId"] == destination
    assert developer_identity(cognito, pool_id, "user-src") == destination
    assert cognito.get_id(IdentityPoolId=pool_id, Logins={FACEBOOK: "fb-src"})["IdentityId"] == destination
    visible = cognito.list_identities(IdentityPoolId=pool_id, MaxResults=10, HideDisabled=True)["Identities"]
    assert [item["IdentityId"] for item in visible] == [destination]
    assert (
        aws_error(cognito.get_open_id_token, IdentityId=source)[1]
        == f"Access to identity '{source}' is forbidden"
    )


def test_merge_of_different_users_of_one_public_provider_conflicts(cognito, pool_id):
    developer_identity(cognito, pool_id, "user-src", Logins={FACEBOOK: "fb-1"})
    developer_identity(cognito, pool_id, "user-dst", Logins={FACEBOOK: "fb-2"})
    code, _ = aws_error(
        cognito.merge_developer_identities,
        SourceUserIdentifier="user-src",
        DestinationUserIdentifier="user-dst",
        DeveloperProviderName=DEVELOPER,
        IdentityPoolId=pool_id,
    )
    assert code == "ResourceConflictException"


def test_merge_beyond_twenty_logins_conflicts(cognito, pool_id):
    developer_identity(cognito, pool_id, "dst")
    for n in range(1, 20):
        developer_identity(cognito, pool_id, f"extra-{n}")
        cognito.merge_developer_identities(
            SourceUserIdentifier=f"extra-{n}",
            DestinationUserIdentifier="dst",
            DeveloperProviderName=DEVELOPER,
            IdentityPoolId=pool_id,
        )
    developer_identity(cognito, pool_id, "one-too-many")
    code, _ = aws_error(
        cognito.merge_developer_identities,
        SourceUserIdentifier="one-too-many",
        DestinationUserIdentifier="dst",
        DeveloperProviderName=DEVELOPER,
        IdentityPoolId=pool_id,
    )
    assert code == "ResourceConflictException"


def test_merge_of_unknown_users_is_not_found_and_wrong_provider_refused(cognito, pool_id):
    developer_identity(cognito, pool_id, "known")
    code, _ = aws_error(
        cognito.merge_developer_identities,
        SourceUserIdentifier="nobody",
        DestinationUserIdentifier="known",
        DeveloperProviderName=DEVELOPER,
        IdentityPoolId=pool_id,
    )
    assert code == "ResourceNotFoundException"
    code, _ = aws_error(
        cognito.merge_developer_identities,
        SourceUserIdentifier="known",
        DestinationUserIdentifier="known",
        DeveloperProviderName="other.dev",
        IdentityPoolId=pool_id,
    )
    assert code == "NotAuthorizedException"


def test_unlink_developer_identity_frees_the_user(cognito, pool_id):
    identity_id = developer_identity(cognito, pool_id, "user-1", Logins={FACEBOOK: "fb"})
    cognito.unlink_developer_identity(
        IdentityId=identity_id,
        IdentityPoolId=pool_id,
        DeveloperProviderName=DEVELOPER,
        DeveloperUserIdentifier="user-1",
    )
    assert cognito.describe_identity(IdentityId=identity_id)["Logins"] == [FACEBOOK]
    assert developer_identity(cognito, pool_id, "user-1") != identity_id


def test_unlink_developer_identity_of_a_user_not_linked_there_conflicts(cognito, pool_id):
    identity_id = developer_identity(cognito, pool_id, "user-1")
    developer_identity(cognito, pool_id, "user-2")
    code, _ = aws_error(
        cognito.unlink_developer_identity,
        IdentityId=identity_id,
        IdentityPoolId=pool_id,
        DeveloperProviderName=DEVELOPER,
        DeveloperUserIdentifier="user-2",
    )
    assert code == "ResourceConflictException"


def test_unlink_developer_identity_with_wrong_provider_or_identity_is_refused(cognito, pool_id):
    identity_id = developer_identity(cognito, pool_id, "user-1")
    assert aws_error(
        cognito.unlink_developer_identity,
        IdentityId=identity_id,
        IdentityPoolId=pool_id,
        DeveloperProviderName="other.dev",
        DeveloperUserIdentifier="user-1",
    )[0] == ("NotAuthorizedException")
    assert aws_error(
        cognito.unlink_developer_identity,
        IdentityId=MISSING,
        IdentityPoolId=pool_id,
        DeveloperProviderName=DEVELOPER,
        DeveloperUserIdentifier="user-1",
    )[0] == ("ResourceNotFoundException")


def test_unlinking_the_only_developer_user_disables_the_identity(cognito, pool_id):
    identity_id = developer_identity(cognito, pool_id, "user-1")
    cognito.unlink_developer_identity(
        IdentityId=identity_id,
        IdentityPoolId=pool_id,
        DeveloperProviderName=DEVELOPER,
        DeveloperUserIdentifier="user-1",
    )
    assert (
        cognito.list_identities(IdentityPoolId=pool_id, MaxResults=5, HideDisabled=True)["Identities"] == []
    )
