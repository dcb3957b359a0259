"""Login, logout and the session's region choice."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST


class LoginView(auth_views.LoginView):
    """The console's sign-in page (Django's LoginView, already exempt from login)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Sign out (POST only, as in Django)."""


@require_POST
def set_region(request: HttpRequest) -> HttpResponse:
    """Remember the region the console shows for this session."""
    region = request.POST.get("region", "")
    if region in settings.AWS_REGIONS:
        request.session["region"] = region
    else:
        messages.error(request, f"Unknown region {region!r}; choose one of {', '.join(settings.AWS_REGIONS)}.")
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)
