#!/bin/sh
# Entrypoint of the image. `web` migrates the database once, then starts gunicorn in place of
# this shell; `emulator` serves the embedded Cognito service (below); every other command
# (celery worker, celery beat, manage.py ...) runs as given, without migrating: only the web
# service changes the console's schema, so scaled-out workers never race each other on it.
set -eu

if [ "$#" -eq 0 ] || [ "$1" = "web" ]; then
    [ "$#" -gt 0 ] && shift
    # As the tables' owner when MIGRATE_DATABASE_URL is set (docs/deploy.md: two database
    # roles); the web server then runs without it, as DATABASE_URL's role only.
    python manage.py migrate --noinput
    unset MIGRATE_DATABASE_URL
    exec gunicorn console.wsgi --config deploy/gunicorn.conf.py "$@"
fi

# The embedded Cognito service (compose profile "local"), on its own: its own database
# (DATABASE_URL, migrated here), a signing key of its own made at each start (its paging tokens
# only; never the console's SECRET_KEY), and never unsigned on a network.
if [ "$1" = "emulator" ]; then
    shift
    if [ -z "${EMULATOR_ACCESS_KEYS:-}" ]; then
        echo "EMULATOR_ACCESS_KEYS must be set (AKID:SECRET): the emulator serves only signed requests on a network." >&2
        exit 1
    fi
    SECRET_KEY="$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
    export SECRET_KEY
    unset MIGRATE_DATABASE_URL
    python manage.py migrate --noinput
    exec python manage.py emulator 0.0.0.0:9229 "$@"
fi

exec "$@"
