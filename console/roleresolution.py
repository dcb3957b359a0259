"""Which IAM role an identity pool hands out credentials for (GetCredentialsForIdentity).

One pure function, `resolve_role`, used by the embedded Cognito Identity service when it
issues credentials and by the console's role-resolution tester, so the tester's answer is
the emulator's answer. It imports neither Django nor the emulator (DESIGN.md invariant 1):
its input is the pool's `Roles` and `RoleMappings` exactly as GetIdentityPoolRoles returns
them, plus the token claims of the logins sent with the call.

The algorithm, after the AWS developer guide ("Role-based access control") and
GetCredentialsForIdentity's reference; the points it leaves open are marked [choice]:

1. A guest (an identity without logins) gets the `unauthenticated` role. A CustomRoleArn
   does not change that [choice: ignored, noted in the trace].
2. An authenticated identity: the logins are taken in the order the call sent them, and the
   first one whose provider has an entry in RoleMappings (or, for SAML, offers roles, see 3)
   decides [choice: AWS does not say which mapping wins when several logins have one].
   A user-pool login's entry is keyed
   `cognito-idp.<region>.amazonaws.com/<user pool id>:<app client id>`, the client id being
   the token's `aud` (ID token) or `client_id` (access token); an OIDC provider's entry may
   be keyed by its issuer or by its IAM provider ARN; every other provider by its name.
   * Type `Rules`: rules in order, first match wins. `Equals`, `Contains` (substring),
     `StartsWith` and `NotEqual` compare exactly (case-sensitive). A rule on an absent claim
     does not match, and a `NotEqual` rule on an absent claim is skipped rather than matched.
     Numbers and booleans compare as their JSON text (`true`, `42`). A list claim such as
     `cognito:groups` is a set of values [choice]: `Equals` and `Contains` mean "one member
     equals the value" (so `admins` does not match a `superadmins` group), `StartsWith`
     "one member starts with it", `NotEqual` "no member equals it". A CustomRoleArn
     "overrides the order": it is granted when a matching rule maps to it.
   * Type `Token`: a CustomRoleArn must be one of the token's `cognito:roles` (or its
     `cognito:preferred_role`); else `cognito:preferred_role`; else a single
     `cognito:roles` entry [choice: only several roles are "ambiguous"]; else, with several,
     AmbiguousRoleResolution; a token without role claims gets the authenticated role.
     `cognito:roles` may be a list or a comma-separated string (the guide calls it one).
   * No rule matched / ambiguous roles: AmbiguousRoleResolution `AuthenticatedRole` gives
     the `authenticated` role, `Deny` (or no value [choice: fail closed]) denies.
   * A CustomRoleArn the mapping does not grant is denied, like the guide says for Token.
3. A SAML login without a mapping whose assertion has the attribute
   `https://aws.amazon.com/SAML/Attributes/Role` ("role ARN,provider ARN" pairs) gets a role
   from the assertion, no pool role needed:
   the CustomRoleArn when the assertion offers it (else denied), the only role offered, or,
   with several and no CustomRoleArn, denied [choice: the guide says to pass one].
4. Otherwise (no login has a mapping) the `authenticated` role; a CustomRoleArn is ignored
   [choice: the guide only defines it for mappings and SAML].
5. A role that should come from `Roles` but is missing, or a role from a token that is not
   a well-formed IAM role ARN (STS would refuse it): "no role configured"
   (InvalidIdentityPoolConfigurationException); denied: NotAuthorizedException naming the
   login's provider (the Logins key) [choice: AWS's message names the provider, e.g.
   `accounts.google.com`; for a user pool we name it without the app client].
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

NO_ROLE_MESSAGE = "Invalid identity pool configuration. Check assigned IAM roles for this pool."
PREFERRED_ROLE_CLAIM = "cognito:preferred_role"
ROLES_CLAIM = "cognito:roles"
MATCH_TYPES = ("Equals", "Contains", "StartsWith", "NotEqual")
SAML_ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
_OIDC_MARKER = ":oidc-provider/"
_ROLE_ARN = re.compile(r"arn:aws[\w-]*:iam::\d{12}:role/[\w+=,.@/-]+", re.ASCII)
_MAX_ARN = 2048
_SAML_MARKER = ":saml-provider/"


def is_role_arn(value: Any) -> bool:
    """Whether `value` is a well-formed IAM role ARN (ASCII only, at most 2048 characters)."""
    return isinstance(value, str) and len(value) <= _MAX_ARN and _ROLE_ARN.fullmatch(value) is not None


def denied_message(provider: str) -> str:
    """AWS's NotAuthorizedException message when a role mapping denies the request."""
    return f"The ambiguous role mapping rules for: {provider} denied this request."


