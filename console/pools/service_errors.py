"""Which field a refusal of the service concerns, so its own message is shown beside that field.

Forms check the model's limits first; what still fails (a semantic rule, a quota, a provider
the service does not know) comes back as a ValidationException naming member paths
("... at 'cognitoIdentityProviders.1.member.clientId' failed to satisfy ...") or as a message
naming a member ("Invalid OpenIdConnectProviderARNs value: ..."). Anything unplaced is shown
at the top of the form with the gateway's hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from console.aws.errors import CognitoError

_PATH = re.compile(r"at '([^']+)' failed to satisfy constraint")


@dataclass(frozen=True)
class Placement:
    """Where one problem goes: an API member, optionally a list element and its sub-member."""

    member: str  # as the API spells it, e.g. "CognitoIdentityProviders"
    index: int | None
    subfield: str | None
    message: str


def locate(error: CognitoError, members: tuple[str, ...]) -> list[Placement]:
    """The problems of `error`, each with the member of `members` it names (unplaced: member "")."""
    message = error.message
    by_lower = {member.lower(): member for member in members}
    found = []
    if error.code == "ValidationException" and _PATH.search(message):
        for problem in _problems(message):
            path = _PATH.search(problem)
            found.append(
                _from_path(path.group(1), problem, by_lower) if path else Placement("", None, None, problem)
            )
        return found
    named = next((member for member in sorted(members, key=len, reverse=True) if member in message), "")
    return [Placement(named, None, None, message)]


def _problems(message: str) -> list[str]:
    # "2 validation errors detected: Value ... ; Value ..."
    body = message.split(":", 1)[1] if "validation error" in message.split(":", 1)[0] else message
    return [part.strip() for part in re.split(r";\s+(?=Value )", body) if part.strip()]


def _from_path(path: str, problem: str, by_lower: dict[str, str]) -> Placement:
    parts = path.split(".")
    member = by_lower.get(parts[0].lower(), "")
    index = subfield = None
    if len(parts) >= 3 and parts[1].isdigit() and parts[2] == "member":
        index = int(parts[1]) - 1
        subfield = parts[3] if len(parts) > 3 else None
    return Placement(member, index, subfield, problem)
