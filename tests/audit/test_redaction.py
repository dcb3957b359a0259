"""Secrets and tokens never reach the audit trail; the rest of the request does."""

from __future__ import annotations

import json

import jwt
import pytest

from console.audit.record import record_console_action
from console.audit.redact import REDACTED, diff, redact
from console.aws import errors
from console.aws.calls import call
from tests.cognito import DEVELOPER, FACEBOOK, GOOGLE, pool_arn
from tests.secrets_scan import assert_no_secrets

from .conftest import events

pytestmark = pytest.mark.django_db

PROVIDER_TOKEN = jwt.encode(
    {"sub": "g-1", "iss": "https://accounts.google.com", "aud": "client.apps.googleusercontent.com"},
    "provider-signing-key-not-checked-by-the-service",
    algorithm="HS256",
)
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
ACCESS_KEY_ID = "ASIAEXAMPLE123456789"


def _stored(event) -> str:
    """Everything an event keeps, as one text to search."""
    fields = (event.request, event.before, event.after, event.error_message, event.reason)
    return json.dumps(fields, default=str)


def test_a_login_token_given_to_cognito_is_not_stored_but_its_provider_is(make_pool, region):
    pool = make_pool()

    call(
        region,
        "get_open_id_token_for_developer_identity",
        IdentityPoolId=pool,
        Logins={DEVELOPER: "user-1", GOOGLE: PROVIDER_TOKEN},
    )

    [event] = events()
    assert PROVIDER_TOKEN not in _stored(event)
    assert event.request["Logins"] == {DEVELOPER: REDACTED, GOOGLE: REDACTED}
    assert event.request["IdentityPoolId"] == pool


def test_the_token_cognito_answers_with_is_not_stored(make_pool, region):
    answer = call(
        region,
        "get_open_id_token_for_developer_identity",
        IdentityPoolId=make_pool(),
        Logins={DEVELOPER: "u"},
    )

    [event] = events()
    assert answer["Token"] not in _stored(event)


@pytest.fixture
def guest_pool(cognito, make_pool) -> str:
    pool = make_pool()
    cognito.set_identity_pool_roles(
        IdentityPoolId=pool, Roles={"unauthenticated": "arn:aws:iam::000000000000:role/cognito-guest"}
    )
    return pool


def test_get_id_is_recorded_without_the_login_token(guest_pool, region):
    answer = call(region, "get_id", IdentityPoolId=guest_pool, Logins={GOOGLE: PROVIDER_TOKEN})

    [event] = events()
    assert (event.operation, event.identity_id) == ("GetId", answer["IdentityId"])
    assert event.request["Logins"] == {GOOGLE: REDACTED}
    assert PROVIDER_TOKEN not in _stored(event)


def test_credentials_answered_by_get_credentials_for_identity_are_never_stored(cognito, guest_pool, region):
    identity = cognito.get_id(IdentityPoolId=guest_pool)["IdentityId"]

    answer = call(region, "get_credentials_for_identity", IdentityId=identity)

    [event] = events()
    assert event.operation == "GetCredentialsForIdentity"
    credentials = answer["Credentials"]
    stored = _stored(event)
    for secret in (credentials["AccessKeyId"], credentials["SecretKey"], credentials["SessionToken"]):
        assert secret not in stored
    assert_no_secrets(stored)


def test_the_token_answered_by_get_open_id_token_is_never_stored(cognito, make_pool, region):
    pool = make_pool()
    identity = cognito.get_id(IdentityPoolId=pool, Logins={FACEBOOK: "fb-token"})["IdentityId"]

    answer = call(region, "get_open_id_token", IdentityId=identity, Logins={FACEBOOK: "fb-token"})

    [event] = events()
    assert event.operation == "GetOpenIdToken"
    assert answer["Token"] not in _stored(event)
    assert "fb-token" not in _stored(event)
    assert_no_secrets(_stored(event))


def test_unlinking_keeps_the_provider_removed_but_not_the_token(cognito, make_pool, region):
    identity = cognito.get_id(IdentityPoolId=make_pool(), Logins={FACEBOOK: "fb-token"})["IdentityId"]

    call(
        region,
        "unlink_identity",
        IdentityId=identity,
        Logins={FACEBOOK: "fb-token"},
        LoginsToRemove=[FACEBOOK],
    )

    [event] = events()
    assert "fb-token" not in _stored(event)
    assert event.request["LoginsToRemove"] == [FACEBOOK]


