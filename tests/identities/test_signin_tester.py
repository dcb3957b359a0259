"""The sign-in tester: the real public flow, each step shown with secrets masked, or where it failed."""

from __future__ import annotations

import re
import time

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from console.audit.models import AuditEvent
from console.identities.forms import SignInTestForm
from console.safeguards.reauth import PASSWORD_AT
from tests.cognito import AUTH_ROLE, GOOGLE, id_token
from tests.secrets_scan import assert_no_secrets

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]


def url(pool_id: str) -> str:
    return reverse("identities:signin_tester", args=[pool_id])


def steps(html: str) -> list[tuple[str, str]]:
    """(operation, ok|failed|refused) of each step shown."""
    found = re.findall(
        r'data-operation="(\w+)">\s*<h3><code>\w+</code> (?:<span class="[^"]*">(\w+)</span>)', html
    )
    return [(operation, outcome) for operation, outcome in found]


def run(client, pool_id: str, **fields: str):
    return client.post(url(pool_id), fields)


def test_the_page_warns_that_running_it_creates_or_touches_identities(as_support, pool_id):
    html = as_support.get(url(pool_id)).content.decode()

    assert "A guest test creates a new identity every time" in html
    assert "Every run is recorded in the audit trail" in html
    assert f'<option value="{GOOGLE}">' in html  # the pool's providers are offered


def test_a_guest_signs_in(as_support, support, pool_id, with_roles):
    with_roles(pool_id)

    response = run(as_support, pool_id, flow="unauthenticated")

    html = response.content.decode()
    assert "Signed in: every step succeeded" in html
    assert steps(html) == [("GetId", "ok"), ("GetCredentialsForIdentity", "ok")]
    assert escape('"SecretKey": "•••• masked"') in html and escape('"SessionToken": "•••• masked"') in html
    assert_no_secrets(html)
    event = AuditEvent.objects.get(operation="identities.signin_test")
    assert (event.actor, event.outcome, event.pool_id) == (support.username, "success", pool_id)
    assert event.request["flow"] == "unauthenticated"
    assert event.identity_id.startswith("us-east-1:")


def test_a_provider_login_walks_getid_getopenidtoken_and_getcredentials(as_support, pool_id, with_roles):
    with_roles(pool_id)
    token = id_token("ada")

    response = run(
        as_support, pool_id, flow="provider", provider=GOOGLE, provider_token=token, custom_role_arn=AUTH_ROLE
    )

    html = response.content.decode()
    assert steps(html) == [("GetId", "ok"), ("GetOpenIdToken", "ok"), ("GetCredentialsForIdentity", "ok")]
    assert token not in html
    assert escape(f'"{GOOGLE}": "•••• masked"') in html
    assert escape(f'"CustomRoleArn": "{AUTH_ROLE}"') in html
    assert "<code>amr</code>" in html  # the OpenID token's claims, not the token
    assert_no_secrets(html)


def test_an_enhanced_flow_only_pool_skips_the_basic_flow_step_and_goes_on(as_support, make_pool, with_roles):
    pool_id = make_pool("enhanced only", AllowClassicFlow=False)
    with_roles(pool_id)

    html = run(
        as_support, pool_id, flow="provider", provider=GOOGLE, provider_token=id_token("ada")
    ).content.decode()

    assert steps(html) == [
        ("GetId", "ok"),
        ("GetOpenIdToken", "refused"),
        ("GetCredentialsForIdentity", "ok"),
    ]
    assert "This pool allows only the enhanced flow" in html
    assert "Signed in: every step succeeded" in html


def test_a_developer_user_signs_in_with_the_cognito_token(as_admin, pool_id, with_roles):
    with_roles(pool_id)

    html = run(as_admin, pool_id, flow="developer", developer_user="customer-1").content.decode()

    assert steps(html) == [("GetOpenIdTokenForDeveloperIdentity", "ok"), ("GetCredentialsForIdentity", "ok")]
    assert escape('"cognito-identity.amazonaws.com": "•••• masked"') in html
    assert_no_secrets(html)
    assert AuditEvent.objects.get(operation="GetOpenIdTokenForDeveloperIdentity").reason == "Sign-in tester"


def _failed(html: str, operation: str, code: str, hint: str) -> None:
    assert f"Failed at {operation}" in html
    assert steps(html)[-1] == (operation, "failed")
    assert f"<strong>{code}</strong>" in html
    assert hint in html


