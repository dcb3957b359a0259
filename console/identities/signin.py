"""The sign-in tester: the public flow an app runs, step by step, with what each step sent and got.

Three flows, as apps run them:
- unauthenticated: GetId → GetCredentialsForIdentity;
- a provider login: GetId → GetOpenIdToken → GetCredentialsForIdentity (optional CustomRoleArn);
- a developer user: GetOpenIdTokenForDeveloperIdentity → GetCredentialsForIdentity with the
  token as the `cognito-identity.amazonaws.com` login.
An existing identity id (one an app has cached) replaces GetId, which is how a disabled identity
is reproduced. The run stops at the first failing step, which keeps the service's error and a
hint. Tokens, secret keys and session tokens are masked in what is shown; an OpenID token's
claims are shown instead of the token.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from console.audit.record import record_console_action
from console.aws import identities as gateway
from console.aws.errors import CognitoError, InvalidInput
from console.aws.ids import region_of

from . import developer_users, inventory_writes, tokens

UNAUTHENTICATED, PROVIDER, DEVELOPER = "unauthenticated", "provider", "developer"
FLOWS = {
    UNAUTHENTICATED: "Guest (unauthenticated)",
    PROVIDER: "A provider login (Google, Facebook, a user pool, OIDC, SAML…)",
    DEVELOPER: "A developer user",
}
MASKED = "•••• masked"

# What to do about the failures support meets most, by words of the service's message.
_HINTS = (
    (
        "Unauthenticated access is not supported",
        "Guests are not allowed in this pool: turn on unauthenticated access "
        "(AllowUnauthenticatedIdentities), or test with a login.",
    ),
    (
        "Invalid identity pool configuration",
        "No IAM role is configured for this kind of user: give the pool an authenticated "
        "(or unauthenticated) role, or a role mapping that applies.",
    ),
    (
        "not from a supported provider",
        "That provider is not configured on this pool: compare the provider name with the "
        "pool's authentication providers.",
    ),
    (
        "is forbidden",
        "The identity is disabled, usually because its logins were merged into another identity: "
        "the app must forget this identity id and call GetId again.",
    ),
    (
        "ambiguous role mapping rules",
        "No role-mapping rule matched the user's claims and the mapping's ambiguous-role "
        "resolution is Deny: add a matching rule, or resolve to the authenticated role.",
    ),
    (
        "Logins don't match",
        "The identity is signed in with other logins: send one of the logins already linked to it.",
    ),
    (
        "Invalid login token",
        "The provider's token is malformed, expired, or for another audience or issuer: get a "
        "fresh token from the provider.",
    ),
    (
        "does not support the specified developer provider",
        "The pool's developer provider name is not the one used: check the pool's settings.",
    ),
)


@dataclass(frozen=True)
class Step:
    """One call of the flow: what was sent, what came back (masked), or how it failed."""

    operation: str
    request: dict[str, Any]
    answer: dict[str, Any] | None = None
    error: CognitoError | None = None
    hint: str = ""
    note: str = ""
    claims: tuple[tuple[str, str], ...] = ()

    @property
    def failed(self) -> bool:
        return self.error is not None and not self.note

    @property
    def request_text(self) -> str:
        return json.dumps(self.request, indent=2, ensure_ascii=False)

    @property
    def answer_text(self) -> str:
        return json.dumps(self.answer, indent=2, ensure_ascii=False, default=str)


@dataclass
class Run:
    """The steps of one test run, in order; `identity_id` is the last one the service named."""

    flow: str
    steps: list[Step] = field(default_factory=list)
    identity_id: str | None = None

    @property
    def failed_step(self) -> Step | None:
        return next((step for step in self.steps if step.failed), None)

    @property
    def succeeded(self) -> bool:
        return bool(self.steps) and self.failed_step is None


@dataclass(frozen=True)
class Plan:
    """What the operator asked to test (secrets included: never stored or shown)."""

    pool_id: str
    flow: str
    provider: str = ""
    provider_token: str = field(default="", repr=False)
    developer_provider: str = ""
    developer_user: str = ""
    identity_id: str = ""
    custom_role_arn: str = ""


class _Stop(Exception):
    """A step failed: the run ends there."""


def hint_for(error: CognitoError) -> str:
    for words, hint in _HINTS:
        if words in error.message:
            return hint
    return error.hint


def run(plan: Plan) -> Run:
    """Walk the flow, then record the run in the audit trail (whatever its outcome)."""
    result = Run(plan.flow)
    try:
        {UNAUTHENTICATED: _guest, PROVIDER: _provider, DEVELOPER: _developer}[plan.flow](plan, result)
    except _Stop:
        pass
    _record(plan, result)
    if result.identity_id and result.identity_id != plan.identity_id:
        # The run created (or found) this identity: the inventory knows it without a sync.
        inventory_writes.created(plan.pool_id, result.identity_id)
    return result


def _guest(plan: Plan, result: Run) -> None:
    identity_id = plan.identity_id or _get_id(plan, result, None)
    _credentials(plan, result, identity_id, None)


def _provider(plan: Plan, result: Run) -> None:
    logins = {plan.provider: plan.provider_token}
    identity_id = plan.identity_id or _get_id(plan, result, logins)
    request = {"IdentityId": identity_id, "Logins": _masked_logins(logins)}
    try:
        answer = _step(
            result, "GetOpenIdToken", request, lambda: gateway.get_open_id_token(identity_id, logins)
        )
        identity_id = answer.identity_id
    except _Stop:
        failed = result.steps[-1]
        if not (isinstance(failed.error, InvalidInput) and "classic" in failed.error.message.lower()):
            raise
        # Pools that allow only the enhanced flow refuse GetOpenIdToken; apps there go straight on.
        result.steps[-1] = Step(
            failed.operation,
            failed.request,
            error=failed.error,
            note="This pool allows only the enhanced flow; apps skip this call. Going on.",
        )
    _credentials(plan, result, identity_id, logins)


def _developer(plan: Plan, result: Run) -> None:
    request: dict[str, Any] = {
        "IdentityPoolId": plan.pool_id,
        "Logins": {plan.developer_provider: plan.developer_user},
    }
    if plan.identity_id:
        request["IdentityId"] = plan.identity_id
    issued = _step(
        result,
        "GetOpenIdTokenForDeveloperIdentity",
        request,
        lambda: gateway.register_developer_user(
            plan.pool_id,
            plan.developer_provider,
            plan.developer_user,
            identity_id=plan.identity_id or None,
            reason="Sign-in tester",
        ),
        claims_of=lambda answer: answer.token,
    )
    developer_users.forget(issued.identity_id)
    logins = {gateway.COGNITO_TOKEN_PROVIDER: issued.token}
    _credentials(plan, result, issued.identity_id, logins)


def _get_id(plan: Plan, result: Run, logins: dict[str, str] | None) -> str:
    request: dict[str, Any] = {"IdentityPoolId": plan.pool_id}
    if logins:
        request["Logins"] = _masked_logins(logins)
    return _step(result, "GetId", request, lambda: gateway.get_id(plan.pool_id, logins))


def _credentials(plan: Plan, result: Run, identity_id: str, logins: dict[str, str] | None) -> None:
    request: dict[str, Any] = {"IdentityId": identity_id}
    if logins:
        request["Logins"] = _masked_logins(logins)
    if plan.custom_role_arn:
        request["CustomRoleArn"] = plan.custom_role_arn
    _step(
        result,
        "GetCredentialsForIdentity",
        request,
        lambda: gateway.get_credentials(identity_id, logins, plan.custom_role_arn or None),
    )


def _step(
    result: Run,
    operation: str,
    request: dict[str, Any],
    send: Callable[[], Any],
    claims_of: Callable[[Any], str] | None = None,
) -> Any:
    try:
        answer = send()
    except CognitoError as exc:
        result.steps.append(Step(operation, request, error=exc, hint=hint_for(exc)))
        raise _Stop from None
    shown, token = _shown_answer(answer)
    result.identity_id = shown.get("IdentityId", result.identity_id)
    result.steps.append(
        Step(operation, request, shown, claims=tuple(tokens.readable_claims(token)) if token else ())
    )
    return answer


def _shown_answer(answer: Any) -> tuple[dict[str, Any], str]:
    """The answer as the page shows it (secrets masked), and the OpenID token if any."""
    if isinstance(answer, str):
        return {"IdentityId": answer}, ""
    if isinstance(answer, gateway.OpenIdToken):
        return {"IdentityId": answer.identity_id, "Token": MASKED}, answer.token
    if isinstance(answer, gateway.Credentials):
        expiration = answer.expiration.isoformat() if answer.expiration else None
        return {
            "IdentityId": answer.identity_id,
            "Credentials": {
                "AccessKeyId": answer.access_key_id,
                "SecretKey": MASKED,
                "SessionToken": MASKED,
                "Expiration": expiration,
            },
        }, ""
    return {}, ""


def _masked_logins(logins: dict[str, str]) -> dict[str, str]:
    return {provider: MASKED for provider in logins}


def _record(plan: Plan, result: Run) -> None:
    failed = result.failed_step
    request = {
        "flow": plan.flow,
        "provider": plan.provider or plan.developer_provider,
        "developer_user": plan.developer_user,
        "identity_id": plan.identity_id,
        "custom_role_arn": plan.custom_role_arn,
        "steps": [step.operation for step in result.steps],
    }
    record_console_action(
        "identities.signin_test",
        pool_id=plan.pool_id,
        identity_id=result.identity_id or plan.identity_id,
        region=region_of(plan.pool_id),
        request={key: value for key, value in request.items() if value},
        outcome="error" if failed else "success",
        error_code=failed.error.code if failed and failed.error else "",
        error_message=f"{failed.operation}: {failed.error.message}" if failed and failed.error else "",
    )
