"""/healthz: what a load balancer or an operator sees."""

from __future__ import annotations

import json
import socket
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from django.db import connections
from django.urls import reverse

from console.emulator import wsgi as emulator_wsgi

# Nothing these pages log (at DEBUG) may hold a credential or the password typed.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_secret_logs")]

HEALTHZ = reverse("healthz")


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_everything_answering_gives_200_and_ok_for_each_component(client, redis_db):
    response = client.get(HEALTHZ)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "redis": "ok", "cognito": "ok"},
    }


def test_it_needs_no_login_and_is_never_cached(client, redis_db):
    response = client.get(HEALTHZ)

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


def test_an_unreachable_redis_gives_503_naming_redis(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = client.get(HEALTHZ)

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["redis"] == "error: ConnectionError"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["cognito"] == "ok"


def test_an_unreachable_cognito_endpoint_gives_503_naming_cognito(client, settings, redis_db):
    settings.COGNITO_ENDPOINT = f"http://127.0.0.1:{closed_port()}"

    response = client.get(HEALTHZ)

    assert response.status_code == 503
    body = response.json()
    assert body["checks"] == {"database": "ok", "redis": "ok", "cognito": "error: EndpointUnavailable"}
    # The page is public: it names the failing part, never the endpoint's address.
    assert settings.COGNITO_ENDPOINT not in response.content.decode()


def test_a_cognito_error_answer_is_reported_with_its_code(client, settings, redis_db):
    # A misconfigured endpoint value is caught too, not turned into a 500.
    settings.COGNITO_ENDPOINT = "not-an-endpoint"

    response = client.get(HEALTHZ)

    assert response.status_code == 503
    assert response.json()["checks"]["cognito"] == "error: ValueError"


def test_post_is_not_allowed(client):
    assert client.post(HEALTHZ).status_code == 405


@pytest.fixture
def silent_endpoint():
    """An endpoint that accepts connections and never answers (a hung proxy, say)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        yield f"http://127.0.0.1:{server.getsockname()[1]}"


def test_a_hung_cognito_endpoint_is_reported_after_one_short_attempt(
    client, settings, redis_db, silent_endpoint
):
    # Through the shared client (5 attempts x 30 s) this request would take minutes.
    settings.COGNITO_ENDPOINT = silent_endpoint

    response = client.get(HEALTHZ)

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


def test_a_remote_endpoint_that_answers_is_healthy(client, settings, redis_db, emulator_over_http):
    settings.COGNITO_ENDPOINT = emulator_over_http

    response = client.get(HEALTHZ)

    assert response.status_code == 200
    assert response.json()["checks"]["cognito"] == "ok"


def test_a_remote_endpoint_refusing_the_console_is_reported_with_its_code(
    client, settings, redis_db, refusing_endpoint
):
    settings.COGNITO_ENDPOINT = refusing_endpoint

    response = client.get(HEALTHZ)

    assert response.status_code == 503
    assert response.json()["checks"]["cognito"] == "error: UnrecognizedClientException"