class Outcome(StrEnum):
    ROLE = "role"
    NO_ROLE = "no_role"  # InvalidIdentityPoolConfigurationException
    DENIED = "denied"  # NotAuthorizedException


class Login(NamedTuple):
    """A login of the call: its `Logins` key and the claims of its token ({} for opaque tokens)."""

    provider: str
    claims: Mapping[str, Any]


@dataclass(frozen=True)
class RoleDecision:
    """The answer, with the steps that led to it (the tester shows `trace` line by line)."""

    outcome: Outcome
    role_arn: str | None
    source: str  # what picked the role, e.g. "rule 2", "cognito:preferred_role", "authenticated role"
    trace: tuple[str, ...]
    provider: str | None = None  # the login whose role mapping decided
    mapping_key: str | None = None
    rule_number: int | None = None  # 1-based, when a rule picked the role

    @property
    def error_message(self) -> str | None:
        """The message of the AWS error this decision becomes, or None when a role was chosen."""
        if self.outcome is Outcome.NO_ROLE:
            return NO_ROLE_MESSAGE
        if self.outcome is Outcome.DENIED:
            return denied_message(self.provider or "")
        return None


@dataclass(frozen=True)
class RuleVerdict:
    matched: bool
    reason: str


@dataclass
class _Context:
    """What every step needs: the pool's roles, the CustomRoleArn and the trace so far."""

    roles: Mapping[str, str]
    custom_role_arn: str | None
    trace: list[str]
    provider: str | None = None
    mapping_key: str | None = None

    def note(self, line: str) -> None:
        self.trace.append(line)

    def decide(
        self, outcome: Outcome, role_arn: str | None, source: str, rule_number: int | None = None
    ) -> RoleDecision:
        if outcome is Outcome.ROLE and not is_role_arn(role_arn):
            # Roles from token claims are the caller's text; STS would refuse a malformed one,
            # which AWS reports as an invalid pool configuration.
            self.note(f"{role_arn!r} is not an IAM role ARN: no usable role.")
            outcome, role_arn = Outcome.NO_ROLE, None
        return RoleDecision(
            outcome=outcome,
            role_arn=role_arn,
            source=source,
            trace=tuple(self.trace),
            provider=self.provider,
            mapping_key=self.mapping_key,
            rule_number=rule_number,
        )

    def pool_role(self, role_type: str) -> RoleDecision:
        role = self.roles.get(role_type)
        if not role:
            self.note(f"The pool has no {role_type} role: no role configured.")
            return self.decide(Outcome.NO_ROLE, None, f"{role_type} role")
        self.note(f"Using the pool's {role_type} role {role}.")
        return self.decide(Outcome.ROLE, role, f"{role_type} role")

    def deny(self, why: str) -> RoleDecision:
        self.note(f"Denied: {why}")
        return self.decide(Outcome.DENIED, None, "denied")


def resolve_role(
    *,
    roles: Mapping[str, str],
    role_mappings: Mapping[str, Mapping[str, Any]],
    authenticated: bool,
    logins: Sequence[tuple[str, Mapping[str, Any]]],
    custom_role_arn: str | None = None,
) -> RoleDecision:
    """The role GetCredentialsForIdentity issues credentials for (see the module docstring)."""
    context = _Context(roles=roles, custom_role_arn=custom_role_arn or None, trace=[])
    if not authenticated:
        context.note("A guest (unauthenticated) identity gets the pool's unauthenticated role.")
        if context.custom_role_arn:
            context.note(f"CustomRoleArn {context.custom_role_arn} is ignored for guests.")
        return context.pool_role("unauthenticated")
    for provider, claims in logins:
        key = mapping_key_for(provider, claims, role_mappings)
        if key is not None:
            context.provider, context.mapping_key = provider, key
            return _apply_mapping(context, Login(provider, claims), role_mappings[key])
        assertion_roles = saml_roles(provider, claims)
        if assertion_roles:
            context.provider = provider
            return _by_saml_assertion(context, provider, assertion_roles)
        context.note(f"{provider}: no role mapping.")
    context.note("No login has a role mapping: the pool's authenticated role applies.")
    if context.custom_role_arn:
        context.note(f"CustomRoleArn {context.custom_role_arn} is ignored without a role mapping.")
    return context.pool_role("authenticated")


