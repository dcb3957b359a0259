"""Creating a pool (/pools/new): every member of CreateIdentityPool, limits from the model checked
before the call, the service's own refusals beside their field, rows added and removed."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from console.audit.models import AuditEvent
from tests.cognito import DEVELOPER, FACEBOOK, GOOGLE, OIDC_ARN, SAML_ARN, USER_POOL
from tests.pools.helpers import field_error, group_errors, pool_form, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]

NEW = reverse("pools:new")
OIDC_PREFIX = "arn:aws:iam::000000000000:oidc-provider/"


def long_text(length: int) -> str:
    # Dashes break the run: the log scan takes 200 letters in a row for a session token.
    return ("abcd-" * length)[:length]


def _pools(cognito) -> list[dict]:
    return cognito.list_identity_pools(MaxResults=60)["IdentityPools"]


def _create(client, **fields):
    return client.post(NEW, pool_form(**{"region": "us-east-1", **fields}))


def _describe_only_pool(cognito) -> dict:
    (pool,) = _pools(cognito)
    return cognito.describe_identity_pool(IdentityPoolId=pool["IdentityPoolId"])


def test_the_form_offers_every_member_with_a_visible_label_each(as_admin):
    html = as_admin.get(NEW).content.decode()

    ids = re.findall(r'<(?:input|select|textarea)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html)
    labelled = set(re.findall(r'<label for="([^"]+)"', html))
    assert ids and set(ids) - labelled <= {
        "id_allow_classic_flow_0",
        "id_allow_classic_flow_1",
        "id_allow_classic_flow_2",
    }
    for words in (
        "Pool name",
        "Allow guest (unauthenticated) identities",
        "Basic (classic) authentication flow",
        "Facebook App ID",
        "Google Client ID",
        "Login with Amazon App ID",
        "Twitter Consumer key;consumer secret",
        "Sign in with Apple Services ID",
        "Other login providers",
        "Developer provider name",
        "OpenID Connect providers",
        "SAML providers",
        "Cognito user pools",
        "Tags",
    ):
        assert words in html, words
    assert html.count("<h1>") == 1
    assert (
        '<button type="submit" name="step" value="review" class="button primary">Create pool</button>' in html
    )


def test_the_region_defaults_to_the_one_asked_for(as_admin, settings):
    settings.AWS_REGIONS = ["us-east-1", "eu-west-1"]

    html = as_admin.get(NEW, {"region": "eu-west-1"}).content.decode()

    assert re.search(r'<option value="eu-west-1" selected>', html)


def test_a_pool_is_created_with_every_member_and_the_admin_lands_on_its_page(as_admin, cognito):
    response = _create(
        as_admin,
        name="shop customers",
        allow_unauthenticated=True,
        allow_classic_flow="on",
        facebook="1234567890",
        google="client.apps.googleusercontent.com",
        others=[{"key": "login.partner.example", "value": "partner-app"}],
        developer_provider_name=DEVELOPER,
        oidc=[{"arn": OIDC_ARN}],
        saml=[{"arn": SAML_ARN}],
        user_pools=[{"provider_name": USER_POOL, "client_id": "appclient1", "server_side_token_check": "on"}],
        tags=[{"key": "team", "value": "shop"}, {"key": "env", "value": ""}],
    )

    pool = _describe_only_pool(cognito)
    assert response.status_code == 302
    assert response.url == reverse("pools:detail", args=[pool["IdentityPoolId"]])
    assert pool["IdentityPoolName"] == "shop customers"
    assert pool["AllowUnauthenticatedIdentities"] is True
    assert pool["AllowClassicFlow"] is True
    assert pool["SupportedLoginProviders"] == {
        FACEBOOK: "1234567890",
        GOOGLE: "client.apps.googleusercontent.com",
        "login.partner.example": "partner-app",
    }
    assert pool["DeveloperProviderName"] == DEVELOPER
    assert pool["OpenIdConnectProviderARNs"] == [OIDC_ARN]
    assert pool["SamlProviderARNs"] == [SAML_ARN]
    assert pool["CognitoIdentityProviders"] == [
        {"ProviderName": USER_POOL, "ClientId": "appclient1", "ServerSideTokenCheck": True}
    ]
    assert pool["IdentityPoolTags"] == {"team": "shop", "env": ""}


@pytest.mark.parametrize(("posted", "stored"), [("", None), ("on", True), ("off", False)])
def test_classic_flow_is_tri_state_as_the_api_has_it(as_admin, cognito, posted, stored):
    _create(as_admin, allow_classic_flow=posted)

    assert _describe_only_pool(cognito).get("AllowClassicFlow") == stored


def test_creating_is_audited_with_the_admin_as_actor(as_admin, admin, cognito):
    _create(as_admin, name="audited")

    event = AuditEvent.objects.get(operation="CreateIdentityPool")
    assert event.actor == admin.username
    assert event.outcome == "success"
    assert event.pool_id == _pools(cognito)[0]["IdentityPoolId"]


# --- limits from the model: at the limit accepted, one past refused with the field named -------


@pytest.mark.parametrize(
    ("field", "field_id", "label", "limit"),
    [
        ("name", "id_name", "Pool name", 128),
        ("facebook", "id_facebook", "Facebook App ID", 128),
        ("developer_provider_name", "id_developer_provider_name", "Developer provider name", 128),
    ],
)
def test_text_at_the_limit_is_accepted_and_one_past_it_refused(
    as_admin, cognito, field, field_id, label, limit
):
    refused = _create(as_admin, **{field: long_text(limit + 1)})
    accepted = _create(as_admin, **{field: long_text(limit)})

    assert refused.status_code == 200
    assert field_error(refused.content.decode(), field_id) == (
        f"{label} may have at most {limit} characters; this has {limit + 1}."
    )
    assert accepted.status_code == 302
    assert len(_pools(cognito)) == 1


def test_a_name_outside_the_models_pattern_is_refused_with_what_it_allows(as_admin, cognito):
    html = _create(as_admin, name="café").content.decode()

    assert field_error(html, "id_name") == (
        "Pool name may contain only ASCII letters, digits, spaces and the characters _ + = , . @ -."
    )
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert _pools(cognito) == []


def test_a_pool_needs_a_name(as_admin):
    assert field_error(_create(as_admin, name="").content.decode(), "id_name") == "Pool name is required."


def test_ten_login_providers_are_accepted_and_the_eleventh_refused(as_admin, cognito):
    five = {"facebook": "f", "google": "g", "amazon": "a", "twitter": "t;s", "apple": "com.example"}
    others = [{"key": f"login{number}.example", "value": "app"} for number in range(6)]

    refused = _create(as_admin, others=others, **five)
    accepted = _create(as_admin, others=others[:5], **five)

    assert (
        group_errors(refused.content.decode(), "other")
        == "Login providers: at most 10 are allowed; there are 11."
    )
    assert accepted.status_code == 302
    assert len(_describe_only_pool(cognito)["SupportedLoginProviders"]) == 10


def test_a_well_known_provider_typed_as_another_key_is_sent_to_its_own_field(as_admin):
    html = _create(as_admin, others=[{"key": FACEBOOK, "value": "123"}]).content.decode()

    assert field_error(html, "id_other-0-key") == (
        "graph.facebook.com has its own field above (Facebook); fill that in instead."
    )


@pytest.mark.parametrize(
    ("subfield", "limit", "label"),
    [("provider_name", 128, "User pool provider name"), ("client_id", 128, "App client ID")],
)
def test_user_pool_fields_at_and_past_their_limits(as_admin, cognito, subfield, limit, label):
    row = {"provider_name": USER_POOL, "client_id": "client"}

    # The client id's pattern has no dash: underscores break the run there.
    refused = _create(as_admin, user_pools=[{**row, subfield: long_text(limit + 1).replace("-", "_")}])
    accepted = _create(as_admin, user_pools=[{**row, subfield: long_text(limit).replace("-", "_")}])

    assert field_error(refused.content.decode(), f"id_userpool-0-{subfield}") == (
        f"{label} may have at most {limit} characters; this has {limit + 1}."
    )
    assert accepted.status_code == 302


def test_an_oidc_arn_at_the_models_length_is_accepted_and_one_longer_refused(as_admin, cognito):
    at_limit = OIDC_PREFIX + long_text(2048 - len(OIDC_PREFIX))

    refused = _create(as_admin, oidc=[{"arn": at_limit + "a"}])
    accepted = _create(as_admin, oidc=[{"arn": at_limit}])

    assert field_error(refused.content.decode(), "id_oidc-0-arn") == (
        "OpenID Connect provider ARN may have at most 2048 characters; this has 2049."
    )
    assert accepted.status_code == 302
    assert _describe_only_pool(cognito)["OpenIdConnectProviderARNs"] == [at_limit]


def test_something_that_is_not_a_provider_arn_is_refused_before_the_call(as_admin, cognito):
    html = _create(as_admin, saml=[{"arn": OIDC_ARN}]).content.decode()

    assert field_error(html, "id_saml-0-arn") == (
        "SAML provider ARN must be an IAM saml-provider ARN, like arn:aws:iam::123456789012:saml-provider/name."
    )
    assert _pools(cognito) == []


def test_fifty_tags_are_accepted_and_the_fifty_first_refused(as_admin, cognito):
    tags = [{"key": f"key-{number}", "value": "v"} for number in range(51)]

    refused = _create(as_admin, tags=tags)
    accepted = _create(as_admin, tags=tags[:50])

    assert group_errors(refused.content.decode(), "tag") == "Tags: at most 50 are allowed; there are 51."
    assert accepted.status_code == 302
    assert len(_describe_only_pool(cognito)["IdentityPoolTags"]) == 50


@pytest.mark.parametrize(
    ("subfield", "limit", "label"), [("key", 128, "Tag key"), ("value", 256, "Tag value")]
)
def test_tag_keys_and_values_at_and_past_their_limits(as_admin, subfield, limit, label):
    row = {"key": "k", "value": "v"}

    refused = _create(as_admin, tags=[{**row, subfield: long_text(limit + 1)}])
    accepted = _create(as_admin, tags=[{**row, subfield: long_text(limit)}])

    assert field_error(refused.content.decode(), f"id_tag-0-{subfield}") == (
        f"{label} may have at most {limit} characters; this has {limit + 1}."
    )
    assert accepted.status_code == 302


def test_a_tag_key_with_the_reserved_aws_prefix_is_refused_with_the_reason(as_admin, cognito):
    html = _create(as_admin, tags=[{"key": "AWS:owner", "value": "x"}]).content.decode()

    assert field_error(html, "id_tag-0-key") == (
        "Tag key “AWS:owner” uses the reserved prefix “aws:”: AWS keeps that prefix for its own tags."
    )
    assert _pools(cognito) == []


def test_the_services_own_refusal_is_shown_beside_the_field_it_concerns(as_admin, cognito):
    # The model bounds only the length; the service also checks the ARN's account number.
    arn = "arn:aws:iam::12345:oidc-provider/login.example.org"

    response = _create(as_admin, oidc=[{"arn": OIDC_ARN}, {"arn": arn}])

    html = response.content.decode()
    assert response.status_code == 200
    assert field_error(html, "id_oidc-1-arn") == f"Invalid OpenIdConnectProviderARNs value: '{arn}'."
    assert "The service refused the change (InvalidParameterException)" in html
    assert _pools(cognito) == []


def test_an_unknown_region_is_refused(as_admin):
    html = _create(as_admin, region="mars-north-1").content.decode()

    assert "Select a valid choice. mars-north-1 is not one of the available choices." in field_error(
        html, "id_region"
    )


# --- rows: added and removed without losing what was typed -----------------------------------


def test_adding_a_row_keeps_everything_typed(as_admin, cognito):
    data = pool_form(
        "typed name", region="us-east-1", facebook="fb-app", tags=[{"key": "team", "value": "shop"}]
    )

    response = as_admin.post(NEW, {**data, "row": "add:tag"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="typed name"' in html
    assert 'value="fb-app"' in html
    assert 'name="tag-0-key" value="team"' in html
    assert re.search(r'<input type="text" name="tag-1-key"[^>]* autofocus', html)
    assert "errorlist" not in html  # the new empty row is not an error yet
    assert _pools(cognito) == []


def test_removing_a_row_keeps_the_others(as_admin):
    data = pool_form(region="us-east-1", oidc=[{"arn": OIDC_ARN}, {"arn": OIDC_PREFIX + "second.example"}])

    html = as_admin.post(NEW, {**data, "row": "remove:oidc:0"}).content.decode()

    assert f'name="oidc-0-arn" value="{OIDC_PREFIX}second.example"' in html
    assert OIDC_ARN + '"' not in html
    assert 'name="oidc-1-arn"' not in html


def test_empty_rows_are_ignored_when_creating(as_admin, cognito):
    response = _create(as_admin, oidc=[{"arn": ""}], tags=[{"key": "", "value": ""}])

    assert response.status_code == 302
    pool = _describe_only_pool(cognito)
    assert "OpenIdConnectProviderARNs" not in pool
    assert "IdentityPoolTags" not in pool


def test_an_htmx_row_action_answers_the_form_section_only(as_admin):
    data = pool_form(region="us-east-1")

    response = as_admin.post(NEW, {**data, "row": "add:saml"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="pool-form"')
    assert 'name="saml-0-arn"' in html


def test_an_htmx_error_answers_the_form_section_with_the_errors(as_admin):
    response = as_admin.post(NEW, pool_form(name="", region="us-east-1"), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="pool-form"')
    assert field_error(html, "id_name") == "Pool name is required."


def test_an_htmx_create_sends_the_browser_to_the_new_pools_page(as_admin, cognito):
    response = as_admin.post(NEW, pool_form(name="via htmx", region="us-east-1"), HTTP_HX_REQUEST="true")

    pool_id = _pools(cognito)[0]["IdentityPoolId"]
    assert response["HX-Redirect"] == reverse("pools:detail", args=[pool_id])


def test_the_success_message_names_the_pool(as_admin):
    response = as_admin.post(NEW, pool_form(name="greeted", region="us-east-1"), follow=True)

    assert "Pool “greeted” created in us-east-1." in text(response.content.decode())


@pytest.mark.parametrize("client_name", ["as_viewer", "as_support"])
def test_only_admins_may_open_or_post_the_form(request, client_name, cognito):
    client = request.getfixturevalue(client_name)

    assert client.get(NEW).status_code == 403
    assert client.post(NEW, pool_form(region="us-east-1")).status_code == 403
    assert _pools(cognito) == []


def test_another_providers_key_at_and_past_its_limit(as_admin):
    refused = _create(as_admin, others=[{"key": long_text(129), "value": "app"}])
    accepted = _create(as_admin, others=[{"key": long_text(128), "value": "app"}])

    assert field_error(refused.content.decode(), "id_other-0-key") == (
        "Provider name may have at most 128 characters; this has 129."
    )
    assert accepted.status_code == 302


def test_a_saml_arn_at_the_models_length_is_accepted_and_one_longer_refused(as_admin):
    prefix = "arn:aws:iam::000000000000:saml-provider/"
    at_limit = prefix + long_text(2048 - len(prefix)).replace("-", "_")

    refused = _create(as_admin, saml=[{"arn": at_limit + "a"}])
    accepted = _create(as_admin, saml=[{"arn": at_limit}])

    assert field_error(refused.content.decode(), "id_saml-0-arn") == (
        "SAML provider ARN may have at most 2048 characters; this has 2049."
    )
    assert accepted.status_code == 302
