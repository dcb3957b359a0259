"""The role tester's page: which role a user of this pool would get (console/pools/tester.py)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from console.accounts.roles import permission_required
from console.aws import errors as aws_errors
from console.aws.pools import Pool, describe_pool, get_roles
from console.htmx import render_page

from ..access import gateway_error_page, pool_page
from ..providers import configured_providers
from ..tester import TesterForm, result_context, run


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("lookup_identities")
@pool_page
@sensitive_post_parameters("claims", "saml_roles")
def role_tester(request: HttpRequest, pool_id: str) -> HttpResponse:
    """Which role a user would get: from the pool's live roles and mappings, by the service's own rules."""
    try:
        pool = describe_pool(pool_id)
    except aws_errors.CognitoError as exc:
        return gateway_error_page(request, pool_id, exc)
    options = {
        "providers": configured_providers(pool.settings),
        "developer": pool.settings.developer_provider_name,
    }
    form = TesterForm(request.POST if request.method == "POST" else None, **options)
    context: dict[str, Any] = {"pool": pool, "tester_form": form}
    if form.is_valid():
        try:
            roles = get_roles(pool_id)
        except aws_errors.CognitoError as exc:
            context["tester_error"] = exc
        else:
            context.update(result_context(run(form, roles), roles))
            form = context["tester_form"] = _shown_back(form, options)
    return _render(request, pool, context)


def _shown_back(form: TesterForm, options: dict[str, Any]) -> TesterForm:
    """The form again with what was typed, but a pasted token replaced by its decoded claims."""
    data = form.data.copy()
    if form.was_jwt:
        data["claims"] = json.dumps(form.cleaned_data["claims"], indent=2, ensure_ascii=False)
    shown = TesterForm(data, **options)
    shown.is_valid()
    shown.replaced_token = form.was_jwt
    return shown


def _render(request: HttpRequest, pool: Pool, context: dict[str, Any]) -> HttpResponse:
    return render_page(request, "pools/tester.html", context, partial="section")
