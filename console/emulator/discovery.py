"""The OpenID Connect discovery documents of the service's own tokens, served on GET.

Real Cognito publishes them under https://cognito-identity.amazonaws.com/.well-known/;
the emulator serves them from its own address so a relying party (an STS stand-in, an API
that accepts the OpenID tokens) can fetch the keys that verify them. The `issuer` stays
AWS's, because that is what the tokens' `iss` claim says.
"""

from __future__ import annotations

import json
from typing import Any

from .operations import tokens

CONFIGURATION_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/.well-known/jwks.json"
# Where AWS's own configuration document points its jwks_uri; served too, for code that hard-codes it.
AWS_JWKS_PATH = "/.well-known/jwks_uri"

# The keys change only when the database is reset; let clients cache a little.
_CACHE_CONTROL = "public, max-age=300"


def configuration(base_url: str) -> dict[str, Any]:
    """The discovery document, pointing at this server's JWKS."""
    return {
        "issuer": tokens.ISSUER,
        "jwks_uri": base_url.rstrip("/") + JWKS_PATH,
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "claims_supported": ["iss", "aud", "sub", "amr", "iat", "exp"],
    }


def get(path: str, base_url: str) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) answering a GET of `path`; `base_url` is how the caller reached us."""
    if path == CONFIGURATION_PATH:
        return _json(200, configuration(base_url), cache=True)
    if path in (JWKS_PATH, AWS_JWKS_PATH):
        return _json(200, tokens.jwks(), cache=True)
    return _json(404, {"message": f"Nothing is served at {path}; the API takes POST requests on /."})


def _json(status: int, payload: dict[str, Any], *, cache: bool = False) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}
    if cache:
        headers["Cache-Control"] = _CACHE_CONTROL
    return status, headers, body
