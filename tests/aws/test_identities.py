"""The gateway's identity functions: small frozen answers, limits from botocore, secrets kept out of repr."""

from __future__ import annotations

import dataclasses

import pytest

from console.aws import identities as gateway
from console.aws.errors import InvalidInput, NotAuthorized, NotFound
from tests.cognito import APPLE, FACEBOOK, GOOGLE, OIDC_ISSUER, SAML_ARN, USER_POOL, id_token

pytestmark = pytest.mark.django_db


def test_the_developer_token_limits_are_botocores():
    limits = gateway.developer_token_limits()

    assert (limits.token_duration_min, limits.token_duration_max) == (1, 86400)
    assert limits.user_max_length == 1024
    assert (limits.tags_max, limits.tag_key_max_length, limits.tag_value_max_length) == (50, 128, 256)


def test_a_page_of_identities_and_its_token(cognito, pool_id):
    created = [cognito.get_id(IdentityPoolId=pool_id)["IdentityId"] for _ in range(3)]

    first = gateway.list_identities_page(pool_id, 2)
    second = gateway.list_identities_page(pool_id, 2, first.next_token)

    assert [identity.identity_id for identity in first.identities + second.identities] == created
    assert second.next_token is None
    assert first.identities[0].created is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.identities[0].identity_id = "changed"  # type: ignore[misc]


def test_pool_facts_name_every_kind_of_login_provider(pool_id):
    facts = gateway.pool_facts(pool_id)

    assert facts.name == "everything"
    assert facts.developer_provider == "login.example.app"
    assert set(facts.login_providers) == {FACEBOOK, GOOGLE, USER_POOL, OIDC_ISSUER, SAML_ARN}
    assert APPLE not in facts.login_providers


def test_developer_users_of_an_identity_answer_only_in_its_pool(cognito, make_pool):
    first = make_pool("first")
    second = make_pool("second")
    identity = cognito.get_id(IdentityPoolId=first)["IdentityId"]

    assert gateway.developer_users_of(first, identity).users == ()
    with pytest.raises((NotAuthorized, NotFound)):
        gateway.developer_users_of(second, identity)


def test_an_unknown_developer_user_is_not_found(pool_id):
    with pytest.raises(NotFound):
        gateway.identity_of_developer_user(pool_id, "nobody")


def test_tokens_and_credentials_stay_out_of_repr(cognito, pool_id):
    cognito.set_identity_pool_roles(
        IdentityPoolId=pool_id, Roles={"authenticated": "arn:aws:iam::000000000000:role/a"}
    )
    logins = {GOOGLE: id_token("ada")}
    identity = gateway.get_id(pool_id, logins)

    token = gateway.get_open_id_token(identity, logins)
    credentials = gateway.get_credentials(identity, logins)

    assert token.token not in repr(token)
    assert credentials.secret_key not in repr(credentials)
    assert credentials.session_token not in repr(credentials)
    assert credentials.access_key_id in repr(credentials)


def test_a_token_duration_out_of_range_is_the_services_error(pool_id):
    with pytest.raises(InvalidInput):
        gateway.register_developer_user(pool_id, "login.example.app", "customer-1", token_duration=0)
