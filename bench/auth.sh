#!/usr/bin/env bash
# Benchmark: logins/s and authenticated GET /api/v1/auth/me requests/s, with p50/p99, at 64
# connections (wrk), on SQLite and on a throwaway PostgreSQL, release build.
#   bench/auth.sh [seconds] [connections]
# Logins use the shipped argon2id limits (64 MiB, 2 passes, 2 hashes at once): their rate is
# set by the hash, on purpose. Rate limits are off so that wrk measures the server, not the
# limiter. GET /me authenticates (JWT verify + one revocation query) and reads the user; it
# runs once on an idle server and once right after the login storm (hashing has its own
# threads, so sign-ins queue there instead of starving other requests).
# Run on demand; never part of ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-64}
source bench/lib.sh
bench_prepare
command -v curl >/dev/null || apt-get install -y -qq curl >/dev/null

email=bench@example.com
password='bench password 1'
login_script() {  # login_script NAME EMAIL PASSWORD: a wrk script posting those credentials
  cat >"$bench_tmp/$1.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"$2","password":"$3"}'
LUA
}
login_script login "$email" "$password"
login_script wrong "$email" "wrong password 1"
login_script unknown "nobody@example.com" "$password"

bench_start_postgres
for backend in sqlite postgresql; do
  if [ "$backend" = sqlite ]; then url="sqlite:///$bench_tmp/auth.db"; else url=$bench_pg_url; fi
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
rate_limits:
  enabled: false
logging:
  level: info
  access_log: false
YAML
  base="http://127.0.0.1:$port/api/v1/auth"
  token=$(curl -sf -H 'Content-Type: application/json' \
    -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$base/register" |
    sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
  [ -n "$token" ] || { echo "registration failed"; exit 1; }
  echo "== $backend: moodgate on port $port (release, 2 io threads, 8 workers, $(nproc) cores)"
  echo "-- GET /auth/me (Bearer), $conns connections"
  bench_wrk "$conns" "$secs" -H "Authorization: Bearer $token" "$base/me"
  echo "-- POST /auth/login, 1 connection (the cost of one argon2id verification)"
  bench_wrk 1 "$secs" -s "$bench_tmp/login.lua" "$base/login"
  echo "-- POST /auth/login with a wrong password, 1 connection (answers 401)"
  bench_wrk 1 "$secs" -s "$bench_tmp/wrong.lua" "$base/login"
  echo "-- POST /auth/login with an unknown email, 1 connection (answers 401, same cost)"
  bench_wrk 1 "$secs" -s "$bench_tmp/unknown.lua" "$base/login"
  echo "-- POST /auth/login, $conns connections"
  bench_wrk "$conns" "$secs" -s "$bench_tmp/login.lua" "$base/login"
  echo "-- GET /auth/me (Bearer), $conns connections, while the logins still queued drain"
  bench_wrk "$conns" "$secs" -H "Authorization: Bearer $token" "$base/me"
  echo "resident memory after: $(bench_rss "$pid")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
