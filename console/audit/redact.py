"""What an audit event may keep of a request: secrets and tokens are replaced.

Rules (docs/security.md, "What is audited", repeats them):
- key names are compared in lower case without `_`, `-` or spaces, so `private_key`,
  `Private-Key` and `privateKey` are one name, and so are `Logins` and `logins`.
- every value of a `Logins` map is replaced; the provider names (the keys) are kept.
  The gateway cannot tell a developer provider name from an OpenID issuer
  ("login.example.com" fits both) without asking the pool, and guessing wrong would
  store a live token. Developer user ids are kept where they are parameters of their
  own (MergeDeveloperIdentities, UnlinkDeveloperIdentity).
- a text or structured value under a key that names a secret (token, secret, password,
  credential, access key, API key, private key, signature, ...) is replaced; numbers and
  booleans under such keys are kept (TokenDuration, ServerSideTokenCheck say nothing secret).
- anywhere else, text that looks like a JWT or an AWS access key id is replaced.
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "***redacted***"

# Matched against the key's normalised form (see _normalised): "private_key", "Private-Key" and
# "privateKey" all read "privatekey".
_SECRET_KEY = re.compile(
    r"token|secret|password|passwd|credential|accesskey|apikey|privatekey|authorization|cookie|signature"
)
_LOGIN_MAPS = {"logins"}
# A JWT (or JWE) is base64url parts separated by dots; its header always starts with '{"'.
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){2,4}")
_ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")


def redact(value: Any) -> Any:
    """A deep copy of `value` with secrets replaced by REDACTED."""
    if isinstance(value, dict):
        return {scrub_text(str(key)): _redact_item(str(key), item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


def _normalised(key: str) -> str:
    """The key in lower case without separators, as the rules are written."""
    return key.lower().replace("_", "").replace("-", "").replace(" ", "")


def _redact_item(key: str, value: Any) -> Any:
    name = _normalised(key)
    if name in _LOGIN_MAPS and isinstance(value, dict):
        return {scrub_text(str(provider)): REDACTED for provider in value}
    if _SECRET_KEY.search(name) and not isinstance(value, bool | int | float) and value is not None:
        return REDACTED
    return redact(value)


def scrub_text(text: str) -> str:
    """`text` with JWT-looking strings and AWS access key ids replaced (for messages too)."""
    return storable_text(_ACCESS_KEY_ID.sub(REDACTED, _JWT.sub(REDACTED, text)))


def storable_text(text: str) -> str:
    """`text` as every database stores it: NUL and unpaired surrogates become U+FFFD.

    PostgreSQL refuses both (in text and in JSON), and a failed call's request may hold them.
    """
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return text


def diff(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Only the top-level keys whose values differ, as (before, after).

    A key missing on one side appears only on the other. When a side is unknown (None)
    both are returned whole: a creation has no before, a deletion no after.
    """
    if before is None or after is None:
        return before, after
    keys = [key for key in {**before, **after} if before.get(key, _MISSING) != after.get(key, _MISSING)]
    return (
        {key: before[key] for key in keys if key in before},
        {key: after[key] for key in keys if key in after},
    )


_MISSING = object()
