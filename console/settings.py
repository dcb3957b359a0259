"""Settings for the Cognito Identity Console.

Every deploy-time value comes from the environment (listed in
docs/configuration.md) and has a safe default for development.
"""

from __future__ import annotations

import copy
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool = False) -> bool:
    """A boolean variable: true/false, 1/0, yes/no or on/off; anything else stops the start."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in _TRUE | _FALSE:
        return value in _TRUE
    raise ImproperlyConfigured(
        f"{name}={os.environ[name]!r} is not a boolean: use true or false (or 1/0, yes/no, on/off)."
    )


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """A whole-number variable of at least `minimum`; anything else stops the start, naming it."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={text!r} is not a whole number.") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below its minimum of {minimum}.")
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    """One of `choices` (case-insensitive); anything else stops the start, naming the variable."""
    value = os.environ.get(name, "").strip().lower() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name}={value!r} is not one of: {', '.join(choices)}.")
    return value


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_pairs(name: str, separator: str) -> dict[str, str]:
    """'KEY<separator>VALUE,KEY2<separator>VALUE2' from the environment, as a dict."""
    pairs: dict[str, str] = {}
    for position, item in enumerate(env_list(name, ""), start=1):
        key, found, value = item.partition(separator)
        if not found or not key.strip() or not value.strip():
            # The item itself is not shown: it may hold a secret.
            raise ImproperlyConfigured(f"{name}: item {position} is not KEY{separator}VALUE.")
        pairs[key.strip()] = value.strip()
    return pairs


def env_rates(name: str) -> dict[str, float]:
    """'Operation=rate,...' from the environment: requests per second, each above zero."""
    rates: dict[str, float] = {}
    for operation, text in env_pairs(name, "=").items():
        try:
            rate = float(text)
        except ValueError:
            rate = 0.0  # refused just below, like any other rate that is not above zero
        if not rate > 0:
            raise ImproperlyConfigured(f"{name}: {operation}={text} is not a rate above zero.")
        rates[operation] = rate
    return rates


def _development_secret_key() -> str:
    # Generated once and kept in an ignored file, so sessions survive restarts.
    path = BASE_DIR / ".secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. For a local run, set DEBUG=true as `make run` "
            "does (a key is then kept in .secret_key), e.g. `make user NAME=alice ROLE=admin`."
        )
    SECRET_KEY = _development_secret_key()

# With DEBUG on, an unknown address shows Django's list of URL patterns only when this is on.
SHOW_TECHNICAL_404 = env_bool("SHOW_TECHNICAL_404", False)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if not DEBUG else "*")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "console.accounts",
    "console.safeguards",
    "console.audit",
    "console.identities",
    "console.emulator",
    "console.localrun",
    "console.inventory",
    "console.jobs",
    "console.sso",
]

MIDDLEWARE = [
    # First, so every log line and every answer (error pages included) carries the id.
    "console.requestid.RequestIdMiddleware",
    # Refuses a body too large (413) or without a length (411) from its headers alone, before
    # anything below reads it (console/safeguards/requestbody.py).
    "console.safeguards.requestbody.RequestSizeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # An anonymous upload goes to the login page unread: CsrfViewMiddleware reads the body in its
    # process_view, which runs only after every middleware's __call__, this one's included.
    "console.safeguards.requestbody.AnonymousBodyMiddleware",
    # Makes the signed-in user and client IP the actor of audit events.
    "console.audit.actor.AuditActorMiddleware",
    # Every URL's access rule, from console/accounts/permissions.py (replaces LoginRequiredMiddleware).
    "console.accounts.permissions.PermissionMatrixMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A view whose Cognito call is throttled answers 429 with a page that retries itself.
    "console.errorpages.ThrottledMiddleware",
    "csp.middleware.CSPMiddleware",
    # With DEBUG on (make run), "not found" is the console's page unless SHOW_TECHNICAL_404.
    "console.errorpages.ConsoleNotFoundMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "console.urls"
WSGI_APPLICATION = "console.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "console.accounts.context_processors.console",
            ],
            # {% partialdef %} without {% load %}, as Django 6 has it built in; intcomma on every
            # page, for the one number format of counts (1,200).
            "builtins": [
                "template_partials.templatetags.partials",
                "django.contrib.humanize.templatetags.humanize",
            ],
        },
    }
]

