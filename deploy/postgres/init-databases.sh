#!/bin/sh
# One login role and one database per SIPMAS service, each role owning only its own database
# (ARCHITECTURE.md: no service reads another's tables; PostgreSQL enforces it here).
#
# The postgres image runs this once, on an empty data directory, from
# /docker-entrypoint-initdb.d (docker-compose.yml mounts it). It is idempotent, so it can also be
# run by hand against any server: PGHOST=db POSTGRES_USER=postgres sh init-databases.sh
#
#   role = database = <SIPMAS_DB_PREFIX>_<service>             (default prefix: sipmas)
#   password        = $<SERVICE>_DB_PASSWORD, else "<role>-dev" (development only)
set -eu

prefix="${SIPMAS_DB_PREFIX:-sipmas}"
for service in ${SIPMAS_DB_SERVICES:-registry verification referral notifications gateway}; do
  role="${prefix}_${service}"
  variable="$(printf '%s' "$service" | tr '[:lower:]' '[:upper:]')_DB_PASSWORD"
  password="$(printenv "$variable" || printf '%s-dev' "$role")"
  psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 \
       --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
       --set=role="$role" --set=password="$password" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'role', :'role')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'role') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'role') \gexec
SQL
  echo "sipmas: role and database ${role}"
done
