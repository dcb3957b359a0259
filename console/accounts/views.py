"""Login, logout, re-authentication, the login lockout page and the session's region choice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.helpers import get_client_ip_address, get_client_username, get_cool_off
from axes.utils import reset as reset_failed_sign_ins
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from .forms import ReauthForm
from .reauth import record_password_entered, safe_next


class LoginView(auth_views.LoginView):
    """The console's sign-in page (Django's LoginView, already exempt from login)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # An htmx request whose session ended was redirected here: have the browser load
        # the login page as a page, instead of htmx swapping it into a table.
        if request.htmx:
            return HttpResponseClientRedirect(request.get_full_path())
        return super().get(request, *args, **kwargs)


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only, as in Django)."""


@require_POST
def set_region(request: HttpRequest) -> HttpResponse:
    """Remember the region the console shows for this session."""
    region = request.POST.get("region", "")
    if region in settings.AWS_REGIONS:
        request.session["region"] = region
    else:
        messages.error(
            request, f"Unknown region {region!r}; choose one of {', '.join(settings.AWS_REGIONS)}."
        )
    target = request.POST.get("next") or "/"
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not safe:
        target = "/"
    return redirect(target)


@require_http_methods(["GET", "POST"])
@never_cache
def reauth(request: HttpRequest) -> HttpResponse:
    """Ask the signed-in user for their password again, then go back to `next`."""
    target = safe_next(request, request.POST.get("next") or request.GET.get("next"), reverse("pools:list"))
    form = ReauthForm(request, data=request.POST if request.method == "POST" else None)
    if form.is_valid():
        record_password_entered(request)
        # As a successful sign-in does (AXES_RESET_ON_SUCCESS): earlier typos stop counting.
        reset_failed_sign_ins(ip=get_client_ip_address(request), username=request.user.get_username())
        return redirect(target)
    return render(request, "accounts/reauth.html", {"form": form, "next": target})


def lockout_message() -> str:
    wait = _duration(get_cool_off())
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
    context: dict[str, Any] = {"lockout_message": lockout_message(), "next": request.POST.get("next", "")}
    if request.resolver_match and request.resolver_match.view_name == "reauth":
        context["form"] = ReauthForm(request)
        template = "accounts/reauth.html"
    else:
        username = get_client_username(request, credentials) or ""
        context["form"] = AuthenticationForm(request, initial={"username": username})
        template = "accounts/login.html"
    return render(request, template, context, status=settings.AXES_HTTP_RESPONSE_CODE)
