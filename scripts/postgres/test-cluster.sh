#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the store tests: initdb in a temporary directory as the
# `postgres` user, listening on 127.0.0.1 at a free port, with a role `coldtray` that may
# create databases (each store test makes its own `test_<random>` database).
# Prints one line: COLDTRAY_TEST_POSTGRES=postgres://coldtray:coldtray@127.0.0.1:PORT/postgres
# Use: eval "export $(bash scripts/postgres/test-cluster.sh)"   (stop: pg_ctl -D DIR stop)
set -euo pipefail
bin=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bin="$d"; done
[ -n "$bin" ] || { echo "no PostgreSQL server binaries (apt-get install postgresql)" >&2; exit 1; }
dir=$(mktemp -d /tmp/coldtray-pg.XXXXXX)
chown postgres: "$dir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run() { runuser -u postgres -- "$@"; }
run "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1
run "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >/dev/null
run "$bin/psql" -h "$dir" -p "$port" -U postgres -q -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE coldtray LOGIN CREATEDB PASSWORD 'coldtray'" >/dev/null
echo "COLDTRAY_TEST_POSTGRES=postgres://coldtray:coldtray@127.0.0.1:$port/postgres"
