"""The roles and role-mappings form: both roles, one mapping per provider, and the rules editor.

SetIdentityPoolRoles replaces the whole configuration, so the form always holds all of it.
Rules are ordered (the first match wins): each has Move up / Move down / Remove buttons that
post the form, so reordering works from the keyboard and without JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms

from console.aws import limits
from console.aws.errors import CognitoError
from console.aws.pools import MappingRule, PoolRoles, RoleMapping

from .fields import ConsoleForm, ModelText, RoleArnField
from .providers import Provider, provider_label
from .rows import RowAction, RowGroup, add_form_error, read_rows
from .sections import MappingRow
from .service_errors import locate

DEFAULT = "default"
MODE_CHOICES = (
    (DEFAULT, "Use the default authenticated role"),
    ("Token", "Choose the role from the token (cognito:preferred_role, cognito:roles)"),
    ("Rules", "Choose the role with rules"),
)
AMBIGUOUS_LABELS = {"AuthenticatedRole": "Use the authenticated role", "Deny": "Deny the request"}
MAX_BLOCKS = 100


class RolesForm(ConsoleForm):
    authenticated = RoleArnField(
        label="Authenticated role ARN",
        help_text="Signed-in users get this role unless a mapping decides otherwise.",
    )
    unauthenticated = RoleArnField(
        label="Guest (unauthenticated) role ARN",
        help_text="Guests get this role when the pool allows guests.",
    )


class MappingForm(ConsoleForm):
    provider = forms.CharField(widget=forms.HiddenInput)
    mode = forms.ChoiceField(label="Role selection", choices=MODE_CHOICES, widget=forms.RadioSelect)
    ambiguous = forms.ChoiceField(
        label="When no role is decided",
        required=False,
        help_text="No rule matched, or the token's roles are ambiguous.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ambiguous"].choices = [
            (value, AMBIGUOUS_LABELS.get(value, value))
            for value in limits.enum("AmbiguousRoleResolutionType")
        ]


class RuleRow(ConsoleForm):
    claim = ModelText("ClaimName", label="Claim")
    match_type = forms.ChoiceField(label="Match")
    value = ModelText("ClaimValue", label="Value", strip=False)
    role_arn = RoleArnField(label="Role ARN", required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["match_type"].choices = [(value, value) for value in limits.enum("MappingRuleMatchType")]


RULE_FIELDS = ("claim", "match_type", "value", "role_arn")


@dataclass
class MappingBlock:
    """One provider's part of the form: its mapping choice and its rules."""

    form: MappingForm
    rules: RowGroup
    key: str
    provider: Provider | None  # None: the pool no longer has this provider
    errors: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.provider.label if self.provider else provider_label(self.key)

    @property
    def mode(self) -> str:
        form = self.form
        value = form["mode"].value()
        return value or DEFAULT

    def mapping(self) -> RoleMapping | None:
        """The RoleMapping this block holds (after validation); None for the default role."""
        data = self.form.cleaned_data
        if data["mode"] == DEFAULT:
            return None
        rules = ()
        if data["mode"] == "Rules":
            rules = tuple(
                MappingRule(row["claim"], row["match_type"], row["value"], row["role_arn"])
                for row in self.rules.cleaned()
            )
        return RoleMapping(self.key, data["mode"], data.get("ambiguous") or "", rules)


def _rules_group(index: int, rows: list[dict[str, str]], bound: bool) -> RowGroup:
    return RowGroup(f"map-{index}-rule", RuleRow, rows, "Rules", limits.rules_per_mapping(), bound)


def _rule_rows(mapping: RoleMapping | None) -> list[dict[str, str]]:
    if mapping is None:
        return []
    return [
        {"claim": rule.claim, "match_type": rule.match_type, "value": rule.value, "role_arn": rule.role_arn}
        for rule in mapping.rules
    ]


