"""The region the console shows, chosen per session among AWS_REGIONS."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def current_region(request: HttpRequest) -> str:
    region = request.session.get("region") if hasattr(request, "session") else None
    return region if region in settings.AWS_REGIONS else settings.AWS_REGIONS[0]
