"""Turning a `Logins` entry (provider name -> token) into the user it names.

This is the one place that reads provider tokens, and it never goes to the network:

* JWT providers (user pools, Google, Apple, OIDC) send ID tokens. The token's `iss` must
  match the `Logins` key, its `aud` (or `azp`) must be a client id configured on the pool,
  it must not be expired (5 minutes of clock skew), and its `sub` is the user. With
  EMULATOR_VERIFY_TOKENS=trust (the default) the signature is not checked; with `jwks` it
  is, against the keys EMULATOR_JWKS_FILE lists for that provider.
* Opaque providers (Facebook, Amazon, Twitter, Digits) send access tokens that only the
  provider could resolve; the emulator takes the token itself as the user id.
* SAML providers send a base64 SAML response; its NameID is the user (never signature-checked).
* `cognito-identity.amazonaws.com` carries a token this service issued (checked with its key).

Each resolved login keeps its claims, which role mapping rules are evaluated against.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

import jwt
from defusedxml import ElementTree as SafeElementTree
from django.conf import settings

from .. import errors
from ..models import Identity, IdentityPool
from . import store, tokens

log = logging.getLogger(__name__)

# IdentityLogin.subject is a varchar(2048); longer subjects are stored as a digest.
_MAX_SUBJECT = 2048
# AWS accepts tokens up to five minutes past their `exp`.
CLOCK_SKEW_SECONDS = 300

TRUST = "trust"
JWKS = "jwks"

GOOGLE = "accounts.google.com"
APPLE = "appleid.apple.com"
# Providers whose tokens are opaque access tokens: only the provider could say whose they are.
OPAQUE_PROVIDERS = frozenset({"graph.facebook.com", "www.amazon.com", "api.twitter.com", "www.digits.com"})

NOT_SUPPORTED = "Token is not from a supported provider of this identity pool."
COGNITO_TOKEN_IN_GET_ID = "Invalid login token. Can't pass in a Cognito token."  # noqa: S105 - a message
LOGINS_DONT_MATCH = (
    "Logins don't match. Please include at least one valid login for this identity or identity pool."
)
NOT_OPENID_TOKEN = "Invalid login token. Not a valid OpenId Connect identity token."  # noqa: S105 - a message
ISSUER_MISMATCH = "Invalid login token. Issuer doesn't match providerName"
WRONG_AUDIENCE = "Invalid login token. Incorrect token audience."
BAD_SIGNATURE = "Invalid login token. Couldn't verify signed token."
NOT_SAML_RESPONSE = "Invalid login token. Not a valid SAML response."

# Algorithms a JWKS key may verify, by key type (never a symmetric one: the key is public).
_RSA_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
_EC_ALGORITHMS = {"P-256": ("ES256",), "P-384": ("ES384",), "P-521": ("ES512",), "secp256k1": ("ES256K",)}


@dataclass(frozen=True)
class ResolvedLogin:
    """One provider user: the provider name, that provider's id for the user, and the token's claims.

    `claims` are the decoded JWT claims (user pools, Google, Apple, OIDC), the SAML
    attributes, or a small stand-in for opaque tokens (`sub`, `aud`).
    """

    provider: str
    subject: str
    claims: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    is_developer: bool = False

    @property
    def key(self) -> tuple[str, str]:
        """What identifies the login in the store: (provider, subject)."""
        return (self.provider, self.subject)


@dataclass(frozen=True)
class _JwtRules:
    """What a JWT provider's tokens must say; `audiences` None means any audience."""

    issuers: frozenset[str]
    audiences: frozenset[str] | None


@dataclass(frozen=True)
class _ProviderKeys:
    """One provider's entry in EMULATOR_JWKS_FILE."""

    keys: tuple[dict[str, Any], ...]
    client_ids: frozenset[str] | None


# Parsed EMULATOR_JWKS_FILE documents by path: read once per process.
_jwks_files: dict[str, dict[str, _ProviderKeys]] = {}
_jwks_lock = threading.Lock()


def _missing_claim(name: str) -> errors.NotAuthorized:
    return errors.NotAuthorized(f"Invalid login token. Missing a required claim: {name}")


def _stored_subject(subject: str) -> str:
    if len(subject) > _MAX_SUBJECT:
        return "sha256:" + hashlib.sha256(subject.encode()).hexdigest()
    return subject


