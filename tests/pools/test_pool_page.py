"""The pool page: settings, roles and mappings, principal tags, tags and the role tester, each a
section; read-only for viewers and support, with edit buttons for admins."""

from __future__ import annotations

import re

import pytest

from tests.cognito import AUTH_ROLE, FACEBOOK, GOOGLE, UNAUTH_ROLE, USER_POOL, pool_arn
from tests.pools.helpers import detail_url, text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]

EDIT_BUTTONS = (
    "Edit settings",
    "Edit roles and mappings",
    "Edit tags",
    "Delete pool",
    "Edit principal tags for",
)
STAFF = "arn:aws:iam::000000000000:role/staff"


@pytest.fixture
def configured(cognito, pool_id):
    cognito.set_identity_pool_roles(
        IdentityPoolId=pool_id,
        Roles={"authenticated": AUTH_ROLE, "unauthenticated": UNAUTH_ROLE},
        RoleMappings={
            f"{USER_POOL}:appclient1": {
                "Type": "Rules",
                "AmbiguousRoleResolution": "Deny",
                "RulesConfiguration": {
                    "Rules": [
                        {
                            "Claim": "cognito:groups",
                            "MatchType": "Contains",
                            "Value": "staff",
                            "RoleARN": STAFF,
                        },
                        {"Claim": "email", "MatchType": "StartsWith", "Value": "ops@", "RoleARN": AUTH_ROLE},
                    ]
                },
            },
            GOOGLE: {"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"},
        },
    )
    cognito.set_principal_tag_attribute_map(
        IdentityPoolId=pool_id, IdentityProviderName=GOOGLE, UseDefaults=True
    )
    cognito.set_principal_tag_attribute_map(
        IdentityPoolId=pool_id,
        IdentityProviderName=FACEBOOK,
        UseDefaults=False,
        PrincipalTags={"user": "sub"},
    )
    cognito.tag_resource(ResourceArn=pool_arn(pool_id), Tags={"team": "shop", "env": "prod"})
    return pool_id


def test_the_page_shows_every_section_of_the_pool(as_viewer, configured):
    response = as_viewer.get(detail_url(configured))

    html = response.content.decode()
    page = text(html)
    assert response.status_code == 200
    assert html.count("<h1") == 1  # one heading (it carries an id: a rename swaps it in place)
    for heading in (
        "Settings",
        "Roles and role mappings",
        "Attributes for access control (principal tags)",
        "Tags",
    ):
        assert f">{heading}</h2>" in html
    assert f"Pool id {configured}" in page
    assert f"ARN {pool_arn(configured)}" in page
    assert f"Facebook {FACEBOOK} : 1234567890" in page
    assert "Guest access Allowed" in page


def test_roles_say_which_role_guests_get(as_viewer, configured):
    page = text(as_viewer.get(detail_url(configured)).content.decode())

    assert f"Authenticated role {AUTH_ROLE}" in page
    assert f"Guest access is on: guests get the guest role {UNAUTH_ROLE} ." in page


def test_roles_say_when_guests_are_not_allowed_at_all(as_viewer, make_pool, cognito):
    pool_id = make_pool("members only", AllowUnauthenticatedIdentities=False)
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"unauthenticated": UNAUTH_ROLE})

    page = text(as_viewer.get(detail_url(pool_id)).content.decode())

    assert "Guest access is off: no identity gets the guest role (it is set, but unused)." in page


def test_roles_warn_when_guests_are_allowed_without_a_guest_role(as_viewer, pool_id):
    page = text(as_viewer.get(detail_url(pool_id)).content.decode())

    assert "Guest access is on, but no guest role is set: guests cannot get credentials." in page


def test_role_mappings_are_listed_per_provider_with_their_rules_in_order(as_viewer, configured):
    page = text(as_viewer.get(detail_url(configured)).content.decode())

    assert (
        f"Cognito user pool {USER_POOL}:appclient1 Rules, first match wins: "
        f"cognito:groups Contains “staff” → {STAFF} email StartsWith “ops@” → {AUTH_ROLE} Deny the request"
    ) in page
    assert (
        f"Google {GOOGLE} From the token: cognito:preferred_role , or the only role in cognito:roles The authenticated role"
        in page
    )
    assert f"Facebook {FACEBOOK} The default authenticated role —" in page


