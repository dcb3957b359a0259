"""Unlinking a login: UnlinkIdentity needs the user's current token, which the console never keeps."""

from __future__ import annotations

import json
import logging

import pytest
from django.urls import reverse

from console.audit.models import AuditEvent
from tests.cognito import FACEBOOK, GOOGLE, id_token
from tests.secrets_scan import assert_no_secrets

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]


def url(identity_id: str) -> str:
    return reverse("identities:unlink_login", args=[identity_id])


@pytest.fixture
def linked(cognito, pool_id) -> tuple[str, str]:
    """An identity with a Google and a Facebook login, and the user's current Google token."""
    google = id_token("ada")
    identity = cognito.get_id(IdentityPoolId=pool_id, Logins={GOOGLE: google})["IdentityId"]
    cognito.get_open_id_token(IdentityId=identity, Logins={GOOGLE: google, FACEBOOK: "ada-on-facebook"})
    return identity, google


def logins(cognito, identity_id: str) -> list[str]:
    return cognito.describe_identity(IdentityId=identity_id).get("Logins", [])


def test_the_form_says_the_users_token_is_needed_and_never_kept(as_support, pool_id, linked):
    identity, _ = linked

    html = as_support.get(url(identity), {"pool": pool_id}).content.decode()

    assert "the request must carry one of the identity's current logins" in html
    assert "never stores, logs or shows it" in html
    for provider in (GOOGLE, FACEBOOK):
        assert f'name="remove" value="{provider}"' in html


def test_support_unlinks_a_login_proven_with_the_users_token(as_support, cognito, pool_id, linked, caplog):
    identity, google = linked
    caplog.set_level(logging.DEBUG)

    response = as_support.post(
        url(identity),
        {
            "pool": pool_id,
            "proof_provider": GOOGLE,
            "proof_token": google,
            "remove": [FACEBOOK],
            "reason": "T-9",
        },
    )

    assert response.status_code == 302
    assert logins(cognito, identity) == [GOOGLE]
    event = AuditEvent.objects.get(operation="UnlinkIdentity")
    assert (event.outcome, event.reason, event.identity_id) == ("success", "T-9", identity)
    stored = json.dumps(event.request)
    assert google not in stored
    assert event.request["LoginsToRemove"] == [FACEBOOK]
    assert google not in caplog.text
    page = as_support.get(response["Location"]).content.decode()
    assert google not in page


def test_a_wrong_token_is_refused_and_never_put_back_into_the_page(as_support, cognito, pool_id, linked):
    identity, _ = linked
    stranger = id_token("somebody-else")

    response = as_support.post(
        url(identity),
        {
            "pool": pool_id,
            "proof_provider": GOOGLE,
            "proof_token": stranger,
            "remove": [FACEBOOK],
            "reason": "T-9",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "NotAuthorizedException" in html
    assert stranger not in html
    assert_no_secrets(html)
    assert "T-9" in html  # the reason is kept for the next try; the token is not
    assert sorted(logins(cognito, identity)) == sorted([GOOGLE, FACEBOOK])


def test_a_missing_token_or_reason_is_asked_for(as_support, pool_id, linked):
    identity, _ = linked

    html = as_support.post(
        url(identity), {"pool": pool_id, "proof_provider": GOOGLE, "remove": [FACEBOOK]}
    ).content.decode()

    assert 'id="id_proof_token_error"' in html
    assert 'id="id_reason_error"' in html
    assert 'aria-describedby="id_proof_token_helptext id_proof_token_error"' in html
    assert 'aria-describedby="id_reason_helptext id_reason_error"' in html
    assert not AuditEvent.objects.filter(operation="UnlinkIdentity").exists()


def test_an_identity_with_only_developer_logins_has_nothing_to_unlink_here(
    as_support, pool_id, developer_user
):
    identity = developer_user(pool_id, "customer-1")

    assert as_support.get(url(identity), {"pool": pool_id}).status_code == 404


def test_viewers_may_not_unlink_logins(as_viewer, pool_id, linked):
    identity, google = linked

    assert as_viewer.get(url(identity), {"pool": pool_id}).status_code == 403
    response = as_viewer.post(
        url(identity),
        {
            "pool": pool_id,
            "proof_provider": GOOGLE,
            "proof_token": google,
            "remove": [FACEBOOK],
            "reason": "x",
        },
    )
    assert response.status_code == 403


def test_the_token_is_hidden_from_error_reports(viewer, pool_id, linked, rf):
    # Django's error reports (and its debug page) show POST data; this field is masked there.
    from django.core.exceptions import PermissionDenied

    from console.identities.views.actions import unlink_login

    identity, google = linked
    request = rf.post(url(identity), {"pool": pool_id, "proof_token": google})
    request.user = viewer

    with pytest.raises(PermissionDenied):
        unlink_login(request, identity)

    assert request.sensitive_post_parameters == ("proof_token",)
