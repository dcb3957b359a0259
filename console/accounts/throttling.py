"""Sign-in throttling on top of django-axes' lock of one username from one address.

- Addresses are counted by network for IPv6: a client usually holds a whole /64 and can rotate
  through it, so every address in one /64 is one address here (AXES_CLIENT_IP_CALLABLE). An
  IPv4-mapped IPv6 address is its IPv4 address.
- Spraying one password over many usernames from one address is limited too: once the failures
  from an address (any usernames) within LOGIN_COOLOFF_MINUTES reach LOGIN_ADDRESS_FAILURE_LIMIT,
  that address may not sign in, as any locked-out pair (AXES_HANDLER).
"""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

from console.audit.actor import client_ip

IPV6_PREFIX = 64


def throttle_address(request: HttpRequest) -> str | None:
    """The address sign-in failures are counted against: the client's, or its /64 for IPv6."""
    ip = client_ip(request)
    if ip is None:
        return None
    address = ipaddress.ip_address(ip)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/{IPV6_PREFIX}", strict=False).network_address)
    return ip


def address_failures(address: str) -> int:
    """Failed sign-ins from `address`, for any username, within the cool-off period."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    attempts = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since)
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def address_locked(request: HttpRequest) -> bool:
    """Whether the request's address has failed too often, whichever usernames it tried."""
    address = getattr(request, "axes_ip_address", None) or throttle_address(request)
    return address is not None and address_failures(address) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


class AddressLimitedHandler(AxesDatabaseHandler):
    """django-axes' database handler, also locking an address past its own limit."""

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        return super().is_locked(request, credentials) or address_locked(request)

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
    ) -> None:
        # axes marks the request locked (its lockout page, 429) only for its own limit; the
        # failure that reaches the address limit, and every attempt after it, get the same page.
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is not None and not getattr(request, "axes_locked_out", False) and address_locked(request):
            request.axes_locked_out = True
            request.axes_credentials = credentials
