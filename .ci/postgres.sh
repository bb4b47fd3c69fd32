#!/usr/bin/env bash
# Starts the machine's PostgreSQL 15 cluster and makes a throw-away role and database for tests.
# Prints the DATABASE_URL to use. Idempotent.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
# Quiet: this script's only output is the URL ("Cluster is already running." went to stdout and into DATABASE_URL).
pg_ctlcluster 15 main start >/dev/null 2>&1 || true
for _ in $(seq 1 30); do su postgres -c "pg_isready -q" && break; sleep 1; done
su postgres -c "psql -q -v ON_ERROR_STOP=1" >/dev/null <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'concat_test') THEN
    CREATE ROLE concat_test LOGIN CREATEDB PASSWORD 'concat_test';
  END IF;
END $$;
SQL
su postgres -c "dropdb --if-exists concat_test" >/dev/null
su postgres -c "createdb -O concat_test concat_test"
echo "postgres://concat_test:concat_test@127.0.0.1:5432/concat_test"
