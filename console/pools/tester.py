"""The role-resolution tester: which role a user of this pool would get, and why.

The answer comes from console/roleresolution.py, the function the embedded service runs in
GetCredentialsForIdentity, fed with the pool's live roles and mappings, so the tester and the
service cannot disagree. A pasted JWT is only decoded here: never verified, never sent
anywhere, never stored or logged (the view is marked so that error reports leave it out, and
the page shows the decoded claims back, not the token).
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from console.aws.pools import PoolRoles
from console.roleresolution import (
    PREFERRED_ROLE_CLAIM,
    ROLES_CLAIM,
    SAML_ROLE_ATTRIBUTE,
    Outcome,
    RoleDecision,
    resolve_role,
)

from .fields import ConsoleForm, RoleArnField
from .providers import Provider

GUEST = "(guest)"
MAX_CLAIMS_CHARACTERS = 20_000  # a pasted token or claims document, never more
# Objects and arrays inside one another, at most: real tokens nest two or three deep. Python's
# json recurses once per level (5,000 levels: RecursionError), and so would showing them back.
MAX_CLAIMS_DEPTH = 20


def _too_deep(document: str) -> bool:
    """Whether the JSON text nests objects and arrays deeper than MAX_CLAIMS_DEPTH.

    Read before parsing, a character at a time (brackets inside strings do not count), so
    no deep document ever reaches the recursive parser.
    """
    depth, in_string, escaped = 0, False, False
    for char in document:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_CLAIMS_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _refuse_deep(document: str, what: str) -> None:
    if _too_deep(document):
        raise ValidationError(
            f"Claims: {what} nests objects and arrays more than {MAX_CLAIMS_DEPTH} deep; "
            "paste the claims the role mapping reads.",
            code="depth",
        )


def decode_claims(text: str) -> tuple[dict[str, Any], bool]:
    """The claims in `text` (a JSON object, or a JWT whose payload is decoded), and whether it was a JWT.

    The signature is not checked: the tester asks what the pool would do with these claims.
    Size and depth are limited (ValidationError), so no pasted document can exhaust the parser.
    """
    text = text.strip()
    if not text:
        return {}, False
    if len(text) > MAX_CLAIMS_CHARACTERS:
        raise ValidationError(
            f"Claims: at most {MAX_CLAIMS_CHARACTERS:,} characters (this has {len(text):,}).", code="size"
        )
    if text.startswith("{"):
        _refuse_deep(text, "this JSON")
        try:
            claims = json.loads(text)
        except json.JSONDecodeError as exc:
            where = f"line {exc.lineno}, column {exc.colno}"
            raise ValidationError(f"Claims: not valid JSON: {exc.msg} ({where}).", code="json") from None
        if not isinstance(claims, dict):
            raise ValidationError('Claims: give a JSON object, e.g. {"sub": "user-1"}.', code="json")
        return claims, False
    parts = text.split(".")
    if len(parts) == 5:
        raise ValidationError(
            "Claims: this is an encrypted token (JWE); paste its claims as JSON instead.", code="jwe"
        )
    if len(parts) != 3:
        raise ValidationError(
            "Claims: paste a JSON object or a JWT (three parts separated by dots).", code="format"
        )
    not_json = ValidationError("Claims: the token's middle part is not base64url-encoded JSON.", code="jwt")
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)).decode()
    except (binascii.Error, ValueError):
        raise not_json from None
    _refuse_deep(payload, "the token's payload")
    try:
        claims = json.loads(payload)
    except ValueError:
        raise not_json from None
    if not isinstance(claims, dict):
        raise ValidationError("Claims: the token's payload is not a JSON object.", code="jwt")
    return claims, True


class TesterForm(ConsoleForm):
    provider = forms.ChoiceField(label="Sign-in with")
    claims = forms.CharField(
        label="Token claims (JSON) or the token itself (JWT)",
        required=False,
        max_length=MAX_CLAIMS_CHARACTERS,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
        help_text="A JWT is decoded here only: not verified, not sent anywhere, not stored or logged.",
    )
    saml_roles = forms.CharField(
        label="SAML Role attribute values (SAML providers only)",
        required=False,
        max_length=MAX_CLAIMS_CHARACTERS,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text="One per line: role ARN,provider ARN.",
    )
    custom_role_arn = RoleArnField(label="CustomRoleArn (optional)")

    def __init__(self, *args: Any, providers: list[Provider], developer: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(GUEST, "A guest (no sign-in)")]
        choices += [(provider.login_key, f"{provider.label}: {provider.login_key}") for provider in providers]
        if developer:
            choices.append((developer, f"Developer provider: {developer}"))
        self.fields["provider"].choices = choices
        self.was_jwt = False

    def clean_claims(self) -> dict[str, Any]:
        claims, self.was_jwt = decode_claims(self.cleaned_data.get("claims", ""))
        return claims

    def logins(self) -> list[tuple[str, dict[str, Any]]]:
        provider = self.cleaned_data["provider"]
        if provider == GUEST:
            return []
        claims = dict(self.cleaned_data["claims"])
        saml = [line.strip() for line in self.cleaned_data.get("saml_roles", "").splitlines() if line.strip()]
        if saml:
            claims[SAML_ROLE_ATTRIBUTE] = saml
        return [(provider, claims)]


def run(form: TesterForm, roles: PoolRoles) -> RoleDecision:
    logins = form.logins()
    return resolve_role(
        roles=roles.roles_api(),
        role_mappings=roles.mappings_api(),
        authenticated=bool(logins),
        logins=logins,
        custom_role_arn=form.cleaned_data.get("custom_role_arn") or None,
    )


def explain(decision: RoleDecision) -> str:
    """One sentence on what decided (the trace under it says every step)."""
    mapping = f"the role mapping for {decision.mapping_key}" if decision.mapping_key else ""
    if decision.outcome is Outcome.DENIED:
        return f"Denied by {mapping or 'the SAML assertion'}: GetCredentialsForIdentity would refuse."
    if decision.outcome is Outcome.NO_ROLE:
        return (
            "No usable role: GetCredentialsForIdentity would refuse, the pool's configuration lacks a role."
        )
    if decision.rule_number:
        return f"Rule {decision.rule_number} of {mapping} matched (the first matching rule wins)."
    sentences = {
        "unauthenticated role": "Guests get the pool's guest (unauthenticated) role.",
        PREFERRED_ROLE_CLAIM: f"The token's {PREFERRED_ROLE_CLAIM} claim ({mapping}, Type Token).",
        ROLES_CLAIM: f"The only role in the token's {ROLES_CLAIM} claim ({mapping}, Type Token).",
        "CustomRoleArn": "The CustomRoleArn asked for, which the mapping or assertion allows.",
        "SAML assertion": "The only role the SAML assertion offers.",
    }
    if decision.source == "authenticated role":
        if mapping:
            return (
                f"Fallback: the pool's authenticated role, because {mapping} decided nothing (see the steps)."
            )
        return "Fallback: the pool's authenticated role, because no role mapping applies to this login."
    return sentences.get(decision.source, decision.source)


def result_context(decision: RoleDecision, roles: PoolRoles) -> dict[str, Any]:
    mapping = roles.mapping_for(decision.mapping_key) if decision.mapping_key else None
    error_code = {
        Outcome.NO_ROLE: "InvalidIdentityPoolConfigurationException",
        Outcome.DENIED: "NotAuthorizedException",
    }
    return {
        "decision": decision,
        "decision_error_code": error_code.get(decision.outcome, ""),
        "decided_mapping": mapping,
        "explanation": explain(decision),
    }
