#!/bin/sh
# Entrypoint of the image. `web` migrates the database once, then starts gunicorn in place of
# this shell; every other command (celery worker, celery beat, manage.py emulator, ...) runs as
# given, without migrating: only the web service changes the schema, so scaled-out workers never
# race each other on it.
set -eu

if [ "$#" -eq 0 ] || [ "$1" = "web" ]; then
    [ "$#" -gt 0 ] && shift
    python manage.py migrate --noinput
    exec gunicorn console.wsgi --config deploy/gunicorn.conf.py "$@"
fi

exec "$@"
