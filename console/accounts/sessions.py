"""The session's whole life: when it started, so PermissionMatrixMiddleware can end it."""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest

SIGNED_IN_AT = "console_signed_in_at"


def record_sign_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """user_logged_in receiver: signing in starts the session's life (SESSION_MAX_AGE)."""
    request.session[SIGNED_IN_AT] = time.time()
