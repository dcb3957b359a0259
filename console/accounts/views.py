"""Login, logout, the lockout page (sign-in and re-authentication) and the session's region choice."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.helpers import get_client_username, get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from console.safeguards.forms import ReauthForm

from .throttling import address_locked


class LoginView(auth_views.LoginView):
    """The console's sign-in page (Django's LoginView, already exempt from login)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["unsaved"] = self.request.POST.get("unsaved") or self.request.GET.get("unsaved") == "1"
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
        context["form"] = AuthenticationForm(request, initial={"username": username})
        template = "accounts/login.html"
    return render(request, template, context, status=settings.AXES_HTTP_RESPONSE_CODE)
