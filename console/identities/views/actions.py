"""What support and admins may do to one identity: unlink a developer user id, unlink a login,
merge another developer user into it, delete it.

Each is a GET page saying what will change (the pool named by `?pool=`, as the identity page
links it) and a POST that does it and goes back (Post/Redirect/Get). Reasons go into the
audit event through the gateway; merges and deletes need the password again and a typed
confirmation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from console.accounts.roles import permission_required
from console.aws import identities as gateway
from console.aws.errors import CognitoError, NotFound, Throttled, Unavailable
from console.aws.ids import is_cognito_id, region_of
from console.errorpages import busy
from console.safeguards.forms import DestructiveConfirmForm
from console.safeguards.reauth import recent_auth_required

from .. import developer_users, inventory_writes, lookup
from ..forms import MergeForm, ReasonForm, UnlinkLoginForm, merge_confirmation_text
from ..links import identity_url, valid_cognito_id

DELETE_ONE = "DELETE 1 IDENTITY"


@dataclass(frozen=True)
class Target:
    """The identity an action is about, its pool, and what the service says of it now."""

    identity: gateway.Identity
    pool: gateway.PoolFacts

    @property
    def identity_id(self) -> str:
        return self.identity.identity_id

    @property
    def page_url(self) -> str:
        return identity_url(self.identity_id, self.pool.pool_id)

    @property
    def other_logins(self) -> tuple[str, ...]:
        return tuple(name for name in self.identity.logins if name != self.pool.developer_provider)


def _target(request: HttpRequest, identity_id: str) -> Target:
    """The identity and the pool `?pool=` names; 404 unless the service confirms both."""
    identity_id = valid_cognito_id(identity_id)
    pool_id = request.GET.get("pool") or request.POST.get("pool") or ""
    try:
        identity = gateway.describe_identity(identity_id)
        if not is_cognito_id(pool_id) or not lookup.identity_in_pool(identity_id, pool_id):
            raise Http404("The identity is not in that pool.")
        return Target(identity, gateway.pool_facts(pool_id))
    except NotFound:
        raise Http404("No such identity.") from None


def _shows_gateway_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A call the page itself needs (reading the identity or pool) failed: say so, never a 500."""

    @wraps(view)
    def wrapper(request: HttpRequest, identity_id: str) -> HttpResponse:
        try:
            return view(request, identity_id)
        except Throttled as exc:
            return busy(request, exc)
        except CognitoError as exc:
            status = 503 if isinstance(exc, Unavailable) else 200
            context = {"identity_id": identity_id, "error": exc}
            return render(request, "identities/action_error.html", context, status=status)

    return wrapper


def _page(request: HttpRequest, template: str, target: Target, **context: Any) -> HttpResponse:
    return render(request, template, {"target": target, "identity_id": target.identity_id, **context})