def verify_mode() -> str:
    """EMULATOR_VERIFY_TOKENS: `trust` (decode only) or `jwks` (check signatures too)."""
    mode = str(getattr(settings, "EMULATOR_VERIFY_TOKENS", TRUST) or TRUST).strip().lower()
    if mode not in (TRUST, JWKS):
        log.error("EMULATOR_VERIFY_TOKENS is %r; it must be 'trust' or 'jwks'", mode)
        raise errors.InternalError("The emulator's EMULATOR_VERIFY_TOKENS setting is invalid.")
    return mode


def check_provider(pool: IdentityPool, provider: str) -> None:
    """NotAuthorizedException unless `provider` is a public login configured on the pool."""
    if provider == store.COGNITO_TOKEN_PROVIDER:
        raise errors.NotAuthorized(COGNITO_TOKEN_IN_GET_ID)
    configured = store.login_providers(pool)
    if not configured:
        raise errors.NotAuthorized(
            f"Identity pool - {pool.pool_id} does not have identity providers configured."
        )
    if provider not in configured:
        raise errors.NotAuthorized(NOT_SUPPORTED)


def resolve(pool: IdentityPool, provider: str, token: str) -> ResolvedLogin:
    """The login a `Logins` entry of a public provider stands for; NotAuthorized if it is not valid."""
    check_provider(pool, provider)
    if provider in pool.saml_provider_arns:
        return _saml_login(provider, token)
    rules = _jwt_rules(pool, provider)
    if rules is None:
        return _opaque_login(pool, provider, token)
    claims = _checked_claims(provider, token, rules)
    return ResolvedLogin(provider, _stored_subject(claims["sub"]), claims)


def resolve_all(pool: IdentityPool, logins: Mapping[str, str]) -> list[ResolvedLogin]:
    """Every entry of a `Logins` map of public providers; one bad entry fails the call."""
    return [resolve(pool, provider, token) for provider, token in logins.items()]


def developer_login(pool: IdentityPool, user: str) -> ResolvedLogin:
    """A developer user identifier: trusted as given, since only signed calls name one."""
    return ResolvedLogin(pool.developer_provider_name or "", user, {}, is_developer=True)


def resolve_cognito_token(identity: Identity, token: str) -> ResolvedLogin:
    """A token this service issued for `identity` (key `cognito-identity.amazonaws.com`)."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.InvalidTokenError:
        raise errors.NotAuthorized(NOT_OPENID_TOKEN) from None
    key = tokens.public_key(str(header.get("kid", "")))
    if key is None:
        raise errors.NotAuthorized(BAD_SIGNATURE)
    try:
        claims = jwt.decode(token, key, algorithms=["RS256"], options=_ONLY_SIGNATURE)
    except jwt.InvalidSignatureError:
        raise errors.NotAuthorized(BAD_SIGNATURE) from None
    except jwt.InvalidTokenError:
        raise errors.NotAuthorized(NOT_OPENID_TOKEN) from None
    if claims.get("iss") != tokens.ISSUER:
        raise errors.NotAuthorized(ISSUER_MISMATCH)
    if claims.get("aud") != identity.pool.pool_id:
        raise errors.NotAuthorized(WRONG_AUDIENCE)
    _check_expiry(claims)
    if claims.get("sub") != identity.identity_id:
        raise errors.NotAuthorized(LOGINS_DONT_MATCH)
    return ResolvedLogin(store.COGNITO_TOKEN_PROVIDER, identity.identity_id, claims)


# --- JWT providers ---------------------------------------------------------------------------

# Signature only: the claims are checked below, with AWS's wording.
_ONLY_SIGNATURE = {
    "verify_signature": True,
    "verify_exp": False,
    "verify_nbf": False,
    "verify_iat": False,
    "verify_aud": False,
    "verify_iss": False,
}
_NOTHING = {**_ONLY_SIGNATURE, "verify_signature": False}


def _client_ids(value: str) -> frozenset[str]:
    # SupportedLoginProviders may list several client ids, comma-separated.
    return frozenset(part.strip() for part in value.split(",") if part.strip())


def _jwt_rules(pool: IdentityPool, provider: str) -> _JwtRules | None:
    """Issuer and audiences expected from `provider`, or None when its tokens are not JWTs."""
    user_pool_clients = [
        entry.get("ClientId")
        for entry in pool.cognito_identity_providers
        if entry["ProviderName"] == provider
    ]
    if user_pool_clients:
        clients = frozenset(filter(None, user_pool_clients))
        return _JwtRules(frozenset({f"https://{provider}"}), clients or None)
    if provider == GOOGLE:
        issuers = frozenset({"https://accounts.google.com", "accounts.google.com"})
        return _JwtRules(issuers, _client_ids(pool.supported_login_providers.get(GOOGLE, "")))
    if provider == APPLE:
        issuers = frozenset({"https://appleid.apple.com"})
        return _JwtRules(issuers, _client_ids(pool.supported_login_providers.get(APPLE, "")))
    if provider in filter(None, map(store.oidc_issuer, pool.openid_connect_provider_arns)):
        # An OIDC provider's client ids live in IAM, which this API cannot see: any audience
        # unless EMULATOR_JWKS_FILE lists `client_ids` for the provider.
        bare = provider.rstrip("/")
        configured = _provider_keys(provider)
        audiences = configured.client_ids if configured else None
        return _JwtRules(frozenset({f"https://{bare}", f"https://{bare}/"}), audiences)
    return None


def _checked_claims(provider: str, token: str, rules: _JwtRules) -> dict[str, Any]:
    """The claims of an ID token from `provider`, after AWS's checks (see the module doc)."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options=_NOTHING)
    except (jwt.InvalidTokenError, ValueError, TypeError):
        raise errors.NotAuthorized(NOT_OPENID_TOKEN) from None
    if not isinstance(claims, dict):
        raise errors.NotAuthorized(NOT_OPENID_TOKEN)
    if "iss" not in claims:
        raise _missing_claim("iss")
    if claims["iss"] not in rules.issuers:
        raise errors.NotAuthorized(ISSUER_MISMATCH)
    if verify_mode() == JWKS:
        _check_signature(provider, token, header)
    if "aud" not in claims:
        raise _missing_claim("aud")
    if rules.audiences is not None and not _audiences(claims) & rules.audiences:
        raise errors.NotAuthorized(WRONG_AUDIENCE)
    _check_expiry(claims)
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise _missing_claim("sub")
    return claims


