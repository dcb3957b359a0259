"""Registering a developer user: GetOpenIdTokenForDeveloperIdentity, its limits, and the token shown once."""

from __future__ import annotations

import json
import logging
import re

import pytest
from django.urls import reverse

from console.audit.models import AuditEvent
from tests.cognito import DEVELOPER
from tests.pools.helpers import field_error
from tests.secrets_scan import JWT
from tests.xss import PAYLOADS, assert_rendered_as_text

pytestmark = [pytest.mark.django_db]


def url(pool_id: str) -> str:
    return reverse("identities:register_developer", args=[pool_id])


def token_in(html: str) -> str:
    return re.search(r'<textarea id="issued-token"[^>]*>([^<]*)</textarea>', html).group(1)


@pytest.mark.parametrize("duration", ["0", "86401", "-5", "ten"])
def test_token_durations_outside_1_to_86400_are_refused_with_the_field_named(as_admin, pool_id, duration):
    response = as_admin.post(url(pool_id), {"user": "customer-1", "token_duration": duration})

    html = response.content.decode()
    assert response.status_code == 200
    assert field_error(html, "id_token_duration").startswith(
        "TokenDuration must be a whole number of seconds from 1 to 86,400"
    )
    assert re.search(
        r'<input[^>]*aria-invalid="true" aria-describedby="id_token_duration_helptext id_token_duration_error"'
        r'[^>]*id="id_token_duration"',
        html,
    )
    assert not AuditEvent.objects.filter(operation="GetOpenIdTokenForDeveloperIdentity").exists()


@pytest.mark.parametrize("duration", ["1", "86400"])
def test_the_limits_themselves_are_accepted(as_admin, pool_id, duration):
    html = as_admin.post(url(pool_id), {"user": "customer-1", "token_duration": duration}).content.decode()

    assert 'data-testid="registration-result"' in html


def test_it_shows_the_identity_and_the_tokens_claims_and_hides_the_token_behind_a_reveal(
    as_admin, cognito, pool_id, caplog
):
    caplog.set_level(logging.DEBUG)

    response = as_admin.post(
        url(pool_id),
        {"user": "customer-1", "token_duration": "600", "principal_tags": "team=blue\nplan = gold"},
    )

    html = response.content.decode()
    identity = re.search(r'data-testid="registered-identity">([^<]+)<', html).group(1)
    lookup = cognito.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier="customer-1")
    assert lookup["IdentityId"] == identity
    assert f"<code>{identity}</code>" in html  # the sub claim
    assert "<code>https://cognito-identity.amazonaws.com</code>" in html
    assert "&quot;authenticated&quot;" in html and DEVELOPER in html
    assert "&quot;plan&quot;: [&quot;gold&quot;]" in html
    token = token_in(html)
    assert JWT.fullmatch(token)
    # The token is on the page once, inside the closed <details> with its warning.
    assert html.count(token) == 1
    start = html.index('<details class="reveal"')
    reveal = html[start : html.index("</details>", start)]
    assert token in reveal and "Do not paste it into tickets" in reveal
    assert "no-store" in response["Cache-Control"]
    # Never stored or logged.
    event = AuditEvent.objects.get(operation="GetOpenIdTokenForDeveloperIdentity")
    stored = json.dumps([event.request, event.before, event.after, event.error_message])
    assert token not in stored
    assert event.after == {"DeveloperUserIdentifier": "customer-1"}
    assert token not in caplog.text


def test_a_developer_user_can_be_linked_to_an_existing_identity(as_admin, cognito, pool_id, guests):
    [guest] = guests(pool_id, 1)

    html = as_admin.post(url(pool_id), {"user": "customer-1", "identity_id": guest}).content.decode()

    assert f'data-testid="registered-identity">{guest}<' in html


def test_a_malformed_identity_id_is_refused_with_the_field_named(as_admin, pool_id):
    html = as_admin.post(url(pool_id), {"user": "customer-1", "identity_id": "guest-42"}).content.decode()

    assert "IdentityId must look like REGION:GUID" in html


def test_a_user_registered_elsewhere_gets_the_services_error(as_admin, pool_id, guests, developer_user):
    developer_user(pool_id, "customer-1")
    [guest] = guests(pool_id, 1)

    html = as_admin.post(url(pool_id), {"user": "customer-1", "identity_id": guest}).content.decode()

    assert "DeveloperUserAlreadyRegisteredException" in html
    assert 'data-testid="registration-result"' not in html


def test_principal_tags_over_the_models_limits_are_refused(as_admin, pool_id):
    too_many = "\n".join(f"tag{number}=value" for number in range(51))

    html = as_admin.post(url(pool_id), {"user": "customer-1", "principal_tags": too_many}).content.decode()
    bad_line = as_admin.post(url(pool_id), {"user": "customer-1", "principal_tags": "no equals sign"})

    assert "PrincipalTags: at most 50 tags (you gave 51)." in html
    assert "PrincipalTags line 1: write it as key=value." in bad_line.content.decode()


def test_a_pool_without_a_developer_provider_says_so(as_admin, cognito):
    plain = cognito.create_identity_pool(IdentityPoolName="plain", AllowUnauthenticatedIdentities=False)

    html = as_admin.get(url(plain["IdentityPoolId"])).content.decode()

    assert "This pool has no developer provider" in html
    assert 'name="user"' not in html


@pytest.mark.parametrize("role", ["as_support", "as_viewer"])
def test_only_admins_may_register(request, pool_id, role):
    client = request.getfixturevalue(role)

    assert client.get(url(pool_id)).status_code == 403
    assert client.post(url(pool_id), {"user": "customer-1"}).status_code == 403


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_user_id_is_shown_as_text(as_admin, pool_id, payload):
    html = as_admin.post(url(pool_id), {"user": payload}).content.decode()

    assert_rendered_as_text(html, payload, payload)
