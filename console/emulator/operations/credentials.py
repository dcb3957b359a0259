"""The public token operations: GetOpenIdToken (basic flow), GetCredentialsForIdentity (enhanced)."""

from __future__ import annotations

import base64
import secrets
import string
from collections.abc import Mapping, Sequence
from typing import Any

from console import roleresolution
from console.roleresolution import Outcome

from .. import errors
from ..models import Identity, IdentityPool
from ..protocol import RequestContext, operation
from . import linking, store, tokens

CREDENTIAL_SECONDS = 3600
_KEY_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


def _check_classic_flow(pool: IdentityPool) -> None:
    # AllowClassicFlow is tri-state: only an explicit False turns the basic flow off.
    if pool.allow_classic_flow is False:
        raise errors.InvalidParameter("Basic (classic) flow is not enabled, please use enhanced flow.")
    if pool.role_mappings:
        raise errors.InvalidParameter(
            "Basic (classic) flow is not supported with RoleMappings, please use enhanced flow."
        )


@operation("GetOpenIdToken")
def get_open_id_token(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    def authorize() -> linking.SignIn:
        identity = store.get_identity(ctx, params["IdentityId"], for_update=True)
        _check_classic_flow(identity.pool)
        return linking.authorize(identity, store.logins_param(params))

    # After a merge the caller's identity may be another one than the call named.
    sign_in = linking.retry_on_race(authorize)
    identity = sign_in.identity
    token = tokens.issue(identity, tokens.amr(identity, sign_in.logins), tokens.OPEN_ID_TOKEN_SECONDS)
    return {"IdentityId": identity.identity_id, "Token": token}


def choose_role(
    identity: Identity,
    authenticated: bool,
    logins: Sequence[tuple[str, Mapping[str, Any]]] = (),
    custom_role_arn: str | None = None,
) -> str:
    """The role whose credentials an identity gets, or the AWS error that refuses them.

    The decision is console.roleresolution's, the same code the console's tester runs;
    `logins` are the call's logins with their token claims, in the order sent.
    """
    decision = roleresolution.resolve_role(
        roles=identity.pool.roles,
        role_mappings=identity.pool.role_mappings,
        authenticated=authenticated,
        logins=logins,
        custom_role_arn=custom_role_arn,
    )
    if decision.outcome is Outcome.DENIED:
        raise errors.NotAuthorized(decision.error_message or "")
    if decision.outcome is Outcome.NO_ROLE or not decision.role_arn:
        raise errors.InvalidIdentityPoolConfiguration(roleresolution.NO_ROLE_MESSAGE)
    return decision.role_arn


def _credentials() -> dict[str, Any]:
    """Random STS-looking session credentials (nothing checks them)."""
    session = base64.b64encode(secrets.token_bytes(264)).decode()
    return {
        "AccessKeyId": "ASIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16)),
        "SecretKey": "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40)),
        "SessionToken": session,
        "Expiration": tokens.expires_at(CREDENTIAL_SECONDS),
    }


@operation("GetCredentialsForIdentity")
def get_credentials_for_identity(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    def authorize() -> Identity:
        identity = store.get_identity(ctx, params["IdentityId"], for_update=True)
        sign_in = linking.authorize(identity, store.logins_param(params))
        identity = sign_in.identity
        role = choose_role(
            identity,
            store.is_authenticated(identity),
            [(login.provider, login.claims) for login in sign_in.logins],
            store.text_param(params, "CustomRoleArn"),
        )
        Identity.objects.filter(pk=identity.pk).update(last_role_arn=role)
        return identity

    identity = linking.retry_on_race(authorize)
    return {"IdentityId": identity.identity_id, "Credentials": _credentials()}