def _audiences(claims: Mapping[str, Any]) -> set[str]:
    """`aud` (a string or a list) plus `azp`: Google's Android tokens name the app in `azp`."""
    audience = claims.get("aud")
    values = set(audience) if isinstance(audience, list) else {audience}
    values.add(claims.get("azp"))
    return {value for value in values if isinstance(value, str)}


def _check_expiry(claims: Mapping[str, Any]) -> None:
    expires = claims.get("exp")
    if expires is None:
        return
    if isinstance(expires, bool) or not isinstance(expires, int | float):
        raise errors.NotAuthorized(NOT_OPENID_TOKEN)
    now = int(time.time())
    if now >= expires + CLOCK_SKEW_SECONDS:
        raise errors.NotAuthorized(f"Invalid login token. Token expired: {now} >= {int(expires)}")


def _check_signature(provider: str, token: str, header: Mapping[str, Any]) -> None:
    """NotAuthorized unless one of the provider's configured keys verifies the token."""
    configured = _provider_keys(provider)
    if configured is None or not configured.keys:
        log.warning("EMULATOR_VERIFY_TOKENS=jwks but EMULATOR_JWKS_FILE has no keys for %s", provider)
        raise errors.NotAuthorized(f"{BAD_SIGNATURE} No keys are configured for '{provider}'.")
    kid = header.get("kid")
    candidates = [key for key in configured.keys if not kid or key.get("kid") == kid]
    for jwk in candidates:
        algorithms = _algorithms_of(jwk)
        try:
            public = jwt.PyJWK(jwk).key
        except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError):
            continue
        try:
            jwt.decode(token, public, algorithms=algorithms, options=_ONLY_SIGNATURE)
        except jwt.InvalidTokenError:
            continue
        return
    raise errors.NotAuthorized(BAD_SIGNATURE)


def _algorithms_of(jwk: Mapping[str, Any]) -> list[str]:
    # Fixed by the key, never taken from the token (RFC 8725 §2.1).
    if isinstance(jwk.get("alg"), str):
        return [jwk["alg"]]
    if jwk.get("kty") == "RSA":
        return list(_RSA_ALGORITHMS)
    if jwk.get("kty") == "EC":
        return list(_EC_ALGORITHMS.get(jwk.get("crv", ""), ()))
    if jwk.get("kty") == "OKP":
        return ["EdDSA"]
    return []


