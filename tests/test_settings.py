"""Deploy-time settings: Django's deploy checks pass, secrets are required, headers are strict."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from console.safeguards.reauth import PASSWORD_AT
from tests.conftest import PASSWORD

MANAGE = str(settings.BASE_DIR / "manage.py")


def _manage(tmp_path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py with only the given settings in the environment (plus PATH)."""
    environment = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **env}
    return subprocess.run(
        [sys.executable, MANAGE, *args],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _production_env(tmp_path, **overrides: str) -> dict[str, str]:
    env = {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "console.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'console.sqlite3'}",
    }
    env.update(overrides)
    return env


def test_the_deploy_check_passes_with_production_settings(tmp_path):
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **_production_env(tmp_path))

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deploy_check_catches_a_weak_secret_key(tmp_path):
    # Proves the check above really looks: the same run with a short key fails.
    env = _production_env(tmp_path, SECRET_KEY="too-short")

    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **env)

    assert result.returncode != 0
    assert "security.W009" in result.stderr


def test_settings_refuse_to_load_without_a_secret_key_when_debug_is_off(tmp_path):
    env = _production_env(tmp_path)
    del env["SECRET_KEY"]

    result = _manage(tmp_path, "check", **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_a_command_without_a_secret_key_says_how_to_run_locally_without_a_traceback(tmp_path):
    # What the README's create_console_user looked like on a laptop: DEBUG unset.
    env = _production_env(tmp_path)
    del env["SECRET_KEY"], env["DEBUG"]

    result = _manage(tmp_path, "create_console_user", "alice", "--role", "viewer", **env)

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "DEBUG=true" in result.stderr and "make user NAME=alice ROLE=admin" in result.stderr


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.strip().split() for part in header.split(";") if part.strip())
    return {words[0]: words[1:] for words in parts}


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["login", "pools:list", "reauth"])
def test_pages_forbid_inline_scripts_and_allow_only_own_scripts_and_styles(as_viewer, url_name):
    response = as_viewer.get(reverse(url_name), follow=True)

    policy = _directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["login", "pools:list", "reauth"])
def test_pages_carry_no_inline_script_or_style_the_policy_would_block(as_viewer, url_name):
    response = as_viewer.get(reverse(url_name), follow=True)
    page = response.content.decode()

    assert response.status_code == 200
    assert "<h1" in page
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", page)
    assert "<style" not in page
    assert not re.search(r"\sstyle=", page)
    assert not re.search(r"\son[a-z]+=", page)


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["login", "pools:list", "healthz"])
def test_responses_forbid_framing_and_content_sniffing(as_viewer, redis_db, url_name):
    response = as_viewer.get(reverse(url_name))

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_session_cookie_is_hidden_from_scripts_and_other_sites(client, viewer):
    response = client.post(reverse("login"), {"username": viewer.username, "password": PASSWORD})

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


_PRODUCTION_PROBE = """
import json
from django.conf import settings
from django.test import Client

names = [
    "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "SESSION_SAVE_EVERY_REQUEST", "X_FRAME_OPTIONS",
]
values = {name: getattr(settings, name) for name in names}
client = Client(HTTP_HOST="console.example.com")
plain = client.get("/accounts/login/")
behind_proxy = client.get("/accounts/logout/", HTTP_X_FORWARDED_PROTO="https")
values["plain_http"] = [plain.status_code, plain.get("Location")]
values["https_hsts"] = behind_proxy.get("Strict-Transport-Security")
values["forwarded_https"] = [behind_proxy.status_code, behind_proxy.get("Location")]
values["healthz_over_http"] = client.get("/healthz").status_code != 301
values["readyz_over_http"] = client.get("/readyz").status_code != 301
print("PROBE " + json.dumps(values))
"""


def _probe(tmp_path, **overrides: str) -> dict:
    result = _manage(tmp_path, "shell", "-c", _PRODUCTION_PROBE, **_production_env(tmp_path, **overrides))

    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("PROBE "))
    return json.loads(line.removeprefix("PROBE "))


def test_a_production_settings_load_has_https_hsts_and_secure_cookies(tmp_path):
    values = _probe(tmp_path, TRUSTED_PROXY_COUNT="1")

    assert values == {
        "DEBUG": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "SESSION_SAVE_EVERY_REQUEST": True,
        "X_FRAME_OPTIONS": "DENY",
        "plain_http": [301, "https://console.example.com/accounts/login/"],
        "https_hsts": "max-age=31536000; includeSubDomains; preload",
        # Taken as HTTPS: the proxy said so, so no redirect (the page itself wants a sign-in).
        "forwarded_https": [302, "/accounts/login/?next=/accounts/logout/"],
        # The load balancer's health check may speak plain HTTP.
        "healthz_over_http": True,
        "readyz_over_http": True,
    }


def test_without_a_trusted_proxy_a_client_cannot_claim_https_itself(tmp_path):
    # TRUSTED_PROXY_COUNT=0 (the default): X-Forwarded-Proto comes from the client, not a proxy.
    values = _probe(tmp_path)

    assert values["SECURE_PROXY_SSL_HEADER"] is None
    assert values["forwarded_https"] == [301, "https://console.example.com/accounts/logout/"]
    assert values["https_hsts"] is None


