"""The start-up banner of `make run`: where to go, the demo admin's credentials, ids to try.

`demo_admin` writes it and prints it; the worker prints it again once it is ready, the last
process of `make run` to start, so it is on screen after the start-up lines.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings

DEVELOPER_USERS = ("shop-user-0001", "shop-user-0002", "shop-user-0003")


def password_path() -> Path:
    return settings.BASE_DIR / ".run" / "demo-admin-password"


def banner_path() -> Path:
    return settings.BASE_DIR / ".run" / "banner.txt"


def demo_examples() -> list[str]:
    """Lines naming a demo pool, developer user ids and identity ids to try; [] when unavailable."""
    from console.aws.clients import build_client

    from .management.commands.seed_demo import SHOP_POOL_NAME

    if settings.COGNITO_ENDPOINT != "local":
        return []
    region = settings.AWS_REGIONS[0]
    try:
        client = build_client(region, "local")
        pools = client.list_identity_pools(MaxResults=60)["IdentityPools"]
        pool_id = next(p["IdentityPoolId"] for p in pools if p["IdentityPoolName"] == SHOP_POOL_NAME)
        found = [(user, _identity_of(client, pool_id, user)) for user in DEVELOPER_USERS]
    except Exception:  # noqa: BLE001 - the banner never stops `make run`
        return []
    lines = [f" Try, in “{SHOP_POOL_NAME}” ({pool_id}), with the header's Find box:"]
    lines.append("   developer user ids: " + ", ".join(user for user, _ in found))
    lines += [f"   identity id {identity} ({user})" for user, identity in found]
    return lines


def _identity_of(client: Any, pool_id: str, user: str) -> str:
    answer = client.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier=user)
    return str(answer["IdentityId"])


def banner(username: str, password: str, examples: list[str]) -> str:
    line = "=" * 72
    parts = [
        line,
        " Console: http://127.0.0.1:8000/",
        f" Demo admin: {username} / {password}",
        f" (the password is kept in {password_path().relative_to(settings.BASE_DIR)})",
        *examples,
        line,
    ]
    return "\n".join(parts)


def print_again(**_: object) -> None:
    """Celery's worker_ready: the banner once more, under the start-up lines (DEBUG runs only)."""
    path = banner_path()
    if settings.DEBUG and path.exists():
        # The worker's sys.stdout goes to its logger; the banner is for the terminal.
        stream = sys.__stdout__ or sys.stdout
        stream.write(path.read_text() + "\n")
        stream.flush()
