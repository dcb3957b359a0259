"""Login, logout, the lockout page (sign-in and re-authentication) and the session's region choice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from console.audit.actor import ANONYMOUS, Actor, client_ip
from console.audit.record import record_console_action
from console.safeguards.forms import ReauthForm
from console.sso.roles import may_use_password
from console.sso.views import end_session_url

from .throttling import address_locked


class PasswordSignInForm(AuthenticationForm):
    """Django's form, which with single sign-on configured accepts only break-glass accounts."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username is not None and not may_use_password(username):
            record_console_action(
                "console.login_refused",
                request={"method": "password", "reason": "password_not_allowed", "username": username[:150]},
                outcome="error",
                error_code="password_not_allowed",
                actor=Actor(ANONYMOUS, None, client_ip(self.request)),
            )
            raise ValidationError(
                "Passwords are only for break-glass accounts: sign in with %(provider)s instead.",
                code="sso_only",
                params={"provider": settings.OIDC_PROVIDER_NAME},
            )
        return super().clean()


class LoginView(auth_views.LoginView):
    """The console's sign-in page (Django's LoginView, already exempt from login)."""

    template_name = "accounts/login.html"
    authentication_form = PasswordSignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["unsaved"] = self.request.POST.get("unsaved") or self.request.GET.get("unsaved") == "1"
        context.update(_single_sign_on(self.request, context.get("next", "")))
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        if self.request.POST.get("unsaved") == "1":
            messages.warning(
                self.request,
                "Your session had ended before your last change was sent, so it was not saved. "
                "Make the change again.",
            )
        return response

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # An htmx request whose session ended was redirected here: have the browser load
        # the login page as a page, instead of htmx swapping it into a table.
        if request.htmx:
            return HttpResponseClientRedirect(request.get_full_path())
        return super().get(request, *args, **kwargs)


def _single_sign_on(request: HttpRequest, next_page: str) -> dict[str, Any]:
    # A link, not a form: one click goes to the provider (no page of ours in between).
    if not settings.OIDC_ISSUER:
        return {}
    url = reverse("oidc_authentication_init")
    if next_page:
        url = f"{url}?{urlencode({'next': next_page})}"
    return {"sso_url": url, "sso_provider_name": settings.OIDC_PROVIDER_NAME}


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only, as in Django), and at the provider too after a single sign-on."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        at_provider = end_session_url(request)  # read before the session ends
        response = super().post(request, *args, **kwargs)
        return redirect(at_provider) if at_provider else response


def lockout_message(request: HttpRequest | None = None) -> str:
    wait = _duration(get_cool_off())
    if request is not None and address_locked(request):
        return (
            "Too many failed sign-in attempts from your address, for one account or several; "
            f"try again in {wait} or ask an admin to unlock it."
        )
    return (
        "Too many failed sign-in attempts for this account from your address; "
        f"try again in {wait} or ask an admin to unlock it."
    )


def _duration(delta: timedelta | None) -> str:
    minutes = max(1, round(delta.total_seconds() / 60)) if delta else 0
    if not minutes:
        return "a while"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the page that was posted to, again, saying why it refuses (429).

    The forms are unbound: binding them would try the password once more.
    """
    context: dict[str, Any] = {
        "lockout_message": lockout_message(request),
        "next": request.POST.get("next", ""),
    }
    if request.resolver_match and request.resolver_match.view_name == "reauth":
        context["form"] = ReauthForm(request)
        template = "safeguards/reauth.html"
    else:
        username = get_client_username(request, credentials) or ""
        context["form"] = PasswordSignInForm(request, initial={"username": username})
        context.update(_single_sign_on(request, context["next"]))
        template = "accounts/login.html"
    return render(request, template, context, status=settings.AXES_HTTP_RESPONSE_CODE)
