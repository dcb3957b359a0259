"""Registering a developer user (GetOpenIdTokenForDeveloperIdentity), for admins.

The answer is shown once, on the POST's own response: the identity id and the token's claims,
the token itself only behind a "reveal" with a warning. The token is never stored (not in the
session, the audit trail or a log), so there is no redirect after the POST to carry it across,
and the page is marked no-store so the browser does not keep it either.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods

from console.accounts.roles import permission_required
from console.aws import identities as gateway
from console.aws.errors import CognitoError, NotFound
from console.safeguards.reauth import recent_auth_required

from .. import developer_users, inventory_writes, tokens
from ..forms import DeveloperRegistrationForm
from ..links import valid_cognito_id

TEMPLATE = "identities/register_developer.html"


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("edit_pools")
# Changes who can get which AWS credentials: the password again (docs' re-authentication rule).
@recent_auth_required
@never_cache
def register_developer(request: HttpRequest, pool_id: str) -> HttpResponse:
    """A form for GetOpenIdTokenForDeveloperIdentity; on success its answer, once."""
    pool_id = valid_cognito_id(pool_id)
    context: dict[str, Any] = {"pool_id": pool_id}
    try:
        pool = context["pool"] = gateway.pool_facts(pool_id)
    except CognitoError as exc:
        return render(
            request, TEMPLATE, {**context, "error": exc}, status=404 if isinstance(exc, NotFound) else 200
        )
    form = context["form"] = DeveloperRegistrationForm(request.POST if request.method == "POST" else None)
    if pool.developer_provider and form.is_valid():
        context.update(_register(pool, form.cleaned_data))
    context["limits"] = form.limits
    return render(request, TEMPLATE, context)


@sensitive_variables("issued")
def _register(pool: gateway.PoolFacts, data: dict[str, Any]) -> dict[str, Any]:
    try:
        issued = gateway.register_developer_user(
            pool.pool_id,
            pool.developer_provider or "",
            data["user"],
            identity_id=data["identity_id"] or None,
            principal_tags=data["principal_tags"],
            token_duration=data["token_duration"],
            reason=data["reason"],
        )
    except CognitoError as exc:
        return {"error": exc}
    developer_users.forget(issued.identity_id)
    inventory_writes.created(pool.pool_id, issued.identity_id)
    return {"issued": issued, "claims": tokens.readable_claims(issued.token), "registered_user": data["user"]}
