# Shared by the bench/*.sh scripts (sourced, not run): builds the release gateway, starts it on
# a free port with the YAML given on stdin, and stops it on exit.
#   bench_start_gateway <<YAML ... YAML   -> sets $port, $pid and $bench_tmp
# $bench_tmp is a private temp dir (removed on exit); put databases there.
# $bench_gateway, when set, is the gateway executable to start instead of build/release/moodgate.

bench_prepare() {
  scripts/install-deps.sh
  command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
  [ -f build/release/build.ninja ] || cmake --preset release >/dev/null
  cmake --build --preset release --target moodgate >/dev/null
  bench_tmp=$(mktemp -d /tmp/moodgate-bench.XXXXXX)
  bench_pids=()
  trap 'bench_cleanup' EXIT
}

# Runs from the EXIT trap, where set -e still holds: nothing here may fail the cleanup.
bench_cleanup() {
  for p in "${bench_pids[@]}"; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  if [ -n "${bench_pgdir:-}" ]; then scripts/postgres.sh stop "$bench_pgdir" >/dev/null 2>&1 || true; fi
  rm -rf "$bench_tmp"
}

# Starts a throwaway PostgreSQL; sets $bench_pg_url.
bench_start_postgres() {
  # Its own directory under /tmp: $bench_tmp is private to root, and postgres runs as postgres.
  bench_pgdir=$(mktemp -d /tmp/moodgate-bench-pg.XXXXXX)
  bench_pg_url=$(scripts/postgres.sh start "$bench_pgdir")
}

# Starts the gateway with the config read from stdin; sets $port and $pid.
bench_start_gateway() {
  local name=gateway-$RANDOM
  cat >"$bench_tmp/$name.yaml"
  "${bench_gateway:-build/release/moodgate}" --config "$bench_tmp/$name.yaml" serve 2>"$bench_tmp/$name.stderr" &
  pid=$!
  bench_pids+=("$pid")
  for _ in $(seq 1 200); do
    grep -q 'listening on' "$bench_tmp/$name.stderr" && break
    sleep 0.05
  done
  port=$(sed -n 's/.*listening on http:\/\/[^:]*:\([0-9]*\).*/\1/p' "$bench_tmp/$name.stderr" |
    head -n1)
  [ -n "$port" ] || { cat "$bench_tmp/$name.stderr"; exit 1; }
}

# Prints wrk's summary lines for one run: bench_wrk <connections> <seconds> <wrk args...>
bench_wrk() {
  local conns=$1 secs=$2
  shift 2
  wrk -t1 -c"$conns" -d"${secs}s" --timeout 20s --latency "$@" |
    grep -E 'Requests/sec|Latency  |50%|99%|Non-2xx|Socket errors|requests in'
}

bench_rss() {
  ps -o rss= -p "$1" | awk '{printf "%.1f MiB", $1/1024}'
}
