"""Roles and role mappings (SetIdentityPoolRoles replaces them all): both roles, one mapping per
provider, the rules editor (add, remove, reorder: order decides which rule wins), limits from
the model, a reviewed diff, and concurrent changes shown rather than overwritten."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from console.audit.models import AuditEvent
from tests.cognito import AUTH_ROLE, FACEBOOK, GOOGLE, OIDC_ISSUER, SAML_ARN, UNAUTH_ROLE, USER_POOL
from tests.pools.helpers import detail_url, field_error, group_errors, hidden, roles_form, rule, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]

USER_POOL_KEY = f"{USER_POOL}:appclient1"
PROVIDERS = [FACEBOOK, GOOGLE, USER_POOL_KEY, OIDC_ISSUER, SAML_ARN]
ADMINS = "arn:aws:iam::000000000000:role/admins"
STAFF = "arn:aws:iam::000000000000:role/staff"
READERS = "arn:aws:iam::000000000000:role/readers"
THREE_RULES = [
    rule("cognito:groups", "Contains", "admins", ADMINS),
    rule("cognito:groups", "Contains", "staff", STAFF),
    rule("email", "NotEqual", "nobody@example.com", READERS),
]


def _url(pool_id: str) -> str:
    return reverse("pools:roles", args=[pool_id])


def _open(client, pool_id) -> str:
    return hidden(client.get(_url(pool_id)).content.decode(), "base")


def _post(client, pool_id, base, mappings=None, providers=PROVIDERS, **roles):
    data = {**roles_form(providers, mappings, **roles), "base": base}
    return client.post(_url(pool_id), data)


def _save(client, pool_id, review_html: str, **headers):
    data = {"step": "save", "base": hidden(review_html, "base"), "proposal": hidden(review_html, "proposal")}
    return client.post(_url(pool_id), data, **headers)


def _set(client, pool_id, mappings=None, **roles):
    review = _post(client, pool_id, _open(client, pool_id), mappings, **roles).content.decode()
    assert "Review your changes" in review, text(review)[:2000]
    return _save(client, pool_id, review)


def _rules_mapping(rules, ambiguous="AuthenticatedRole"):
    return {USER_POOL_KEY: {"mode": "Rules", "ambiguous": ambiguous, "rules": rules}}


def test_the_form_has_both_roles_and_one_mapping_per_provider(as_admin, pool_id):
    html = as_admin.get(_url(pool_id)).content.decode()

    assert 'name="authenticated"' in html and 'name="unauthenticated"' in html
    for index, key in enumerate(PROVIDERS):
        assert f'name="map-{index}-provider" value="{key}"' in html
    assert "Guest access is on: guests get the guest role." in html


def test_roles_and_a_rules_mapping_are_saved_after_review(as_admin, pool_id, cognito):
    response = _set(
        as_admin,
        pool_id,
        {**_rules_mapping(THREE_RULES, "Deny"), GOOGLE: {"mode": "Token", "ambiguous": "AuthenticatedRole"}},
        authenticated=AUTH_ROLE,
        unauthenticated=UNAUTH_ROLE,
    )

    assert response.status_code == 302
    assert response.url == detail_url(pool_id)
    roles = cognito.get_identity_pool_roles(IdentityPoolId=pool_id)
    assert roles["Roles"] == {"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE}
    assert roles["RoleMappings"] == {
        USER_POOL_KEY: {
            "Type": "Rules",
            "AmbiguousRoleResolution": "Deny",
            "RulesConfiguration": {
                "Rules": [
                    {
                        "Claim": "cognito:groups",
                        "MatchType": "Contains",
                        "Value": "admins",
                        "RoleARN": ADMINS,
                    },
                    {"Claim": "cognito:groups", "MatchType": "Contains", "Value": "staff", "RoleARN": STAFF},
                    {
                        "Claim": "email",
                        "MatchType": "NotEqual",
                        "Value": "nobody@example.com",
                        "RoleARN": READERS,
                    },
                ]
            },
        },
        GOOGLE: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"},
    }


def test_the_review_shows_each_role_and_mapping_before_and_after(as_admin, pool_id, cognito):
    html = _post(
        as_admin, pool_id, _open(as_admin, pool_id), _rules_mapping(THREE_RULES[:1]), authenticated=AUTH_ROLE
    ).content.decode()

    page = text(html)
    assert f"Authenticated role (none) {AUTH_ROLE}" in page
    assert (
        f"Role mapping for {USER_POOL_KEY} (none) Rules, first match wins; otherwise the authenticated role "
        f"1. cognito:groups Contains “admins” → {ADMINS}"
    ) in page
    assert "RoleMappings" not in cognito.get_identity_pool_roles(IdentityPoolId=pool_id)


def test_setting_roles_is_audited_with_before_and_after(as_admin, pool_id):
    _set(as_admin, pool_id, authenticated=AUTH_ROLE)

    event = AuditEvent.objects.get(operation="SetIdentityPoolRoles")
    assert event.outcome == "success"
    assert event.after == {"Roles": {"authenticated": AUTH_ROLE}}


def test_a_role_that_is_not_a_role_arn_is_refused_before_the_call(as_admin, pool_id, cognito):
    html = _post(
        as_admin, pool_id, _open(as_admin, pool_id), authenticated="cognito-authenticated-role"
    ).content.decode()

    assert field_error(html, "id_authenticated") == (
        "Authenticated role ARN must be an IAM role ARN, like arn:aws:iam::123456789012:role/name."
    )
    assert not AuditEvent.objects.filter(operation="SetIdentityPoolRoles").exists()


def test_a_mapping_for_a_provider_the_pool_does_not_have_is_refused_before_the_call(as_admin, pool_id):
    mappings = {"login.unknown.example": {"mode": "Token", "ambiguous": "Deny"}}

    html = _post(
        as_admin, pool_id, _open(as_admin, pool_id), mappings, providers=[*PROVIDERS, "login.unknown.example"]
    ).content.decode()

    assert (
        "login.unknown.example is not an identity provider of this pool, so it cannot have a role mapping"
        in text(html)
    )
    assert not AuditEvent.objects.filter(operation="SetIdentityPoolRoles").exists()


def test_a_mapping_left_over_from_a_removed_provider_is_shown_and_can_be_removed(
    as_admin, make_pool, cognito
):
    pool_id = make_pool("leftover")
    cognito.set_identity_pool_roles(
        IdentityPoolId=pool_id,
        Roles={},
        RoleMappings={FACEBOOK: {"Type": "Token", "AmbiguousRoleResolution": "Deny"}},
    )
    pool = cognito.describe_identity_pool(IdentityPoolId=pool_id)
    pool.pop("ResponseMetadata")
    cognito.update_identity_pool(**{**pool, "SupportedLoginProviders": {GOOGLE: "client"}})
    remaining = [GOOGLE, USER_POOL_KEY, OIDC_ISSUER, SAML_ARN]

    form = as_admin.get(_url(pool_id)).content.decode()
    kept = _post(
        as_admin,
        pool_id,
        hidden(form, "base"),
        {FACEBOOK: {"mode": "Token", "ambiguous": "Deny"}},
        providers=[*remaining, FACEBOOK],
    )
    removed = _post(as_admin, pool_id, hidden(form, "base"), providers=[*remaining, FACEBOOK])

    assert "The pool no longer has this provider" in form
    assert "graph.facebook.com is not an identity provider of this pool" in text(kept.content.decode())
    assert f"Role mapping for {FACEBOOK} Role from the token" in text(removed.content.decode())
    _save(as_admin, pool_id, removed.content.decode())
    assert "RoleMappings" not in cognito.get_identity_pool_roles(IdentityPoolId=pool_id)


def test_the_services_refusal_is_shown_beside_the_mapping_it_names(as_admin, pool_id, cognito):
    review = _post(
        as_admin, pool_id, _open(as_admin, pool_id), {FACEBOOK: {"mode": "Token", "ambiguous": "Deny"}}
    ).content.decode()
    # Facebook is removed from the pool between the review and the click on "Save changes".
    pool = cognito.describe_identity_pool(IdentityPoolId=pool_id)
    pool.pop("ResponseMetadata")
    cognito.update_identity_pool(**{**pool, "SupportedLoginProviders": {GOOGLE: "client"}})

    html = _save(as_admin, pool_id, review).content.decode()

    assert "The service refused the change (InvalidParameterException)" in html
    block = html[html.index(f"<code>{FACEBOOK}</code></legend>") :]
    assert (
        f"({FACEBOOK}) is not a valid RoleMapping ProviderName or is not a configured provider."
        in block[:2000]
    )


# --- the rules editor -------------------------------------------------------------------------


def _rule_values(html: str, block: int = 2) -> list[str]:
    inputs = re.findall(rf'<input[^>]*name="map-{block}-rule-\d+-value"[^>]*>', html)
    return [(re.search(r'value="([^"]*)"', tag) or [None, ""])[1] for tag in inputs]


def test_adding_a_rule_keeps_what_was_typed_and_focuses_the_new_rule(as_admin, pool_id):
    data = {
        **roles_form(PROVIDERS, _rules_mapping(THREE_RULES[:2]), authenticated="arn:typed"),
        "base": _open(as_admin, pool_id),
    }

    html = as_admin.post(_url(pool_id), {**data, "row": "add:map-2-rule"}).content.decode()

    assert _rule_values(html) == ["admins", "staff", ""]
    assert 'name="authenticated" value="arn:typed"' in html
    assert re.search(r'<input type="text" name="map-2-rule-2-claim"[^>]* autofocus', html)
    assert "errorlist" not in html


def test_moving_a_rule_up_reorders_and_keeps_the_focus_on_it(as_admin, pool_id):
    data = {**roles_form(PROVIDERS, _rules_mapping(THREE_RULES)), "base": _open(as_admin, pool_id)}

    html = as_admin.post(_url(pool_id), {**data, "row": "up:map-2-rule:2"}).content.decode()

    assert _rule_values(html) == ["admins", "nobody@example.com", "staff"]
    assert re.search(r'value="up:map-2-rule:1"[^>]*aria-label="Move rule 2 up"[^>]* autofocus', html)
    assert "Moved to position 2 of 3." in html


def test_moving_the_first_rule_down_and_removing_one(as_admin, pool_id):
    data = {**roles_form(PROVIDERS, _rules_mapping(THREE_RULES)), "base": _open(as_admin, pool_id)}

    moved = as_admin.post(_url(pool_id), {**data, "row": "down:map-2-rule:0"}).content.decode()
    removed = as_admin.post(_url(pool_id), {**data, "row": "remove:map-2-rule:1"}).content.decode()

    assert _rule_values(moved) == ["staff", "admins", "nobody@example.com"]
    assert _rule_values(removed) == ["admins", "nobody@example.com"]


def test_the_first_and_last_rules_cannot_move_past_the_ends(as_admin, pool_id):
    html = as_admin.get(_url(pool_id)).content.decode()
    data = {**roles_form(PROVIDERS, _rules_mapping(THREE_RULES)), "base": hidden(html, "base")}

    html = as_admin.post(_url(pool_id), {**data, "row": "up:map-2-rule:0"}).content.decode()

    assert _rule_values(html) == ["admins", "staff", "nobody@example.com"]
    assert re.search(r'value="up:map-2-rule:0"[^>]*disabled', html)
    assert re.search(r'value="down:map-2-rule:2"[^>]*disabled', html)


def _tester_says(client, pool_id, claims: str) -> str:
    data = {"provider": USER_POOL, "claims": claims, "saml_roles": "", "custom_role_arn": ""}
    return text(client.post(reverse("pools:role_tester", args=[pool_id]), data).content.decode())


def test_the_order_of_the_rules_decides_which_one_wins(as_admin, pool_id):
    claims = '{"aud": "appclient1", "sub": "u1", "cognito:groups": ["admins", "staff"]}'
    _set(as_admin, pool_id, _rules_mapping(THREE_RULES[:2]), authenticated=AUTH_ROLE)
    first = _tester_says(as_admin, pool_id, claims)

    data = {
        **roles_form(PROVIDERS, _rules_mapping(THREE_RULES[:2]), authenticated=AUTH_ROLE),
        "base": _open(as_admin, pool_id),
    }
    reordered = as_admin.post(_url(pool_id), {**data, "row": "up:map-2-rule:1"}).content.decode()
    swapped = [THREE_RULES[1], THREE_RULES[0]]
    review = _post(
        as_admin, pool_id, hidden(reordered, "base"), _rules_mapping(swapped), authenticated=AUTH_ROLE
    ).content.decode()
    _save(as_admin, pool_id, review)
    second = _tester_says(as_admin, pool_id, claims)

    assert _rule_values(reordered) == ["staff", "admins"]
    assert f"Role: {ADMINS}" in first and "Rule 1 of the role mapping" in first
    assert f"Role: {STAFF}" in second and "Rule 1 of the role mapping" in second


def test_choosing_rules_without_any_asks_for_one_and_shows_an_empty_rule(as_admin, pool_id):
    html = _post(
        as_admin, pool_id, _open(as_admin, pool_id), {USER_POOL_KEY: {"mode": "Rules", "ambiguous": "Deny"}}
    ).content.decode()

    assert (
        group_errors(html, "map-2-rule") == "A rules mapping needs at least one rule: fill in the rule below."
    )
    assert 'name="map-2-rule-0-claim"' in html


def test_changing_the_role_selection_refreshes_the_form_with_the_rules_editor(as_admin, pool_id):
    data = {
        **roles_form(PROVIDERS, {USER_POOL_KEY: {"mode": "Rules"}}),
        "base": _open(as_admin, pool_id),
        "step": "refresh",
    }

    response = as_admin.post(_url(pool_id), data, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="section-roles"')
    assert 'data-testid="rules-editor"' in html
    assert 'name="map-2-rule-0-claim"' in html
    assert "errorlist" not in html


def test_twenty_five_rules_are_accepted_and_the_twenty_sixth_refused(as_admin, pool_id, cognito):
    rules = [rule("custom:n", "Equals", str(number), STAFF) for number in range(26)]

    refused = _post(as_admin, pool_id, _open(as_admin, pool_id), _rules_mapping(rules)).content.decode()
    accepted = _set(as_admin, pool_id, _rules_mapping(rules[:25]))

    assert group_errors(refused, "map-2-rule") == "Rules: at most 25 are allowed; there are 26."
    assert accepted.status_code == 302
    stored = cognito.get_identity_pool_roles(IdentityPoolId=pool_id)["RoleMappings"][USER_POOL_KEY]
    assert len(stored["RulesConfiguration"]["Rules"]) == 25


def test_the_add_button_is_disabled_at_the_limit(as_admin, pool_id):
    rules = [rule("custom:n", "Equals", str(number), STAFF) for number in range(25)]
    data = {
        **roles_form(PROVIDERS, _rules_mapping(rules)),
        "base": _open(as_admin, pool_id),
        "step": "refresh",
    }

    html = as_admin.post(_url(pool_id), data).content.decode()

    assert re.search(r'value="add:map-2-rule"[^>]* disabled', html)


@pytest.mark.parametrize(
    ("subfield", "limit", "label", "filler"),
    [("claim", 64, "Claim", "c"), ("value", 128, "Value", "v")],
)
def test_rule_fields_at_and_past_their_limits(as_admin, pool_id, subfield, limit, label, filler):
    at_limit = rule("custom:x", "Equals", "x", STAFF) | {subfield: filler * limit}
    past = rule("custom:x", "Equals", "x", STAFF) | {subfield: filler * (limit + 1)}

    refused = _post(as_admin, pool_id, _open(as_admin, pool_id), _rules_mapping([past])).content.decode()
    accepted = _post(as_admin, pool_id, _open(as_admin, pool_id), _rules_mapping([at_limit])).content.decode()

    assert field_error(refused, f"id_map-2-rule-0-{subfield}") == (
        f"{label} may have at most {limit} characters; this has {limit + 1}."
    )
    assert "Review your changes" in accepted


def test_a_claim_with_a_space_is_refused_with_what_the_model_allows(as_admin, pool_id):
    html = _post(
        as_admin, pool_id, _open(as_admin, pool_id), _rules_mapping([rule("my claim", "Equals", "x", STAFF)])
    ).content.decode()

    assert field_error(html, "id_map-2-rule-0-claim") == (
        "Claim may contain only letters, accents and marks, symbols, numbers and punctuation."
    )


def test_ten_mappings_are_accepted_and_the_eleventh_refused(as_admin, make_pool):
    logins = {f"login{number}.example": "app" for number in range(10)}
    pool_id = make_pool(
        "eleven providers", SupportedLoginProviders=logins, CognitoIdentityProviders=[], SamlProviderARNs=[]
    )
    keys = [*logins, OIDC_ISSUER]
    token = {"mode": "Token", "ambiguous": "Deny"}

    refused = _post(
        as_admin, pool_id, _open(as_admin, pool_id), dict.fromkeys(keys, token), providers=keys
    ).content.decode()
    accepted = _post(
        as_admin, pool_id, _open(as_admin, pool_id), dict.fromkeys(keys[:10], token), providers=keys
    ).content.decode()

    assert "Role mappings: at most 10 are allowed; there are 11." in text(refused)
    assert "Review your changes" in accepted


# --- concurrent changes, htmx, permissions -----------------------------------------------------


def test_roles_changed_after_the_form_was_opened_are_shown_not_overwritten(as_admin, pool_id, cognito):
    base = _open(as_admin, pool_id)
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"unauthenticated": UNAUTH_ROLE})

    conflict = _post(as_admin, pool_id, base, authenticated=AUTH_ROLE).content.decode()
    review = as_admin.post(
        _url(pool_id),
        {"step": "reapply", "base": hidden(conflict, "base"), "proposal": hidden(conflict, "proposal")},
    ).content.decode()
    _save(as_admin, pool_id, review)

    assert "The pool changed while you were editing" in conflict
    assert f"Guest (unauthenticated) role (none) {UNAUTH_ROLE}" in text(conflict)
    assert cognito.get_identity_pool_roles(IdentityPoolId=pool_id)["Roles"] == {
        "authenticated": AUTH_ROLE,
        "unauthenticated": UNAUTH_ROLE,
    }


def test_htmx_save_from_the_pool_page_puts_the_roles_section_back(as_admin, pool_id):
    review = _post(as_admin, pool_id, _open(as_admin, pool_id), authenticated=AUTH_ROLE).content.decode()

    html = _save(
        as_admin,
        pool_id,
        review,
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{detail_url(pool_id)}",
    ).content.decode()

    assert html.lstrip().startswith('<section id="section-roles"')
    assert "Roles and role mappings of “everything” saved." in html
    assert "Edit roles and mappings" in html


def test_htmx_opens_the_form_in_the_roles_section(as_admin, pool_id):
    html = as_admin.get(_url(pool_id), HTTP_HX_REQUEST="true").content.decode()

    assert "<html" not in html
    assert html.lstrip().startswith('<section id="section-roles"')


@pytest.mark.parametrize("client_name", ["as_viewer", "as_support"])
def test_only_admins_may_change_roles(request, client_name, pool_id, cognito):
    client = request.getfixturevalue(client_name)

    assert client.get(_url(pool_id)).status_code == 403
    assert client.post(_url(pool_id), roles_form(PROVIDERS, authenticated=AUTH_ROLE)).status_code == 403
    assert "Roles" not in cognito.get_identity_pool_roles(IdentityPoolId=pool_id)


@pytest.mark.parametrize("where", ["authenticated", "rule"])
def test_role_arns_at_and_past_the_models_length(as_admin, pool_id, where):
    prefix = "arn:aws:iam::000000000000:role/"
    at_limit = prefix + ("team/" * 500)[: 2048 - len(prefix)]
    past = at_limit + "x"

    def post(arn):
        if where == "authenticated":
            return _post(as_admin, pool_id, _open(as_admin, pool_id), authenticated=arn).content.decode()
        return _post(
            as_admin, pool_id, _open(as_admin, pool_id), _rules_mapping([rule("email", "Equals", "x", arn)])
        ).content.decode()

    field_id = "id_authenticated" if where == "authenticated" else "id_map-2-rule-0-role_arn"
    label = "Authenticated role ARN" if where == "authenticated" else "Role ARN"
    assert field_error(post(past), field_id) == f"{label} may have at most 2048 characters; this has 2049."
    assert "Review your changes" in post(at_limit)