def _done(request: HttpRequest, target: Target, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect(target.page_url)


# --- Unlink a developer user identifier (support and admin) ---------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("unlink_identities")
# Changes who can get which AWS credentials: the password again (docs' re-authentication rule).
@recent_auth_required
@_shows_gateway_errors
def unlink_developer_user(request: HttpRequest, identity_id: str) -> HttpResponse:
    """UnlinkDeveloperIdentity for one developer user id of the identity, with a reason."""
    target = _target(request, identity_id)
    user = request.GET.get("user") or request.POST.get("user") or ""
    if not user or not target.pool.developer_provider:
        raise Http404("Name a developer user of this identity.")
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            gateway.unlink_developer_user(
                target.pool.pool_id,
                target.identity_id,
                target.pool.developer_provider,
                user,
                reason=form.cleaned_data["reason"],
            )
        except CognitoError as exc:
            return _page(
                request, "identities/unlink_developer_user.html", target, form=form, user=user, error=exc
            )
        developer_users.forget(target.identity_id)
        return _done(request, target, f"Developer user “{user}” is no longer linked to this identity.")
    last_login = len(target.identity.logins) <= 1
    return _page(
        request, "identities/unlink_developer_user.html", target, form=form, user=user, last_login=last_login
    )


# --- Unlink a login (UnlinkIdentity needs the user's own token) ----------------------------


@require_http_methods(["GET", "HEAD", "POST"])
# First of all: whatever fails after this, error reports show the token masked.
@sensitive_post_parameters("proof_token")
@permission_required("unlink_identities")
# Changes who can get which AWS credentials: the password again (docs' re-authentication rule).
@recent_auth_required
@never_cache
@_shows_gateway_errors
@sensitive_variables("token", "logins")
def unlink_login(request: HttpRequest, identity_id: str) -> HttpResponse:
    """UnlinkIdentity: remove public logins, proven with the user's current provider token."""
    target = _target(request, identity_id)
    if not target.other_logins:
        raise Http404("This identity has no provider logins to unlink.")
    form = UnlinkLoginForm(
        request.POST if request.method == "POST" else None,
        linked=target.identity.logins,
        removable=target.other_logins,
    )
    if form.is_valid():
        token = form.cleaned_data["proof_token"]
        logins = {form.cleaned_data["proof_provider"]: token}
        try:
            gateway.unlink_logins(
                target.identity_id, logins, form.cleaned_data["remove"], reason=form.cleaned_data["reason"]
            )
        except CognitoError as exc:
            # The service's message is shown; never the token, should it quote it.
            exc.message = exc.message.replace(token, "[the token]")
            return _page(request, "identities/unlink_login.html", target, form=form, error=exc)
        removed = ", ".join(form.cleaned_data["remove"])
        return _done(request, target, f"Unlinked {removed} from this identity.")
    return _page(request, "identities/unlink_login.html", target, form=form)


# --- Merge another developer user into this identity (admin) ----------------------------------


@dataclass(frozen=True)
class MergePlan:
    source: str
    into: str
    source_identity: str


def _merge_plan(target: Target, form: MergeForm) -> MergePlan | CognitoError:
    source = form.cleaned_data["source"]
    try:
        source_identity = gateway.identity_of_developer_user(target.pool.pool_id, source)
    except CognitoError as exc:
        return exc
    return MergePlan(source, form.cleaned_data["into"], source_identity)


def _merge_changes(target: Target, plan: MergePlan) -> list[str]:
    return [
        f"Developer user “{plan.source}” and every login of its identity {plan.source_identity} will be merged "
        f"into this identity ({target.identity_id}), next to “{plan.into}”.",
        f"Identity {plan.source_identity} will be disabled: apps that cached it must ask Cognito for an id again.",
    ]


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("edit_pools")
@recent_auth_required
@_shows_gateway_errors
def merge(request: HttpRequest, identity_id: str) -> HttpResponse:
    """MergeDeveloperIdentities: choose the pair (GET), review and confirm, then merge (POST)."""
    target = _target(request, identity_id)
    if not target.pool.developer_provider:
        raise Http404("This pool has no developer provider.")
    destinations = gateway.developer_users_of(target.pool.pool_id, target.identity_id).users
    if not destinations:
        raise Http404("This identity has no developer user to merge into.")
    data = request.POST if request.method == "POST" else (request.GET if "source" in request.GET else None)
    choice = MergeForm(data, destinations=destinations)
    context: dict[str, Any] = {"choice": choice}
    if choice.is_valid():
        plan = _merge_plan(target, choice)
        if isinstance(plan, CognitoError):
            context["error"] = plan
        elif plan.source_identity == target.identity_id:
            choice.add_error("source", "That developer user already belongs to this identity.")
        else:
            confirm = DestructiveConfirmForm(
                request.POST if request.method == "POST" else None,
                expected_text=merge_confirmation_text(plan.source),
            )
            if confirm.is_valid():
                return _merge(request, target, plan, confirm.cleaned_data["reason"], context)
            hidden = [("pool", target.pool.pool_id), ("source", plan.source), ("into", plan.into)]
            context.update(plan=plan, form=confirm, changes=_merge_changes(target, plan), hidden=hidden)
    return _page(request, "identities/merge.html", target, **context)


def _merge(
    request: HttpRequest, target: Target, plan: MergePlan, reason: str, context: dict[str, Any]
) -> HttpResponse:
    try:
        gateway.merge_developer_users(
            target.pool.pool_id,
            target.pool.developer_provider or "",
            plan.source,
            plan.into,
            source_identity=plan.source_identity,
            reason=reason,
        )
    except CognitoError as exc:
        context["error"] = exc
        return _page(request, "identities/merge.html", target, **context)
    developer_users.forget(target.identity_id, plan.source_identity)
    inventory_writes.merged_away(plan.source_identity)
    return _done(request, target, f"Merged developer user “{plan.source}” into this identity.")


# --- Delete this identity (admin) ----------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("edit_pools")
@recent_auth_required
@_shows_gateway_errors
def delete(request: HttpRequest, identity_id: str) -> HttpResponse:
    """DeleteIdentities for this one identity, after the password, a typed confirmation and a reason."""
    target = _target(request, identity_id)
    form = DestructiveConfirmForm(
        request.POST if request.method == "POST" else None, expected_text=DELETE_ONE
    )
    context: dict[str, Any] = {
        "form": form,
        "changes": [
            f"Identity {target.identity_id} of pool “{target.pool.name}” will be deleted with its logins"
            f"{' (' + ', '.join(target.identity.logins) + ')' if target.identity.logins else ''}.",
            "Apps that cached this identity id will get “Identity not found” until they ask Cognito for an id again.",
        ],
        "hidden": [("pool", target.pool.pool_id)],
    }
    if form.is_valid():
        try:
            left = gateway.delete_identities(
                region_of(target.identity_id),
                [target.identity_id],
                reason=form.cleaned_data["reason"],
                before={"IdentityId": target.identity_id, "Logins": list(target.identity.logins)},
            )
        except CognitoError as exc:
            return _page(request, "identities/delete.html", target, error=exc, **context)
        if left:
            context["unprocessed"] = left
            return _page(request, "identities/delete.html", target, **context)
        developer_users.forget(target.identity_id)
        inventory_writes.deleted(target.identity_id)
        messages.success(request, f"Identity {target.identity_id} was deleted.")
        return redirect(reverse("identities:browser", args=[target.pool.pool_id]))
    return _page(request, "identities/delete.html", target, **context)
