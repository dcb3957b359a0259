"""Every page shows hostile text as text: payloads go in through the embedded service, forms and
URLs, and come out escaped, never as markup.

A new page joins by adding one Case to CASES: a name, how to fetch the page with the payload
planted (through the real service where the text comes from Cognito), and optionally the text
the page must show for it.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from console.audit.record import record_console_action
from console.aws.clients import build_client
from console.inventory import store
from console.inventory.store import ListedIdentity
from console.jobs import parsing, runner
from console.jobs.models import Draft, Item
from tests.cognito import AUTH_ROLE, DEVELOPER, GOOGLE, full_pool_settings
from tests.secrets_scan import assert_no_secrets
from tests.xss import PAYLOADS, assert_rendered_as_text

pytestmark = pytest.mark.django_db

Fetch = Callable[[Client, str, str], HttpResponse]  # (admin client, payload, region) -> response


@dataclass(frozen=True)
class Case:
    name: str
    fetch: Fetch
    shown: Callable[[str], str] | None = None  # the text the page shows for the payload, if any
    status: int = 200  # the page's answer (an error page is still a page that must escape)


def _token_error(client: Client, payload: str, region: str, **headers) -> HttpResponse:
    # The trailing " x" breaks NextToken's pattern, so the service's message quotes the value.
    return client.get(reverse("pools:list"), {"token": f"{payload} x"}, **headers)


def _pool_list_with_tagged_pool(client: Client, payload: str, region: str) -> HttpResponse:
    # Tag keys and values accept any text: the closest thing to hostile pool data.
    build_client(region, "local").create_identity_pool(
        IdentityPoolName="tagged",
        AllowUnauthenticatedIdentities=False,
        IdentityPoolTags={payload[:128]: payload},
    )
    return client.get(reverse("pools:list"))


def _unknown_region(client: Client, payload: str, region: str) -> HttpResponse:
    return client.get(reverse("pools:list"), {"region": payload})


def _login_typed_back(client: Client, payload: str, region: str) -> HttpResponse:
    return Client().post(reverse("login"), {"username": payload, "password": "wrong"})


def _audit_event(client: Client, payload: str, region: str) -> HttpResponse:
    record_console_action(
        "test.escaping",
        pool_id=payload[:55],
        request={"name": payload},
        reason=payload,
        outcome="error",
        error_code="InvalidParameterException",
        error_message=payload,
    )
    return client.get(reverse("audit:list"))


def _developer_pool(region: str) -> tuple[object, str]:
    client = build_client(region, "local")
    pool_id = client.create_identity_pool(**full_pool_settings(IdentityPoolName="escaping"))["IdentityPoolId"]
    return client, pool_id


def _identity_page_with_developer_user(client: Client, payload: str, region: str) -> HttpResponse:
    cognito, pool_id = _developer_pool(region)
    identity = cognito.get_open_id_token_for_developer_identity(
        IdentityPoolId=pool_id, Logins={DEVELOPER: payload}
    )["IdentityId"]
    return client.get(reverse("identities:detail", args=[identity]), {"pool": pool_id})


def _lookup_of(client: Client, payload: str, region: str, **headers) -> HttpResponse:
    cache.clear()  # the lookup keeps pool lists for a minute; other tests' pools are gone
    _developer_pool(region)
    return client.get(reverse("identities:lookup"), {"q": payload}, **headers)


def _browser_with_developer_login(client: Client, payload: str, region: str) -> HttpResponse:
    cognito, pool_id = _developer_pool(region)
    cognito.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={DEVELOPER: payload})
    return client.get(reverse("identities:browser", args=[pool_id]))


def _tester_with_provider_named(client: Client, payload: str, region: str) -> HttpResponse:
    _, pool_id = _developer_pool(region)
    url = reverse("identities:signin_tester", args=[pool_id])
    return client.post(url, {"flow": "provider", "provider": payload[:128], "provider_token": "x"})


def _hostile_pool(region: str, payload: str) -> str:
    """A pool whose tags, principal tags and role-mapping rule carry the payload; its id."""
    client = build_client(region, "local")
    pool_id = client.create_identity_pool(**full_pool_settings(IdentityPoolTags={payload[:128]: payload}))[
        "IdentityPoolId"
    ]
    client.set_principal_tag_attribute_map(
        IdentityPoolId=pool_id,
        IdentityProviderName=GOOGLE,
        UseDefaults=False,
        PrincipalTags={payload[:128]: payload},
    )
    rule = {"Claim": "custom:x", "MatchType": "Equals", "Value": payload[:128], "RoleARN": AUTH_ROLE}
    client.set_identity_pool_roles(
        IdentityPoolId=pool_id,
        Roles={"authenticated": AUTH_ROLE},
        RoleMappings={
            GOOGLE: {
                "Type": "Rules",
                "AmbiguousRoleResolution": "Deny",
                "RulesConfiguration": {"Rules": [rule]},
            }
        },
    )
    return pool_id


def _pool_page(client: Client, payload: str, region: str, **headers) -> HttpResponse:
    return client.get(reverse("pools:detail", args=[_hostile_pool(region, payload)]), **headers)


def _pool_page_with_inventoried_provider(client: Client, payload: str, region: str) -> HttpResponse:
    # The inventory keeps whatever provider names ListIdentities gave: the counts' table shows them.
    pool_id = build_client(region, "local").create_identity_pool(
        IdentityPoolName="counted", AllowUnauthenticatedIdentities=True
    )["IdentityPoolId"]
    now = timezone.now()
    identities = [ListedIdentity(f"{region}:{uuid.uuid4()}", (payload,), now - dt.timedelta(days=2))]
    started = store.begin_sync(pool_id, started_at=now - dt.timedelta(hours=1))
    store.record_page(pool_id, identities, seen_at=started, sync_started=started)
    store.finish_sync(pool_id, started, disabled_checked=False)
    return client.get(reverse("pools:detail", args=[pool_id]))


def _pool_form(client: Client, payload: str, region: str, name: str) -> HttpResponse:
    return client.get(reverse(name, args=[_hostile_pool(region, payload)]))


def _tester(client: Client, payload: str, region: str) -> HttpResponse:
    pool_id = _hostile_pool(region, payload)
    claims = json.dumps({"sub": "u", "custom:x": payload, payload: payload})
    data = {"provider": GOOGLE, "claims": claims, "saml_roles": payload, "custom_role_arn": ""}
    return client.post(reverse("pools:role_tester", args=[pool_id]), data)


def _service_message_beside_a_field(client: Client, payload: str, region: str) -> HttpResponse:
    # The service quotes a refused ARN in its message; the account number makes it refuse.
    data = {"name": "hostile", "region": region, "oidc-0-arn": f"arn:aws:iam::12345:oidc-provider/{payload}"}
    return client.post(reverse("pools:new"), data)


def _edit_review(client: Client, payload: str, region: str) -> HttpResponse:
    pool_id = build_client(region, "local").create_identity_pool(
        IdentityPoolName="hostile", AllowUnauthenticatedIdentities=False
    )["IdentityPoolId"]
    page = client.get(reverse("pools:edit", args=[pool_id])).content.decode()
    base = html.unescape(re.search(r'name="base" value="([^"]*)"', page).group(1))
    data = {"name": "hostile", "base": base, "other-0-key": payload[:128], "other-0-value": "app"}
    return client.post(reverse("pools:edit", args=[pool_id]), data)


def _job_carrying(client: Client, payload: str, region: str) -> HttpResponse:
    user = get_user_model().objects.get(username="alice-admin")
    targets = [parsing.Target(1, payload, payload)]
    job = runner.create_job(
        "merge", f"{region}:0a1b2c3d-0000-4000-8000-000000000001", targets, reason=payload, user=user
    )
    Item.objects.filter(job=job).update(outcome="failed", error_code=payload[:128], message=payload)
    return client.get(reverse("jobs:detail", args=[job.pk]))


def _pasted_ids_reported_back(client: Client, payload: str, region: str) -> HttpResponse:
    pool_id = build_client(region, "local").create_identity_pool(
        IdentityPoolName="paste", AllowUnauthenticatedIdentities=True
    )["IdentityPoolId"]
    return client.post(reverse("jobs:new_delete"), {"pool_id": pool_id, "text": payload, "review": "1"})


def _merge_confirmation_sample(client: Client, payload: str, region: str) -> HttpResponse:
    user = get_user_model().objects.get(username="alice-admin")
    draft = Draft.objects.create(
        kind="merge",
        pool_id=f"{region}:0a1b2c3d-0000-4000-8000-000000000001",
        pool_name=payload,
        targets=[[1, payload, payload]],
        notes=[payload],
        created_by=user,
    )
    return client.get(reverse("jobs:confirm", args=[draft.pk]))


CASES = [
    Case("pools: NextToken quoted in the error", _token_error, lambda payload: f"{payload} x"),
    Case(
        "pools (htmx fragment): NextToken quoted in the error",
        lambda client, payload, region: _token_error(client, payload, region, HTTP_HX_REQUEST="true"),
        lambda payload: f"{payload} x",
    ),
    Case("pools: a pool tagged with the payload", _pool_list_with_tagged_pool),
    Case("region choice: the unknown region in the message", _unknown_region, lambda payload: payload, 400),
    Case("login: the username typed back into the form", _login_typed_back, lambda payload: payload),
    Case("login: next", lambda client, payload, region: Client().get(reverse("login"), {"next": payload})),
    Case("reauth: next", lambda client, payload, region: client.get(reverse("reauth"), {"next": payload})),
    Case(
        "audit: the filter typed back",
        lambda client, payload, region: client.get(reverse("audit:list"), {"user": payload}),
        lambda payload: payload,
    ),
    Case("audit: an event carrying the payload", _audit_event),
    Case("identity page: a developer user id", _identity_page_with_developer_user, lambda payload: payload),
    Case("lookup: the developer user id searched for", _lookup_of, lambda payload: payload),
    Case(
        "lookup (htmx fragment): the developer user id searched for",
        lambda client, payload, region: _lookup_of(client, payload, region, HTTP_HX_REQUEST="true"),
        lambda payload: payload,
    ),
    Case("identity browser: a pool with a developer login", _browser_with_developer_login),
    Case("sign-in tester: the provider name typed", _tester_with_provider_named),
    Case(
        "pools: the name filter typed back",
        lambda client, payload, region: client.get(reverse("pools:list"), {"q": payload}),
        lambda payload: payload.strip(),
    ),
    Case("pool page: tags, principal tags and a rule's value", _pool_page),
    Case(
        "pool page: identity counts and charts, a provider name",
        _pool_page_with_inventoried_provider,
        lambda payload: payload,
    ),
    Case(
        "pool page (htmx section): roles",
        lambda client, payload, region: _pool_page(
            client, payload, region, HTTP_HX_REQUEST="true", data={"section": "roles"}
        ),
    ),
    Case(
        "roles form: a rule's value",
        lambda client, payload, region: _pool_form(client, payload, region, "pools:roles"),
    ),
    Case(
        "tags form: keys and values",
        lambda client, payload, region: _pool_form(client, payload, region, "pools:tags"),
    ),
    Case("role tester: claims in the trace", _tester),
    Case("create form: the service's message beside the field", _service_message_beside_a_field),
    Case("edit review: a provider key in the diff", _edit_review, lambda payload: payload[:128]),
    Case(
        "jobs: the filters typed back",
        lambda client, payload, region: client.get(reverse("jobs:list"), {"who": payload}),
        lambda payload: payload,
    ),
    Case("jobs: a job whose items and reason carry the payload", _job_carrying, lambda payload: payload),
    Case(
        "jobs: pasted ids reported back with their line", _pasted_ids_reported_back, lambda payload: payload
    ),
    Case(
        "jobs: a merge confirmation listing the payload", _merge_confirmation_sample, lambda payload: payload
    ),
]


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_payload_is_shown_as_text(as_admin, region, case, payload):
    response = case.fetch(as_admin, payload, region)

    html = response.content.decode()
    assert response.status_code == case.status, f"{case.name}: {response.status_code}"
    assert_rendered_as_text(html, payload, case.shown(payload) if case.shown else None)
    assert_no_secrets(html)


def test_template_syntax_in_data_is_not_evaluated(as_admin, region):
    html = _token_error(as_admin, "{{7*7}}", region).content.decode()

    assert "Value &#x27;{{7*7}} x&#x27; at" in html or "Value '{{7*7}} x' at" in html
    assert "Value &#x27;49 x&#x27;" not in html


def test_the_checker_itself_catches_unescaped_markup():
    for payload in PAYLOADS[:2]:
        with pytest.raises(AssertionError):
            assert_rendered_as_text(f"<p>{payload}</p>", payload)
    # The console's own chart and job bar SVG are allowed; any other <svg>, or an event handler on it, is not.
    assert_rendered_as_text('<svg class="chart-svg" role="img"><title>x</title></svg>', "x")
    assert_rendered_as_text('<svg class="job-bar" role="img"><title>x</title></svg>', "x")
    with pytest.raises(AssertionError, match="svg"):
        assert_rendered_as_text('<svg class="chart"></svg>', "x")
    with pytest.raises(AssertionError, match="onload"):
        assert_rendered_as_text('<svg class="chart-svg" role="img" onload="alert(1)"></svg>', "x")
    with pytest.raises(AssertionError, match="javascript"):
        assert_rendered_as_text('<a href=" JavaScript:alert(1)">x</a>', "javascript:alert(1)")
