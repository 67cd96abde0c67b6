#!/usr/bin/env bash
# Make a local PostgreSQL server ready for the test suite and print its URL.
#
# Starts the machine's cluster when it is installed but stopped (pg_ctlcluster), creates a
# role and a database for the tests, and prints postgresql://... on stdout. Exits non-zero,
# saying why on stderr, when no server can be had; the tests then skip (or fail under CI).
set -euo pipefail

# Only the URL may reach stdout: the caller captures it. Everything the tools print on their own
# (pg_ctlcluster says "Removed stale pid file." after an unclean stop) goes to stderr.
exec 3>&1 1>&2

ROLE=ecwid_test
PASSWORD=ecwid_test
DATABASE=ecwid_test

say() { echo "postgres.sh: $*" >&2; }

if ! command -v pg_lsclusters >/dev/null 2>&1; then
    say "PostgreSQL is not installed (no pg_lsclusters)"
    exit 1
fi

# The first cluster on the machine, e.g. "15 main 5432 down ...".
read -r version cluster port status _ < <(pg_lsclusters --no-header | head -n 1) || true
if [ -z "${version:-}" ]; then
    say "no PostgreSQL cluster exists on this machine"
    exit 1
fi
if [ "$status" != "online" ]; then
    say "starting cluster $version/$cluster"
    # 3>&-: the server daemonizes; it must not hold the caller's $(...) pipe open.
    pg_ctlcluster "$version" "$cluster" start 3>&-
fi
for _ in $(seq 1 50); do
    pg_isready -q -h 127.0.0.1 -p "$port" && break
    sleep 0.2
done
pg_isready -q -h 127.0.0.1 -p "$port" || { say "cluster $version/$cluster does not answer"; exit 1; }

export PGOPTIONS="-c client_min_messages=warning"

# Administration runs as the postgres system user, which needs root (or being postgres).
as_postgres() {
    if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}
if [ "$(id -u)" = 0 ] || [ "$(id -un)" = postgres ]; then
    as_postgres psql -q -p "$port" -v ON_ERROR_STOP=1 <<SQL >/dev/null
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
        CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$PASSWORD';
    END IF;
END
\$\$;
SQL
    if ! as_postgres psql -p "$port" -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'" | grep -q 1; then
        as_postgres createdb -p "$port" -O "$ROLE" "$DATABASE"
    fi
    # pg_trgm and btree_gin are trusted extensions, but creating them needs the database owner
    # or a superuser; do it here once so that the test role can run migrations.
    as_postgres psql -q -p "$port" -d "$DATABASE" -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" \
        -c "CREATE EXTENSION IF NOT EXISTS btree_gin" >/dev/null
    as_postgres psql -q -p "$port" -d template1 -c "CREATE EXTENSION IF NOT EXISTS pg_trgm" \
        -c "CREATE EXTENSION IF NOT EXISTS btree_gin" >/dev/null
fi

echo "postgresql://$ROLE:$PASSWORD@127.0.0.1:$port/$DATABASE" >&3
