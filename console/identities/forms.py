"""Forms of the identity pages. Limits come from botocore's model (via the gateway), and every
error names the API field it is about, so a person can match it with the AWS documentation."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from console.aws.identities import developer_token_limits
from console.aws.ids import is_cognito_id
from console.safeguards.forms import DestructiveConfirmForm

from .signin import DEVELOPER, FLOWS, PROVIDER

ARN_MIN_LENGTH, ARN_MAX_LENGTH = 20, 2048  # botocore's ARNString


def _reason_field(required: bool = True) -> forms.CharField:
    # The same field, limits, hint and messages as the typed confirmation's reason.
    field = DestructiveConfirmForm.base_fields["reason"]
    if not required:
        return forms.CharField(
            required=False,
            label="Reason (optional, kept in the audit trail)",
            max_length=field.max_length,
            error_messages=field.error_messages,
            widget=forms.Textarea(attrs={"rows": 2}),
        )
    return forms.CharField(
        label=field.label,
        help_text=field.help_text,
        max_length=field.max_length,
        error_messages=field.error_messages,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# Ids, tokens and user names are typed or pasted exactly: no spelling checks, no autofill.
_VERBATIM = {"spellcheck": "false", "autocomplete": "off"}


def _identity_id_field(label: str = "", help_text: str = "", required: bool = False) -> forms.CharField:
    return forms.CharField(
        required=required,
        max_length=55,
        strip=True,
        label=label or None,
        help_text=help_text,
        widget=forms.TextInput(attrs=_VERBATIM),
    )


class RadioChoices(forms.RadioSelect):
    """Radio buttons, some of which may be shown but not chosen (`disabled_choices`)."""

    disabled_choices: frozenset[str] = frozenset()

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        if str(value) in self.disabled_choices:
            option["attrs"]["disabled"] = True
        return option


class UnkeptTextarea(forms.Textarea):
    """A textarea for a token: what was typed is never put back into the page."""

    def format_value(self, value: Any) -> None:
        return None


def _clean_identity_id(value: str) -> str:
    if value and not is_cognito_id(value):
        raise ValidationError(
            "IdentityId must look like REGION:GUID, e.g. us-east-1:0a1b2c3d-0000-4000-8000-000000000001."
        )
    return value


class ReasonForm(forms.Form):
    """Why: a ticket id or a sentence, stored with the change in the audit trail."""

    reason = _reason_field()


class UnlinkLoginForm(forms.Form):
    """UnlinkIdentity: the logins to remove, proven with one current provider token.

    The token is the user's: it is sent to Cognito once and never stored, logged or put back
    into the page (the view is marked sensitive, the audit trail redacts every Logins value).
    """

    remove = forms.MultipleChoiceField(
        label="Logins to unlink (LoginsToRemove)", widget=forms.CheckboxSelectMultiple
    )
    proof_provider = forms.ChoiceField(label="Provider of the user's token (Logins key)")
    proof_token = forms.CharField(
        label="The user's current token from that provider (Logins value)",
        help_text="Never kept: paste it again if the form comes back.",
        strip=True,
        max_length=50000,
        widget=UnkeptTextarea(attrs={"rows": 3, **_VERBATIM}),
    )
    reason = _reason_field()

    def __init__(
        self, *args: Any, linked: tuple[str, ...], removable: tuple[str, ...] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [(provider, provider) for provider in linked]
        self.fields["proof_provider"].choices = choices
        self.fields["remove"].choices = choices
        if removable is not None:
            # Only these are offered (the developer login is unlinked on its own page).
            self.fields["remove"].widget.choices = [(name, name) for name in removable]


class MergeForm(forms.Form):
    """MergeDeveloperIdentities for one pair: which developer user moves into this identity."""

    source = forms.CharField(
        label="Developer user to merge in (SourceUserIdentifier)", widget=forms.TextInput(attrs=_VERBATIM)
    )
    into = forms.ChoiceField(label="It joins this identity's developer user (DestinationUserIdentifier)")

    def __init__(self, *args: Any, destinations: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].max_length = developer_token_limits().user_max_length
        self.fields["into"].choices = [(user, user) for user in destinations]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("source") and data.get("source") == data.get("into"):
            self.add_error("source", "SourceUserIdentifier is already this identity's developer user.")
        return data


def merge_confirmation_text(source: str) -> str:
    """What the admin types to confirm a merge: short enough to type, specific to the user."""
    return f"MERGE {source}" if len(source) <= 60 and source.isprintable() else "MERGE 1 DEVELOPER USER"


class DeveloperRegistrationForm(forms.Form):
    """GetOpenIdTokenForDeveloperIdentity's inputs, checked against botocore's limits."""

    user = forms.CharField(label="Developer user identifier", widget=forms.TextInput(attrs=_VERBATIM))
    identity_id = _identity_id_field(
        "Existing identity to link it to (IdentityId, optional)",
        "Leave empty to find the user's identity, or create one.",
    )
    principal_tags = forms.CharField(
        required=False,
        label="Principal tags (PrincipalTags, optional)",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )
    token_duration = forms.CharField(
        required=False,
        max_length=12,
        label="Token lifetime in seconds (TokenDuration, optional)",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    reason = _reason_field(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits = developer_token_limits()
        self.fields["user"].max_length = limits.user_max_length
        self.fields["user"].widget.attrs["maxlength"] = str(limits.user_max_length)
        self.fields["principal_tags"].help_text = format_html(
            "One <code>key=value</code> per line; at most {} tags.", limits.tags_max
        )
        self.fields["token_duration"].help_text = (
            f"From {limits.token_duration_min} to {limits.token_duration_max} seconds; "
            "empty: Cognito's default (15 minutes)."
        )

    def clean_identity_id(self) -> str:
        return _clean_identity_id(self.cleaned_data["identity_id"])

    def clean_token_duration(self) -> int | None:
        text = self.cleaned_data["token_duration"].strip()
        if not text:
            return None
        low, high = self.limits.token_duration_min, self.limits.token_duration_max
        message = f"TokenDuration must be a whole number of seconds from {low} to {high:,}"
        try:
            value = int(text)
        except ValueError:
            raise ValidationError(f"{message}; “{text}” is not one.") from None
        if not low <= value <= high:
            raise ValidationError(f"{message}; {value:,} is outside that range.")
        return value

    def clean_principal_tags(self) -> dict[str, str]:
        """`key=value` lines into PrincipalTags, with the model's limits on count and lengths."""
        tags: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["principal_tags"].splitlines(), start=1):
            if not line.strip():
                continue
            key, found, value = line.partition("=")
            key, value = key.strip(), value.strip()
            if not found or not key or not value:
                raise ValidationError(f"PrincipalTags line {number}: write it as key=value.")
            if len(key) > self.limits.tag_key_max_length or len(value) > self.limits.tag_value_max_length:
                raise ValidationError(
                    f"PrincipalTags line {number}: keys are at most {self.limits.tag_key_max_length} "
                    f"characters, values at most {self.limits.tag_value_max_length}."
                )
            tags[key] = value
        if len(tags) > self.limits.tags_max:
            raise ValidationError(
                f"PrincipalTags: at most {self.limits.tags_max} tags (you gave {len(tags)})."
            )
        return tags