def mapping_key_for(provider: str, claims: Mapping[str, Any], role_mappings: Mapping[str, Any]) -> str | None:
    """The RoleMappings key that applies to a login of `provider`, or None."""
    for key in _candidate_keys(provider, claims):
        if key in role_mappings:
            return key
    # An OIDC provider's mapping may be keyed by its IAM ARN, its login by the issuer.
    for key in role_mappings:
        if _OIDC_MARKER in key and key.split(_OIDC_MARKER, 1)[1] == provider:
            return key
    return None


def _candidate_keys(provider: str, claims: Mapping[str, Any]) -> Iterator[str]:
    if provider.startswith("cognito-idp.") and ".amazonaws.com/" in provider:
        for client_id in _client_ids(claims):
            yield f"{provider}:{client_id}"
    # A user pool configured without an app client is keyed by its provider name alone.
    yield provider


def _client_ids(claims: Mapping[str, Any]) -> list[str]:
    """App client ids a user-pool token names: `aud` (ID token, may be a list) or `client_id`."""
    audience = claims.get("aud")
    ids: list[Any] = list(audience) if isinstance(audience, list) else [audience]
    ids.append(claims.get("client_id"))
    return [client_id for client_id in ids if isinstance(client_id, str) and client_id]


def _apply_mapping(context: _Context, login: Login, mapping: Mapping[str, Any]) -> RoleDecision:
    kind = mapping.get("Type")
    resolution = mapping.get("AmbiguousRoleResolution")
    context.note(
        f"{login.provider}: role mapping {context.mapping_key} "
        f"(Type {kind}, AmbiguousRoleResolution {resolution})."
    )
    if kind == "Rules":
        return _by_rules(context, login, mapping)
    if kind == "Token":
        return _by_token(context, login, mapping)
    context.note(f"Role mapping Type {kind!r} is neither Rules nor Token.")
    return context.decide(Outcome.NO_ROLE, None, "invalid role mapping")