def test_guests_not_allowed(as_support, make_pool, with_roles):
    pool_id = make_pool("no guests", AllowUnauthenticatedIdentities=False)
    with_roles(pool_id)

    html = run(as_support, pool_id, flow="unauthenticated").content.decode()

    _failed(html, "GetId", "NotAuthorizedException", "Guests are not allowed in this pool")
    event = AuditEvent.objects.get(operation="identities.signin_test")
    assert (event.outcome, event.error_code) == ("error", "NotAuthorizedException")
    assert event.error_message.startswith("GetId: Unauthenticated access is not supported")


def test_no_role_configured(as_support, pool_id):
    html = run(as_support, pool_id, flow="unauthenticated").content.decode()

    _failed(
        html,
        "GetCredentialsForIdentity",
        "InvalidIdentityPoolConfigurationException",
        "No IAM role is configured",
    )


def test_unknown_provider(as_support, pool_id, with_roles):
    with_roles(pool_id)

    html = run(
        as_support, pool_id, flow="provider", provider="login.unknown.example", provider_token="someone"
    ).content.decode()

    _failed(html, "GetId", "NotAuthorizedException", "That provider is not configured on this pool")


def test_disabled_identity(as_support, cognito, pool_id, with_roles, guests):
    with_roles(pool_id)
    [guest] = guests(pool_id, 1)
    cognito.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: id_token("ada")})
    # The guest signs in as a known user: merged into that user's identity, and disabled.
    cognito.get_credentials_for_identity(IdentityId=guest, Logins={GOOGLE: id_token("ada")})

    html = run(as_support, pool_id, flow="unauthenticated", identity_id=guest).content.decode()

    assert steps(html) == [("GetCredentialsForIdentity", "failed")]
    _failed(html, "GetCredentialsForIdentity", "NotAuthorizedException", "The identity is disabled")


def test_ambiguous_mapping_denied(as_support, pool_id, with_roles):
    with_roles(
        pool_id,
        RoleMappings={
            GOOGLE: {
                "Type": "Rules",
                "AmbiguousRoleResolution": "Deny",
                "RulesConfiguration": {
                    "Rules": [
                        {"Claim": "hd", "MatchType": "Equals", "Value": "example.org", "RoleARN": AUTH_ROLE}
                    ]
                },
            }
        },
    )

    html = run(
        as_support, pool_id, flow="provider", provider=GOOGLE, provider_token=id_token("ada")
    ).content.decode()

    _failed(html, "GetCredentialsForIdentity", "NotAuthorizedException", "No role-mapping rule matched")
    # RoleMappings turn the basic flow off: that step is refused and the run goes on.
    assert ("GetOpenIdToken", "refused") in steps(html)


def test_the_form_asks_for_what_the_flow_needs(as_support, pool_id):
    html = run(as_support, pool_id, flow="provider").content.decode()

    assert "Name the provider" in html and "Paste the user&#x27;s current token" in html
    assert not AuditEvent.objects.filter(operation="identities.signin_test").exists()


def test_the_developer_flow_needs_a_developer_provider(as_support, cognito):
    plain = cognito.create_identity_pool(IdentityPoolName="plain", AllowUnauthenticatedIdentities=True)

    html = run(
        as_support, plain["IdentityPoolId"], flow="developer", developer_user="customer-1"
    ).content.decode()

    assert "This pool has no developer provider" in html