# Database: SQLite file by default; PostgreSQL in production via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process, the Celery worker and the emulator read while one writes;
    # IMMEDIATE transactions plus a busy timeout make writers queue instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file (not :memory:) so that a server started by a test in another process
    # (the emulator over HTTP) can open the same test database.
    _name = Path(DATABASES["default"]["NAME"])
    DATABASES["default"]["TEST"] = {"NAME": str(_name.with_name(f"test-{_name.name}"))}

# On PostgreSQL, the owner of the tables, which `manage.py migrate` (and the image's entrypoint)
# connect as when set; DATABASE_URL is then a role that owns nothing, granted by migrate what the
# app needs: read and append on the audit trail, never UPDATE, DELETE or TRUNCATE
# (console/audit/grants.py, docs/deploy.md).
MIGRATE_DATABASE_URL = os.environ.get("MIGRATE_DATABASE_URL", "").strip()

# Audit events are written on a connection of their own to the same database
# (console/audit/record.py), so that no rollback of the caller's transaction removes them.
# In tests it mirrors "default": it reaches the test database, never the real one.
DATABASES["audit"] = {**copy.deepcopy(DATABASES["default"]), "TEST": {"MIRROR": "default"}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: Celery broker, the shared rate limiter and the cache. `make run` sets it (an embedded
# Redis when none answers on 127.0.0.1:6379).
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

# Django's cache, in the same Redis (console/cache.py): what saves calls from the account's
# Cognito quota (the developer-pool catalog, which pool an identity is in) is shared by every
# process. It fails open: without Redis, pages work and ask Cognito instead.
CACHES = {
    "default": {
        "BACKEND": "console.cache.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "console:cache",
        "OPTIONS": {"socket_connect_timeout": 1.0, "socket_timeout": 1.0},
    }
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# Bulk jobs (console/jobs, docs/jobs.md). The ledger in the database is the truth; the
# broker only carries "run chunk n of job j" messages, and the reconciler (Celery beat, every
# JOB_RECONCILE_SECONDS) re-sends what a dead worker or a restarted Redis lost.
JOB_CHUNK_TIME_LIMIT = env_int("JOB_CHUNK_TIME_LIMIT", 120, minimum=2)
# A claimed chunk whose worker stopped answering is taken back after its lease; the lease
# outlives the time limit, so a chunk still running is never taken from a live worker.
JOB_LEASE_SECONDS = env_int("JOB_LEASE_SECONDS", JOB_CHUNK_TIME_LIMIT + 30, minimum=1)
if JOB_LEASE_SECONDS <= JOB_CHUNK_TIME_LIMIT:
    raise ImproperlyConfigured(
        f"JOB_LEASE_SECONDS={JOB_LEASE_SECONDS} must be longer than JOB_CHUNK_TIME_LIMIT={JOB_CHUNK_TIME_LIMIT}."
    )
# A chunk sent to the broker but not claimed after this long is sent again (its message was lost).
JOB_REDISPATCH_SECONDS = env_int("JOB_REDISPATCH_SECONDS", 60, minimum=1)
JOB_RECONCILE_SECONDS = env_int("JOB_RECONCILE_SECONDS", 5, minimum=1)
# Chunks of one job waiting in the broker at a time: enough to keep every worker busy, few
# enough that a cancel or a lost message is noticed quickly.
JOB_WINDOW = env_int("JOB_WINDOW", 8, minimum=1)
# A chunk whose lease expired this many times (its worker died each time) fails its items.
JOB_MAX_LOST_LEASES = env_int("JOB_MAX_LOST_LEASES", 3, minimum=1)
# How often beat looks for due prune schedules and finished scheduled dry runs.
JOB_SCHEDULE_SECONDS = env_int("JOB_SCHEDULE_SECONDS", 30, minimum=1)
# Export files (console/jobs/export.py), named by job id. Every worker host and the web servers
# must see the same folder (a shared volume) when they run on more than one machine.
JOB_EXPORT_DIR = Path(os.environ.get("JOB_EXPORT_DIR", "").strip() or BASE_DIR / ".run" / "exports")
# A finished export's file is removed this many days after it finished.
JOB_EXPORT_RETENTION_DAYS = env_int("JOB_EXPORT_RETENTION_DAYS", 7, minimum=1)
CELERY_TASK_TIME_LIMIT = JOB_CHUNK_TIME_LIMIT
CELERY_TASK_SOFT_TIME_LIMIT = max(1, JOB_CHUNK_TIME_LIMIT - max(1, JOB_CHUNK_TIME_LIMIT // 10))
# Redis hands an unacknowledged message to another worker after visibility_timeout: it must be
# longer than any chunk can run, or a running chunk would be started twice.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)
if CELERY_VISIBILITY_TIMEOUT <= JOB_LEASE_SECONDS:
    raise ImproperlyConfigured(
        f"CELERY_VISIBILITY_TIMEOUT={CELERY_VISIBILITY_TIMEOUT} must be longer than JOB_LEASE_SECONDS={JOB_LEASE_SECONDS}."
    )
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_BEAT_SCHEDULE = {
    "reconcile-jobs": {
        "task": "console.jobs.reconcile",
        "schedule": float(JOB_RECONCILE_SECONDS),
        # A reconcile still queued when the next one is due is useless: let it expire.
        "options": {"expires": float(JOB_RECONCILE_SECONDS * 2)},
    },
    # Scheduled prunes (console/jobs/schedules.py): due runs start within this many seconds.
    "run-prune-schedules": {
        "task": "console.jobs.run_schedules",
        "schedule": float(JOB_SCHEDULE_SECONDS),
        "options": {"expires": float(JOB_SCHEDULE_SECONDS * 2)},
    },
    # Removes export files past their retention (console/jobs/export.py expire_files).
    "expire-export-files": {
        "task": "console.jobs.expire_export_files",
        "schedule": 600.0,
        "options": {"expires": 600.0},
    },
}

# Cognito: "local" (embedded service, in-process), "aws", or an http(s):// endpoint URL.
COGNITO_ENDPOINT = os.environ.get("COGNITO_ENDPOINT", "local")
AWS_REGIONS = env_list("AWS_REGIONS", "us-east-1")
EMULATOR_ACCOUNT_ID = os.environ.get("EMULATOR_ACCOUNT_ID", "000000000000")
EMULATOR_MAX_POOLS_PER_REGION = env_int("EMULATOR_MAX_POOLS_PER_REGION", 1000, minimum=1)
# Login tokens: "trust" decodes provider JWTs without checking signatures (iss/aud/exp still
# checked); "jwks" also verifies signatures with the keys in EMULATOR_JWKS_FILE, a JSON file
# {"<Logins key>": {"keys": [<JWK>, ...], "client_ids": [...]}} ("client_ids" optional, OIDC only).
EMULATOR_VERIFY_TOKENS = env_choice("EMULATOR_VERIFY_TOKENS", "trust", ("trust", "jwks"))
EMULATOR_JWKS_FILE = os.environ.get("EMULATOR_JWKS_FILE", "")
if EMULATOR_VERIFY_TOKENS == "jwks" and not Path(EMULATOR_JWKS_FILE).is_file():
    raise ImproperlyConfigured(
        f"EMULATOR_VERIFY_TOKENS=jwks needs EMULATOR_JWKS_FILE to name a readable JSON file "
        f"(it is {EMULATOR_JWKS_FILE!r})."
    )
# SigV4 verification: "AKID:SECRET,AKID2:SECRET2". Empty (the default): any request is served.
EMULATOR_ACCESS_KEYS = env_pairs("EMULATOR_ACCESS_KEYS", ":")
# `manage.py emulator` answers only requests whose Host is one of these (ALLOWED_HOSTS syntax:
# ".example.com" for a domain and its subdomains, "*" for any), so a web page reached under
# another name (DNS rebinding) cannot use it; and sends CORS headers only to these origins
# ("http://localhost:*": that scheme and host on any port; "*": any origin).
EMULATOR_ALLOWED_HOSTS = env_list("EMULATOR_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
EMULATOR_CORS_ORIGINS = env_list("EMULATOR_CORS_ORIGINS", "http://localhost:*,http://127.0.0.1:*")
# Simulated request-rate quotas (TooManyRequestsException), per account, region and operation;
# EMULATOR_QUOTA_OVERRIDES="GetId=50,ListIdentities=20" changes rates (requests per second).
EMULATOR_QUOTAS = env_bool("EMULATOR_QUOTAS", False)
EMULATOR_QUOTA_OVERRIDES = env_rates("EMULATOR_QUOTA_OVERRIDES")

# The gateway's shared rate limiter (console/aws/limiter.py): a token bucket in Redis per
# endpoint, region and operation, so every process together stays under the account's quota.
# COGNITO_RATE_LIMITS="DeleteIdentities=8,ListIdentities=5" replaces the defaults (requests
# per second); a page waits at most COGNITO_RATE_LIMIT_WAIT seconds for its turn, then answers
# at once with a page that retries itself (console/errorpages.py), so no web thread is held
# queueing for the quota.
COGNITO_RATE_LIMITER = env_bool("COGNITO_RATE_LIMITER", True)
COGNITO_RATE_LIMITS = env_rates("COGNITO_RATE_LIMITS")
COGNITO_RATE_LIMIT_WAIT = env_int("COGNITO_RATE_LIMIT_WAIT", 1)
# Identity lookups ask every pool with a developer provider, and a bulk delete's pool check asks
# about every id: at most this many calls at once.
LOOKUP_WORKERS = env_int("LOOKUP_WORKERS", 4, minimum=1)
# The identity browser keeps an admin's selection for a bulk delete in the session, which is
# written on every request: at most this many ids a pool (about 50 bytes each).
IDENTITY_SELECTION_MAX = env_int("IDENTITY_SELECTION_MAX", 1000, minimum=1)

# Audit: how many reverse proxies of ours append to X-Forwarded-For. 0 (the default)
# records REMOTE_ADDR; n > 0 records the address the n-th proxy from the app saw.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

# Accounts
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "pools:list"
LOGOUT_REDIRECT_URL = "login"
# A session ends after SESSION_IDLE_TIMEOUT seconds without a request (saved on every request,
# so the expiry slides: one session write per page view), SESSION_MAX_AGE seconds after signing
# in however active it is (PermissionMatrixMiddleware), and when the browser closes.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 3600, minimum=1)
SESSION_MAX_AGE = env_int("SESSION_MAX_AGE", 8 * 3600, minimum=1)
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie.
CSRF_FAILURE_VIEW = "console.errorpages.csrf_failure"

# Destructive actions ask for the password again when it was last typed longer ago than this.
REAUTH_MAX_AGE_SECONDS = env_int("REAUTH_MAX_AGE_SECONDS", 300)

# Sign-in throttling (django-axes): LOGIN_FAILURE_LIMIT wrong passwords for one username from
# one address (one /64 for IPv6) lock that pair out for LOGIN_COOLOFF_MINUTES, and
# LOGIN_ADDRESS_FAILURE_LIMIT for any usernames lock the address (`manage.py axes_reset` unlocks).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # With OIDC_ISSUER set, refuses the password of every account not in OIDC_PASSWORD_USERS.
    "console.sso.backends.BreakGlassOnlyBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Signs in through OIDC_ISSUER (console/sso/); does nothing without it.
    "console.sso.backends.ConsoleOIDCBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "console.accounts.views.lockout_response"
# The audit trail's client address, as its /64 network for IPv6 (console/accounts/throttling.py).
AXES_CLIENT_IP_CALLABLE = "console.accounts.throttling.throttle_address"
# Also locks an address after LOGIN_ADDRESS_FAILURE_LIMIT failures for any usernames (password spraying).
AXES_HANDLER = "console.accounts.throttling.AddressLimitedHandler"
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no start-up banner from every process

# Single sign-on (console/sso/, docs/sso.md): OpenID Connect with the company's identity
# provider. Without OIDC_ISSUER nothing changes. With it, the login page offers "Sign in with
# OIDC_PROVIDER_NAME", roles come from the OIDC_ROLE_CLAIM claim through OIDC_ROLE_MAP at every
# sign-in, and only the OIDC_PASSWORD_USERS accounts (break-glass) may still use a password.
OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").strip()
OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "").strip()
OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "").strip()
OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "").strip() or "single sign-on"
OIDC_SCOPES = " ".join(os.environ.get("OIDC_SCOPES", "").split()) or "openid email profile"
OIDC_USERNAME_CLAIM = os.environ.get("OIDC_USERNAME_CLAIM", "").strip() or "preferred_username"
OIDC_ROLE_CLAIM = os.environ.get("OIDC_ROLE_CLAIM", "").strip() or "groups"
# "group=role,...": "*" for everyone the provider signs in; the strongest role matched wins.
OIDC_ROLE_MAP = env_pairs("OIDC_ROLE_MAP", "=")
OIDC_PASSWORD_USERS = env_list("OIDC_PASSWORD_USERS", "")
# The console's roles (console/accounts/roles.py ROLES; tests/sso/test_settings_sso.py keeps them equal).
_CONSOLE_ROLES = ("admin", "support", "viewer")
for _group, _role in OIDC_ROLE_MAP.items():
    if _role not in _CONSOLE_ROLES:
        raise ImproperlyConfigured(
            f"OIDC_ROLE_MAP: {_group}={_role}: {_role!r} is not a console role ({', '.join(_CONSOLE_ROLES)})."
        )
if OIDC_ISSUER:
    if urlsplit(OIDC_ISSUER).scheme not in ("https", "http") or not urlsplit(OIDC_ISSUER).netloc:
        raise ImproperlyConfigured(
            f"OIDC_ISSUER={OIDC_ISSUER!r} is not an https:// URL (http:// only for a test provider)."
        )
    # The secret's value is never part of a message.
    _missing = [name for name in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET") if not globals()[name]]
    if _missing:
        raise ImproperlyConfigured(f"OIDC_ISSUER is set, so {' and '.join(_missing)} must be set too.")
    if "openid" not in OIDC_SCOPES.split():
        raise ImproperlyConfigured(f"OIDC_SCOPES={OIDC_SCOPES!r} must include openid.")
# mozilla-django-oidc's own settings, from the ones above; the provider's endpoints come from its
# discovery document (console/sso/provider.py), fetched at the first sign-in, not at start-up.
OIDC_RP_CLIENT_ID = OIDC_CLIENT_ID
OIDC_RP_CLIENT_SECRET = OIDC_CLIENT_SECRET
OIDC_RP_SCOPES = OIDC_SCOPES
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_USE_NONCE = True
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_TIMEOUT = 10
OIDC_CREATE_USER = True
LOGIN_REDIRECT_URL_FAILURE = "login"

# Request size: form posts are small. Uploaded files are not counted in DATA_UPLOAD_MAX_MEMORY_SIZE
# (above FILE_UPLOAD_MAX_MEMORY_SIZE they spool to a temporary file, in TMPDIR);
# validate_upload in console/safeguards/uploads.py refuses any over UPLOAD_MAX_BYTES.
# Cap the whole request at the reverse proxy too.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 5
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
# A request whose Content-Length is above UPLOAD_MAX_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE gets 413
# unread, and an anonymous upload the login page (console/safeguards/requestbody.py); of a
# signed-in user's file, the handlers after the first keep at most UPLOAD_MAX_BYTES + 1 bytes.
FILE_UPLOAD_HANDLERS = [
    "console.safeguards.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Security headers; the production ones apply whenever DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    if TRUSTED_PROXY_COUNT > 0:
        # Only a proxy of ours may say the client used HTTPS: without one, a client could send
        # X-Forwarded-Proto itself and skip the redirect.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Content-Security-Policy: only this site's own scripts and styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if OIDC_ISSUER:
    # Signing out posts to the console, which redirects to the provider's end_session_endpoint;
    # a destructive form's post may redirect to the provider to re-authenticate. Both are form
    # submissions the policy must let reach the provider's origin, and nothing else.
    _issuer = urlsplit(OIDC_ISSUER)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_issuer.scheme}://{_issuer.netloc}")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG

LOG_LEVEL = env_choice("LOG_LEVEL", "info", ("debug", "info", "warning", "error", "critical")).upper()
# "json": one JSON object per line (console/jsonlog.py), for a log collector; "plain": for people.
LOG_FORMAT = env_choice("LOG_FORMAT", "plain" if DEBUG else "json", ("json", "plain"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "console.requestid.RequestIdFilter"},
        # Beat's every-5-seconds reconciler lines at DEBUG (console/tasklog.py).
        "routine_tasks": {"()": "console.tasklog.RoutineTaskFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"},
        "json": {"()": "console.jsonlog.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["routine_tasks", "request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default config gives "django" a console handler of its own under DEBUG;
        # with ours on the root every django.* line would print twice. One handler: the root's.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "botocore": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        # At DEBUG Django logs every SQL statement with its parameters, which would put the
        # emulator's signing key and login subjects in the log.
        "django.db.backends": {"level": "INFO"},
        # At DEBUG Django logs every template variable a page leaves unset, with a dump of the
        # whole context: page tokens, developer user ids, whatever the page holds.
        "django.template": {"level": "INFO"},
    },
}
