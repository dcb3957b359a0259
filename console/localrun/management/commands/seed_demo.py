"""Seed the embedded service with demo pools and identities, once.

The demo pools, their settings, roles and first identities are created through boto3 against
the in-process service, exactly as a client would, so they are what the operations themselves
produce. Two more pools show months of growth (creation dates the API cannot set): they are
loaded by the embedded service's own bulk seeder, through its command (`manage.py
emulator_seed`: the console's code imports nothing of the emulator), one in the first region
and one in the second region of AWS_REGIONS when there is one.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from console.aws.clients import build_client

DEMO_TAG = "console:demo"
SHOP_POOL_NAME = "Demo shop customers"
GOOGLE_CLIENT_ID = "123456789012-demo.apps.googleusercontent.com"
FACEBOOK_APP_ID = "1234567890123456"
USER_POOL = "cognito-idp.{region}.amazonaws.com/{region}_DemoPool1"
USER_POOL_CLIENT = "7demoappclientid0000000000"
# Pools that grew over months: (name, identities, days, share with a login, share disabled).
GROWN_POOLS = (
    ("Demo mobile app", 2400, 270, 0.55, 0.02),
    ("Demo EU storefront", 800, 120, 0.4, 0.0),
)


def demo_jwt(issuer: str, audience: str, subject: str) -> str:
    """An unsigned-looking JWT with the claims a provider's ID token carries.

    The embedded service decodes login tokens without verifying signatures by default,
    so the demo does not need a provider's keys.
    """

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"iss": issuer, "aud": audience, "sub": subject, "iat": now, "exp": now + 3600}
    return f"{part({'alg': 'RS256', 'typ': 'JWT', 'kid': 'demo'})}.{part(claims)}.ZGVtbw"


def _already_seeded(client: Any) -> bool:
    """Whether a pool named like the first demo pool carries the demo tag."""
    for page in client.get_paginator("list_identity_pools").paginate(MaxResults=60):
        for pool in page["IdentityPools"]:
            if pool["IdentityPoolName"] != SHOP_POOL_NAME:
                continue
            tags = client.describe_identity_pool(IdentityPoolId=pool["IdentityPoolId"]).get(
                "IdentityPoolTags", {}
            )
            if DEMO_TAG in tags:
                return True
    return False


class Command(BaseCommand):
    help = "Create the demo identity pools and identities in the embedded service (only once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="seed again even if demo data exists")

    def handle(self, *args: Any, force: bool = False, **options: Any) -> None:
        if settings.COGNITO_ENDPOINT != "local":
            self.stdout.write("COGNITO_ENDPOINT is not 'local': no demo data seeded.")
            return
        region = settings.AWS_REGIONS[0]
        client = build_client(region, "local")
        if not force and _already_seeded(client):
            self.stdout.write("Demo data already present; not seeding again.")
            return
        try:
            self._seed(client, region)
        except Exception as exc:
            raise CommandError(f"Seeding the demo data failed: {exc}") from exc
        regions = self._seed_grown_pools(region)
        self.stdout.write(self.style.SUCCESS(f"Seeded demo identity pools in {', '.join(regions)}."))

    def _seed_grown_pools(self, first_region: str) -> list[str]:
        """The pools whose identities were created over months; the regions seeded."""
        second_region = settings.AWS_REGIONS[1] if len(settings.AWS_REGIONS) > 1 else first_region
        for (name, count, days, logins, disabled), region in zip(
            GROWN_POOLS, (first_region, second_region), strict=True
        ):
            call_command(
                "emulator_seed",
                pool=name,
                identities=count,
                region=region,
                developer_provider=f"login.{name.lower().replace(' ', '-')}",
                logins_ratio=logins,
                disabled_ratio=disabled,
                spread_days=days,
                stdout=self.stdout,
            )
        return sorted({first_region, second_region})

    def _seed(self, client: Any, region: str) -> None:
        account = settings.EMULATOR_ACCOUNT_ID
        user_pool = USER_POOL.format(region=region)

        shop = client.create_identity_pool(
            IdentityPoolName=SHOP_POOL_NAME,
            AllowUnauthenticatedIdentities=True,
            AllowClassicFlow=False,
            SupportedLoginProviders={
                "accounts.google.com": GOOGLE_CLIENT_ID,
                "graph.facebook.com": FACEBOOK_APP_ID,
            },
            DeveloperProviderName="login.demo.shop",
            CognitoIdentityProviders=[
                {"ProviderName": user_pool, "ClientId": USER_POOL_CLIENT, "ServerSideTokenCheck": False}
            ],
            IdentityPoolTags={DEMO_TAG: "true", "team": "shop", "env": "demo"},
        )
        shop_id = shop["IdentityPoolId"]
        client.set_identity_pool_roles(
            IdentityPoolId=shop_id,
            Roles={
                "authenticated": f"arn:aws:iam::{account}:role/demo-shop-authenticated",
                "unauthenticated": f"arn:aws:iam::{account}:role/demo-shop-guest",
            },
            RoleMappings={
                f"{user_pool}:{USER_POOL_CLIENT}": {
                    "Type": "Rules",
                    "AmbiguousRoleResolution": "AuthenticatedRole",
                    "RulesConfiguration": {
                        "Rules": [
                            {
                                "Claim": "cognito:groups",
                                "MatchType": "Contains",
                                "Value": "staff",
                                "RoleARN": f"arn:aws:iam::{account}:role/demo-shop-staff",
                            }
                        ]
                    },
                }
            },
        )
        client.set_principal_tag_attribute_map(
            IdentityPoolId=shop_id,
            IdentityProviderName="accounts.google.com",
            UseDefaults=False,
            PrincipalTags={"user": "sub", "app": "aud"},
        )
        for _ in range(12):
            client.get_id(IdentityPoolId=shop_id)
        for number in range(1, 16):
            token = demo_jwt("https://accounts.google.com", GOOGLE_CLIENT_ID, f"google-{number:04d}")
            client.get_id(IdentityPoolId=shop_id, Logins={"accounts.google.com": token})
        for number in range(1, 9):
            client.get_id(IdentityPoolId=shop_id, Logins={"graph.facebook.com": f"fb-user-{number:04d}"})
        for number in range(1, 21):
            client.get_open_id_token_for_developer_identity(
                IdentityPoolId=shop_id, Logins={"login.demo.shop": f"shop-user-{number:04d}"}
            )

        tools = client.create_identity_pool(
            IdentityPoolName="Demo internal tools",
            AllowUnauthenticatedIdentities=False,
            DeveloperProviderName="login.demo.tools",
            IdentityPoolTags={DEMO_TAG: "true", "team": "platform"},
        )
        tools_id = tools["IdentityPoolId"]
        client.set_identity_pool_roles(
            IdentityPoolId=tools_id,
            Roles={"authenticated": f"arn:aws:iam::{account}:role/demo-tools-staff"},
        )
        for number in range(1, 11):
            client.get_open_id_token_for_developer_identity(
                IdentityPoolId=tools_id, Logins={"login.demo.tools": f"employee-{number:03d}"}
            )

        client.create_identity_pool(
            IdentityPoolName="Demo empty pool",
            AllowUnauthenticatedIdentities=False,
            IdentityPoolTags={DEMO_TAG: "true"},
        )