@dataclass
class RolesEditor:
    form: RolesForm
    blocks: list[MappingBlock]
    errors: list[str] = field(default_factory=list)
    service_error: CognitoError | None = None

    @classmethod
    def from_roles(cls, roles: PoolRoles, rows: list[MappingRow]) -> RolesEditor:
        """Unbound: the configuration as it is (or a proposal), one block per provider row."""
        form = RolesForm(
            initial={"authenticated": roles.authenticated, "unauthenticated": roles.unauthenticated}
        )
        blocks = []
        for index, row in enumerate(rows):
            mapping = roles.mapping_for(row.key)
            initial = {
                "provider": row.key,
                "mode": mapping.type if mapping else DEFAULT,
                "ambiguous": (mapping.ambiguous_role_resolution if mapping else "") or "AuthenticatedRole",
            }
            blocks.append(
                MappingBlock(
                    MappingForm(initial=initial, prefix=f"map-{index}"),
                    _rules_group(index, _rule_rows(mapping), False),
                    row.key,
                    row.provider,
                )
            )
        return cls(form, blocks)

    @classmethod
    def from_post(cls, data: Mapping[str, Any], providers_by_key: Mapping[str, Provider]) -> RolesEditor:
        blocks = []
        for index in range(MAX_BLOCKS):
            key = data.get(f"map-{index}-provider")
            if key is None:
                break
            rows = read_rows(data, f"map-{index}-rule", RULE_FIELDS)
            blocks.append(
                MappingBlock(
                    MappingForm(data=data, prefix=f"map-{index}"),
                    _rules_group(index, rows, True),
                    key,
                    providers_by_key.get(key),
                )
            )
        return cls(RolesForm(data=data), blocks)

    def unbind(self) -> None:
        """Show what was typed, without errors (after a row button or a change of mode)."""
        self.form = RolesForm(initial={name: self.form[name].value() for name in self.form.fields})
        for index, block in enumerate(self.blocks):
            initial = {name: block.form[name].value() for name in block.form.fields}
            block.form = MappingForm(initial=initial, prefix=f"map-{index}")
            block.rules.bound = False
            block.rules.__dict__.pop("_forms", None)
            # Choosing "rules" shows the editor with a first empty rule to fill in.
            if initial.get("mode") == "Rules" and not block.rules.rows:
                block.rules.rows = [block.rules.blank()]

    def apply_row_action(self, action: RowAction) -> None:
        self.unbind()
        for block in self.blocks:
            if block.rules.prefix == action.prefix:
                block.rules.apply(action)

    def is_valid(self, configured_keys: set[str]) -> bool:
        valid = self.form.is_valid()
        mapped = 0
        for block in self.blocks:
            if not block.form.is_valid():
                valid = False
                continue
            mode = block.form.cleaned_data["mode"]
            if mode == DEFAULT:
                continue
            mapped += 1
            if block.key not in configured_keys:
                block.errors.append(
                    f"{block.key} is not an identity provider of this pool, so it cannot have a role mapping: "
                    "choose “Use the default authenticated role” to remove it."
                )
                valid = False
            if not block.form.cleaned_data.get("ambiguous"):
                add_form_error(block.form, "ambiguous", "Choose what happens when no role is decided.")
                valid = False
            if mode == "Rules":
                valid = self._rules_valid(block) and valid
        problem = limits.count("RoleMappingMap").problem(mapped, "Role mappings")
        if problem:
            self.errors.append(problem)
            valid = False
        return valid

    def _rules_valid(self, block: MappingBlock) -> bool:
        rules = block.rules
        if all(rules.is_blank(row) for row in rules.rows):
            rules.errors.append("A rules mapping needs at least one rule: fill in the rule below.")
            if not rules.rows:
                rules.rows = [rules.blank()]
                rules.__dict__.pop("_forms", None)
            return False
        return rules.is_valid()

    def roles(self) -> PoolRoles:
        data = self.form.cleaned_data
        mappings = tuple(mapping for block in self.blocks if (mapping := block.mapping()) is not None)
        return PoolRoles(data.get("authenticated") or "", data.get("unauthenticated") or "", mappings)

    def place_service_error(self, error: CognitoError) -> None:
        """The service's message beside the role or the mapping it names (else at the top)."""
        self.service_error = error
        for placement in locate(error, ("Roles", "RoleMappings")):
            message = placement.message
            if (arn_field := self._role_field_quoted(message)) is not None:
                add_form_error(self.form, arn_field, message)
            elif (rule := self._rule_quoted(message)) is not None:
                block, index = rule
                block.rules.add_error(index, "role_arn", message)
            elif (block := next((b for b in self.blocks if b.key and b.key in message), None)) is not None:
                block.errors.append(message)
            else:
                self.errors.append(message)

    def _rule_quoted(self, message: str) -> tuple[MappingBlock, int] | None:
        for block in self.blocks:
            index = block.rules.row_quoted_in(message)
            if index is not None:
                return block, index
        return None

    def _role_field_quoted(self, message: str) -> str | None:
        for name in ("authenticated", "unauthenticated"):
            value = self.form[name].value()
            if value and f"'{value}'" in message:
                return name
        return None

    @property
    def has_errors(self) -> bool:
        if self.errors or (self.form.is_bound and self.form.errors):
            return True
        return any(
            block.errors or (block.form.is_bound and block.form.errors) or block.rules.has_errors
            for block in self.blocks
        )
