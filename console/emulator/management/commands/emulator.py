"""Serve the embedded Cognito Identity service over HTTP for outside clients."""

from __future__ import annotations

import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from console.emulator.wsgi import DEFAULT_THREADS, make_server

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9229


def parse_addrport(value: str) -> tuple[str, int]:
    """'PORT', 'HOST:PORT' or '[IPv6]:PORT' -> (host, port)."""
    host, separator, port_text = value.rpartition(":")
    if not separator:
        host, port_text = DEFAULT_HOST, value
    host = host.strip("[]") or DEFAULT_HOST
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise CommandError(f"{value!r} is not a port or HOST:PORT.")
    return host, int(port_text)


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _keep_connections_per_thread() -> None:
    # Each worker thread keeps one connection for its life: opening one costs about as
    # much as answering a call on SQLite. The WSGI app still drops a broken connection
    # after each request, and the health check replaces one the database server closed.
    for alias in connections:
        connections.settings[alias]["CONN_MAX_AGE"] = None
        connections.settings[alias]["CONN_HEALTH_CHECKS"] = True
    connections.close_all()


def _stop_on_signals() -> None:
    # SIGINT too: a shell starts background jobs with it ignored, and `kill -INT` should still stop us.
    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)


class Command(BaseCommand):
    help = (
        "Serve the embedded Cognito Identity service (AWS JSON 1.1) over HTTP, "
        f"by default on {DEFAULT_HOST}:{DEFAULT_PORT}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "addrport", nargs="?", default=f"{DEFAULT_HOST}:{DEFAULT_PORT}", help="PORT or HOST:PORT"
        )
        parser.add_argument(
            "--threads", type=int, default=DEFAULT_THREADS, help="worker threads (default %(default)s)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = parse_addrport(options["addrport"])
        if options["threads"] < 1:
            raise CommandError("--threads must be at least 1.")
        # DEBUG's SQL query log is never read in this process, and on SQLite it costs
        # one extra query per query.
        settings.DEBUG = False
        _keep_connections_per_thread()
        server = make_server(host, port, threads=options["threads"])
        try:
            server.prepare()
        except OSError as exc:
            raise CommandError(f"Cannot listen on {host}:{port}: {exc}") from exc
        bound, bound_port = server.bind_addr[:2]
        # A wildcard address is no Host name a client can send; the loopback one is allowed.
        url = _url("127.0.0.1" if bound in ("0.0.0.0", "::") else bound, bound_port)  # noqa: S104 - compared, not bound
        region = settings.AWS_REGIONS[0]
        self.stdout.write(
            f"Cognito Identity emulator listening on {_url(bound, bound_port)} ({options['threads']} threads)\n"
            f"Answering Host names: {', '.join(settings.EMULATOR_ALLOWED_HOSTS)} (EMULATOR_ALLOWED_HOSTS); "
            f"CORS origins: {', '.join(settings.EMULATOR_CORS_ORIGINS) or 'none'} (EMULATOR_CORS_ORIGINS)\n"
            f"Try: AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws --region {region} "
            f"--endpoint-url {url} cognito-identity list-identity-pools --max-results 10\n"
            "Stop with Ctrl-C."
        )
        self.stdout.flush()
        _stop_on_signals()
        try:
            server.serve()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
            connections.close_all()
        self.stdout.write("Emulator stopped.")
