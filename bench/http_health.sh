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

scripts/install-deps.sh
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
[ -f build/release/build.ninja ] || cmake --preset release >/dev/null
cmake --build --preset release --target moodgate >/dev/null

tmp=$(mktemp -d /tmp/moodgate-bench.XXXXXX)
cat >"$tmp/bench.yaml" <<YAML
server:
  port: 0
  io_threads: 2
database:
  url: sqlite:///$tmp/bench.db
logging:
  level: info
  access_log: false
YAML
build/release/moodgate --config "$tmp/bench.yaml" serve 2>"$tmp/stderr" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do
  grep -q 'listening on' "$tmp/stderr" && break
  sleep 0.05
done
port=$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$tmp/stderr" | head -n1)
[ -n "$port" ] || { cat "$tmp/stderr"; exit 1; }
echo "moodgate on port $port (release build, 2 io threads, $(nproc) cores)"
for path in /health /health/ready; do
  echo "== wrk -t1 -c$conns -d${secs}s http://127.0.0.1:$port$path"
  wrk -t1 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$port$path" |
    grep -E 'Requests/sec|Latency|50%|99%|Non-2xx|Socket errors|requests in'
done
echo "resident memory: $(ps -o rss= -p $pid | awk '{printf "%.1f MiB", $1/1024}')"