def test_an_htmx_run_swaps_only_the_result(as_support, pool_id, with_roles):
    with_roles(pool_id)

    response = as_support.post(url(pool_id), {"flow": "unauthenticated"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="signin-result"')
    assert "Signed in: every step succeeded" in html


def test_the_identity_page_link_starts_from_that_identity(as_support, pool_id, guests):
    [guest] = guests(pool_id, 1)

    html = as_support.get(url(pool_id), {"identity_id": guest}).content.decode()

    assert f'name="identity_id" value="{guest}"' in html


def test_viewers_may_not_run_it(as_viewer, pool_id):
    assert as_viewer.get(url(pool_id)).status_code == 403
    assert run(as_viewer, pool_id, flow="unauthenticated").status_code == 403
    assert not AuditEvent.objects.filter(operation="identities.signin_test").exists()


def test_the_admin_may_run_it_too(as_admin, pool_id, with_roles):
    with_roles(pool_id)

    assert "every step succeeded" in run(as_admin, pool_id, flow="unauthenticated").content.decode()


def test_support_cannot_link_a_new_developer_user_to_a_guest_identity(
    as_support, cognito, pool_id, with_roles, guests
):
    # The developer flow registers unknown developer users and links them to the IdentityId
    # sent: registration is for admins, so the flow is too, and the page says so.
    with_roles(pool_id)
    guest = guests(pool_id, 1)[0]

    response = run(
        as_support, pool_id, flow="developer", developer_user="made-by-support-001", identity_id=guest
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "The developer user flow is for admins" in html
    assert "data-operation=" not in html  # nothing was called
    assert not AuditEvent.objects.filter(operation="GetOpenIdTokenForDeveloperIdentity").exists()
    assert cognito.describe_identity(IdentityId=guest).get("Logins", []) == []
    assert (
        cognito.lookup_developer_identity(IdentityPoolId=pool_id, IdentityId=guest).get(
            "DeveloperUserIdentifierList", []
        )
        == []
    )
    assert "for admins only" in as_support.get(url(pool_id)).content.decode()


def test_the_developer_flow_asks_for_the_password_again_as_registering_does(as_admin, pool_id, with_roles):
    # It links developer users to identities: that changes who can get which credentials.
    with_roles(pool_id)
    session = as_admin.session
    session[PASSWORD_AT] = time.time() - 3600
    session.save()

    response = run(as_admin, pool_id, flow="developer", developer_user="customer-1")

    assert response.status_code == 302 and response.url.startswith("/accounts/reauth/")
    assert not AuditEvent.objects.filter(operation="GetOpenIdTokenForDeveloperIdentity").exists()
    # A guest's sign-in changes nobody's access: it runs without the password.
    assert "every step succeeded" in run(as_admin, pool_id, flow="unauthenticated").content.decode()


def test_the_result_fragment_varies_on_hx_request(as_support, pool_id, with_roles):
    with_roles(pool_id)

    response = as_support.post(url(pool_id), {"flow": "unauthenticated"}, HTTP_HX_REQUEST="true")

    assert "Signed in: every step succeeded" in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_the_developer_flow_is_offered_only_for_a_pool_with_a_developer_provider():
    def shown(developer_provider: str) -> str:
        form = SignInTestForm(developer_provider=developer_provider)
        return "".join(render_to_string("_field.html", {"field": field}) for field in form)

    without, with_provider = shown(""), shown("login.example.app")

    assert re.search(r'<input type="radio" name="flow" value="developer"[^>]*\bdisabled\b', without)
    assert not re.search(r'value="developer"[^>]*\bdisabled\b', with_provider)
    assert "Developer user identifier, for a developer user (login.example.app)</label>" in with_provider


def _tester_link(client, identity_id: str, pool_id: str) -> str:
    page = client.get(reverse("identities:detail", args=[identity_id]), {"pool": pool_id}).content.decode()
    found = re.search(r'href="([^"]*/sign-in-test\?[^"]*)"', page)
    assert found, "the identity page links to the sign-in tester"
    return found.group(1).replace("&amp;", "&")


def _checked_flow(html: str) -> str:
    [flow] = re.findall(r'<input type="radio" name="flow" value="(\w+)"[^>]*\bchecked\b', html)
    return flow


def test_the_identity_page_of_a_developer_user_opens_the_developer_flow_with_its_id(
    as_admin, pool_id, developer_user
):
    identity = developer_user(pool_id, "customer-42")

    html = as_admin.get(_tester_link(as_admin, identity, pool_id)).content.decode()

    assert _checked_flow(html) == "developer"
    assert 'name="developer_user" value="customer-42"' in html
    assert f'name="identity_id" value="{identity}"' in html


def test_support_sees_the_developer_user_filled_in_but_the_flow_still_closed(
    as_support, pool_id, developer_user
):
    identity = developer_user(pool_id, "customer-43")

    html = as_support.get(_tester_link(as_support, identity, pool_id)).content.decode()

    assert _checked_flow(html) == "unauthenticated"
    assert re.search(r'<input type="radio" name="flow" value="developer"[^>]*\bdisabled\b', html)
    assert "for admins only" in html
    assert 'name="developer_user" value="customer-43"' in html


def test_a_guest_identity_page_still_opens_the_guest_flow(as_admin, pool_id, guests):
    [guest] = guests(pool_id, 1)

    link = _tester_link(as_admin, guest, pool_id)
    html = as_admin.get(link).content.decode()

    assert "developer_user" not in link
    assert _checked_flow(html) == "unauthenticated"
