"""Every mutating Cognito call through the gateway leaves exactly one audit event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from console.audit.actor import audit_actor
from console.audit.record import MUTATING_OPERATIONS
from console.aws import errors
from console.aws.calls import call
from tests.cognito import DEVELOPER, FACEBOOK, GOOGLE, pool_arn

from .conftest import CLIENT_IP, as_web_request, events

pytestmark = pytest.mark.django_db

MISSING_POOL = "us-east-1:00000000-0000-4000-8000-000000000000"
AUTH_ROLE = "arn:aws:iam::000000000000:role/cognito-authenticated"
UNAUTH_ROLE = "arn:aws:iam::000000000000:role/cognito-unauthenticated"


@dataclass
class Case:
    """A mutating call to make, and the target its event should name."""

    method: str
    params: dict[str, Any]
    pool_id: str = ""
    identity_id: str = ""
    from_answer: str = ""  # the target comes from the call's answer (a new id)
    extra: dict[str, Any] = field(default_factory=dict)


def _developer_identity(cognito, pool_id: str, user: str) -> str:
    answer = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER: user}
    )
    return answer["IdentityId"]


def _cases(cognito, make_pool, region) -> dict[str, Callable[[], Case]]:
    def create() -> Case:
        return Case(
            "create_identity_pool",
            {"IdentityPoolName": "new", "AllowUnauthenticatedIdentities": False},
            from_answer="pool",
        )

    def update() -> Case:
        pool = make_pool()
        params = {
            "IdentityPoolId": pool,
            "IdentityPoolName": "renamed",
            "AllowUnauthenticatedIdentities": False,
            "DeveloperProviderName": DEVELOPER,
        }
        return Case("update_identity_pool", params, pool_id=pool)

    def delete_pool() -> Case:
        pool = make_pool()
        return Case("delete_identity_pool", {"IdentityPoolId": pool}, pool_id=pool)

    def set_roles() -> Case:
        pool = make_pool()
        return Case(
            "set_identity_pool_roles",
            {"IdentityPoolId": pool, "Roles": {"authenticated": AUTH_ROLE}},
            pool_id=pool,
        )

    def principal_tags() -> Case:
        pool = make_pool()
        params = {"IdentityPoolId": pool, "IdentityProviderName": GOOGLE, "PrincipalTags": {"team": "aud"}}
        return Case("set_principal_tag_attribute_map", params, pool_id=pool)

    def tag() -> Case:
        pool = make_pool()
        return Case(
            "tag_resource", {"ResourceArn": pool_arn(pool, region), "Tags": {"team": "blue"}}, pool_id=pool
        )

    def untag() -> Case:
        pool = make_pool()
        return Case(
            "untag_resource", {"ResourceArn": pool_arn(pool, region), "TagKeys": ["team"]}, pool_id=pool
        )

    def delete_identities() -> Case:
        pool = make_pool()
        identity = cognito.get_id(IdentityPoolId=pool)["IdentityId"]
        return Case("delete_identities", {"IdentityIdsToDelete": [identity]}, identity_id=identity)

    def developer_token() -> Case:
        pool = make_pool()
        params = {"IdentityPoolId": pool, "Logins": {DEVELOPER: "user-1"}}
        return Case("get_open_id_token_for_developer_identity", params, pool_id=pool, from_answer="identity")

    def merge() -> Case:
        pool = make_pool()
        _developer_identity(cognito, pool, "user-1")
        destination = _developer_identity(cognito, pool, "user-2")
        params = {
            "IdentityPoolId": pool,
            "DeveloperProviderName": DEVELOPER,
            "SourceUserIdentifier": "user-1",
            "DestinationUserIdentifier": "user-2",
        }
        return Case("merge_developer_identities", params, pool_id=pool, identity_id=destination)

    def unlink_developer() -> Case:
        pool = make_pool()
        identity = _developer_identity(cognito, pool, "user-1")
        params = {
            "IdentityId": identity,
            "IdentityPoolId": pool,
            "DeveloperProviderName": DEVELOPER,
            "DeveloperUserIdentifier": "user-1",
        }
        return Case("unlink_developer_identity", params, pool_id=pool, identity_id=identity)

    def unlink() -> Case:
        pool = make_pool()
        identity = cognito.get_id(IdentityPoolId=pool, Logins={FACEBOOK: "fb-token"})["IdentityId"]
        params = {"IdentityId": identity, "Logins": {FACEBOOK: "fb-token"}, "LoginsToRemove": [FACEBOOK]}
        return Case("unlink_identity", params, identity_id=identity)

    def get_id() -> Case:
        # Creates an identity, or links and merges one: the answer names it.
        pool = make_pool()
        params = {"IdentityPoolId": pool, "Logins": {FACEBOOK: "fb-token"}}
        return Case("get_id", params, pool_id=pool, from_answer="identity")

    def get_credentials() -> Case:
        pool = make_pool()
        cognito.set_identity_pool_roles(IdentityPoolId=pool, Roles={"unauthenticated": UNAUTH_ROLE})
        identity = cognito.get_id(IdentityPoolId=pool)["IdentityId"]
        return Case("get_credentials_for_identity", {"IdentityId": identity}, identity_id=identity)

    def get_open_id_token() -> Case:
        pool = make_pool()
        identity = cognito.get_id(IdentityPoolId=pool)["IdentityId"]
        return Case("get_open_id_token", {"IdentityId": identity}, identity_id=identity)

    return {
        "GetId": get_id,
        "GetCredentialsForIdentity": get_credentials,
        "GetOpenIdToken": get_open_id_token,
        "CreateIdentityPool": create,
        "UpdateIdentityPool": update,
        "DeleteIdentityPool": delete_pool,
        "SetIdentityPoolRoles": set_roles,
        "SetPrincipalTagAttributeMap": principal_tags,
        "TagResource": tag,
        "UntagResource": untag,
        "DeleteIdentities": delete_identities,
        "GetOpenIdTokenForDeveloperIdentity": developer_token,
        "MergeDeveloperIdentities": merge,
        "UnlinkDeveloperIdentity": unlink_developer,
        "UnlinkIdentity": unlink,
    }


def test_the_cases_cover_every_mutating_operation(cognito, make_pool, region):
    assert set(_cases(cognito, make_pool, region)) == MUTATING_OPERATIONS


@pytest.mark.parametrize("operation", sorted(MUTATING_OPERATIONS))
def test_a_mutating_call_records_one_event_with_who_where_what_and_outcome(
    operation, admin, cognito, make_pool, region
):
    case = _cases(cognito, make_pool, region)[operation]()

    answer = as_web_request(admin, lambda: call(region, case.method, **case.params))

    [event] = events()
    assert event.operation == operation
    assert event.outcome == "success"
    assert (event.error_code, event.error_message) == ("", "")
    assert event.actor == admin.username
    assert event.actor_user == admin
    assert event.source_ip == CLIENT_IP
    assert event.region == region
    expected_pool = answer["IdentityPoolId"] if case.from_answer == "pool" else case.pool_id
    expected_identity = answer["IdentityId"] if case.from_answer == "identity" else case.identity_id
    assert (event.pool_id, event.identity_id) == (expected_pool, expected_identity)


def test_a_failing_call_records_its_error_code_and_message(admin, region):
    with pytest.raises(errors.NotFound):
        as_web_request(admin, lambda: call(region, "delete_identity_pool", IdentityPoolId=MISSING_POOL))

    [event] = events()
    assert event.operation == "DeleteIdentityPool"
    assert event.outcome == "error"
    assert event.error_code == "ResourceNotFoundException"
    assert MISSING_POOL in event.error_message
    assert event.pool_id == MISSING_POOL
    assert event.actor == admin.username


def test_input_refused_before_it_is_sent_is_recorded_as_an_error_too(region):
    with pytest.raises(errors.InvalidInput):
        call(region, "create_identity_pool", IdentityPoolName="no-flag")

    [event] = events()
    assert event.operation == "CreateIdentityPool"
    assert event.outcome == "error"
    assert event.error_code == "ValidationException"
    assert "AllowUnauthenticatedIdentities" in event.error_message


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("list_identity_pools", {"MaxResults": 10}),
        ("describe_identity_pool", {}),
        ("get_identity_pool_roles", {}),
        ("list_identities", {"MaxResults": 10}),
        ("lookup_developer_identity", {"MaxResults": 10, "DeveloperUserIdentifier": "user-1"}),
    ],
)
def test_reading_calls_record_nothing(method, params, cognito, make_pool, region):
    pool = make_pool()
    _developer_identity(cognito, pool, "user-1")
    if method != "list_identity_pools":
        params = {"IdentityPoolId": pool, **params}

    call(region, method, **params)

    assert events() == []


def test_a_reading_call_that_fails_records_nothing_either(region):
    with pytest.raises(errors.NotFound):
        call(region, "describe_identity_pool", IdentityPoolId=MISSING_POOL)

    assert events() == []


def test_outside_a_request_the_actor_is_system_without_an_ip(make_pool, region):
    call(region, "delete_identity_pool", IdentityPoolId=make_pool())

    [event] = events()
    assert (event.actor, event.actor_user, event.source_ip) == ("system", None, None)


def test_a_job_names_itself_as_the_actor(admin, make_pool, region):
    with audit_actor("jobs:42", user=admin):
        call(region, "delete_identity_pool", IdentityPoolId=make_pool())

    [event] = events()
    assert (event.actor, event.actor_user, event.source_ip) == ("jobs:42", admin, None)


def test_a_new_pool_is_recorded_with_its_configuration_as_after(region):
    answer = call(
        region, "create_identity_pool", IdentityPoolName="fresh", AllowUnauthenticatedIdentities=True
    )

    [event] = events()
    assert event.before is None
    assert event.after["IdentityPoolId"] == answer["IdentityPoolId"]
    assert event.after["IdentityPoolName"] == "fresh"
    assert "ResponseMetadata" not in event.after


def test_the_caller_s_before_and_reason_are_kept_as_a_diff_of_changed_keys(cognito, make_pool, region):
    pool = make_pool("before-name")
    before = cognito.describe_identity_pool(IdentityPoolId=pool)
    before.pop("ResponseMetadata")

    call(
        region,
        "update_identity_pool",
        audit_before=before,
        audit_reason="Ticket 123: rename",
        **{**before, "IdentityPoolName": "after-name"},
    )

    [event] = events()
    assert event.before == {"IdentityPoolName": "before-name"}
    assert event.after == {"IdentityPoolName": "after-name"}
    assert event.reason == "Ticket 123: rename"
    assert "audit_before" not in event.request


def test_a_deletion_keeps_the_state_before_it(make_pool, region):
    pool = make_pool("doomed")

    call(
        region,
        "delete_identity_pool",
        IdentityPoolId=pool,
        audit_before={"IdentityPoolName": "doomed"},
        audit_reason="Decommissioned app",
    )

    [event] = events()
    assert (event.before, event.after, event.reason) == (
        {"IdentityPoolName": "doomed"},
        None,
        "Decommissioned app",
    )


def test_a_bulk_delete_keeps_every_id_in_the_request(cognito, make_pool, region):
    pool = make_pool()
    ids = [cognito.get_id(IdentityPoolId=pool)["IdentityId"] for _ in range(3)]

    call(region, "delete_identities", IdentityIdsToDelete=ids)

    [event] = events()
    assert event.request == {"IdentityIdsToDelete": ids}
    assert event.identity_id == ""
