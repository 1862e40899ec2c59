#!/usr/bin/env bash
# PostgreSQL + PostGIS for the publish tests (tests/integration/publish-postgres.test.ts): Debian's
# packages, started as the postgres user. The PostGIS extension is created here by the superuser
# (a park's GIS administrator does that; the station never does). The tests connect with
# INVASIVES_TEST_POSTGRES_URL (default below) and skip with a reason when no server answers.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq postgresql postgis >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if [ -z "$(pg_lsclusters -h | awk -v v="$version" '$1 == v')" ]; then pg_createcluster "$version" main >/dev/null; fi
pg_ctlcluster "$version" main start 2>/dev/null || true
for _ in $(seq 1 30); do su postgres -c "pg_isready -q" && break; sleep 1; done
su postgres -c "psql -v ON_ERROR_STOP=1 -q" <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'invasives') THEN CREATE ROLE invasives LOGIN PASSWORD 'invasives'; END IF;
END $$;
SELECT 'CREATE DATABASE invasives_test OWNER invasives' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'invasives_test')\gexec
\c invasives_test
CREATE EXTENSION IF NOT EXISTS postgis;
SQL
echo "PostgreSQL $version with PostGIS: postgresql://invasives:invasives@127.0.0.1:5432/invasives_test"
