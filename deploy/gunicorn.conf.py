"""Gunicorn settings for the web service (the image's `web` command reads this file).

Every value can be changed with the environment variable named beside it.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    # An empty value (compose passes `${VAR:-}` through) means the default.
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND") or "0.0.0.0:8000"
# Sync workers with a few threads each: pages wait on Cognito and the database, not the CPU.
# (2 x CPUs) + 1 is gunicorn's own rule of thumb.
workers = _int("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 4)
# A page's slowest path is a lookup across every pool and region, paced by the rate limiter
# (COGNITO_RATE_LIMIT_WAIT); anything longer than this is stuck and its worker is restarted.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak cannot grow without end; jitter keeps them from
# all restarting at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Logs go to stdout/stderr, where the container runtime collects them; the console's own lines
# (JSON when DEBUG is off) come from Django's logging. The access log is off: the load balancer
# keeps one, and Django logs every error with its request id.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
# The container's /tmp may be a disk; heartbeat files belong in memory (gunicorn creates them
# with random names and unlinks them at once).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# No runtime control socket: the container's user has no home to put it in, and the image is
# managed by restarting containers, not by gunicornc.
control_socket_disable = True
# gunicorn turns X-Forwarded-Proto (and its other scheme headers) into an HTTPS request before
# Django looks, for any sender in forwarded_allow_ips (its default: 127.0.0.1, i.e. any process or
# sidecar on the host). Believe them only where settings.py does: when TRUSTED_PROXY_COUNT says a
# proxy of ours sets them. Then every sender is the proxy (FORWARDED_ALLOW_IPS narrows it).
if _int("TRUSTED_PROXY_COUNT", 0) > 0:
    forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "*"
else:
    forwarded_allow_ips = ""
    # Unix-socket connections skip the address check: no scheme header is believed at all.
    secure_scheme_headers: dict[str, str] = {}
