"""Authentication backends: the OpenID Connect sign-in, and the password rule that comes with it.

ConsoleOIDCBackend is mozilla-django-oidc's backend (code flow with PKCE, state and nonce, the
ID token's signature checked against the provider's JWKS) with what the console adds:
endpoints from the discovery document, the ID token's `iss`, `aud`, `azp`, `exp` and `iat`
checked with bounded clock skew, users found by the provider's subject, the role recomputed
from the groups claim at every sign-in, `auth_time` checked on a re-authentication, and every
refusal recorded with its reason.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from console.accounts.roles import ROLES
from console.audit.actor import ANONYMOUS, Actor, client_ip
from console.audit.record import record_console_action

from .models import ProviderAccount
from .provider import ProviderUnavailable, discovery, enabled, endpoint
from .roles import display_name_from, groups_in, mapped_groups, may_use_password, role_for, username_from

log = logging.getLogger(__name__)

# How far the provider's clock may be from ours when checking exp, iat and auth_time.
CLOCK_SKEW_SECONDS = 60
# Request attributes the views and the audit trail read.
FLOW = "console_sso_flow"  # set by the callback view: {"purpose": "sign_in"|"reauth", "started_at": ...}
REFUSAL = "console_sso_refusal"
SIGN_IN = "console_sso_sign_in"
AUDIT_DETAILS = "audit_sign_in_details"  # console/audit/signals.py adds these to console.login


@dataclass(frozen=True)
class Refusal:
    """Why a sign-in through the provider was refused: a code for the audit trail, words for the person."""

    code: str
    message: str


@dataclass(frozen=True)
class SignIn:
    """What a successful sign-in (or re-authentication) brought back."""

    id_token: str
    subject: str
    role: str
    reauth: bool


class Refused(Exception):
    def __init__(self, code: str, message: str, claims: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.refusal = Refusal(code, message)
        self.claims = claims or {}


class BreakGlassOnlyBackend:
    """With OIDC_ISSUER set, stops every password sign-in except the OIDC_PASSWORD_USERS ones.

    Placed before ModelBackend: PermissionDenied ends the authentication (Django counts it as
    a failure), so no later backend checks the password. The login form says why beforehand
    (console/accounts/views.py); this is the lock for every other password check (reauth).
    """

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **_: Any
    ) -> None:
        if username is None or password is None or may_use_password(username):
            return None
        raise PermissionDenied("Password sign-in is only for break-glass accounts.")


class ConsoleOIDCBackend(OIDCAuthenticationBackend):
    OIDC_RP_SIGN_ALGO = "RS256"
    OIDC_RP_IDP_SIGN_KEY = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The parent reads the provider's endpoints here; ours come from discovery, and only
        # when a sign-in needs them (so a provider that is down breaks nothing else).
        self.UserModel = get_user_model()

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:  # the parent's attribute name
        return settings.OIDC_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return settings.OIDC_CLIENT_SECRET

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return discovery()["token_endpoint"]

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return discovery()["jwks_uri"]

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str | None:
        return endpoint("userinfo_endpoint")

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> AbstractBaseUser | None:
        # Only the callback view's call (it passes the PKCE verifier), never a password check.
        if request is None or not enabled() or "code_verifier" not in kwargs:
            return None
        try:
            user = super().authenticate(request, **kwargs)
        except Refused as refused:
            return refuse(request, refused.refusal, refused.claims)
        except (ProviderUnavailable, requests.RequestException) as error:
            log.warning("OIDC sign-in: the provider did not answer (%s)", type(error).__name__)
            message = f"{settings.OIDC_PROVIDER_NAME} did not answer. Try again in a few minutes."
            return refuse(request, Refusal("provider_unavailable", message))
        except SuspiciousOperation as error:
            return refuse(request, Refusal("invalid_token", str(error)))
        if user is None and not hasattr(request, REFUSAL):
            return refuse(request, Refusal("invalid_response", "The provider's answer was not accepted."))
        return user

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The ID token's claims, once its signature, issuer, audience, times and nonce check out."""
        if not token:
            raise SuspiciousOperation("The provider sent no ID token.")
        try:
            key = self.retrieve_matching_jwk(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=settings.OIDC_CLIENT_ID,
                issuer=discovery()["issuer"],
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except (jwt.InvalidTokenError, KeyError, TypeError, ValueError) as error:
            raise SuspiciousOperation(f"ID token refused: {error}") from None
        if claims["iat"] > time.time() + CLOCK_SKEW_SECONDS:
            raise SuspiciousOperation("ID token refused: issued in the future.")
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != settings.OIDC_CLIENT_ID:
            raise SuspiciousOperation("ID token refused: issued to another party (azp).")
        if "nonce" in kwargs and claims.get("nonce") != kwargs["nonce"]:
            raise SuspiciousOperation("ID token refused: its nonce is not this sign-in's.")
        return claims

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> dict[str, Any]:
        """The ID token's claims, completed by the userinfo endpoint's (same subject only)."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT and access_token:
            extra = super().get_userinfo(access_token, id_token, payload)
            if extra.get("sub") != payload["sub"]:
                raise Refused("invalid_response", "The provider's userinfo is about someone else.")
            claims.update(
                {key: value for key, value in extra.items() if key not in payload or key == "groups"}
            )
        return claims

    def store_tokens(self, access_token: str, id_token: str) -> None:
        # Kept by the callback view after signing in (console/sso/views.py), not here.
        return None

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        claims = self.get_userinfo(access_token, id_token, payload)
        flow = getattr(self.request, FLOW, {})
        reauth = flow.get("purpose") == "reauth"
        if reauth:
            self._check_reauthentication(payload, flow)
        username = username_from(claims)
        if not username:
            raise Refused(
                "no_username",
                f"The provider sent neither {settings.OIDC_USERNAME_CLAIM} nor email.",
                claims,
            )
        role = role_for(claims)
        if role is None:
            # Whoever this was loses the role now, in every session they still have.
            for account in ProviderAccount.objects.filter(issuer=payload["iss"], subject=payload["sub"]):
                _grant(account.user, None)
            raise Refused("no_role", _no_role_message(), claims)
        user = self._user_for(payload["iss"], payload["sub"], username, claims, role)
        if not user.is_active:
            raise Refused("inactive", "Your console account is disabled: ask a console admin.", claims)
        setattr(self.request, AUDIT_DETAILS, _audit_details(claims, role))
        setattr(self.request, SIGN_IN, SignIn(id_token, payload["sub"], role, reauth))
        return user

    def _check_reauthentication(self, payload: dict[str, Any], flow: dict[str, Any]) -> None:
        user = self.request.user
        account = ProviderAccount.objects.filter(user_id=getattr(user, "pk", None)).first()
        if account is None or (account.issuer, account.subject) != (payload["iss"], payload["sub"]):
            raise Refused("reauth_other_person", "You signed in at the provider as someone else.", payload)
        auth_time = payload.get("auth_time")
        started_at = float(flow.get("started_at", 0))
        fresh = isinstance(auth_time, int | float) and auth_time >= started_at - CLOCK_SKEW_SECONDS
        if not fresh or time.time() - auth_time > settings.REAUTH_MAX_AGE_SECONDS + CLOCK_SKEW_SECONDS:
            raise Refused(
                "reauth_not_fresh", "The provider did not ask for your password again (auth_time).", payload
            )

    def _user_for(self, issuer: str, subject: str, username: str, claims: dict[str, Any], role: str) -> Any:
        with transaction.atomic():
            account = (
                ProviderAccount.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
            )
            if account is None:
                account = ProviderAccount(
                    issuer=issuer, subject=subject, user=self._user_named(username, claims)
                )
            user = account.user
            if user.username != username and not self.UserModel.objects.filter(username=username).exists():
                user.username = username  # renamed at the provider
            user.email = claims.get("email") if isinstance(claims.get("email"), str) else user.email
            user.first_name, user.last_name = _names(claims)
            if user.has_usable_password():
                # Once: each new unusable password changes the hash sessions are bound to (every
                # session of the user would end at each sign-in).
                user.set_unusable_password()
            user.is_superuser = user.is_staff = False  # the role comes from the groups alone
            user.save()
            account.display_name = display_name_from(claims)
            account.last_role = role
            account.last_sign_in = timezone.now()
            account.save()
            _grant(user, role)
        return user

    def _user_named(self, username: str, claims: dict[str, Any]) -> Any:
        # A break-glass account is never handed to someone signing in at the provider.
        if username in settings.OIDC_PASSWORD_USERS:
            raise Refused(
                "break_glass_name",
                f"{username} is a break-glass account: it signs in with a password.",
                claims,
            )
        existing = self.UserModel.objects.filter(username=username).first()
        if existing is None:
            return self.UserModel.objects.create_user(username)
        if ProviderAccount.objects.filter(user=existing).exists():
            raise Refused("username_taken", f"The console user {username} belongs to someone else.", claims)
        # A local account from before single sign-on: it becomes this person's.
        return existing


def refuse(request: HttpRequest, refusal: Refusal, claims: dict[str, Any] | None = None) -> None:
    """Remember why on the request (the callback view shows it) and record it in the audit trail."""
    setattr(request, REFUSAL, refusal)
    claims = claims or {}
    details: dict[str, Any] = {"method": "sso", "reason": refusal.code, "subject": str(claims.get("sub", ""))}
    if claims:
        details.update(username=username_from(claims), groups=groups_in(claims)[:50])
    log.info("OIDC sign-in refused: %s", refusal.code)
    record_console_action(
        "console.login_refused",
        request=details,
        outcome="error",
        error_code=refusal.code,
        error_message=refusal.message,
        actor=Actor(ANONYMOUS, None, client_ip(request)),
    )


def _grant(user: Any, role: str | None) -> None:
    """Make `role` the user's only console role (none: no role at all)."""
    user.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(name=role or ""))
    if role:
        user.groups.add(Group.objects.get(name=role))


def _names(claims: dict[str, Any]) -> tuple[str, str]:
    """First and last name for Django's user: given_name/family_name, else the whole name."""
    given, family = claims.get("given_name"), claims.get("family_name")
    if isinstance(given, str) or isinstance(family, str):
        return str(given or "")[:150], str(family or "")[:150]
    return display_name_from(claims)[:150], ""


def _no_role_message() -> str:
    groups = ", ".join(mapped_groups()) or "(none are configured)"
    return (
        f"Your account at {settings.OIDC_PROVIDER_NAME} is in none of the groups that give a console role: "
        f"{groups}. Ask the people who manage groups at {settings.OIDC_PROVIDER_NAME} (your IT or "
        "identity team) to add you to the one your work needs, then sign in again."
    )


def _audit_details(claims: dict[str, Any], role: str) -> dict[str, Any]:
    return {
        "method": "sso",
        "issuer": str(claims.get("iss", "")),
        "subject": str(claims.get("sub", "")),
        "name": display_name_from(claims),
        "role": role,
    }
