"""What a Cognito id is: an identity pool id or an identity id, both `REGION:GUID`.

The one place that knows their shape (the URL converters, the forms, the job input and the
search box all ask here) and where the region comes from: the part before the colon names the
region whose endpoint owns the id.
"""

from __future__ import annotations

import re

# botocore's pattern for IdentityPoolId and IdentityId, and their length bound (1-55).
ID_REGEX = r"[\w-]+:[0-9a-f-]+"
ID_PATTERN = re.compile(ID_REGEX)
ID_MAX_LENGTH = 55


def is_cognito_id(value: str) -> bool:
    """Whether `value` has the shape of a pool or identity id (`REGION:GUID`)."""
    return len(value) <= ID_MAX_LENGTH and ID_PATTERN.fullmatch(value) is not None


def region_of(cognito_id: str) -> str:
    """The region that owns a pool or identity id: the part before the colon (`us-east-1:…`)."""
    return cognito_id.split(":", 1)[0]
