"""Re-authentication: the password again before a destructive action."""

from __future__ import annotations

from urllib.parse import urlencode

from axes.helpers import get_client_ip_address
from axes.utils import reset as reset_failed_sign_ins
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from console.sso.views import is_sso_user

from .forms import ReauthForm
from .reauth import record_password_entered, safe_next


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
def reauth(request: HttpRequest) -> HttpResponse:
    """Ask the signed-in user for their password again (SSO users: at the provider), then go back to `next`."""
    target = safe_next(request, request.POST.get("next") or request.GET.get("next"), reverse("pools:list"))
    if is_sso_user(request.user):
        # No password here: the provider asks for it again (prompt=login) and says when (auth_time).
        return redirect(f"{reverse('oidc_reauth')}?{urlencode({'next': target})}")
    form = ReauthForm(request, data=request.POST if request.method == "POST" else None)
    if form.is_valid():
        record_password_entered(request)
        # As a successful sign-in does (AXES_RESET_ON_SUCCESS): earlier typos stop counting.
        reset_failed_sign_ins(ip=get_client_ip_address(request), username=request.user.get_username())
        return redirect(target)
    return render(request, "safeguards/reauth.html", {"form": form, "next": target})