class SignInTestForm(forms.Form):
    """What to test: a flow and the login it needs (the provider token is never kept)."""

    flow = forms.ChoiceField(
        label="Who signs in",
        choices=list(FLOWS.items()),
        widget=RadioChoices,
        initial="unauthenticated",
        help_text=(
            "The developer user flow is for admins only (the permission that registers developer "
            "users): it calls GetOpenIdTokenForDeveloperIdentity, which registers a developer user "
            "the pool does not know and, with an identity id, links it to that identity; so it asks "
            "for your password again when you typed it more than a few minutes ago, as registering does."
        ),
    )
    provider = forms.CharField(
        required=False,
        max_length=128,
        label="Provider (the Logins key), for a provider login",
        widget=forms.TextInput(attrs={"list": "pool-providers", "spellcheck": "false"}),
    )
    provider_token = forms.CharField(
        required=False,
        max_length=50000,
        label="The user's token from that provider",
        help_text=(
            "An ID token (Google, Apple, user pools, OIDC), an access token (Facebook, Amazon) or a "
            "base64 SAML response. Used for this run only, never kept or shown."
        ),
        widget=UnkeptTextarea(attrs={"rows": 3, "spellcheck": "false"}),
    )
    developer_user = forms.CharField(required=False, widget=forms.TextInput(attrs={"spellcheck": "false"}))
    identity_id = _identity_id_field(
        "Identity id the app has cached (optional)",
        "Given, the test starts from it instead of calling GetId: this reproduces an app stuck on an old identity.",
    )
    custom_role_arn = forms.CharField(
        required=False,
        max_length=ARN_MAX_LENGTH,
        label="Role to ask for (CustomRoleArn, optional)",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )

    def __init__(
        self, *args: Any, developer_provider: str = "", developer_allowed: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["developer_user"].max_length = developer_token_limits().user_max_length
        if not developer_allowed:
            # Support: shown, but not theirs to run (refused too if posted: the view says why).
            self.fields["flow"].widget.disabled_choices = frozenset({DEVELOPER})
            self.fields["flow"].help_text += " Support tests guests and provider logins."
        label = "Developer user identifier, for a developer user"
        self.fields["developer_user"].label = (
            f"{label} ({developer_provider})" if developer_provider else label
        )
        if not developer_provider:
            # No developer provider: that flow cannot run here (refused too if posted).
            self.fields["flow"].widget.disabled_choices = frozenset({DEVELOPER})

    def clean_identity_id(self) -> str:
        return _clean_identity_id(self.cleaned_data["identity_id"])

    def clean_custom_role_arn(self) -> str:
        arn = self.cleaned_data["custom_role_arn"]
        if arn and (len(arn) < ARN_MIN_LENGTH or not arn.startswith("arn:")):
            raise ValidationError("CustomRoleArn must be an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME).")
        return arn

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        flow = data.get("flow")
        if flow == PROVIDER:
            if not data.get("provider"):
                self.add_error("provider", "Name the provider: the Logins key, e.g. accounts.google.com.")
            if not data.get("provider_token"):
                self.add_error("provider_token", "Paste the user's current token from that provider.")
        if flow == DEVELOPER and not data.get("developer_user"):
            self.add_error("developer_user", "Give the developer user identifier to sign in as.")
        return data


# The GET filter bars below only render their fields (labels, widgets, choices) with the
# values the views already read from the query string, as unbound forms (so never with
# errors); the views keep parsing the URL themselves, so bookmarked URLs mean what they meant.


def _sizes(sizes: Any) -> list[tuple[int, str]]:
    return [(size, f"{size} identities") for size in sizes]


class BrowserFilterForm(forms.Form):
    """The live browser's bar: page size and HideDisabled."""

    size = forms.ChoiceField(label="Page size", required=False)
    hide = forms.BooleanField(
        label="Hide disabled identities",
        required=False,
        widget=forms.CheckboxInput(attrs={"value": "1"}),
    )

    def __init__(self, *, size: int, hide: bool, sizes: Any) -> None:
        super().__init__(initial={"size": size, "hide": hide})
        self.fields["size"].choices = _sizes(sizes)


class InventoryFilterForm(forms.Form):
    """The inventory mode's bar: filters, order and page size."""

    provider = forms.ChoiceField(label="Linked provider", required=False)
    created_from = forms.CharField(
        label="Created from (UTC day)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    created_before = forms.CharField(
        label="Created before (UTC day)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    modified_from = forms.CharField(
        label="Last modified from (UTC day)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    modified_before = forms.CharField(
        label="Last modified before (UTC day)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    disabled = forms.ChoiceField(
        label="Disabled",
        required=False,
        choices=[("", "Either"), ("yes", "Disabled only"), ("no", "Enabled only")],
    )
    id = forms.CharField(
        label="Id contains",
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "maxlength": 55, "spellcheck": "false", "autocomplete": "off"}
        ),
    )
    sort = forms.ChoiceField(label="Order", required=False)
    size = forms.ChoiceField(label="Page size", required=False)

    def __init__(self, context: dict[str, Any]) -> None:
        state = context["inv"]
        disabled = state.parsed.filters.disabled
        initial = {
            "provider": context["provider_value"],
            **context["dates"],
            "disabled": "" if disabled is None else ("yes" if disabled else "no"),
            "id": state.parsed.filters.id_contains or "",
            "sort": state.parsed.sort,
            "size": state.size,
        }
        super().__init__(initial=initial)
        self.fields["provider"].choices = [
            ("", "Any (guests and signed in)"),
            ("guests", "Guests (no linked login)"),
            ("signed-in", "Signed in (any provider)"),
            *((provider, provider) for provider in context["providers"]),
        ]
        self.fields["sort"].choices = list(context["sort_choices"])
        self.fields["size"].choices = _sizes(context["page_sizes"])


class LookupForm(forms.Form):
    """The lookup page's bar: the text to find and where developer user ids are searched."""

    q = forms.CharField(
        label="Identity id, pool id or developer user id",
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "size": 44, "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    pool = forms.ChoiceField(label="Developer user ids are searched in", required=False)

    def __init__(self, *, text: str, only_pool: str, pools: Any) -> None:
        super().__init__(initial={"q": text, "pool": only_pool})
        # Grouped by region as the catalog lists them (consecutive pools of one region).
        groups = [
            (region, [(pool.pool_id, f"{pool.name} ({pool.provider})") for pool in members])
            for region, members in groupby(pools or (), key=lambda pool: pool.region)
        ]
        self.fields["pool"].choices = [("", "every pool with a developer provider"), *groups]