def test_principal_tags_show_the_services_defaults_as_such_and_custom_maps(as_viewer, configured):
    page = text(as_viewer.get(detail_url(configured)).content.decode())

    assert (
        f"Google {GOOGLE} Uses the service's default mapping: Defaults the service applies Tag key Claim username sub client aud"
        in page
    )
    assert f"Facebook {FACEBOOK} Custom mapping: Tag key → claim Tag key Claim user sub" in page
    assert "Inactive: no principal tags." in page


def test_tags_are_listed(as_viewer, configured):
    page = text(as_viewer.get(detail_url(configured)).content.decode())

    assert "Tags Key Value env prod team shop" in page


@pytest.mark.parametrize("client_name", ["as_viewer", "as_support"])
def test_viewers_and_support_see_every_section_read_only(request, client_name, configured):
    html = request.getfixturevalue(client_name).get(detail_url(configured)).content.decode()

    for button in EDIT_BUTTONS:
        assert button not in html
    assert (
        "/edit" not in html and "/roles" not in html and "/tags" not in html and "/principal-tags" not in html
    )


def test_admins_get_a_button_to_edit_each_section_in_place(as_admin, configured):
    html = as_admin.get(detail_url(configured)).content.decode()

    for button in EDIT_BUTTONS:
        assert button in html
    for target in ("#section-settings", "#section-roles", "#section-tags", "#section-principal-tags"):
        assert f'hx-target="{target}"' in html


def test_the_role_tester_is_offered_to_support_and_admins_not_viewers(
    as_viewer, as_support, as_admin, pool_id
):
    assert "Role-resolution tester" not in as_viewer.get(detail_url(pool_id)).content.decode()
    assert "Test role resolution" in as_support.get(detail_url(pool_id)).content.decode()
    assert "Test role resolution" in as_admin.get(detail_url(pool_id)).content.decode()


def test_admins_get_the_pools_audit_history(as_admin, as_viewer, pool_id):
    link = f'<a class="history-link" href="/audit/?pool={pool_id.replace(":", "%3A")}">History</a>'

    assert link in as_admin.get(detail_url(pool_id)).content.decode()
    assert link not in as_viewer.get(detail_url(pool_id)).content.decode()


def test_the_header_selects_the_pools_region(as_viewer, pool_id, settings):
    settings.AWS_REGIONS = ["eu-west-1", "us-east-1"]

    html = as_viewer.get(detail_url(pool_id)).content.decode()

    assert re.search(r'<option value="us-east-1"\s+selected>', html)


@pytest.mark.parametrize("section", ["settings", "roles", "principal_tags", "tags", "tester"])
def test_htmx_gets_one_section_alone(as_admin, configured, section):
    response = as_admin.get(detail_url(configured), {"section": section}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith(f'<section id="section-{section.replace("_", "-")}"')
    assert html.count("<section") == 1


def test_a_section_that_fails_shows_its_own_error(as_admin, pool_id, cognito):
    cognito.delete_identity_pool(IdentityPoolId=pool_id)

    response = as_admin.get(detail_url(pool_id), {"section": "settings"}, HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="section-settings"')
    assert "ResourceNotFoundException" in html


def test_the_page_works_without_a_section_asked_for_by_htmx(as_admin, pool_id):
    html = as_admin.get(detail_url(pool_id), HTTP_HX_REQUEST="true").content.decode()

    assert "<html" in html  # no known section: the whole page


def test_a_pool_that_does_not_exist_is_a_404_with_the_services_message(as_viewer, region):
    response = as_viewer.get(detail_url(f"{region}:00000000-0000-4000-8000-000000000000"))

    assert response.status_code == 404
    assert "ResourceNotFoundException" in response.content.decode()
    assert "Check the id: the pool or identity may have been deleted or be in another region." in text(
        response.content.decode()
    )


def test_a_pool_id_naming_a_region_the_console_does_not_know_is_refused(as_viewer):
    response = as_viewer.get(detail_url("ap-south-1:00000000-0000-4000-8000-000000000000"))

    assert response.status_code == 404
    assert "Region “ap-south-1” is not one of this console's regions (AWS_REGIONS: us-east-1)." in text(
        response.content.decode()
    )


def test_the_page_is_get_only(as_admin, pool_id):
    assert as_admin.post(detail_url(pool_id)).status_code == 405
