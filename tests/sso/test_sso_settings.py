"""Single sign-on settings from the environment: checked at start-up, and the CSP they open."""

from __future__ import annotations

import json

from django.conf import settings

from console.accounts.roles import ROLES
from tests.test_settings import _manage, _production_env

SECRET = "s3cr3t-never-shown-9d2e"
SSO_ENV = {
    "OIDC_ISSUER": "https://idp.example.com/oauth2/default",
    "OIDC_CLIENT_ID": "console",
    "OIDC_CLIENT_SECRET": SECRET,
    "OIDC_ROLE_MAP": "console-admins=admin,support-team=support",
}
_PROBE = """
import json
from django.conf import settings
from django.test import Client
answer = Client(HTTP_HOST="console.example.com", secure=True).get("/accounts/login/")
print("PROBE " + json.dumps({
    "csp": answer["Content-Security-Policy"],
    "page": answer.content.decode(),
    "map": settings.OIDC_ROLE_MAP,
    "scopes": settings.OIDC_SCOPES,
}))
"""


def _probe(tmp_path, **env: str) -> dict:
    # DEBUG: the page's static files come from the finders (no collectstatic here).
    result = _manage(tmp_path, "shell", "-c", _PROBE, **_production_env(tmp_path, DEBUG="true", **env))
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("PROBE "))
    return json.loads(line.removeprefix("PROBE "))


def _form_action(policy: str) -> list[str]:
    directive = next(part.split() for part in policy.split(";") if part.split()[:1] == ["form-action"])
    return directive[1:]


def test_form_action_adds_the_providers_origin_and_nothing_else(tmp_path):
    values = _probe(tmp_path, **SSO_ENV)

    assert _form_action(values["csp"]) == ["'self'", "https://idp.example.com"]
    assert values["scopes"] == "openid email profile"
    assert values["map"] == {"console-admins": "admin", "support-team": "support"}
    assert "Sign in with single sign-on" in values["page"]
    assert SECRET not in values["page"]


def test_without_oidc_issuer_the_policy_and_login_page_are_unchanged(tmp_path):
    values = _probe(tmp_path)

    assert _form_action(values["csp"]) == ["'self'"]
    assert "Sign in with" not in values["page"]


def test_oidc_issuer_without_the_client_stops_the_start_naming_what_is_missing(tmp_path):
    env = {**SSO_ENV, "OIDC_CLIENT_SECRET": "", "DEBUG": "true"}

    result = _manage(tmp_path, "check", **_production_env(tmp_path, **env))

    assert result.returncode != 0
    assert "OIDC_ISSUER is set, so OIDC_CLIENT_SECRET must be set too." in result.stderr


def test_a_role_map_naming_no_console_role_stops_the_start_without_showing_the_secret(tmp_path):
    env = {**SSO_ENV, "OIDC_ROLE_MAP": "console-admins=superuser", "DEBUG": "true"}

    result = _manage(tmp_path, "check", **_production_env(tmp_path, **env))

    assert result.returncode != 0
    assert "OIDC_ROLE_MAP: console-admins=superuser: 'superuser' is not a console role" in result.stderr
    assert SECRET not in result.stderr + result.stdout


def test_scopes_without_openid_stop_the_start(tmp_path):
    env = {**SSO_ENV, "OIDC_SCOPES": "email groups", "DEBUG": "true"}

    result = _manage(tmp_path, "check", **_production_env(tmp_path, **env))

    assert "must include openid" in result.stderr


def test_the_role_names_settings_accepts_are_the_console_roles():
    # settings.py cannot import the roles module (no app registry yet): it keeps a copy.
    from console import settings as settings_module

    assert settings_module._CONSOLE_ROLES == ROLES
    assert settings.OIDC_ISSUER == ""  # the test suite runs without single sign-on by default
