"""Forms guarding destructive actions: the password again, and a typed confirmation with a reason."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.html import format_html
from django.views.decorators.debug import sensitive_variables

REASON_MAX_LENGTH = 500


class ReauthForm(forms.Form):
    """The signed-in user's password, checked by the authentication backends (so axes counts failures)."""

    password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        self.fields["password"].label = f"Password for {request.user.get_username()}"

    @sensitive_variables("password")
    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        user = self.request.user
        checked = authenticate(self.request, username=user.get_username(), password=password)
        if checked is None or checked.pk != user.pk:
            raise ValidationError("That is not your password.", code="wrong_password")
        return password


class DestructiveConfirmForm(forms.Form):
    """Type `expected_text` exactly (a pool name, "DELETE 1234 IDENTITIES") and say why.

    The reason (free text or a ticket id) is what the audit event records next to the change.
    """

    confirmation = forms.CharField(
        max_length=300,
        error_messages={"required": "Type the confirmation text to go on."},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false", "autofocus": True}
        ),
    )
    reason = forms.CharField(
        label="Reason",
        help_text="A ticket id or a sentence. It is stored in the audit trail with this change.",
        max_length=REASON_MAX_LENGTH,
        error_messages={
            "required": "Say why: a ticket id or a sentence. It is kept in the audit trail.",
            "max_length": "Keep the reason under %(limit_value)d characters (it has %(show_value)d).",
        },
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, expected_text: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not expected_text.strip():
            raise ValueError("expected_text must not be empty")
        self.expected_text = expected_text
        # The text to type, set apart in the label (escaped: it may be a pool's name).
        self.fields["confirmation"].label = format_html(
            'Type <code class="expected">{}</code> to confirm', expected_text
        )

    def clean_confirmation(self) -> str:
        # The field already dropped spaces around the text (a sloppy paste); case and inner
        # spaces still matter.
        typed = self.cleaned_data["confirmation"]
        if typed != self.expected_text:
            raise ValidationError(
                "That does not match. Type %(expected)s exactly, capitals included.",
                code="mismatch",
                params={"expected": f"“{self.expected_text}”"},
            )
        return typed
