"""OpenID tokens: RS256 JWTs signed with a key pair kept in the database.

The key is generated on first use and stored (SigningKey), so tokens issued by one
process verify in another and after a restart. `kid` names the key in each token.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import transaction

from ..models import Identity, SigningKey
from . import store

if TYPE_CHECKING:
    from .logins import ResolvedLogin

ISSUER = "https://cognito-identity.amazonaws.com"
OPEN_ID_TOKEN_SECONDS = 600
POOL_ARN_CLAIM = "https://cognito-identity.amazonaws.com/identity-pool-arn"
_KEY_NAME = "default"
_AUTH_STATES = frozenset({"authenticated", "unauthenticated"})

# Loaded keys by kid; parsing a PEM on every call would cost more than signing.
_keys: dict[str, rsa.RSAPrivateKey] = {}
_current: str | None = None
_lock = threading.Lock()


def _generate() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(public_der).hexdigest()[:32], pem


def _load(row: SigningKey) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(row.private_key_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    _keys[row.kid] = key
    return key


def current_key() -> tuple[str, rsa.RSAPrivateKey]:
    """The signing key (kid, private key), created and stored the first time it is needed."""
    global _current
    with _lock:
        if _current in _keys:
            return _current, _keys[_current]
        row = SigningKey.objects.filter(name=_KEY_NAME).first()
        if row is None:
            kid, pem = _generate()
            # get_or_create absorbs a race with another process creating the key first.
            with transaction.atomic():
                row, _ = SigningKey.objects.get_or_create(
                    name=_KEY_NAME, defaults={"kid": kid, "private_key_pem": pem}
                )
        key = _load(row)
        _current = row.kid
        return row.kid, key


def public_key(kid: str) -> rsa.RSAPublicKey | None:
    """The public half of key `kid`, or None when no such key exists."""
    key = _keys.get(kid)
    if key is None:
        row = SigningKey.objects.filter(kid=kid).first()
        if row is None:
            return None
        key = _load(row)
    return key.public_key()


def jwks() -> dict[str, Any]:
    """The JSON Web Key Set of the current key (what a relying party verifies with)."""
    kid, key = current_key()
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update(kid=kid, use="sig", alg="RS256")
    return {"keys": [jwk]}


def issue(identity: Identity, amr: list[str], seconds: int, extra: dict[str, Any] | None = None) -> str:
    """A signed OpenID token for `identity`, valid for `seconds`."""
    kid, key = current_key()
    issued = int(store.now().timestamp())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": identity.pool.pool_id,
        "sub": identity.identity_id,
        "amr": amr,
        "iat": issued,
        "exp": issued + seconds,
        # Real tokens name the pool by ARN too; trust policies may condition on it.
        POOL_ARN_CLAIM: store.pool_arn(identity.pool),
        **(extra or {}),
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def amr(identity: Identity, used: Sequence[ResolvedLogin] = ()) -> list[str]:
    """`amr` claim: unauthenticated, or authenticated plus the providers the caller signed in with.

    `used` are the call's logins; a Cognito token among them stands for the providers its
    own `amr` names. Without any, the identity's linked providers are named.
    """
    if not store.is_authenticated(identity):
        return ["unauthenticated"]
    providers: list[str] = []
    for login in used:
        if login.provider == store.COGNITO_TOKEN_PROVIDER:
            named = login.claims.get("amr")
            providers.extend(
                name
                for name in (named if isinstance(named, list) else [])
                if isinstance(name, str) and name not in _AUTH_STATES
            )
        else:
            providers.append(login.provider)
    return ["authenticated", *(list(dict.fromkeys(providers)) or store.provider_names(identity))]


def expires_at(seconds: int) -> dt.datetime:
    return store.now() + dt.timedelta(seconds=seconds)
