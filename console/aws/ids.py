"""What a Cognito id is: an identity pool id or an identity id, both `REGION:GUID`.

The one place that knows their shape (the URL converters, the forms, the job input and the
search box all ask here) and where the region comes from: the part before the colon names the
region whose endpoint owns the id. It also reads ids as people paste them (`pasted_id`,
`bare_guid`): upper case, inside a pool's ARN, quoted, with a comma after.
"""

from __future__ import annotations

import re

# botocore's pattern for IdentityPoolId and IdentityId, and their length bound (1-55).
ID_REGEX = r"[\w-]+:[0-9a-f-]+"
ID_PATTERN = re.compile(ID_REGEX)
ID_MAX_LENGTH = 55

# What the service hands out: a region name, a colon, a GUID in lower case. The model's pattern
# above is looser; reading pasted text, only this strict shape is taken for an id, so that a
# developer user id such as "Shop:BEEF" is not lowered into one.
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d+"
_GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_STRICT_ID = re.compile(rf"{_REGION}:{_GUID}")
_BARE_GUID = re.compile(_GUID)
# arn:aws:cognito-identity:REGION:ACCOUNT:identitypool/POOL_ID (POOL_ID is REGION:GUID itself).
_POOL_ARN = re.compile(r"arn:aws[a-z-]*:cognito-identity:[a-z0-9-]*:\d*:identitypool/(.+)")
# Quotes a ticket or a chat wraps an id in (straight, curly, low, angle, back quotes), and the
# punctuation a sentence leaves after it.
# A quote is taken off only with its partner at the other end ("…", “…”, „…“, «…»): a value
# that merely starts with a quote (a developer user id may) is left whole.
_OPENING = {
    '"': '"',
    "'": "'",
    "`": "`",
    "\u201c": "\u201d",
    "\u2018": "\u2019",
    "\u201e": "\u201c",
    "\u201a": "\u2018",
    "\u00ab": "\u00bb",
    "\u2039": "\u203a",
    "\u201d": "\u201d",
}
_TRAILING = ",;.!?"


def is_cognito_id(value: str) -> bool:
    """Whether `value` has the shape of a pool or identity id (`REGION:GUID`)."""
    return len(value) <= ID_MAX_LENGTH and ID_PATTERN.fullmatch(value) is not None


def region_of(cognito_id: str) -> str:
    """The region that owns a pool or identity id: the part before the colon (`us-east-1:…`)."""
    return cognito_id.split(":", 1)[0]


def unwrap_pasted(text: str) -> str:
    """`text` without the whitespace, quotes and trailing punctuation around it:
    ` “us-east-1:…”, ` gives `us-east-1:…`."""
    previous = None
    while text != previous:
        previous = text
        text = text.strip().rstrip(_TRAILING).strip()
        if len(text) >= 2 and _OPENING.get(text[0]) == text[-1]:
            text = text[1:-1]
    return text


def pasted_id(text: str) -> str | None:
    """The pool or identity id `text` names, as the service spells it, or None: an id in any
    case (`US-EAST-1:0A1B…` gives `us-east-1:0a1b…`), or a pool's ARN (its pool id).
    `text` is already unwrapped (`unwrap_pasted`)."""
    arn = _POOL_ARN.fullmatch(text.strip().lower())
    candidate = arn.group(1) if arn else text.strip().lower()
    return candidate if _STRICT_ID.fullmatch(candidate) else None


def bare_guid(text: str) -> str | None:
    """The GUID, in lower case, when `text` is a GUID alone (an id pasted without its region)."""
    candidate = text.strip().lower()
    return candidate if _BARE_GUID.fullmatch(candidate) else None
