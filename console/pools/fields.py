"""Form fields checked against the service model's limits (console/aws/limits.py).

Every message names the field, so it reads right beside the field and in a summary.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from console.aws import limits
from console.roleresolution import is_role_arn


class ModelText(forms.CharField):
    """Text checked against one string shape of the model (length, pattern, enum)."""

    def __init__(
        self, shape: str, *, label: str, required: bool = True, hint: bool = False, **kwargs: Any
    ) -> None:
        self.limit = limits.text(shape)
        kwargs.setdefault("error_messages", {}).setdefault("required", f"{label} is required.")
        if hint:
            kwargs.setdefault("help_text", self.limit.hint())
        super().__init__(label=label, required=required, **kwargs)

    def validate(self, value: str) -> None:
        super().validate(value)
        if value in self.empty_values and not self.required:
            return
        problem = self.limit.problem(value, str(self.label))
        if problem:
            raise ValidationError(problem, code="limit")


class ConsoleForm(forms.Form):
    """A form whose labels read "Pool name", not "Pool name:"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class RoleArnField(ModelText):
    """An IAM role ARN: the model's ARN length, and the shape of a role ARN."""

    def __init__(self, *, label: str, required: bool = False, **kwargs: Any) -> None:
        super().__init__("ARNString", label=label, required=required, **kwargs)

    def validate(self, value: str) -> None:
        super().validate(value)
        if value and not is_role_arn(value):
            raise ValidationError(
                f"{self.label} must be an IAM role ARN, like arn:aws:iam::123456789012:role/name.",
                code="not_role_arn",
            )


class ProviderArnField(ModelText):
    """An IAM OIDC or SAML identity provider ARN (`kind` is "oidc-provider" or "saml-provider")."""

    def __init__(self, kind: str, *, label: str, **kwargs: Any) -> None:
        self.kind = kind
        super().__init__("ARNString", label=label, **kwargs)

    def validate(self, value: str) -> None:
        super().validate(value)
        parts = value.split(":", 5)
        if (
            len(parts) != 6
            or parts[0] != "arn"
            or parts[2] != "iam"
            or not parts[5].startswith(f"{self.kind}/")
        ):
            raise ValidationError(
                f"{self.label} must be an IAM {self.kind} ARN, like arn:aws:iam::123456789012:{self.kind}/name.",
                code="not_provider_arn",
            )