def test_a_jwt_anywhere_in_a_request_is_replaced(make_pool, region):
    pool = make_pool()

    call(region, "tag_resource", ResourceArn=pool_arn(pool, region), Tags={"note": PROVIDER_TOKEN})

    [event] = events()
    assert PROVIDER_TOKEN not in _stored(event)
    assert event.request["Tags"] == {"note": REDACTED}


def test_an_error_message_echoing_a_token_is_scrubbed(make_pool, region):
    pool = make_pool()
    too_long = PROVIDER_TOKEN + "x" * 300

    with pytest.raises(errors.InvalidInput):
        call(region, "tag_resource", ResourceArn=pool_arn(pool, region), Tags={"note": too_long})

    [event] = events()
    assert event.outcome == "error"
    assert "256" in event.error_message
    assert PROVIDER_TOKEN[:40] not in _stored(event)


def test_credentials_given_to_a_console_action_are_not_stored():
    record_console_action(
        "job.start",
        request={
            "Credentials": {"AccessKeyId": ACCESS_KEY_ID, "SecretKey": SECRET_KEY, "SessionToken": "FwoG..."},
            "job": 7,
        },
    )

    [event] = events()
    assert SECRET_KEY not in _stored(event)
    assert ACCESS_KEY_ID not in _stored(event)
    assert event.request == {"Credentials": REDACTED, "job": 7}


@pytest.mark.parametrize(
    "key",
    ["SecretKey", "SessionToken", "AccessKeyId", "password", "client_secret", "NextToken", "Authorization"],
)
def test_text_under_a_secret_key_is_replaced(key):
    assert redact({key: "value"}) == {key: REDACTED}


@pytest.mark.parametrize(
    "key",
    [
        "private_key",
        "privateKey",
        "Private-Key",
        "api_key",
        "API-Key",
        "x-api-key",
        "access_key",
        "aws_access_key_id",
        "AWS_SECRET_ACCESS_KEY",
        "session-token",
        "refresh_token",
    ],
)
def test_secret_key_names_are_matched_whatever_their_case_and_separators(key):
    assert redact({key: "value"}) == {key: REDACTED}
    assert redact({"outer": {key: ["value"]}}) == {"outer": {key: REDACTED}}


@pytest.mark.parametrize("key", ["logins", "LOGINS", "Logins"])
def test_a_logins_map_in_any_case_keeps_its_providers_and_loses_its_tokens(key):
    assert redact({key: {FACEBOOK: "fb-token", GOOGLE: "opaque-google-token"}}) == {
        key: {FACEBOOK: REDACTED, GOOGLE: REDACTED}
    }


def test_a_console_action_given_these_shapes_stores_none_of_their_secrets():
    # What a sign-in tester or a job might pass along: every shape at once.
    secrets = ["pk-not-for-the-trail", "api-key-not-for-the-trail", "ak-not-for-the-trail", "fb-login-token"]
    record_console_action(
        "job.start",
        request={
            "private_key": secrets[0],
            "api-key": secrets[1],
            "Access_Key": secrets[2],
            "logins": {FACEBOOK: secrets[3]},
            "job": 3,
        },
    )

    [event] = events()
    stored = _stored(event)
    assert not [secret for secret in secrets if secret in stored]
    assert event.request["logins"] == {FACEBOOK: REDACTED}
    assert event.request["job"] == 3


def test_numbers_and_flags_under_token_named_keys_are_kept():
    request = {"TokenDuration": 900, "CognitoIdentityProviders": [{"ServerSideTokenCheck": True}]}

    assert redact(request) == request


def test_an_access_key_id_inside_other_text_is_replaced():
    assert redact({"message": f"key {ACCESS_KEY_ID} refused"}) == {"message": f"key {REDACTED} refused"}


def test_ordinary_values_are_kept_and_the_original_is_not_changed():
    request = {"IdentityPoolId": "us-east-1:abc", "Tags": {"team": "blue"}, "Logins": {FACEBOOK: "t"}}

    copy = redact(request)

    assert copy == {
        "IdentityPoolId": "us-east-1:abc",
        "Tags": {"team": "blue"},
        "Logins": {FACEBOOK: REDACTED},
    }
    assert request["Logins"] == {FACEBOOK: "t"}


def test_diff_keeps_only_changed_keys_on_each_side():
    before = {"name": "a", "guests": True, "tags": {"x": "1"}, "gone": 1}
    after = {"name": "b", "guests": True, "tags": {"x": "1"}, "new": 2}

    assert diff(before, after) == ({"name": "a", "gone": 1}, {"name": "b", "new": 2})


def test_diff_with_an_unknown_side_keeps_the_other_whole():
    assert diff(None, {"name": "a"}) == (None, {"name": "a"})
    assert diff({"name": "a"}, None) == ({"name": "a"}, None)
