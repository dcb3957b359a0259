"""The pool settings form (create and edit): every member of CreateIdentityPool / UpdateIdentityPool.

`PoolEditor` holds the plain fields (`PoolForm`) and the repeated rows (other login providers,
OIDC and SAML provider ARNs, Cognito user pools, tags on create). Limits come from the
service model (console/aws/limits.py) and are checked before any call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError

from console.aws import limits
from console.aws.errors import CognitoError
from console.aws.pools import PoolSettings, UserPoolProvider

from .fields import ConsoleForm, ModelText, ProviderArnField
from .providers import KNOWN_KEYS, KNOWN_PROVIDERS
from .rows import Row, RowAction, RowGroup, add_form_error, read_rows
from .service_errors import locate

# Where each member of the IdentityPool shape is on this form.
_MEMBER_TARGETS = {
    "IdentityPoolName": ("form", "name"),
    "AllowUnauthenticatedIdentities": ("form", "allow_unauthenticated"),
    "AllowClassicFlow": ("form", "allow_classic_flow"),
    "DeveloperProviderName": ("form", "developer_provider_name"),
    "SupportedLoginProviders": ("group", "others"),
    "OpenIdConnectProviderARNs": ("group", "oidc"),
    "SamlProviderARNs": ("group", "saml"),
    "CognitoIdentityProviders": ("group", "user_pools"),
    "IdentityPoolTags": ("group", "tags"),
}
_SUBFIELDS = {
    "providerName": "provider_name",
    "clientId": "client_id",
    "serverSideTokenCheck": "server_side_token_check",
}
CLASSIC_FLOW_CHOICES = (("", "Not set (the service's default)"), ("on", "On"), ("off", "Off"))
RESERVED_TAG_PREFIX = "aws:"


def _tri_state(value: bool | None) -> str:
    return "" if value is None else "on" if value else "off"


class PoolForm(ConsoleForm):
    """The members that are one value each, and the five well-known login providers."""

    name = ModelText("IdentityPoolName", label="Pool name", hint=True)
    allow_unauthenticated = forms.BooleanField(
        label="Allow guest (unauthenticated) identities",
        required=False,
        help_text="Guests get credentials for the pool's guest role without signing in.",
    )
    allow_classic_flow = forms.ChoiceField(
        label="Basic (classic) authentication flow",
        choices=CLASSIC_FLOW_CHOICES,
        required=False,
        widget=forms.RadioSelect,
        help_text=(
            "Not set and On both let apps use GetOpenIdToken directly; Off refuses it. "
            "A pool with role mappings refuses it either way."
        ),
    )
    developer_provider_name = ModelText(
        "DeveloperProviderName", label="Developer provider name", required=False, hint=True
    )

    def __init__(
        self, *args: Any, developer_locked: str = "", region_choices: tuple = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for provider in KNOWN_PROVIDERS:
            self.fields[provider.field] = ModelText(
                "IdentityProviderId",
                label=f"{provider.label} {provider.value_label}",
                required=False,
                help_text=f"Key {provider.key}. Leave empty when the pool does not use {provider.label}.",
            )
        # Once set, the developer provider name cannot change: the service refuses it.
        self.developer_locked = developer_locked
        if developer_locked:
            self.fields["developer_provider_name"].disabled = True
            self.initial["developer_provider_name"] = developer_locked
        if region_choices:
            self.fields["region"] = forms.ChoiceField(label="Region", choices=region_choices)
            self.order_fields(["region"])

    @property
    def known_provider_fields(self) -> list[tuple[Any, Any]]:
        return [(provider, self[provider.field]) for provider in KNOWN_PROVIDERS]


class OtherProviderRow(ConsoleForm):
    key = ModelText("IdentityProviderName", label="Provider name")
    value = ModelText("IdentityProviderId", label="Provider app or client ID")

    def clean_key(self) -> str:
        key = self.cleaned_data["key"]
        if key in KNOWN_KEYS:
            raise ValidationError(
                f"{key} has its own field above ({KNOWN_KEYS[key].label}); fill that in instead.",
                code="known",
            )
        return key


class OidcRow(ConsoleForm):
    arn = ProviderArnField("oidc-provider", label="OpenID Connect provider ARN")


class SamlRow(ConsoleForm):
    arn = ProviderArnField("saml-provider", label="SAML provider ARN")


class UserPoolRow(ConsoleForm):
    provider_name = ModelText("CognitoIdentityProviderName", label="User pool provider name")
    client_id = ModelText("CognitoIdentityProviderClientId", label="App client ID", required=False)
    server_side_token_check = forms.BooleanField(label="Server-side token check", required=False)


class TagRow(ConsoleForm):
    key = ModelText("TagKeysType", label="Tag key", strip=False)
    value = ModelText("TagValueType", label="Tag value", required=False, strip=False)

    def clean_key(self) -> str:
        return check_tag_key(self.cleaned_data["key"])


def check_tag_key(key: str) -> str:
    # The service's reason, before the call: AWS reserves the prefix for its own tags.
    if key.lower().startswith(RESERVED_TAG_PREFIX):
        raise ValidationError(
            f"Tag key “{key}” uses the reserved prefix “aws:”: AWS keeps that prefix for its own tags.",
            code="reserved",
        )
    return key


def _unique(cleaned: list[dict[str, Any]], name: str, group: RowGroup, what: str) -> bool:
    seen: set[Any] = set()
    for row_index, row in enumerate(cleaned):
        if row[name] in seen:
            group.errors.append(f"{what} {row[name]} is listed twice (row {row_index + 1}).")
            return False
        seen.add(row[name])
    return True


@dataclass
class PoolEditor:
    """The whole settings form: PoolForm plus its row groups."""

    form: PoolForm
    groups: dict[str, RowGroup]
    creating: bool
    errors: list[str] = field(default_factory=list)  # problems of the whole form (service errors)
    service_error: CognitoError | None = None  # the refusal the errors come from
    placed: bool = False

    @classmethod
    def build(
        cls, rows: Mapping[str, list[Row]], *, creating: bool, bound: bool, form: PoolForm
    ) -> PoolEditor:
        groups = {
            "others": RowGroup(
                "other",
                OtherProviderRow,
                rows.get("others", []),
                "Login providers",
                limits.count("IdentityProviders"),
                bound,
            ),
            "oidc": RowGroup(
                "oidc",
                OidcRow,
                rows.get("oidc", []),
                "OpenID Connect providers",
                limits.count("OIDCProviderList"),
                bound,
            ),
            "saml": RowGroup(
                "saml",
                SamlRow,
                rows.get("saml", []),
                "SAML providers",
                limits.count("SAMLProviderList"),
                bound,
            ),
            "user_pools": RowGroup(
                "userpool",
                UserPoolRow,
                rows.get("user_pools", []),
                "Cognito user pools",
                limits.count("CognitoIdentityProviderList"),
                bound,
            ),
        }
        if creating:
            groups["tags"] = RowGroup(
                "tag", TagRow, rows.get("tags", []), "Tags", limits.tags_per_pool(), bound
            )
        return cls(form, groups, creating)

    @classmethod
    def from_settings(
        cls,
        settings: PoolSettings,
        *,
        creating: bool = False,
        region: str = "",
        developer_locked: str | None = None,
    ) -> PoolEditor:
        """An unbound form showing `settings` (a pool's current ones, or a proposal).

        `developer_locked`: the developer provider name the pool already has (default: the one
        in `settings`); it is shown read-only.
        """
        locked = settings.developer_provider_name if developer_locked is None else developer_locked
        initial: dict[str, Any] = {
            "name": settings.name,
            "allow_unauthenticated": settings.allow_unauthenticated,
            "allow_classic_flow": _tri_state(settings.allow_classic_flow),
            "developer_provider_name": settings.developer_provider_name,
            "region": region,
        }
        others = []
        for key, value in settings.login_providers:
            if key in KNOWN_KEYS:
                initial[KNOWN_KEYS[key].field] = value
            else:
                others.append({"key": key, "value": value})
        rows = {
            "others": others,
            "oidc": [{"arn": arn} for arn in settings.openid_connect_provider_arns],
            "saml": [{"arn": arn} for arn in settings.saml_provider_arns],
            "user_pools": [
                {
                    "provider_name": pool.provider_name,
                    "client_id": pool.client_id,
                    "server_side_token_check": "on" if pool.server_side_token_check else "",
                }
                for pool in settings.user_pools
            ],
            "tags": [{"key": key, "value": value} for key, value in settings.tags],
        }
        form = PoolForm(initial=initial, **_form_options(creating, locked))
        return cls.build(rows, creating=creating, bound=False, form=form)

    @classmethod
    def from_post(cls, data: Mapping[str, Any], *, creating: bool, developer_locked: str = "") -> PoolEditor:
        form = PoolForm(data=data, **_form_options(creating, developer_locked))
        fields = {
            "others": ("key", "value"),
            "oidc": ("arn",),
            "saml": ("arn",),
            "user_pools": ("provider_name", "client_id", "server_side_token_check"),
            "tags": ("key", "value"),
        }
        prefixes = {
            "others": "other",
            "oidc": "oidc",
            "saml": "saml",
            "user_pools": "userpool",
            "tags": "tag",
        }
        rows = {name: read_rows(data, prefixes[name], fields[name]) for name in fields}
        return cls.build(rows, creating=creating, bound=True, form=form)

    def apply_row_action(self, action: RowAction) -> bool:
        """Add, remove or move a row; False when the action names no group of this form."""
        for group in self.groups.values():
            if group.prefix == action.prefix:
                # Keep what was typed in the plain fields too, without showing errors yet.
                self.form = PoolForm(
                    initial=self._typed(), **_form_options(self.creating, self.form.developer_locked)
                )
                for other in self.groups.values():
                    other.bound = False
                    other.__dict__.pop("_forms", None)
                group.apply(action)
                return True
        return False

    def _typed(self) -> dict[str, Any]:
        form = self.form
        typed = {name: form[name].value() for name in form.fields}
        typed["allow_unauthenticated"] = bool(form["allow_unauthenticated"].value())
        return typed

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        for group in self.groups.values():
            valid = group.is_valid() and valid
        if not valid:
            return False
        others = self.groups["others"].cleaned()
        checks = [
            _unique(others, "key", self.groups["others"], "Login provider"),
            _unique(self.groups["oidc"].cleaned(), "arn", self.groups["oidc"], "OpenID Connect provider"),
            _unique(self.groups["saml"].cleaned(), "arn", self.groups["saml"], "SAML provider"),
            self._login_provider_count(others),
        ]
        if "tags" in self.groups:
            checks.append(_unique(self.groups["tags"].cleaned(), "key", self.groups["tags"], "Tag"))
        return all(checks)

    def _login_provider_count(self, others: list[dict[str, Any]]) -> bool:
        # SupportedLoginProviders is one map: the five named rows and the other rows together.
        known = sum(1 for provider in KNOWN_PROVIDERS if self.form.cleaned_data.get(provider.field))
        problem = limits.count("IdentityProviders").problem(known + len(others), "Login providers")
        if problem:
            self.groups["others"].errors.append(problem)
        return problem is None

    def settings(self, tags: tuple[tuple[str, str], ...] = ()) -> PoolSettings:
        """The settings the form holds (after is_valid); `tags` for an edit (not on the form)."""
        data = self.form.cleaned_data
        login_providers = [
            (provider.key, data[provider.field]) for provider in KNOWN_PROVIDERS if data.get(provider.field)
        ]
        login_providers += [(row["key"], row["value"]) for row in self.groups["others"].cleaned()]
        if "tags" in self.groups:
            tags = tuple((row["key"], row["value"]) for row in self.groups["tags"].cleaned())
        classic = data.get("allow_classic_flow") or ""
        return PoolSettings(
            name=data["name"],
            allow_unauthenticated=data["allow_unauthenticated"],
            allow_classic_flow=None if classic == "" else classic == "on",
            login_providers=tuple(login_providers),
            developer_provider_name=self.form.developer_locked or data.get("developer_provider_name") or "",
            openid_connect_provider_arns=tuple(row["arn"] for row in self.groups["oidc"].cleaned()),
            saml_provider_arns=tuple(row["arn"] for row in self.groups["saml"].cleaned()),
            user_pools=tuple(
                UserPoolProvider(row["provider_name"], row["client_id"], row["server_side_token_check"])
                for row in self.groups["user_pools"].cleaned()
            ),
            tags=tags,
        )

    def place_service_error(self, error: CognitoError) -> None:
        """Show the service's refusal beside the field it concerns (else at the top of the form)."""
        self.service_error = error
        for placement in locate(error, tuple(_MEMBER_TARGETS)):
            kind, name = _MEMBER_TARGETS.get(placement.member, ("", ""))
            if kind == "form" and name in self.form.fields:
                add_form_error(self.form, name, placement.message)
            elif kind == "group" and name in self.groups:
                group = self.groups[name]
                index = (
                    placement.index if placement.index is not None else group.row_quoted_in(placement.message)
                )
                group.add_error(
                    index, _SUBFIELDS.get(placement.subfield or "", group.fields[0]), placement.message
                )
            else:
                self.errors.append(placement.message)
        self.placed = True

    @property
    def login_provider_limit(self) -> int | None:
        return limits.count("IdentityProviders").max_items

    @property
    def has_errors(self) -> bool:
        return (
            bool(self.errors)
            or bool(self.form.is_bound and self.form.errors)
            or any(group.has_errors for group in self.groups.values())
        )


def _form_options(creating: bool, developer_locked: str) -> dict[str, Any]:
    options: dict[str, Any] = {"developer_locked": "" if creating else developer_locked}
    if creating:
        options["region_choices"] = tuple((region, region) for region in django_settings.AWS_REGIONS)
    return options


class PoolFilterForm(forms.Form):
    """The pool list's name filter; it only renders the value the view read from ?q=."""

    q = forms.CharField(
        label="Filter by name",
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "id": "pool-filter", "maxlength": 128}),
    )