def _csrf_token_of(page: str) -> str:
    match = re.search(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'", page)
    assert match, "the page does not hand htmx the CSRF token"
    return match.group(1)


@pytest.fixture
def strict_client(viewer):
    """A client that, like a browser, is held to CSRF checks."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(viewer)
    return client


@pytest.mark.django_db
def test_an_htmx_post_without_the_csrf_header_is_refused(strict_client):
    strict_client.get(reverse("pools:list"))
    entered_at = strict_client.session.get(PASSWORD_AT)

    response = strict_client.post(reverse("reauth"), {"password": PASSWORD}, HTTP_HX_REQUEST="true")

    assert response.status_code == 403
    # The refused POST changed nothing: the password was not taken as entered again.
    assert strict_client.session.get(PASSWORD_AT) == entered_at


@pytest.mark.django_db
def test_an_htmx_post_with_the_pages_csrf_header_is_accepted(strict_client):
    token = _csrf_token_of(strict_client.get(reverse("pools:list")).content.decode())
    entered_at = strict_client.session.get(PASSWORD_AT) or 0

    response = strict_client.post(
        reverse("reauth"), {"password": PASSWORD}, HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=token
    )

    assert response.status_code == 302
    assert strict_client.session[PASSWORD_AT] > entered_at


@pytest.mark.django_db
def test_a_post_with_a_token_from_another_session_is_refused(strict_client, client, support):
    client.force_login(support)
    foreign = _csrf_token_of(client.get(reverse("pools:list")).content.decode())
    strict_client.get(reverse("pools:list"))
    entered_at = strict_client.session.get(PASSWORD_AT)

    response = strict_client.post(reverse("reauth"), {"password": PASSWORD}, HTTP_X_CSRFTOKEN=foreign)

    assert response.status_code == 403
    assert strict_client.session.get(PASSWORD_AT) == entered_at


@pytest.mark.django_db
def test_the_login_form_itself_needs_its_csrf_token(viewer):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("login"), {"username": viewer.username, "password": PASSWORD})

    assert response.status_code == 403


@pytest.mark.django_db
def test_a_form_post_with_too_many_fields_is_refused(as_viewer):
    fields = {f"field{number}": "x" for number in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    assert as_viewer.post(reverse("reauth"), fields).status_code == 400


@pytest.mark.django_db
def test_a_form_post_over_one_mebibyte_is_refused(as_viewer):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 1024 * 1024

    response = as_viewer.post(reverse("reauth"), {"password": "x" * (1024 * 1024 + 1)})

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe' is not a boolean"),
        ("EMULATOR_QUOTAS", "enabled", "EMULATOR_QUOTAS='enabled' is not a boolean"),
        ("LOGIN_FAILURE_LIMIT", "five", "LOGIN_FAILURE_LIMIT='five' is not a whole number"),
        ("SESSION_IDLE_TIMEOUT", "0", "SESSION_IDLE_TIMEOUT=0 is below its minimum of 1"),
        ("TRUSTED_PROXY_COUNT", "1.5", "TRUSTED_PROXY_COUNT='1.5' is not a whole number"),
        ("DB_CONN_MAX_AGE", "forever", "DB_CONN_MAX_AGE='forever' is not a whole number"),
        ("EMULATOR_VERIFY_TOKENS", "jkws", "EMULATOR_VERIFY_TOKENS='jkws' is not one of: trust, jwks"),
        ("EMULATOR_VERIFY_TOKENS", "jwks", "EMULATOR_VERIFY_TOKENS=jwks needs EMULATOR_JWKS_FILE"),
        ("LOG_LEVEL", "verbose", "LOG_LEVEL='verbose' is not one of"),
    ],
)
def test_a_setting_that_cannot_be_read_stops_the_start_naming_the_variable(tmp_path, variable, value, said):
    env = _production_env(tmp_path, **{variable: value})
    if variable != "DEBUG":
        env["DEBUG"] = "true"

    result = _manage(tmp_path, "check", **env)

    assert result.returncode != 0
    assert said in result.stderr


def test_under_debug_a_django_warning_is_logged_once(tmp_path):
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('django.request').warning('probe-line-%s', 42)"
    )
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), **_production_env(tmp_path)}
    env["DEBUG"] = "true"
    env["DJANGO_SETTINGS_MODULE"] = "console.settings"

    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr.count("probe-line-42") == 1
    assert "WARNING django.request [-]: probe-line-42" in result.stderr


def _configuration_table_variables() -> set[str]:
    """The variables named in the first column of docs/configuration.md's table."""
    table = (settings.BASE_DIR / "docs" / "configuration.md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_the_configuration_table_lists_every_variable_settings_reads():
    source = (settings.BASE_DIR / "console" / "settings.py").read_text()
    read = set(
        re.findall(
            r'(?:os\.environ\.get|os\.environ\[|_bool|_int|_list|_choice|_pairs|_rates)\(\s*"([A-Z][A-Z0-9_]+)"',
            source,
        )
    )
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "JOB_WINDOW", "LOG_FORMAT"} <= read
    assert read - _configuration_table_variables() == set()


def test_every_variable_in_the_configuration_table_is_read_by_the_project_or_boto3():
    readers = [
        settings.BASE_DIR / "console" / "settings.py",
        settings.BASE_DIR / "deploy" / "gunicorn.conf.py",
        settings.BASE_DIR / "console" / "localrun" / "redis.py",
    ]
    sources = "".join(path.read_text() for path in readers)
    for variable in _configuration_table_variables():
        assert variable.startswith("AWS_") or f'"{variable}"' in sources, variable


def test_migrating_as_another_role_is_for_postgresql_only(tmp_path):
    env = _production_env(tmp_path, MIGRATE_DATABASE_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}")

    result = _manage(tmp_path, "migrate", "--noinput", **env)

    assert result.returncode != 0
    assert "MIGRATE_DATABASE_URL is for PostgreSQL" in result.stderr
    assert "Applying" not in result.stdout
