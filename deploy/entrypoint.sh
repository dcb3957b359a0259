#!/bin/sh
# Entrypoint of the image. `web` migrates the database once, then starts gunicorn in place of
# this shell; every other command (celery worker, celery beat, manage.py emulator, ...) runs as
# given, without migrating: only the web service changes the schema, so scaled-out workers never
# race each other on it.
set -eu

if [ "$#" -eq 0 ] || [ "$1" = "web" ]; then
    [ "$#" -gt 0 ] && shift
    # As the tables' owner when MIGRATE_DATABASE_URL is set (README "Deploy": two database
    # roles); the web server then runs without it, as DATABASE_URL's role only.
    python manage.py migrate --noinput
    unset MIGRATE_DATABASE_URL
    exec gunicorn console.wsgi --config deploy/gunicorn.conf.py "$@"
fi

exec "$@"
