#!/usr/bin/env bash
# Creates and gets per second with 1, 2 and 4 app processes on one PostgreSQL (docs/scaling.md).
# Loopback only; each load runs 8 s. Needs wrk (apt-get install wrk) and `make test`'s venv.
set -euo pipefail
cd "$(dirname "$0")"
BIN=../.venv/bin
PORT=${PORT:-8097}
server_url=$(../scripts/postgres.sh)
database="${server_url%/*}/scale_bench"
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 1; }

for workers in 1 2 4; do
    psql -q "$server_url" -c "DROP DATABASE IF EXISTS scale_bench WITH (FORCE)" \
        -c "CREATE DATABASE scale_bench" >/dev/null
    log=$(mktemp)
    "$BIN/ecwid-customers" serve --database "$database" --port "$PORT" --workers "$workers" \
        --log-level warning >"$log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do grep -q "Token:" "$log" && break; sleep 0.1; done
    sleep 2  # let every worker finish starting
    TOKEN=$(grep -oE "Token: +secret_[A-Za-z0-9]+" "$log" | awk '{print $2}')
    export TOKEN
    for script in create get; do
        path=/api/v3/1003/customers
        [ "$script" = get ] && path=/
        result=$(wrk -t1 -c64 -d8s --latency -s "$script.lua" "http://127.0.0.1:$PORT$path" \
            | grep -E "Requests/sec|Non-2xx|^ +50%|^ +99%" | tr -s ' ' | tr '\n' ' ')
        echo "processes=$workers $script: $result"
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -f "$log"
done