def _rules_of(mapping: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    configuration = mapping.get("RulesConfiguration")
    rules = configuration.get("Rules") if isinstance(configuration, Mapping) else None
    return [rule for rule in rules or [] if isinstance(rule, Mapping)]


def _by_rules(context: _Context, login: Login, mapping: Mapping[str, Any]) -> RoleDecision:
    wanted = context.custom_role_arn
    for number, rule in enumerate(_rules_of(mapping), start=1):
        verdict = evaluate_rule(rule, login.claims)
        context.note(f"Rule {number}: {describe_rule(rule)} — {verdict.reason}")
        if not verdict.matched:
            continue
        role = str(rule.get("RoleARN", ""))
        if wanted and role != wanted:
            # CustomRoleArn overrides the order: keep looking for a match that grants it.
            context.note(f"Rule {number} maps to {role}, not CustomRoleArn {wanted}; looking further.")
            continue
        context.note(f"Rule {number} matched: role {role}.")
        return context.decide(Outcome.ROLE, role, f"rule {number}", rule_number=number)
    if wanted:
        return context.deny(f"no matching rule maps to CustomRoleArn {wanted}.")
    context.note("No rule matched.")
    return _ambiguous(context, mapping)


def _by_token(context: _Context, login: Login, mapping: Mapping[str, Any]) -> RoleDecision:
    preferred = login.claims.get(PREFERRED_ROLE_CLAIM)
    preferred = preferred if isinstance(preferred, str) and preferred else None
    token_roles = role_list(login.claims.get(ROLES_CLAIM))
    context.note(
        f"Token claims: {PREFERRED_ROLE_CLAIM} = {preferred or '(absent)'}, "
        f"{ROLES_CLAIM} = {', '.join(token_roles) if token_roles else '(absent)'}."
    )
    wanted = context.custom_role_arn
    if wanted:
        if wanted in token_roles or wanted == preferred:
            context.note(f"CustomRoleArn {wanted} is one of the token's roles.")
            return context.decide(Outcome.ROLE, wanted, "CustomRoleArn")
        return context.deny(f"CustomRoleArn {wanted} is not one of the token's {ROLES_CLAIM}.")
    if preferred:
        context.note(f"Using {PREFERRED_ROLE_CLAIM} {preferred}.")
        return context.decide(Outcome.ROLE, preferred, PREFERRED_ROLE_CLAIM)
    if len(token_roles) == 1:
        context.note(f"Using the only role in {ROLES_CLAIM}, {token_roles[0]}.")
        return context.decide(Outcome.ROLE, token_roles[0], ROLES_CLAIM)
    if token_roles:
        context.note(f"{len(token_roles)} roles and no {PREFERRED_ROLE_CLAIM}: the role is ambiguous.")
        return _ambiguous(context, mapping)
    context.note("The token carries no role claims.")
    return context.pool_role("authenticated")


def saml_roles(provider: str, claims: Mapping[str, Any]) -> list[str]:
    """Role ARNs a SAML assertion offers: each Role attribute value is "role ARN,provider ARN"."""
    if _SAML_MARKER not in provider:
        return []
    values = claims.get(SAML_ROLE_ATTRIBUTE)
    pairs = [values] if isinstance(values, str) else values if isinstance(values, list) else []
    found: list[str] = []
    for pair in pairs:
        if not isinstance(pair, str):
            continue
        # IdPs write the pair in either order; the role is the ARN naming a role.
        for part in pair.split(","):
            part = part.strip()
            if ":role/" in part and part not in found:
                found.append(part)
    return found


def _by_saml_assertion(context: _Context, provider: str, offered: list[str]) -> RoleDecision:
    context.note(f"{provider}: the SAML assertion offers {', '.join(offered)}.")
    wanted = context.custom_role_arn
    if wanted:
        if wanted in offered:
            context.note(f"CustomRoleArn {wanted} is one of them.")
            return context.decide(Outcome.ROLE, wanted, "CustomRoleArn")
        return context.deny(f"CustomRoleArn {wanted} is not a role the SAML assertion offers.")
    if len(offered) == 1:
        context.note(f"Using the assertion's only role, {offered[0]}.")
        return context.decide(Outcome.ROLE, offered[0], "SAML assertion")
    return context.deny("the SAML assertion offers several roles and no CustomRoleArn picks one.")


def _ambiguous(context: _Context, mapping: Mapping[str, Any]) -> RoleDecision:
    if mapping.get("AmbiguousRoleResolution") == "AuthenticatedRole":
        context.note("AmbiguousRoleResolution is AuthenticatedRole.")
        return context.pool_role("authenticated")
    return context.deny("AmbiguousRoleResolution is Deny.")


def role_list(value: Any) -> list[str]:
    """`cognito:roles` as a list: a JSON list, or the comma-separated string the guide describes."""
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        return []
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def describe_rule(rule: Mapping[str, Any]) -> str:
    return f"{rule.get('Claim')} {rule.get('MatchType')} {json.dumps(rule.get('Value'))}"


def evaluate_rule(rule: Mapping[str, Any], claims: Mapping[str, Any]) -> RuleVerdict:
    """Whether one MappingRule matches the claims, and why (for the trace)."""
    claim, match_type, expected = rule.get("Claim"), rule.get("MatchType"), rule.get("Value")
    if not isinstance(claim, str) or not isinstance(expected, str) or match_type not in MATCH_TYPES:
        return RuleVerdict(False, "not a valid rule, skipped.")
    value = claims.get(claim)
    if value is None:
        if match_type == "NotEqual":
            return RuleVerdict(False, f"claim {claim} is absent, so a NotEqual rule is skipped.")
        return RuleVerdict(False, f"claim {claim} is absent.")
    matched = claim_matches(value, match_type, expected)
    shown = _claim_text(value) if not isinstance(value, list | tuple) else json.dumps(list(value))
    return RuleVerdict(matched, f"{'matches' if matched else 'does not match'} ({claim} is {shown}).")


def claim_matches(value: Any, match_type: str, expected: str) -> bool:
    """One claim value against one rule (see the module docstring for lists and non-strings)."""
    if isinstance(value, list | tuple):
        members = [_claim_text(member) for member in value]
        if match_type in ("Equals", "Contains"):
            return expected in members
        if match_type == "StartsWith":
            return any(member.startswith(expected) for member in members)
        if match_type == "NotEqual":
            return expected not in members
        return False
    text = _claim_text(value)
    if match_type == "Equals":
        return text == expected
    if match_type == "Contains":
        return expected in text
    if match_type == "StartsWith":
        return text.startswith(expected)
    if match_type == "NotEqual":
        return text != expected
    return False


def _claim_text(value: Any) -> str:
    """A claim as the text rules compare: strings as they are, anything else as JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
