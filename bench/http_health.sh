#!/usr/bin/env bash
# Benchmark: requests/s and latency of the HTTP core, on the release build, with wrk.
#   bench/http_health.sh [seconds] [connections]
# Starts its own gateway (SQLite in a temp dir, access log off, a free port), runs
# `wrk -t1 -cN -dS --latency` against /health and /health/ready (one database round trip on the
# worker pool), prints wrk's figures, and stops the gateway. Run on demand; never part of ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
conns=${2:-64}
source bench/lib.sh
bench_prepare

bench_start_gateway <<YAML
server:
  port: 0
  io_threads: 2
database:
  url: sqlite:///$bench_tmp/bench.db
auth:
  jwt_secret_file: $bench_tmp/jwt-secret
logging:
  level: info
  access_log: false
YAML
echo "moodgate on port $port (release build, 2 io threads, $(nproc) cores)"
for path in /health /health/ready; do
  echo "== wrk -t1 -c$conns -d${secs}s http://127.0.0.1:$port$path"
  bench_wrk "$conns" "$secs" "http://127.0.0.1:$port$path"
done
echo "resident memory: $(bench_rss "$pid")"
