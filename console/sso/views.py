"""Signing in through the provider, coming back from it, and re-authenticating there.

URLs (console/sso/urls.py): /oidc/authenticate/ goes straight to the provider (the login
page's "Sign in with ..." link), /oidc/callback/ is the redirect URI the provider must allow,
/oidc/reauth/ sends a signed-in SSO user back to the provider with prompt=login before a
destructive action.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.contrib import auth
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from console.safeguards.reauth import record_password_entered

from .backends import FLOW, REFUSAL, SIGN_IN, Refusal, refuse
from .models import ProviderAccount
from .provider import ProviderUnavailable, discovery, enabled, endpoint

ID_TOKEN = "console_oidc_id_token"  # noqa: S105 - a session key; the last ID token: the hint for the provider's sign-out
SIGN_IN_PURPOSE = "sign_in"
REAUTH_PURPOSE = "reauth"
_ERROR_CODE_LENGTH = 64


def is_sso_user(user: Any) -> bool:
    """A user who signs in at the provider (and so re-authenticates there, not with a password)."""
    return enabled() and user.is_authenticated and ProviderAccount.objects.filter(user_id=user.pk).exists()


def end_session_url(request: HttpRequest) -> str | None:
    """Where to send the browser to end the provider's session too (RP-initiated logout), or None."""
    id_token = request.session.get(ID_TOKEN)
    if not enabled() or not id_token:
        return None
    try:
        url = endpoint("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not url:
        return None
    back = request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL))
    query = urlencode(
        {"id_token_hint": id_token, "post_logout_redirect_uri": back, "client_id": settings.OIDC_CLIENT_ID}
    )
    return f"{url}{'&' if '?' in url else '?'}{query}"


class SignInView(OIDCAuthenticationRequestView):
    """GET: a redirect to the provider's authorization endpoint (state, nonce, PKCE in the session)."""

    purpose = SIGN_IN_PURPOSE
    http_method_names = ["get", "head"]  # HEAD follows GET, as everywhere in the console

    def __init__(self, **kwargs: Any) -> None:
        # The parent reads the authorization endpoint here; ours comes from discovery, per request.
        View.__init__(self, **kwargs)

    @property
    def OIDC_OP_AUTH_ENDPOINT(self) -> str:  # the parent's attribute name
        return discovery()["authorization_endpoint"]

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return settings.OIDC_CLIENT_ID

    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404("Single sign-on is not configured.")
        try:
            response = super().get(request)
        except ProviderUnavailable:
            context = {"sso_provider_name": settings.OIDC_PROVIDER_NAME}
            return render(request, "sso/unavailable.html", context, status=503)
        # The callback tells a sign-in from a re-authentication by the state it comes back with.
        state = parse_qs(urlsplit(response["Location"]).query)["state"][0]
        request.session["oidc_states"][state].update(purpose=self.purpose, started_at=time.time())
        request.session.modified = True
        return response


class ReauthView(SignInView):
    """GET: to the provider again, which must ask for the password (prompt=login, max_age)."""

    purpose = REAUTH_PURPOSE

    def get_extra_params(self, request: HttpRequest) -> dict[str, str]:
        return {"prompt": "login", "max_age": str(settings.REAUTH_MAX_AGE_SECONDS)}

    def get(self, request: HttpRequest) -> HttpResponse:
        if not is_sso_user(request.user):
            raise Http404("Only single sign-on users re-authenticate at the provider.")
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """GET /oidc/callback/?code=...&state=...: the provider's answer."""

    http_method_names = ["get", "head"]

    def get(self, request: HttpRequest) -> HttpResponse:
        if not enabled():
            raise Http404("Single sign-on is not configured.")
        states = request.session.get("oidc_states")
        entry = states.get(request.GET.get("state", ""), {}) if isinstance(states, dict) else {}
        flow = {"purpose": entry.get("purpose", SIGN_IN_PURPOSE), "started_at": entry.get("started_at", 0)}
        setattr(request, FLOW, flow)
        return super().get(request)

    def login_success(self) -> HttpResponse:
        request = self.request
        sign_in = getattr(request, SIGN_IN)
        if sign_in.reauth:
            # The same person, just authenticated at the provider: the session stays, and counts
            # as having typed the password now.
            record_password_entered(request)
        else:
            # Always a fresh login (even as the same user): a new session key, its life starts now,
            # and the audit trail records the sign-in.
            auth.login(request, self.user)
        request.session[ID_TOKEN] = sign_in.id_token
        return HttpResponseRedirect(self.success_url)

    def login_failure(self) -> HttpResponse:
        request = self.request
        refusal = getattr(request, REFUSAL, None)
        if refusal is None:
            refusal = _provider_error(request)
            if "code" in request.GET or "error" in request.GET:
                refuse(request, refusal)  # an answer from a provider; a bare visit is not audited
        reauth = getattr(request, FLOW, {}).get("purpose") == REAUTH_PURPOSE
        if not reauth and request.user.is_authenticated:
            auth.logout(request)
        context = {"refusal": refusal, "reauth": reauth, "provider_name": settings.OIDC_PROVIDER_NAME}
        return render(request, "sso/refused.html", context, status=403)


def _provider_error(request: HttpRequest) -> Refusal:
    code = request.GET.get("error", "")[:_ERROR_CODE_LENGTH]
    if code:
        return Refusal(f"provider_error:{code}", f"{settings.OIDC_PROVIDER_NAME} answered: {code}.")
    return Refusal(
        "no_sign_in_started", "This sign-in was not started here, or it took too long. Start again."
    )
