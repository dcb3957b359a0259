"""The URL converters every app's URLs share, registered once (console/urls.py).

A pool or identity id in a URL must have the model's shape (console/aws/ids.py), so a
malformed one never reaches a view: it is simply no page (404).
"""

from __future__ import annotations

from django.urls import register_converter

from console.aws.ids import ID_REGEX


class CognitoIdConverter:
    """A pool or identity id as the service model spells it: `<region>:<uuid>`."""

    regex = ID_REGEX

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class RegionConverter:
    """A region name (`us-east-1`)."""

    regex = r"[a-z0-9-]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def register() -> None:
    register_converter(CognitoIdConverter, "pool_id")
    register_converter(CognitoIdConverter, "identity_id")
    register_converter(RegionConverter, "region")
