"""The role-resolution tester: which role a user would get and why, from the pool's live roles
and mappings, computed by console/roleresolution.py as the embedded service computes it."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError
from django.core.exceptions import ValidationError
from django.urls import reverse

from console.pools.tester import decode_claims
from tests.cognito import AUTH_ROLE, GOOGLE, SAML_ARN, UNAUTH_ROLE, USER_POOL, id_token
from tests.pools.helpers import field_error, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]

USER_POOL_KEY = f"{USER_POOL}:appclient1"
ADMINS = "arn:aws:iam::000000000000:role/admins"
STAFF = "arn:aws:iam::000000000000:role/staff"
SAML_ROLE = "arn:aws:iam::000000000000:role/saml-users"
ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"


def _url(pool_id: str) -> str:
    return reverse("pools:role_tester", args=[pool_id])


def _rules(ambiguous: str = "AuthenticatedRole") -> dict:
    return {
        "Type": "Rules",
        "AmbiguousRoleResolution": ambiguous,
        "RulesConfiguration": {
            "Rules": [
                {"Claim": "cognito:groups", "MatchType": "Contains", "Value": "admins", "RoleARN": ADMINS},
                {"Claim": "custom:dept", "MatchType": "StartsWith", "Value": "sales", "RoleARN": STAFF},
            ]
        },
    }


@pytest.fixture
def mapped(cognito, pool_id):
    def configure(ambiguous: str = "AuthenticatedRole", **extra_mappings) -> str:
        cognito.set_identity_pool_roles(
            IdentityPoolId=pool_id,
            Roles={"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE},
            RoleMappings={USER_POOL_KEY: _rules(ambiguous), **extra_mappings},
        )
        return pool_id

    return configure


def _test(client, pool_id, provider=USER_POOL, claims="", saml_roles="", custom_role_arn="", **headers):
    data = {
        "provider": provider,
        "claims": claims,
        "saml_roles": saml_roles,
        "custom_role_arn": custom_role_arn,
    }
    return client.post(_url(pool_id), data, **headers)


def _user_pool_claims(**claims) -> str:
    return json.dumps({"aud": "appclient1", "sub": "user-1", **claims})


def test_a_guest_gets_the_guest_role(as_support, mapped):
    page = text(_test(as_support, mapped(), provider="(guest)").content.decode())

    assert f"Role: {UNAUTH_ROLE}" in page
    assert "Guests get the pool's guest (unauthenticated) role." in page


def test_a_pool_without_the_needed_role_answers_no_role(as_support, pool_id):
    page = text(_test(as_support, pool_id, provider="(guest)").content.decode())

    assert (
        "No role: InvalidIdentityPoolConfigurationException “Invalid identity pool configuration. "
        "Check assigned IAM roles for this pool.”"
    ) in page


def test_the_rule_that_matched_is_named_and_highlighted(as_support, mapped):
    html = _test(
        as_support, mapped(), claims=_user_pool_claims(**{"custom:dept": "sales-emea"})
    ).content.decode()

    page = text(html)
    assert f"Role: {STAFF}" in page
    assert f"Rule 2 of the role mapping for {USER_POOL_KEY} matched (the first matching rule wins)." in page
    assert '<li class="matched"><code>custom:dept</code> StartsWith “sales”' in html
    assert 'Rule 1: cognito:groups Contains "admins" — claim cognito:groups is absent.' in page


def test_no_rule_matching_falls_back_to_the_authenticated_role_when_so_configured(as_support, mapped):
    page = text(_test(as_support, mapped("AuthenticatedRole"), claims=_user_pool_claims()).content.decode())

    assert f"Role: {AUTH_ROLE}" in page
    assert (
        f"Fallback: the pool's authenticated role, because the role mapping for {USER_POOL_KEY} decided nothing"
        in page
    )
    assert "AmbiguousRoleResolution is AuthenticatedRole." in page


def test_no_rule_matching_is_denied_when_so_configured(as_support, mapped):
    page = text(_test(as_support, mapped("Deny"), claims=_user_pool_claims()).content.decode())

    assert (
        f"Denied: NotAuthorizedException “The ambiguous role mapping rules for: {USER_POOL} denied this request.”"
        in page
    )
    assert "Denied: AmbiguousRoleResolution is Deny." in page


def test_a_login_without_a_mapping_gets_the_authenticated_role(as_support, mapped):
    page = text(_test(as_support, mapped(), provider=GOOGLE, claims='{"sub": "g-1"}').content.decode())

    assert f"Role: {AUTH_ROLE}" in page
    assert "Fallback: the pool's authenticated role, because no role mapping applies to this login." in page


def test_a_token_mapping_uses_the_preferred_role(as_support, mapped):
    pool_id = mapped(**{GOOGLE: {"Type": "Token", "AmbiguousRoleResolution": "Deny"}})
    claims = json.dumps({"sub": "g-1", "cognito:preferred_role": ADMINS, "cognito:roles": [ADMINS, STAFF]})

    page = text(_test(as_support, pool_id, provider=GOOGLE, claims=claims).content.decode())

    assert f"Role: {ADMINS}" in page
    assert "The token's cognito:preferred_role claim" in page


def test_a_custom_role_arn_picks_a_later_matching_rule(as_support, mapped):
    claims = _user_pool_claims(**{"cognito:groups": ["admins"], "custom:dept": "sales"})

    page = text(_test(as_support, mapped(), claims=claims, custom_role_arn=STAFF).content.decode())

    assert f"Role: {STAFF}" in page
    assert "Rule 2 of the role mapping" in page


def test_a_saml_role_from_the_assertion(as_support, mapped):
    page = text(
        _test(as_support, mapped(), provider=SAML_ARN, saml_roles=f"{SAML_ROLE},{SAML_ARN}").content.decode()
    )

    assert f"Role: {SAML_ROLE}" in page
    assert "The only role the SAML assertion offers." in page


def test_a_jwt_is_decoded_and_only_its_claims_are_shown_back(as_support, mapped):
    token = id_token("user-1", USER_POOL, **{"cognito:groups": ["admins"]})

    html = _test(as_support, mapped(), claims=token).content.decode()

    assert f"Role: {ADMINS}" in text(html)
    assert token not in html
    assert token.split(".")[1] not in html
    assert "&quot;cognito:groups&quot;: [\n    &quot;admins&quot;" in html
    assert "The token was decoded and its claims are shown above; the token itself was not kept." in html


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        (
            "{not json",
            "Claims: not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2).",
        ),
        ('["a"]', "Claims: paste a JSON object or a JWT (three parts separated by dots)."),
        ("a.b.c.d.e", "Claims: this is an encrypted token (JWE); paste its claims as JSON instead."),
        ("a.!!!.c", "Claims: the token's middle part is not base64url-encoded JSON."),
    ],
)
def test_claims_that_cannot_be_read_are_refused_beside_the_field(as_support, pool_id, claims, message):
    html = _test(as_support, pool_id, claims=claims).content.decode()

    assert field_error(html, "id_claims") == message


def test_the_tester_and_the_embedded_service_agree_on_a_denial(as_support, mapped, cognito):
    pool_id = mapped("Deny")
    token = id_token("user-1", USER_POOL)
    identity = cognito.get_id(IdentityPoolId=pool_id, Logins={USER_POOL: token})["IdentityId"]

    with pytest.raises(ClientError) as refused:
        cognito.get_credentials_for_identity(IdentityId=identity, Logins={USER_POOL: token})
    page = text(_test(as_support, pool_id, claims=token).content.decode())

    assert refused.value.response["Error"]["Code"] == "NotAuthorizedException"
    assert f"“{refused.value.response['Error']['Message']}”" in page


def test_htmx_answers_the_tester_section(as_admin, mapped):
    html = _test(as_admin, mapped(), provider="(guest)", HTTP_HX_REQUEST="true").content.decode()

    assert "<html" not in html
    assert html.lstrip().startswith('<section id="section-tester"')
    assert f"Role: {UNAUTH_ROLE}" in text(html)


def test_without_htmx_the_tester_is_a_page_of_its_own(as_support, mapped):
    html = as_support.get(_url(mapped())).content.decode()

    assert html.count("<h1>") == 1
    assert "Role-resolution tester: everything" in html


def test_viewers_may_not_use_the_tester(as_viewer, pool_id):
    assert as_viewer.get(_url(pool_id)).status_code == 403
    assert _test(as_viewer, pool_id, provider="(guest)").status_code == 403


def _nested(depth: int) -> str:
    return '{"a": ' + "[" * depth + "]" * depth + "}"


def _unsigned_jwt(payload: str) -> str:
    def part(data: str) -> str:
        return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")

    header = part('{"alg": "none"}')
    return f"{header}.{part(payload)}.sig"


@pytest.mark.parametrize("as_jwt", [False, True], ids=["json", "jwt"])
def test_claims_nested_5000_deep_are_refused_beside_the_field(as_support, pool_id, as_jwt):
    # Python's json recurses once per level: 5,000 levels were a RecursionError (500).
    claims = _nested(5000)
    pasted = _unsigned_jwt(claims) if as_jwt else claims

    response = _test(as_support, pool_id, claims=pasted)

    assert response.status_code == 200
    what = "the token's payload" if as_jwt else "this JSON"
    assert field_error(response.content.decode(), "id_claims") == (
        f"Claims: {what} nests objects and arrays more than 20 deep; paste the claims the role mapping reads."
    )


def test_claims_nested_as_deep_as_allowed_are_read(as_support, mapped):
    html = _test(as_support, mapped(), claims=_nested(19)).content.decode()

    assert "id_claims_error" not in html
    assert "Role:" in text(html)


def test_brackets_inside_strings_do_not_count_as_nesting(as_support, mapped):
    claims = json.dumps({"aud": "appclient1", "sub": "[[[[" * 100, "custom:dept": 'sales {{{{ \\" [[['})

    html = _test(as_support, mapped(), claims=claims).content.decode()

    assert f"Role: {STAFF}" in text(html)


def test_claims_longer_than_the_limit_are_refused_beside_the_field(as_support, pool_id):
    # The field's own limit (held before the depth one was added); decode_claims checks it too.
    html = _test(as_support, pool_id, claims='{"a": "' + "x" * 20_000 + '"}').content.decode()

    assert "at most 20000 characters" in field_error(html, "id_claims")


def test_decode_claims_limits_size_itself():
    with pytest.raises(ValidationError, match="at most 20,000 characters"):
        decode_claims('{"a": "' + "x" * 20_000 + '"}')
