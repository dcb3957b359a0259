"""The identity providers a pool is configured with, and the names each API uses for them.

The same provider is named three ways: in SupportedLoginProviders / CognitoIdentityProviders /
the provider ARNs (configuration), as a `Logins` key (sign-in, principal-tag maps, the role
tester), and as a RoleMappings key (a user pool with its app client; an OIDC provider by its
issuer or its IAM ARN).
"""

from __future__ import annotations

from dataclasses import dataclass

from console.aws.pools import PoolSettings


@dataclass(frozen=True)
class KnownProvider:
    """A public provider the form offers a row for, and what its value is."""

    key: str  # the SupportedLoginProviders key
    label: str
    value_label: str
    field: str  # the form field's name


KNOWN_PROVIDERS = (
    KnownProvider("graph.facebook.com", "Facebook", "App ID", "facebook"),
    KnownProvider("accounts.google.com", "Google", "Client ID", "google"),
    KnownProvider("www.amazon.com", "Login with Amazon", "App ID", "amazon"),
    KnownProvider("api.twitter.com", "Twitter", "Consumer key;consumer secret", "twitter"),
    KnownProvider("appleid.apple.com", "Sign in with Apple", "Services ID", "apple"),
)
KNOWN_KEYS = {provider.key: provider for provider in KNOWN_PROVIDERS}

_OIDC_MARKER = ":oidc-provider/"


def oidc_issuer(arn: str) -> str:
    """The issuer (a `Logins` key) of an IAM OIDC provider ARN, e.g. `login.example.org`."""
    return arn.split(_OIDC_MARKER, 1)[1] if _OIDC_MARKER in arn else ""


def provider_label(key: str) -> str:
    """A name a person recognises for a provider key."""
    if key in KNOWN_KEYS:
        return KNOWN_KEYS[key].label
    if key.startswith("cognito-idp."):
        return "Cognito user pool"
    if _OIDC_MARKER in key:
        return "OpenID Connect"
    if ":saml-provider/" in key:
        return "SAML"
    return "OpenID Connect or other provider"


@dataclass(frozen=True)
class Provider:
    """One provider configured on a pool."""

    login_key: str  # the `Logins` key: principal-tag maps and the role tester use it
    mapping_key: str  # the key a role mapping for it gets
    label: str
    aliases: tuple[str, ...] = ()  # other RoleMappings keys the service accepts for it

    @property
    def mapping_keys(self) -> tuple[str, ...]:
        return (self.mapping_key, *self.aliases)


def configured_providers(settings: PoolSettings) -> list[Provider]:
    """Every identity provider of the pool that signs users in (not the developer provider)."""
    providers = [Provider(key, key, provider_label(key)) for key, _ in settings.login_providers]
    providers += [
        Provider(pool.provider_name, pool.mapping_key, "Cognito user pool") for pool in settings.user_pools
    ]
    for arn in settings.openid_connect_provider_arns:
        issuer = oidc_issuer(arn) or arn
        providers.append(Provider(issuer, issuer, "OpenID Connect", aliases=(arn,) if issuer != arn else ()))
    providers += [Provider(arn, arn, "SAML") for arn in settings.saml_provider_arns]
    return providers


def mapping_keys(settings: PoolSettings) -> set[str]:
    """Every RoleMappings key the pool's providers accept."""
    return {key for provider in configured_providers(settings) for key in provider.mapping_keys}