def _provider_keys(provider: str) -> _ProviderKeys | None:
    path = getattr(settings, "EMULATOR_JWKS_FILE", "") or ""
    if not path:
        return None
    return _jwks_file(str(path)).get(provider)


def _jwks_file(path: str) -> dict[str, _ProviderKeys]:
    """EMULATOR_JWKS_FILE parsed, read once: {"<provider key>": {"keys": [...], "client_ids": [...]}}."""
    with _jwks_lock:
        cached = _jwks_files.get(path)
        if cached is None:
            try:
                cached = _parse_jwks_file(path)
            except (OSError, ValueError) as exc:
                log.error("EMULATOR_JWKS_FILE %s cannot be used: %s", path, exc)
                raise errors.InternalError(
                    f"The emulator's EMULATOR_JWKS_FILE cannot be used: {exc}"
                ) from None
            _jwks_files[path] = cached
        return cached


def _parse_jwks_file(path: str) -> dict[str, _ProviderKeys]:
    with open(path, encoding="utf-8") as handle:
        document = json.load(handle)
    if not isinstance(document, dict):
        raise ValueError("the file must hold a JSON object keyed by provider name")
    parsed: dict[str, _ProviderKeys] = {}
    for provider, entry in document.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("keys", []), list):
            raise ValueError(f"the entry for {provider!r} must be a JWKS document ({{'keys': [...]}})")
        keys = tuple(
            key for key in entry.get("keys", []) if isinstance(key, dict) and key.get("use") != "enc"
        )
        client_ids = entry.get("client_ids")
        if client_ids is not None and not _strings(client_ids):
            raise ValueError(f"'client_ids' of {provider!r} must be a list of strings")
        parsed[provider] = _ProviderKeys(keys, frozenset(client_ids) if client_ids is not None else None)
    return parsed


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


# --- Opaque and SAML providers ---------------------------------------------------------------


def _opaque_login(pool: IdentityPool, provider: str, token: str) -> ResolvedLogin:
    """An access token stands for its user; the claims say what the provider would have."""
    subject = _stored_subject(token)
    claims: dict[str, Any] = {"sub": subject}
    app_id = pool.supported_login_providers.get(provider)
    if app_id:
        claims["aud"] = app_id
    if provider == "www.amazon.com":
        claims["user_id"] = subject
    return ResolvedLogin(provider, subject, claims)


def _saml_login(provider: str, token: str) -> ResolvedLogin:
    """A base64 SAML response: NameID is the user, attributes are the claims."""
    try:
        document = base64.b64decode("".join(token.split()), validate=True)
    except (binascii.Error, ValueError):
        raise errors.NotAuthorized(NOT_SAML_RESPONSE) from None
    try:
        # No DTD at all: entity expansion and external entities ride on one, and SAML has no use
        # for it. The parser refuses it whatever the document's encoding (a byte search for
        # "<!DOCTYPE" misses UTF-16).
        root = SafeElementTree.fromstring(document, forbid_dtd=True)
    except (ElementTree.ParseError, ValueError):
        # ValueError: defusedxml's refusals (DTDForbidden, ...) and expat's "multi-byte encodings
        # are not supported" for a document declaring UTF-16-LE or -BE.
        raise errors.NotAuthorized(NOT_SAML_RESPONSE) from None
    name_id = next((element.text for element in _elements(root.iter(), "NameID")), None)
    if not name_id or not name_id.strip():
        raise errors.NotAuthorized(NOT_SAML_RESPONSE)
    claims: dict[str, Any] = {"sub": name_id.strip()}
    for attribute in _elements(root.iter(), "Attribute"):
        values = [value.text or "" for value in _elements(attribute, "AttributeValue")]
        if attribute.get("Name"):
            claims[attribute.get("Name", "")] = values[0] if len(values) == 1 else values
    return ResolvedLogin(provider, _stored_subject(claims["sub"]), claims)


def _elements(elements: Iterable[ElementTree.Element], local_name: str) -> Iterable[ElementTree.Element]:
    """Elements named `local_name` in any namespace."""
    return (element for element in elements if element.tag.rsplit("}", 1)[-1] == local_name)
