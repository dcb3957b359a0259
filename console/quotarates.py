"""Cognito Identity's request-rate quotas, per account and region, in requests per second.

One table for the two places that pace calls by it: the console's shared limiter
(console/aws/limiter.py) and the embedded service's simulated quotas
(console/emulator/quotas.py). It lives outside both, as roleresolution.py does, so that
neither imports the other. Settings override it in each place.
"""

from __future__ import annotations

# Published by AWS: the current "Quotas in Amazon Cognito" page (identity pools' API request
# rates, read December 2026: GetOpenIdTokenForDeveloperIdentity is 50, 200 was the 2023 guide's)
# and the API reference (tags).
PUBLISHED_RATES: dict[str, float] = {
    "GetId": 25,
    "GetOpenIdToken": 200,
    "GetCredentialsForIdentity": 200,
    "GetOpenIdTokenForDeveloperIdentity": 50,
    "ListIdentities": 5,
    "DeleteIdentities": 10,
    "TagResource": 5,
    "UntagResource": 5,
    "ListTagsForResource": 10,
}
# Our assumption where AWS publishes no figure (the reference's suggestion: 5-10 RPS for the
# control plane, the slow calls lowest).
ASSUMED_RATES: dict[str, float] = {
    "DescribeIdentity": 5,
    "LookupDeveloperIdentity": 5,
    "MergeDeveloperIdentities": 5,
}
OTHER_RATE = 10.0


def default_rate(operation: str) -> float:
    """The operation's rate when no setting overrides it."""
    return PUBLISHED_RATES.get(operation) or ASSUMED_RATES.get(operation) or OTHER_RATE
