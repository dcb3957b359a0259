#!/bin/sh
# Creates the console's runtime role, once: the postgres image runs the scripts in
# /docker-entrypoint-initdb.d when its volume is first initialised (docker-compose.yml mounts
# this one there). The role is no superuser and owns nothing; `manage.py migrate`, run by web's
# entrypoint as the owner (POSTGRES_USER, through MIGRATE_DATABASE_URL), grants it what the app
# needs: read and append on the audit trail, no more (console/audit/grants.py).
set -eu

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    -v role="${CONSOLE_DB_USER:-console}" -v password="$CONSOLE_DB_PASSWORD" <<'SQL'
CREATE ROLE :"role" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'password';
SQL
