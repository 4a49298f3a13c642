#!/usr/bin/env bash
# Benchmark: the attacks the front door was rebuilt for (README.md, "The front door"), replayed
# against the release build while GET /health is probed throughout.
#   bench/attacks.sh [seconds-per-phase]                  (default 10)
#   MOODGATE_BENCH_GATEWAY=/tmp/before/build/release/moodgate bench/attacks.sh 10
#                                                         (another build, e.g. the one before)
#   ATTACK_ARGS="--phases header-flood --flood-mib-per-s 0" bench/attacks.sh 10
#                                                         (options of bench/attack_main.cpp)
# Starts its own gateway (SQLite in a temp dir, mock providers, rate limits on as shipped, access
# log off, 2 io threads, server.max_connections 10,000; server.header_timeout_ms is half a phase,
# at most its 10 s default, so that every phase sees its 408s) and runs build/release/bench/attack
# against it. Phases: baseline, header-flood (64 MiB/s), idle-10k, deep-nesting, slowloris,
# pipelining; attack_main.cpp says what each sends. Prints, per phase, GET /health p50/p99/max
# and failures (target: p99 under 50 ms), what the attacker achieved, and the CPU it cost the
# gateway and the tool; then whether the gateway is alive with its descriptors and memory back
# near the baseline, and what it logged. A gateway that dies is reported, not fatal.
# Attacker and gateway share the machine: the tool's CPU and the gateway's wait for a CPU are
# printed so that contention can be told from the gateway's own cost. Run on demand; never
# part of ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
source bench/lib.sh
bench_prepare
cmake --build --preset release --target attack >/dev/null
bench_gateway=${MOODGATE_BENCH_GATEWAY:-build/release/moodgate}
ulimit -n "$(ulimit -Hn)"  # for the tool's 10,000 connections; the gateway raises its own
header_ms=$((secs * 500 < 10000 ? secs * 500 : 10000))

gateway_yaml() {  # gateway_yaml yes|no: the config, with or without the front door's keys
  cat <<YAML
server:
  port: 0
  io_threads: 2
YAML
  if [ "$1" = yes ]; then
    printf '  header_timeout_ms: %s\n  max_connections: 10000\n' "$header_ms"
  fi
  cat <<YAML
database:
  url: sqlite:///$bench_tmp/attacks.db
auth:
  jwt_secret_file: $bench_tmp/jwt-secret
logging:
  level: info
  access_log: false
YAML
}
# A build from before the front door knows neither key: run it with its own defaults.
front_door=yes
gateway_yaml yes >"$bench_tmp/probe.yaml"
if ! "$bench_gateway" --config "$bench_tmp/probe.yaml" check-config >/dev/null 2>&1; then
  front_door=no
  echo "note: $bench_gateway does not know server.header_timeout_ms / max_connections;" \
    "running it with its own defaults"
fi
gateway_yaml "$front_door" >"$bench_tmp/gateway.yaml"
bench_start_gateway <"$bench_tmp/gateway.yaml"
gateway_log=$(ls "$bench_tmp"/gateway-*.stderr)
echo "moodgate $("$bench_gateway" --version | head -n1) on port $port, pid $pid (release," \
  "2 io threads, $(nproc) cores); header_timeout_ms $header_ms"

tool_status=0
build/release/bench/attack --port "$port" --pid "$pid" --seconds "$secs" \
  --baseline-seconds "$(((secs + 1) / 2))" ${ATTACK_ARGS:-} || tool_status=$?
[ "$tool_status" -le 1 ] || echo "attack itself failed (exit status $tool_status)"

echo
if kill -0 "$pid" 2>/dev/null; then
  echo "gateway log, warnings and errors (count, message):"
  warnings=$(grep -E '^[^ ]+ (warning|error|critical) ' "$gateway_log" | sed 's/^[^ ]* //' |
    sort | uniq -c | sort -rn || true)
  echo "${warnings:-  (none)}" | head -n 15
else
  exit_code=0
  wait "$pid" 2>/dev/null || exit_code=$?
  how="exit status $exit_code"
  [ "$exit_code" -le 128 ] || how="$how, signal $(kill -l $((exit_code - 128)))"
  echo "THE GATEWAY DIED ($how); the end of its log:"
  tail -n 20 "$gateway_log"
fi
