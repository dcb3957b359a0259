"""Attributes for access control: one provider's principal-tag map
(GetPrincipalTagAttributeMap / SetPrincipalTagAttributeMap)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from console.accounts.roles import permission_required
from console.aws import errors as aws_errors
from console.aws import limits
from console.aws.pools import Pool, PrincipalTagMap, describe_pool, get_principal_tags, set_principal_tags
from console.htmx import render_page
from console.safeguards.reauth import recent_auth_required

from ..access import from_pool_page, gateway_error_page, pool_page, section_saved
from ..fields import ConsoleForm, ModelText
from ..providers import Provider, configured_providers
from ..rows import RowAction, RowGroup, read_rows

SECTION_ID = "section-principal-tags"
INACTIVE, DEFAULTS, CUSTOM = "inactive", "defaults", "custom"


class UseForm(ConsoleForm):
    use = forms.ChoiceField(
        label="Principal tags for this provider",
        widget=forms.RadioSelect,
        choices=(
            (INACTIVE, "Inactive: no principal tags"),
            (DEFAULTS, "Use the service's default mapping"),
            (CUSTOM, "Custom mapping: the tags below"),
        ),
    )


class PrincipalTagRow(ConsoleForm):
    key = ModelText("PrincipalTagID", label="Tag key", strip=False)
    claim = ModelText("PrincipalTagValue", label="Claim or attribute name")


def _group(rows: list[dict[str, str]], bound: bool) -> RowGroup:
    return RowGroup("ptag", PrincipalTagRow, rows, "Principal tags", limits.count("PrincipalTags"), bound)


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("edit_pools")
@pool_page
# Changes who can get which AWS credentials: the password again (docs' re-authentication rule).
@recent_auth_required
def pool_principal_tags(request: HttpRequest, pool_id: str) -> HttpResponse:
    """Choose inactive, the service's defaults, or custom tag → claim rows for one provider."""
    try:
        pool = describe_pool(pool_id)
    except aws_errors.CognitoError as exc:
        return gateway_error_page(request, pool_id, exc)
    name = request.POST.get("provider") if request.method == "POST" else request.GET.get("provider")
    provider = next((p for p in configured_providers(pool.settings) if p.login_key == name), None)
    if provider is None:
        return _unknown_provider(request, pool, name or "")
    try:
        current = get_principal_tags(pool_id, provider.login_key)
    except aws_errors.CognitoError as exc:
        return gateway_error_page(request, pool_id, exc)
    if request.method == "GET":
        return _form(request, pool, provider, *_unbound(current))
    return _post(request, pool, provider, current)


def _unbound(current: PrincipalTagMap) -> tuple[UseForm, RowGroup]:
    use = DEFAULTS if current.use_defaults else CUSTOM if current.tags else INACTIVE
    rows = [] if current.use_defaults else [{"key": key, "claim": claim} for key, claim in current.tags]
    return UseForm(initial={"use": use}), _group(rows, False)


def _post(request: HttpRequest, pool: Pool, provider: Provider, current: PrincipalTagMap) -> HttpResponse:
    use_form = UseForm(request.POST)
    group = _group(read_rows(request.POST, "ptag", ("key", "claim")), True)
    action = RowAction.parse(request.POST.get("row"))
    if action is not None:
        group.apply(action)
        return _form(
            request, pool, provider, UseForm(initial={"use": use_form["use"].value() or CUSTOM}), group
        )
    if not use_form.is_valid():
        return _form(request, pool, provider, use_form, group)
    use = use_form.cleaned_data["use"]
    if use == CUSTOM and not (group.is_valid() and _custom_rows_ok(group)):
        return _form(request, pool, provider, use_form, group)
    tags = tuple((row["key"], row["claim"]) for row in group.cleaned()) if use == CUSTOM else ()
    try:
        set_principal_tags(
            pool.pool_id, PrincipalTagMap(provider.login_key, use == DEFAULTS, tags), before=current
        )
    except aws_errors.CognitoError as exc:
        group.place_service_error(exc.message)
        return _form(request, pool, provider, use_form, group, service_error=exc)
    return _saved(request, pool, provider)


def _custom_rows_ok(group: RowGroup) -> bool:
    rows = group.cleaned()
    if not rows:
        group.errors.append("Add at least one tag, or choose Inactive.")
        return False
    return group.keys_unique()


def _form(
    request: HttpRequest,
    pool: Pool,
    provider: Provider,
    use_form: UseForm,
    group: RowGroup,
    service_error: aws_errors.CognitoError | None = None,
) -> HttpResponse:
    context = {
        "pool": pool,
        "pool_id": pool.pool_id,
        "provider": provider,
        "use_form": use_form,
        "group": group,
        "service_error": service_error,
        "section_id": SECTION_ID,
        "form_action": reverse("pools:principal_tags", args=[pool.pool_id]),
        "in_place": from_pool_page(request, pool.pool_id),
    }
    return render_page(request, "pools/principal_tags.html", context, partial="section")


def _unknown_provider(request: HttpRequest, pool: Pool, name: str) -> HttpResponse:
    problem = f"“{name}” is not an identity provider of pool “{pool.name}”." if name else "Choose a provider."
    context = {"pool_id": pool.pool_id, "problem": problem, "section_id": SECTION_ID}
    # To htmx with status 200: htmx swaps only successful answers.
    status = 200 if request.htmx else 404
    return render_page(request, "pools/unavailable.html", context, partial="body", status=status)


def _saved(request: HttpRequest, pool: Pool, provider: Provider) -> HttpResponse:
    text = f"Principal tags for {provider.label} ({provider.login_key}) saved."
    return section_saved(request, pool, "principal_tags", text)
