"""The sign-in tester page: choose a flow, run it, read each step (see signin.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from console.accounts.roles import has_perm, permission_required
from console.aws import identities as gateway
from console.aws.errors import CognitoError, NotFound
from console.htmx import render_page
from console.safeguards.reauth import ask_for_password, password_entered_recently

from .. import signin
from ..forms import SignInTestForm
from ..links import valid_cognito_id

TEMPLATE = "identities/signin_tester.html"
DEVELOPER_FLOW_REFUSED = (
    "The developer user flow is for admins: it registers a developer user the pool does not know "
    "and can link it to an identity, as registering developer users does."
)


def may_run_developer(request: HttpRequest) -> bool:
    """GetOpenIdTokenForDeveloperIdentity creates and links developer users: registration's permission."""
    return has_perm(request.user, "edit_pools")


@require_http_methods(["GET", "HEAD", "POST"])
# First of all: whatever fails after this, error reports show the token masked.
@sensitive_post_parameters("provider_token")
@permission_required("lookup_identities")
@never_cache
def signin_tester(request: HttpRequest, pool_id: str) -> HttpResponse:
    """Walk a real sign-in flow against the pool and show every step, secrets masked."""
    pool_id = valid_cognito_id(pool_id)
    context: dict[str, Any] = {
        "pool_id": pool_id,
        "flows": signin.FLOWS,
        "may_run_developer": may_run_developer(request),
    }
    try:
        pool = context["pool"] = gateway.pool_facts(pool_id)
    except CognitoError as exc:
        return render(
            request, TEMPLATE, {**context, "error": exc}, status=404 if isinstance(exc, NotFound) else 200
        )
    initial = _initial(request, pool)
    form = context["form"] = SignInTestForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        developer_provider=pool.developer_provider or "",
        developer_allowed=may_run_developer(request),
    )
    if form.is_valid() and form.cleaned_data["flow"] == signin.DEVELOPER and not pool.developer_provider:
        form.add_error("flow", "This pool has no developer provider: choose another flow.")
    if form.is_valid() and form.cleaned_data["flow"] == signin.DEVELOPER and not may_run_developer(request):
        form.add_error("flow", DEVELOPER_FLOW_REFUSED)
    if (
        form.is_valid()
        and form.cleaned_data["flow"] == signin.DEVELOPER
        and not password_entered_recently(request)
    ):
        # Linking a developer user changes who gets which credentials, as registering does.
        return ask_for_password(request)
    if form.is_valid():
        context["run"] = signin.run(_plan(pool, form.cleaned_data))
    return render_page(request, TEMPLATE, context, partial="result")


def _initial(request: HttpRequest, pool: gateway.PoolFacts) -> dict[str, str]:
    """The identity page links here with the identity to start from and, for an identity with
    developer users, its first one: the developer flow is chosen when the user may run it (support
    sees it filled in, beside the flow it may not choose)."""
    initial = {"identity_id": request.GET.get("identity_id", "")}
    developer_user = request.GET.get("developer_user", "")
    if developer_user and pool.developer_provider:
        initial["developer_user"] = developer_user
        if may_run_developer(request):
            initial["flow"] = signin.DEVELOPER
    return initial


def _plan(pool: gateway.PoolFacts, data: dict[str, Any]) -> signin.Plan:
    return signin.Plan(
        pool_id=pool.pool_id,
        flow=data["flow"],
        provider=data["provider"],
        provider_token=data["provider_token"],
        developer_provider=pool.developer_provider or "",
        developer_user=data["developer_user"],
        identity_id=data["identity_id"],
        custom_role_arn=data["custom_role_arn"],
    )
