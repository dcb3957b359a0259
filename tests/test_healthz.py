"""/healthz (liveness) and /readyz (readiness): what a load balancer, a stranger and an admin see."""

from __future__ import annotations

import json
import socket
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.db import connections
from django.urls import reverse

from console import views as probe_views
from console.emulator import wsgi as emulator_wsgi

# Nothing these pages log (at DEBUG) may hold a credential or the password typed.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]

HEALTHZ = reverse("healthz")
READYZ = reverse("readyz")


@pytest.fixture(autouse=True)
def _fresh_readiness():
    # Each test changes what the checks see; never reuse another test's cached result.
    probe_views.forget_readiness()
    yield
    probe_views.forget_readiness()


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- /healthz: liveness -----------------------------------------------------------------------


def test_liveness_answers_ok_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(HEALTHZ)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_liveness_stays_ok_when_redis_and_cognito_are_down(client, settings):
    # Liveness must not fail (and get the process restarted) because a dependency is away,
    # nor let anonymous requests spend Cognito quota.
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    settings.COGNITO_ENDPOINT = f"http://127.0.0.1:{closed_port()}"

    response = client.get(HEALTHZ)

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_liveness_answers_head_too(client):
    assert client.head(HEALTHZ).status_code == 200


# --- /readyz: readiness -------------------------------------------------------------------------


def test_everything_answering_gives_200_and_ok_for_each_component_to_an_admin(as_admin, redis_db):
    response = as_admin.get(READYZ)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "cognito": "ok"},
    }


def test_it_needs_no_login_and_is_never_cached(client, redis_db):
    for url in (HEALTHZ, READYZ):
        response = client.get(url)

        assert response.status_code == 200
        assert "no-cache" in response["Cache-Control"]


def test_anyone_but_an_admin_sees_only_up_or_down(client, as_viewer, as_support, redis_db, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    for visitor in (client, as_viewer, as_support):
        response = visitor.get(READYZ)

        assert response.status_code == 503
        assert response.json() == {"status": "error"}
        assert b"ConnectionError" not in response.content


def test_the_checks_run_once_per_few_seconds_whatever_the_traffic(
    client, redis_db, django_assert_num_queries
):
    assert client.get(READYZ).status_code == 200

    # Within the cache period: no database query, no Redis ping, no Cognito call.
    with django_assert_num_queries(0):
        again = [client.get(READYZ) for _ in range(5)]

    assert {response.status_code for response in again} == {200}


def test_a_cached_result_expires(client, redis_db, settings, monkeypatch):
    assert client.get(READYZ).status_code == 200
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    assert client.get(READYZ).status_code == 200  # still the cached answer

    monkeypatch.setattr(probe_views, "READINESS_CACHE_SECONDS", 0)

    assert client.get(READYZ).status_code == 503


def test_an_unreachable_redis_gives_503_naming_redis(as_admin, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = as_admin.get(READYZ)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["redis"] == "error: ConnectionError"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cognito"] == "ok"


def test_an_unreachable_cognito_endpoint_gives_503_naming_cognito(as_admin, settings, redis_db):
    settings.COGNITO_ENDPOINT = f"http://127.0.0.1:{closed_port()}"

    response = as_admin.get(READYZ)

    assert response.status_code == 503
    body = response.json()
    assert body["checks"] == {"database": "ok", "redis": "ok", "cognito": "error: EndpointUnavailable"}
    # Even to an admin it names the failing part, never the endpoint's address.
    assert settings.COGNITO_ENDPOINT not in response.content.decode()


def test_a_cognito_error_answer_is_reported_with_its_code(as_admin, settings, redis_db):
    # A misconfigured endpoint value is caught too, not turned into a 500.
    settings.COGNITO_ENDPOINT = "not-an-endpoint"

    response = as_admin.get(READYZ)

    assert response.status_code == 503
    assert response.json()["checks"]["cognito"] == "error: ValueError"


def test_post_is_not_allowed(client):
    assert client.post(HEALTHZ).status_code == 405
    assert client.post(READYZ).status_code == 405


@pytest.fixture
def silent_endpoint():
    """An endpoint that accepts connections and never answers (a hung proxy, say)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def test_a_hung_cognito_endpoint_is_reported_after_one_short_attempt(
    as_admin, settings, redis_db, silent_endpoint
):
    # Through the shared client (5 attempts x 30 s) this request would take minutes.
    settings.COGNITO_ENDPOINT = silent_endpoint

    response = as_admin.get(READYZ)

    assert response.status_code == 503
    assert response.json()["checks"]["cognito"] == "error: EndpointUnavailable"


def _serve(app) -> tuple[str, WSGIServer]:
    server = make_server("127.0.0.1", 0, app, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def emulator_over_http():
    """The embedded service behind a real HTTP server, as `manage.py emulator` serves it."""

    def app(environ, start_response):
        # The server thread opens its own database connection; close it after each request
        # so no session outlives the test (PostgreSQL cannot drop a test database in use).
        try:
            return emulator_wsgi.application(environ, start_response)
        finally:
            connections.close_all()

    url, server = _serve(app)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture
def refusing_endpoint():
    """An endpoint answering every call the way Cognito answers unknown credentials."""

    def app(environ, start_response):
        body = json.dumps(
            {"__type": "UnrecognizedClientException", "message": "The security token is invalid."}
        )
        start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.1")])
        return [body.encode()]

    url, server = _serve(app)
    yield url
    server.shutdown()
    server.server_close()


def test_a_remote_endpoint_that_answers_is_healthy(as_admin, settings, redis_db, emulator_over_http):
    settings.COGNITO_ENDPOINT = emulator_over_http

    response = as_admin.get(READYZ)

    assert response.status_code == 200
    assert response.json()["checks"]["cognito"] == "ok"


def test_a_remote_endpoint_refusing_the_console_is_reported_with_its_code(
    as_admin, settings, redis_db, refusing_endpoint
):
    settings.COGNITO_ENDPOINT = refusing_endpoint

    response = as_admin.get(READYZ)

    assert response.status_code == 503
    assert response.json()["checks"]["cognito"] == "error: UnrecognizedClientException"
