"""The AWS regions the embedded service knows: those botocore's endpoint data lists.

Every partition's regions (aws, aws-cn, aws-us-gov, ...), plus the console's own AWS_REGIONS
and the default region, so that a region configured on purpose is never refused. The
partitions' region patterns are not used: they match names without end.
"""

from __future__ import annotations

import functools

import botocore.session
from django.conf import settings


@functools.cache
def botocore_regions() -> frozenset[str]:
    """Every region of every partition in botocore's endpoint data."""
    data = botocore.session.get_session().get_data("endpoints")
    return frozenset(region for partition in data["partitions"] for region in partition["regions"])


def is_known(region: str) -> bool:
    """Whether `region` is an AWS region botocore lists, or one this deployment names."""
    if region in botocore_regions():
        return True
    configured = {
        *getattr(settings, "AWS_REGIONS", ()),
        getattr(settings, "EMULATOR_DEFAULT_REGION", "us-east-1"),
    }
    return region in configured
