#!/usr/bin/env bash
# Benchmark: authenticated GET /api/v1/entries (a page of 20, with emotions, analysis and
# scenarios) and POST /api/v1/entries (saved, then analysed and given 3 scenarios by the mock
# provider), requests/s with p50/p99 at 64 connections (wrk), on SQLite and on a throwaway
# PostgreSQL, release build. POST is measured twice: with per-user quotas off, and on with
# limits too high to refuse (every AI call is then reserved and settled: what quotas cost).
#   bench/entries.sh [seconds] [connections]
# Every request authenticates (JWT verify + one session query). The user starts with 200
# entries; POST adds more while it runs. Run on demand; never part of ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-64}
source bench/lib.sh
bench_prepare
command -v curl >/dev/null || apt-get install -y -qq curl >/dev/null

entry='{"situation":"My exam got moved to tomorrow and I am not ready","thoughts":"I will do what I can tonight and ask for help","emotions":[{"name":"anxious","intensity":0.8},{"name":"hopeful","intensity":0.3}]}'
cat >"$bench_tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '$entry'
LUA

bench_start_postgres
for run in sqlite:off sqlite:on postgresql:off postgresql:on; do
  backend=${run%%:*}
  quotas=${run##*:}
  if [ "$backend" = sqlite ]; then url="sqlite:///$bench_tmp/entries-$quotas.db"; else url=$bench_pg_url; fi
  if [ "$quotas" = on ]; then
    quota_limits="  enabled: true
  per_user: {analysis: 1000000/1d, scenarios: 1000000/1d, summary: 1000000/1d, image: 1000000/1d, spend_usd: 1000000/1d}"
  else
    quota_limits="  enabled: false"
  fi
  bench_start_gateway <<YAML
server:
  port: 0
  io_threads: 2
  worker_threads: 8
database:
  url: "$url"
  pool_size: 8
auth:
  jwt_secret: "bench-only-secret-9f8e7d6c5b4a39281706f5e4d3c2b1a0"
  password_mem_limit: 8MiB
  password_ops_limit: 1
rate_limits:
  enabled: false
quotas:
$quota_limits
logging:
  level: info
  access_log: false
YAML
  base="http://127.0.0.1:$port/api/v1"
  token=$(curl -sf -H 'Content-Type: application/json' \
    -d "{\"email\":\"bench-$quotas@example.com\",\"password\":\"bench password 1\"}" \
    "$base/auth/register" |
    sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
  [ -n "$token" ] || { echo "registration failed"; exit 1; }
  for _ in $(seq 1 200); do
    curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
      -d "$entry" "$base/entries"
  done
  echo "== $backend, quotas $quotas: moodgate on port $port (release, 2 io threads, 8 workers, $(nproc) cores)"
  if [ "$quotas" = off ]; then
    echo "-- GET /entries?limit=20 (Bearer), $conns connections"
    bench_wrk "$conns" "$secs" -H "Authorization: Bearer $token" "$base/entries?limit=20"
  fi
  echo "-- POST /entries with the mock provider (analysis + 3 scenarios), quotas $quotas, $conns connections"
  bench_wrk "$conns" "$secs" -s "$bench_tmp/post.lua" -H "Authorization: Bearer $token" \
    "$base/entries"
  echo "resident memory after: $(bench_rss "$pid")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
