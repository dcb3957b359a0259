"""Shared lookups and small helpers for the operations.

Every lookup is scoped to the request's region: a pool (and its identities) only
exists in the region that owns it, as with real Cognito's regional endpoints.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone

from .. import errors
from ..models import Identity, IdentityLogin, IdentityPool
from ..protocol import RequestContext

COGNITO_TOKEN_PROVIDER = "cognito-identity.amazonaws.com"  # noqa: S105 - a provider name
MAX_RESULTS = 60
MAX_LINKED_LOGINS = 20


def now() -> dt.datetime:
    return timezone.now()


def new_id(region: str) -> str:
    """A pool or identity id: `REGION:uuid4`, lower-case like AWS's."""
    return f"{region}:{uuid.uuid4()}"


def get_pool(ctx: RequestContext, pool_id: str, *, for_update: bool = False) -> IdentityPool:
    """The pool with this id in the request's region, or ResourceNotFoundException."""
    queryset = IdentityPool.objects.all()
    if for_update:
        queryset = queryset.select_for_update()
    try:
        return queryset.get(pool_id=pool_id, region=ctx.region)
    except IdentityPool.DoesNotExist:
        raise errors.pool_not_found(pool_id) from None


def get_identity(ctx: RequestContext, identity_id: str, *, for_update: bool = False) -> Identity:
    """The identity with this id whose pool is in the request's region."""
    queryset = Identity.objects.select_related("pool")
    if for_update:
        # `of=("self",)` keeps the lock on the identity row only (PostgreSQL).
        queryset = queryset.select_for_update(of=("self",))
    try:
        return queryset.get(identity_id=identity_id, pool__region=ctx.region)
    except Identity.DoesNotExist:
        raise errors.identity_not_found(identity_id) from None


def lock_identity(pk: int) -> Identity:
    """An identity by primary key, row-locked (without locking its pool's row)."""
    return Identity.objects.select_for_update(of=("self",)).select_related("pool").get(pk=pk)


def get_identity_of_pool(
    ctx: RequestContext, pool: IdentityPool, identity_id: str, *, for_update: bool = False
) -> Identity:
    """An identity that must belong to `pool` (signed operations name both)."""
    identity = get_identity(ctx, identity_id, for_update=for_update)
    if identity.pool_id != pool.pk:
        raise errors.NotAuthorized(
            f"Identity '{identity_id}' does not belong to identity pool '{pool.pool_id}'."
        )
    return identity


def forbid_disabled(identity: Identity) -> None:
    if identity.disabled:
        raise errors.NotAuthorized(f"Access to identity '{identity.identity_id}' is forbidden")


def create_identity(pool: IdentityPool) -> Identity:
    moment = now()
    return Identity.objects.create(
        identity_id=new_id(pool.region), pool=pool, created_at=moment, modified_at=moment
    )


def touch(identity: Identity, **changes: Any) -> None:
    """Save `changes` and bump LastModifiedDate."""
    changes["modified_at"] = now()
    for name, value in changes.items():
        setattr(identity, name, value)
    Identity.objects.filter(pk=identity.pk).update(**changes)


def provider_names(identity: Identity) -> list[str]:
    """The distinct provider names linked to an identity, in link order."""
    names = IdentityLogin.objects.filter(identity=identity).order_by("id").values_list("provider", flat=True)
    return list(dict.fromkeys(names))


def logins_by_identity(identity_pks: list[int]) -> dict[int, list[str]]:
    """Provider names for many identities in one query (no N+1 on list pages)."""
    result: dict[int, list[str]] = {pk: [] for pk in identity_pks}
    rows = (
        IdentityLogin.objects.filter(identity_id__in=identity_pks)
        .order_by("identity_id", "id")
        .values_list("identity_id", "provider")
    )
    for identity_pk, provider in rows:
        if provider not in result[identity_pk]:
            result[identity_pk].append(provider)
    return result


def identity_description(
    identity_id: str, logins: list[str], created: dt.datetime, modified: dt.datetime
) -> dict[str, Any]:
    """The `IdentityDescription` shape; Logins only when the identity has any."""
    description: dict[str, Any] = {"IdentityId": identity_id}
    if logins:
        description["Logins"] = logins
    description["CreationDate"] = created
    description["LastModifiedDate"] = modified
    return description


def pool_arn(pool: IdentityPool) -> str:
    return f"arn:aws:cognito-identity:{pool.region}:{pool.account_id}:identitypool/{pool.pool_id}"


def oidc_issuer(arn: str) -> str | None:
    """The `Logins` key of an IAM OIDC provider ARN: the issuer host/path after `oidc-provider/`."""
    marker = ":oidc-provider/"
    if marker not in arn:
        return None
    issuer = arn.split(marker, 1)[1]
    return issuer or None


def login_providers(pool: IdentityPool) -> set[str]:
    """Provider names a caller may use as `Logins` keys with this pool (public logins)."""
    names = set(pool.supported_login_providers)
    names.update(provider["ProviderName"] for provider in pool.cognito_identity_providers)
    names.update(filter(None, (oidc_issuer(arn) for arn in pool.openid_connect_provider_arns)))
    names.update(pool.saml_provider_arns)
    return names


def role_mapping_providers(pool: IdentityPool) -> set[str]:
    """Keys RoleMappings accept: like `Logins` keys, but a user pool is named with its app client.

    AWS names a user-pool role mapping `cognito-idp.<region>.amazonaws.com/<pool>:<client id>`;
    an OIDC provider may be named by its issuer or by its IAM ARN.
    """
    names = set(pool.supported_login_providers)
    for provider in pool.cognito_identity_providers:
        client = provider.get("ClientId")
        names.add(f"{provider['ProviderName']}:{client}" if client else provider["ProviderName"])
    names.update(filter(None, (oidc_issuer(arn) for arn in pool.openid_connect_provider_arns)))
    names.update(pool.openid_connect_provider_arns)
    names.update(pool.saml_provider_arns)
    return names


def is_authenticated(identity: Identity) -> bool:
    return IdentityLogin.objects.filter(identity=identity).exists()


def non_empty(mapping: dict[str, Any], key: str, value: Any) -> None:
    """Put `value` in the output only when it is set (AWS leaves out empty members)."""
    if value not in (None, {}, []):
        mapping[key] = value


def max_results(params: dict[str, Any], *, default: int | None = None) -> int:
    """MaxResults as an int in 1..60 (validation normally catches this first)."""
    value = params.get("MaxResults", default)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_RESULTS:
        raise errors.InvalidParameter(f"MaxResults must be between 1 and {MAX_RESULTS}.")
    return value


def text_param(params: dict[str, Any], key: str) -> str | None:
    """An optional string member; anything else is an InvalidParameterException."""
    value = params.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise errors.InvalidParameter(f"{key} must be a string.")
    return value


def map_param(params: dict[str, Any], key: str) -> dict[str, Any]:
    value = params.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise errors.InvalidParameter(f"{key} must be a map.")
    return value


def list_param(params: dict[str, Any], key: str) -> list[Any]:
    value = params.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise errors.InvalidParameter(f"{key} must be a list.")
    return value


def logins_param(params: dict[str, Any]) -> dict[str, str]:
    """The `Logins` map: provider name -> token (or developer user id)."""
    logins = map_param(params, "Logins")
    for provider, token in logins.items():
        if not isinstance(token, str) or not token:
            raise errors.InvalidParameter(f"Logins value for '{provider}' must be a non-empty string.")
    return logins
