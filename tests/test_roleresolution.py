"""Role resolution (console/roleresolution.py): the table of cases the emulator and the tester share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from console.roleresolution import NO_ROLE_MESSAGE, Outcome, denied_message, resolve_role

ACCOUNT = "arn:aws:iam::123456789012:role/"
AUTH = ACCOUNT + "authenticated"
UNAUTH = ACCOUNT + "unauthenticated"
ADMIN = ACCOUNT + "admin"
EDITOR = ACCOUNT + "editor"
READER = ACCOUNT + "reader"
ROLES = {"authenticated": AUTH, "unauthenticated": UNAUTH}

USER_POOL = "cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool1"
CLIENT = "client1"
USER_POOL_KEY = f"{USER_POOL}:{CLIENT}"
GOOGLE = "accounts.google.com"
FACEBOOK = "graph.facebook.com"
OIDC_ISSUER = "login.example.org"
OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/login.example.org"
SAML = "arn:aws:iam::123456789012:saml-provider/corp"
SAML_ROLE = "https://aws.amazon.com/SAML/Attributes/Role"


def rule(claim: str, match_type: str, value: str, role: str) -> dict[str, str]:
    return {"Claim": claim, "MatchType": match_type, "Value": value, "RoleARN": role}


def rules(*items: dict[str, str], ambiguous: str = "AuthenticatedRole") -> dict[str, Any]:
    return {
        "Type": "Rules",
        "AmbiguousRoleResolution": ambiguous,
        "RulesConfiguration": {"Rules": list(items)},
    }


def token(ambiguous: str = "AuthenticatedRole") -> dict[str, Any]:
    return {"Type": "Token", "AmbiguousRoleResolution": ambiguous}


def user_pool_login(**claims: Any) -> tuple[str, dict[str, Any]]:
    return USER_POOL, {"aud": CLIENT, "sub": "user-1", **claims}


@dataclass(frozen=True)
class Case:
    name: str
    outcome: Outcome
    role: str | None = None
    mapping: Mapping[str, Any] | None = None  # the user pool's mapping, when only that is needed
    claims: Mapping[str, Any] = field(default_factory=dict)  # the user pool login's extra claims
    mappings: Mapping[str, Any] | None = None  # overrides `mapping`
    logins: tuple[tuple[str, Mapping[str, Any]], ...] | None = None  # overrides `claims`
    authenticated: bool = True
    custom_role_arn: str | None = None
    roles: Mapping[str, str] = field(default_factory=lambda: dict(ROLES))
    rule_number: int | None = None


def _dept(match_type: str, value: str = "sales") -> dict[str, Any]:
    return rules(rule("custom:dept", match_type, value, ADMIN))


def _groups(match_type: str, value: str = "admins") -> dict[str, Any]:
    return rules(rule("cognito:groups", match_type, value, ADMIN))


CASES = [
    # Every MatchType, matching and not (no match falls back to the authenticated role here).
    Case(
        "equals matches the exact value",
        Outcome.ROLE,
        ADMIN,
        _dept("Equals"),
        {"custom:dept": "sales"},
        rule_number=1,
    ),
    Case("equals is exact", Outcome.ROLE, AUTH, _dept("Equals"), {"custom:dept": "sales-east"}),
    Case("equals is case sensitive", Outcome.ROLE, AUTH, _dept("Equals"), {"custom:dept": "Sales"}),
    Case(
        "contains matches a substring",
        Outcome.ROLE,
        ADMIN,
        _dept("Contains", "ale"),
        {"custom:dept": "sales"},
        rule_number=1,
    ),
    Case(
        "contains without the substring",
        Outcome.ROLE,
        AUTH,
        _dept("Contains", "hr"),
        {"custom:dept": "sales"},
    ),
    Case(
        "startswith matches a prefix",
        Outcome.ROLE,
        ADMIN,
        _dept("StartsWith", "sal"),
        {"custom:dept": "sales"},
        rule_number=1,
    ),
    Case(
        "startswith is only a prefix",
        Outcome.ROLE,
        AUTH,
        _dept("StartsWith", "les"),
        {"custom:dept": "sales"},
    ),
    Case(
        "notequal matches another value",
        Outcome.ROLE,
        ADMIN,
        _dept("NotEqual"),
        {"custom:dept": "hr"},
        rule_number=1,
    ),
    Case(
        "notequal does not match the value", Outcome.ROLE, AUTH, _dept("NotEqual"), {"custom:dept": "sales"}
    ),
    Case("a rule on an absent claim does not match", Outcome.ROLE, AUTH, _dept("Equals"), {}),
    Case(
        "notequal on an absent claim is skipped, the next rule decides",
        Outcome.ROLE,
        EDITOR,
        rules(
            rule("custom:dept", "NotEqual", "sales", READER),
            rule("email_verified", "Equals", "true", EDITOR),
        ),
        {"email_verified": True},
        rule_number=2,
    ),
    Case(
        "notequal on an absent claim alone matches nothing",
        Outcome.DENIED,
        None,
        rules(rule("custom:dept", "NotEqual", "sales", READER), ambiguous="Deny"),
    ),
    # Rule order.
    Case(
        "the first matching rule wins even when a later one matches too",
        Outcome.ROLE,
        READER,
        rules(rule("custom:dept", "StartsWith", "s", READER), rule("custom:dept", "Equals", "sales", ADMIN)),
        {"custom:dept": "sales"},
        rule_number=1,
    ),
    Case(
        "a later rule matches when the earlier ones do not",
        Outcome.ROLE,
        ADMIN,
        rules(rule("custom:dept", "Equals", "hr", READER), rule("custom:dept", "Equals", "sales", ADMIN)),
        {"custom:dept": "sales"},
        rule_number=2,
    ),
    # List-valued claims are sets of values.
    Case(
        "contains on a list is membership",
        Outcome.ROLE,
        ADMIN,
        _groups("Contains"),
        {"cognito:groups": ["users", "admins"]},
        rule_number=1,
    ),
    Case(
        "contains on a list is not a substring of a member",
        Outcome.ROLE,
        AUTH,
        _groups("Contains"),
        {"cognito:groups": ["superadmins"]},
    ),
    Case(
        "equals on a list is membership",
        Outcome.ROLE,
        ADMIN,
        _groups("Equals"),
        {"cognito:groups": ["admins", "users"]},
        rule_number=1,
    ),
    Case(
        "startswith on a list checks every member",
        Outcome.ROLE,
        ADMIN,
        _groups("StartsWith", "adm"),
        {"cognito:groups": ["users", "admins"]},
        rule_number=1,
    ),
    Case(
        "notequal on a list means no member equals",
        Outcome.ROLE,
        ADMIN,
        _groups("NotEqual"),
        {"cognito:groups": ["users"]},
        rule_number=1,
    ),
    Case(
        "notequal on a list with the member does not match",
        Outcome.ROLE,
        AUTH,
        _groups("NotEqual"),
        {"cognito:groups": ["admins", "users"]},
    ),
    Case("an empty list contains nothing", Outcome.ROLE, AUTH, _groups("Contains"), {"cognito:groups": []}),
    Case(
        "a comma-separated string is matched as text",
        Outcome.ROLE,
        ADMIN,
        _groups("Contains"),
        {"cognito:groups": "users,admins"},
        rule_number=1,
    ),
    # Numbers and booleans compare as their JSON text.
    Case(
        "a number claim equals its text",
        Outcome.ROLE,
        ADMIN,
        rules(rule("level", "Equals", "3", ADMIN)),
        {"level": 3},
        rule_number=1,
    ),
    Case(
        "a boolean claim equals true",
        Outcome.ROLE,
        ADMIN,
        rules(rule("paid", "Equals", "true", ADMIN)),
        {"paid": True},
        rule_number=1,
    ),
    Case(
        "a false boolean is not true",
        Outcome.ROLE,
        AUTH,
        rules(rule("paid", "Equals", "true", ADMIN)),
        {"paid": False},
    ),
    # No rule matched: AmbiguousRoleResolution.
    Case(
        "no match with AuthenticatedRole gets the authenticated role",
        Outcome.ROLE,
        AUTH,
        _dept("Equals"),
        {"custom:dept": "hr"},
    ),
    Case(
        "no match with Deny is denied",
        Outcome.DENIED,
        None,
        rules(rule("custom:dept", "Equals", "sales", ADMIN), ambiguous="Deny"),
        {"custom:dept": "hr"},
    ),
    Case(
        "no match with AuthenticatedRole and no authenticated role",
        Outcome.NO_ROLE,
        None,
        _dept("Equals"),
        {},
        roles={"unauthenticated": UNAUTH},
    ),
    Case(
        "a matching rule needs no pool role",
        Outcome.ROLE,
        ADMIN,
        _dept("Equals"),
        {"custom:dept": "sales"},
        roles={},
        rule_number=1,
    ),
    # CustomRoleArn with rules overrides the order among matching rules.
    Case(
        "custom role arn picks a later matching rule",
        Outcome.ROLE,
        ADMIN,
        rules(rule("custom:dept", "StartsWith", "s", READER), rule("custom:dept", "Equals", "sales", ADMIN)),
        {"custom:dept": "sales"},
        custom_role_arn=ADMIN,
        rule_number=2,
    ),
    Case(
        "custom role arn no matching rule grants is denied",
        Outcome.DENIED,
        None,
        rules(rule("custom:dept", "Equals", "sales", READER), rule("custom:dept", "Equals", "hr", ADMIN)),
        {"custom:dept": "sales"},
        custom_role_arn=ADMIN,
    ),
    # Token-based mappings.
    Case(
        "token uses the preferred role",
        Outcome.ROLE,
        EDITOR,
        token("Deny"),
        {"cognito:preferred_role": EDITOR, "cognito:roles": [EDITOR, READER]},
    ),
    Case(
        "token custom role arn in cognito:roles",
        Outcome.ROLE,
        READER,
        token("Deny"),
        {"cognito:preferred_role": EDITOR, "cognito:roles": [EDITOR, READER]},
        custom_role_arn=READER,
    ),
    Case(
        "token custom role arn not in cognito:roles is denied",
        Outcome.DENIED,
        None,
        token("AuthenticatedRole"),
        {"cognito:roles": [EDITOR, READER]},
        custom_role_arn=ADMIN,
    ),
    Case(
        "token custom role arn without role claims is denied",
        Outcome.DENIED,
        None,
        token("AuthenticatedRole"),
        {},
        custom_role_arn=AUTH,
    ),
    Case(
        "token several roles without preference, AuthenticatedRole",
        Outcome.ROLE,
        AUTH,
        token("AuthenticatedRole"),
        {"cognito:roles": [EDITOR, READER]},
    ),
    Case(
        "token several roles without preference, Deny",
        Outcome.DENIED,
        None,
        token("Deny"),
        {"cognito:roles": [EDITOR, READER]},
    ),
    Case(
        "token roles as a comma-separated string are several roles",
        Outcome.DENIED,
        None,
        token("Deny"),
        {"cognito:roles": f"{EDITOR},{READER}"},
    ),
    Case(
        "token custom role arn in a comma-separated string",
        Outcome.ROLE,
        READER,
        token("Deny"),
        {"cognito:roles": f"{EDITOR}, {READER}"},
        custom_role_arn=READER,
    ),
    Case(
        "token with a single role uses it", Outcome.ROLE, READER, token("Deny"), {"cognito:roles": [READER]}
    ),
    Case("token without role claims gets the authenticated role", Outcome.ROLE, AUTH, token("Deny"), {}),
    Case(
        "token without role claims and no authenticated role",
        Outcome.NO_ROLE,
        None,
        token("AuthenticatedRole"),
        {},
        roles={},
    ),
    Case(
        "token ambiguity resolved to a missing authenticated role",
        Outcome.NO_ROLE,
        None,
        token("AuthenticatedRole"),
        {"cognito:roles": [EDITOR, READER]},
        roles={},
    ),
    # A role from a token must be a role ARN (STS would refuse anything else).
    Case(
        "a preferred role that is not a role arn is no usable role",
        Outcome.NO_ROLE,
        None,
        token("Deny"),
        {"cognito:preferred_role": "admin-role"},
    ),
    Case(
        "a role arn with a control character is no usable role",
        Outcome.NO_ROLE,
        None,
        token("Deny"),
        {"cognito:roles": [ACCOUNT + "a\x00b"]},
    ),
    # Guests.
    Case("guest gets the unauthenticated role", Outcome.ROLE, UNAUTH, authenticated=False, logins=()),
    Case(
        "guest without an unauthenticated role",
        Outcome.NO_ROLE,
        None,
        authenticated=False,
        logins=(),
        roles={"authenticated": AUTH},
    ),
    Case(
        "guest ignores a custom role arn",
        Outcome.ROLE,
        UNAUTH,
        authenticated=False,
        logins=(),
        custom_role_arn=ADMIN,
    ),
    # Authenticated without a role mapping.
    Case(
        "no role mapping gives the authenticated role", Outcome.ROLE, AUTH, logins=((GOOGLE, {"sub": "g"}),)
    ),
    Case(
        "no role mapping and no authenticated role",
        Outcome.NO_ROLE,
        None,
        logins=((GOOGLE, {}),),
        roles={"unauthenticated": UNAUTH},
    ),
    Case(
        "no role mapping ignores a custom role arn",
        Outcome.ROLE,
        AUTH,
        logins=((FACEBOOK, {}),),
        custom_role_arn=ADMIN,
    ),
    # Which mapping applies to which login.
    Case(
        "a user pool login of another app client has no mapping",
        Outcome.ROLE,
        AUTH,
        mappings={USER_POOL_KEY: token("Deny")},
        logins=((USER_POOL, {"aud": "other-client", "cognito:roles": [EDITOR, READER]}),),
    ),
    Case(
        "an access token names its app client in client_id",
        Outcome.ROLE,
        EDITOR,
        mappings={USER_POOL_KEY: token("Deny")},
        logins=((USER_POOL, {"client_id": CLIENT, "cognito:preferred_role": EDITOR}),),
    ),
    Case(
        "an audience list names the app client",
        Outcome.ROLE,
        EDITOR,
        mappings={USER_POOL_KEY: token("Deny")},
        logins=((USER_POOL, {"aud": ["x", CLIENT], "cognito:preferred_role": EDITOR}),),
    ),
    Case(
        "a user pool configured without a client is mapped by its name",
        Outcome.ROLE,
        EDITOR,
        mappings={USER_POOL: token("Deny")},
        logins=((USER_POOL, {"aud": CLIENT, "cognito:preferred_role": EDITOR}),),
    ),
    Case(
        "an oidc mapping keyed by the provider arn applies to the issuer's login",
        Outcome.ROLE,
        ADMIN,
        mappings={OIDC_ARN: rules(rule("hd", "Equals", "example.org", ADMIN), ambiguous="Deny")},
        logins=((OIDC_ISSUER, {"hd": "example.org"}),),
        rule_number=1,
    ),
    Case(
        "the first login with a mapping decides",
        Outcome.ROLE,
        ADMIN,
        mappings={
            USER_POOL_KEY: _groups("Contains"),
            GOOGLE: rules(rule("hd", "Equals", "corp", READER), ambiguous="Deny"),
        },
        logins=((FACEBOOK, {}), user_pool_login(**{"cognito:groups": ["admins"]}), (GOOGLE, {"hd": "gmail"})),
        rule_number=1,
    ),
    Case(
        "a denying mapping of the first mapped login denies",
        Outcome.DENIED,
        None,
        mappings={
            USER_POOL_KEY: _groups("Contains"),
            GOOGLE: rules(rule("hd", "Equals", "corp", READER), ambiguous="Deny"),
        },
        logins=((GOOGLE, {"hd": "gmail"}), user_pool_login(**{"cognito:groups": ["admins"]})),
    ),
    # SAML assertions offer their own roles.
    Case(
        "a saml assertion's only role needs no pool role",
        Outcome.ROLE,
        EDITOR,
        mappings={},
        logins=((SAML, {"sub": "ann", SAML_ROLE: f"{EDITOR},{SAML}"}),),
        roles={},
    ),
    Case(
        "a saml pair may name the provider first",
        Outcome.ROLE,
        EDITOR,
        mappings={},
        logins=((SAML, {SAML_ROLE: [f"{SAML},{EDITOR}"]}),),
    ),
    Case(
        "custom role arn picks one of the assertion's roles",
        Outcome.ROLE,
        READER,
        mappings={},
        logins=((SAML, {SAML_ROLE: [f"{EDITOR},{SAML}", f"{READER},{SAML}"]}),),
        custom_role_arn=READER,
    ),
    Case(
        "custom role arn the assertion does not offer is denied",
        Outcome.DENIED,
        None,
        mappings={},
        logins=((SAML, {SAML_ROLE: f"{EDITOR},{SAML}"}),),
        custom_role_arn=ADMIN,
    ),
    Case(
        "several assertion roles without custom role arn are denied",
        Outcome.DENIED,
        None,
        mappings={},
        logins=((SAML, {SAML_ROLE: [f"{EDITOR},{SAML}", f"{READER},{SAML}"]}),),
    ),
    Case(
        "a saml assertion without roles gets the authenticated role",
        Outcome.ROLE,
        AUTH,
        mappings={},
        logins=((SAML, {"sub": "ann"}),),
    ),
    Case(
        "a rules mapping for the saml provider comes first",
        Outcome.ROLE,
        ADMIN,
        mappings={SAML: rules(rule("department", "Equals", "it", ADMIN), ambiguous="Deny")},
        logins=((SAML, {"department": "it", SAML_ROLE: f"{EDITOR},{SAML}"}),),
        rule_number=1,
    ),
    Case(
        "a developer identity's cognito token has no mapping",
        Outcome.ROLE,
        AUTH,
        mappings={USER_POOL_KEY: token("Deny")},
        logins=(("cognito-identity.amazonaws.com", {"amr": ["authenticated", "login.example.app"]}),),
    ),
]


def _resolve(case: Case):
    mappings = case.mappings if case.mappings is not None else {USER_POOL_KEY: case.mapping or {}}
    logins = case.logins if case.logins is not None else (user_pool_login(**case.claims),)
    return resolve_role(
        roles=case.roles,
        role_mappings=mappings,
        authenticated=case.authenticated,
        logins=logins,
        custom_role_arn=case.custom_role_arn,
    )


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_role_resolution_table(case: Case):
    decision = _resolve(case)
    assert (decision.outcome, decision.role_arn) == (case.outcome, case.role), decision.trace
    assert decision.rule_number == case.rule_number, decision.trace
    assert decision.trace, "every decision explains itself"


def test_a_denial_names_the_login_provider_in_the_aws_message():
    decision = resolve_role(
        roles=ROLES,
        role_mappings={GOOGLE: rules(rule("hd", "Equals", "corp", READER), ambiguous="Deny")},
        authenticated=True,
        logins=[(GOOGLE, {"hd": "gmail"})],
    )
    assert decision.outcome is Outcome.DENIED
    assert (
        decision.error_message
        == "The ambiguous role mapping rules for: accounts.google.com denied this request."
    )
    assert decision.error_message == denied_message(GOOGLE)


def test_no_role_configured_carries_the_aws_message():
    decision = resolve_role(roles={}, role_mappings={}, authenticated=False, logins=[])
    assert decision.error_message == NO_ROLE_MESSAGE
    assert NO_ROLE_MESSAGE == "Invalid identity pool configuration. Check assigned IAM roles for this pool."


def test_a_chosen_role_has_no_error_message():
    decision = resolve_role(roles=ROLES, role_mappings={}, authenticated=True, logins=[(GOOGLE, {})])
    assert decision.error_message is None
    assert decision.source == "authenticated role"


def test_the_decision_names_the_mapping_and_the_rule_that_picked_the_role():
    decision = resolve_role(
        roles=ROLES,
        role_mappings={USER_POOL_KEY: _groups("Contains")},
        authenticated=True,
        logins=[user_pool_login(**{"cognito:groups": ["admins"]})],
    )
    assert (decision.provider, decision.mapping_key, decision.source) == (USER_POOL, USER_POOL_KEY, "rule 1")


def test_the_trace_explains_why_a_notequal_rule_was_skipped():
    decision = resolve_role(
        roles=ROLES,
        role_mappings={USER_POOL_KEY: rules(rule("custom:dept", "NotEqual", "sales", READER))},
        authenticated=True,
        logins=[user_pool_login()],
    )
    trace = "\n".join(decision.trace)
    assert "custom:dept is absent, so a NotEqual rule is skipped" in trace
    assert "No rule matched." in trace
    assert AUTH in trace


def test_the_trace_lists_logins_without_a_mapping():
    decision = resolve_role(roles=ROLES, role_mappings={}, authenticated=True, logins=[(FACEBOOK, {})])
    assert decision.trace[0] == f"{FACEBOOK}: no role mapping."


def test_a_saml_denial_names_the_saml_provider():
    decision = resolve_role(
        roles=ROLES,
        role_mappings={},
        authenticated=True,
        logins=[(SAML, {SAML_ROLE: [f"{EDITOR},{SAML}", f"{READER},{SAML}"]})],
    )
    assert decision.error_message == denied_message(SAML)
