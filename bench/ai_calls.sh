#!/usr/bin/env bash
# Benchmark: AI calls through the gateway (POST /debug/ai/{capability}), release build, with wrk.
#   bench/ai_calls.sh [seconds] [inflight]        (defaults: 10 s, 5000)
# 1. Added latency. A fake Gemini (bench/fake_gemini_main.cpp) answers at once. wrk sends the
#    very generateContent request the gateway sends (captured by the fake) straight to the fake,
#    then the same load goes through the gateway (one gemini instance, 1 attempt, breaker off),
#    at 1 and at 32 connections; the difference of the p50s and p99s is what the gateway adds.
#    At 1 connection that is the cost of one call; at 32 it includes queueing on 2 cores shared
#    by wrk, the gateway and the fake. Then the mock provider (no upstream: the whole call path
#    without a network exchange) and GET /health (the HTTP path with no AI call), for reference.
# 2. In-flight calls. The fake answers after 2 s; wrk holds [inflight] connections, each with one
#    call waiting, for [seconds]; meanwhile a second wrk probes GET /health at 8 connections, each
#    sending one request every 10 ms (a probe, not a competing load: flat out, it would take a
#    core of its own on this 2-core machine), reported apart for the first 3 s (wrk opening its
#    connections, the gateway opening as many upstream) and the rest, and the gateway's resident
#    memory, open files and threads are sampled every second.
# Targets (ARCHITECTURE.md, "Targets"): added p50 under 100 us; 5,000 in flight with flat memory, no
# errors, /health p99 under 5 ms. Run on demand; never part of ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
inflight=${2:-5000}
slow_ms=2000
source bench/lib.sh
bench_prepare
command -v curl >/dev/null || apt-get install -y -qq curl >/dev/null
cmake --build --preset release --target fake_gemini gemini mock >/dev/null

# Each in-flight call holds a client socket and an upstream socket in the gateway, one socket
# in wrk and one in the fake; the processes inherit this limit.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt $((2 * inflight + 256)) ]; then
  echo "warning: open files limited to $(ulimit -n) (hard limit); $inflight in flight needs" \
    "about $((2 * inflight + 256)) in the gateway" >&2
fi

# --- helpers ---------------------------------------------------------------------------------

# Starts the fake Gemini answering after $1 ms; sets $fake_pid, $fake_port and $fake_log.
start_fake() {
  local out=$bench_tmp/fake-$RANDOM
  build/release/bench/fake_gemini --delay-ms "$1" --api-key bench-key \
    --save-first-body "$bench_tmp/generate-content.json" --report-every-ms 1000 \
    >"$out.stdout" 2>"$out.stderr" &
  fake_pid=$!
  bench_pids+=("$fake_pid")
  fake_log=$out.stderr
  for _ in $(seq 1 200); do
    grep -q 'listening on' "$out.stdout" && break
    sleep 0.05
  done
  fake_port=$(sed -n 's/^fake gemini listening on \([0-9]*\)$/\1/p' "$out.stdout")
  [ -n "$fake_port" ] || { cat "$out.stderr"; exit 1; }
}

stop() {  # stop PID: SIGTERM and wait (it stays in bench_pids; killing it twice is harmless)
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# The gateway's config: gemini (at the fake) for analysis, mock (instant) for summary.
# gateway_yaml MAX_CONNECTIONS TIMEOUT_MS
gateway_yaml() {
  cat <<YAML
server:
  port: 0
  io_threads: 2
  debug_endpoints: true
  shutdown_grace_ms: 2000
database:
  url: sqlite:///$bench_tmp/ai-$RANDOM.db
auth:
  jwt_secret_file: $bench_tmp/jwt-secret
rate_limits:
  enabled: false
logging:
  level: info
  access_log: false
providers:
  max_connections_per_host: $1
  max_connections: $1
  instances:
    gemini:
      plugin: gemini
      settings:
        model: gemini-2.5-flash
        api_key: bench-key
        base_url: "http://127.0.0.1:$fake_port"
      timeout_ms: $2
      deadline_ms: $2
      max_attempts: 1
      breaker_failures: 0
    mock:
      plugin: mock
      settings:
        latency_ms: "0"
      max_attempts: 1
      breaker_failures: 0
  chains:
    analysis: [gemini]
    scenarios: [mock]
    summary: [mock]
    image: [mock]
YAML
}

to_us() {  # wrk's "812.00us", "1.25ms", "2.00s", "1.00m" -> microseconds
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 1 : (u == "ms") ? 1e3 : (u == "s") ? 1e6 : (u == "m") ? 6e7 : (u == "h") ? 3.6e9 : 0
    if (f == 0) { print "nan"; exit } printf "%.0f", n * f }'
}

# Reads one figure from a saved wrk --latency output: wrk_get FILE p50|p99|rps|requests|non2xx|socket
wrk_get() {
  case $2 in
    p50) to_us "$(awk '$1 == "50%" { print $2 }' "$1")" ;;
    p99) to_us "$(awk '$1 == "99%" { print $2 }' "$1")" ;;
    rps) awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$1" ;;
    requests) awk '/requests in/ { print $1 }' "$1" ;;
    non2xx) awk '/Non-2xx/ { n = $NF } END { print n + 0 }' "$1" ;;
    socket) awk '/Socket errors/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) n += $i }
                 END { print n + 0 }' "$1" ;;
  esac
}

# Runs wrk with --latency and saves its output: run_wrk FILE THREADS CONNS SECS ARGS...
run_wrk() {
  local file=$1 threads=$2 conns=$3 secs=$4
  shift 4
  wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 30s --latency "$@" >"$file"
}

row() {  # row LABEL CONNS FILE: one line of the latency table
  printf '%-48s %5s %9s %9s %9s %7s\n' "$1" "$2" "$(wrk_get "$3" p50)" "$(wrk_get "$3" p99)" \
    "$(wrk_get "$3" rps)" "$(($(wrk_get "$3" non2xx) + $(wrk_get "$3" socket)))"
}

# CPU time used so far by each of the gateway's threads, summed by thread name: "name ticks".
cpu_by_thread() {
  for t in /proc/"$pid"/task/*; do
    printf '%s %s\n' "$(cat "$t/comm" 2>/dev/null)" "$(awk '{ print $14 + $15 }' "$t/stat" 2>/dev/null)"
  done | awk 'NF == 2 { s[$1] += $2 } END { for (k in s) print k, s[k] }' | sort
}

# cpu_per_call BEFORE AFTER CALLS: the gateway's CPU time per call, by thread name, in us.
cpu_per_call() {
  join -a2 -e 0 -o 0,1.2,2.2 "$1" "$2" | awk -v calls="$3" -v hz="$(getconf CLK_TCK)" '
    { d = ($3 - $2) * 1e6 / hz / calls; total += d; if (d > 0) line = line sprintf(", %s %.0f", $1, d) }
    END { printf "%.0f us (by thread:%s)", total, substr(line, 2) }'
}

# Listen-queue overflows so far, the whole machine (connections whose SYN or ACK was dropped).
listen_overflows() {
  nstat -az TcpExtListenOverflows 2>/dev/null | awk '$1 == "TcpExtListenOverflows" { print $2 }'
}

# Prints the warnings and errors the gateway logged (its log is $gw_log), at most 5 of them.
logged_problems() {
  { grep -E ' (warning|warn|error|critical) ' "$gw_log" || true; } >"$bench_tmp/problems"
  echo "$1 warnings/errors logged by the gateway: $(wc -l <"$bench_tmp/problems")"
  head -n 5 "$bench_tmp/problems" | cut -c1-200 | sed 's/^/     /'
}

lua_post() {  # lua_post FILE PATH BODY_FILE [HEADER VALUE]...
  local file=$1 path=$2 body=$3
  shift 3
  {
    echo 'wrk.method = "POST"'
    echo "wrk.path = \"$path\""
    echo 'wrk.headers["Content-Type"] = "application/json"'
    while [ $# -gt 0 ]; do echo "wrk.headers[\"$1\"] = \"$2\""; shift 2; done
    echo "local f = assert(io.open(\"$body\", \"rb\")); wrk.body = f:read(\"*a\"); f:close()"
  } >"$file"
}

# --- 1. added latency ------------------------------------------------------------------------

start_fake 0
bench_start_gateway < <(gateway_yaml 256 30000)
gw_log=$(ls -t "$bench_tmp"/gateway-*.stderr | head -n1)
gw=http://127.0.0.1:$port
direct=http://127.0.0.1:$fake_port
echo '{"text":"This morning I walked by the sea and felt calm, then a little tired."}' \
  >"$bench_tmp/analysis.json"
# One call first: it checks the set-up and makes the fake save the request body it received.
curl -sf -H 'Content-Type: application/json' --data-binary @"$bench_tmp/analysis.json" \
  "$gw/debug/ai/analysis" >"$bench_tmp/first-answer.json" ||
  { echo "the first call through the gateway failed:"; curl -s -H 'Content-Type: application/json' \
      --data-binary @"$bench_tmp/analysis.json" "$gw/debug/ai/analysis"; echo; exit 1; }
curl -sf -H 'Content-Type: application/json' --data-binary @"$bench_tmp/analysis.json" \
  "$gw/debug/ai/summary" >/dev/null || { echo "the first call to the mock failed"; exit 1; }
lua_post "$bench_tmp/direct.lua" /v1beta/models/gemini-2.5-flash:generateContent \
  "$bench_tmp/generate-content.json" x-goog-api-key bench-key
lua_post "$bench_tmp/gateway.lua" /debug/ai/analysis "$bench_tmp/analysis.json"
lua_post "$bench_tmp/mock.lua" /debug/ai/summary "$bench_tmp/analysis.json"
# A health probe, not a second load: each connection waits 10 ms between requests (~800/s).
echo 'function delay() return 10 end' >"$bench_tmp/probe.lua"
run_wrk "$bench_tmp/warmup" 1 32 1 -s "$bench_tmp/gateway.lua" "$gw"  # not reported

echo "== 1. Added latency per AI call: fake Gemini answering at once; gateway on port $port" \
  "(release, 2 io threads, $(nproc) cores); wrk -t1, ${secs}s each"
echo "   request: $(wc -c <"$bench_tmp/generate-content.json") bytes of generateContent;" \
  "answer: $(wc -c <"$bench_tmp/first-answer.json") bytes from the gateway"
printf '%-48s %5s %9s %9s %9s %7s\n' "" conns "p50 us" "p99 us" "req/s" errors
for conns in 1 32; do
  run_wrk "$bench_tmp/direct-$conns" 1 "$conns" "$secs" -s "$bench_tmp/direct.lua" "$direct"
  cpu_by_thread >"$bench_tmp/cpu-0"
  run_wrk "$bench_tmp/gateway-$conns" 1 "$conns" "$secs" -s "$bench_tmp/gateway.lua" "$gw"
  cpu_by_thread >"$bench_tmp/cpu-1"
  run_wrk "$bench_tmp/mock-$conns" 1 "$conns" "$secs" -s "$bench_tmp/mock.lua" "$gw"
  cpu_by_thread >"$bench_tmp/cpu-2"
  run_wrk "$bench_tmp/health-$conns" 1 "$conns" "$secs" "$gw/health"
  row "direct to the fake (generateContent)" "$conns" "$bench_tmp/direct-$conns"
  row "through the gateway (POST /debug/ai/analysis)" "$conns" "$bench_tmp/gateway-$conns"
  printf '%-48s %5s %+9d %+9d\n' "added by the gateway (gateway - direct)" "$conns" \
    $(($(wrk_get "$bench_tmp/gateway-$conns" p50) - $(wrk_get "$bench_tmp/direct-$conns" p50))) \
    $(($(wrk_get "$bench_tmp/gateway-$conns" p99) - $(wrk_get "$bench_tmp/direct-$conns" p99)))
  echo "   gateway CPU per call: $(cpu_per_call "$bench_tmp/cpu-0" "$bench_tmp/cpu-1" \
    "$(wrk_get "$bench_tmp/gateway-$conns" requests)")"
  row "mock provider, no upstream (/debug/ai/summary)" "$conns" "$bench_tmp/mock-$conns"
  echo "   gateway CPU per call: $(cpu_per_call "$bench_tmp/cpu-1" "$bench_tmp/cpu-2" \
    "$(wrk_get "$bench_tmp/mock-$conns" requests)")"
  row "GET /health (the gateway's HTTP path alone)" "$conns" "$bench_tmp/health-$conns"
done
echo "   gateway resident memory after: $(bench_rss "$pid")"
stop "$pid"
logged_problems "  "
stop "$fake_pid"
echo "   $(tail -n1 "$fake_log")"

# --- 2. in-flight calls ----------------------------------------------------------------------

start_fake "$slow_ms"
bench_start_gateway < <(gateway_yaml $((inflight + 256)) 30000)
gw_log=$(ls -t "$bench_tmp"/gateway-*.stderr | head -n1)
gw=http://127.0.0.1:$port
curl -sf -H 'Content-Type: application/json' --data-binary @"$bench_tmp/analysis.json" \
  "$gw/debug/ai/analysis" >/dev/null || { echo "the first slow call failed"; exit 1; }
echo
echo "== 2. $inflight AI calls in flight: fake Gemini answering after ${slow_ms} ms;" \
  "wrk -t2 -c$inflight -d${secs}s; meanwhile wrk -t1 -c8 probes /health, every 10 ms per connection"

sample() {  # one line: seconds RSS_KiB open_fds threads connections_open_at_the_fake
  printf '%s %s %s %s %s\n' "$1" "$(ps -o rss= -p "$pid" | tr -d ' ')" \
    "$(ls /proc/"$pid"/fd 2>/dev/null | wc -l)" "$(ps -o nlwp= -p "$pid" | tr -d ' ')" \
    "$(tail -n1 "$fake_log" | sed -n 's/.* open=\([0-9]*\)$/\1/p')"
}
ramp=$((secs > 6 ? 3 : 1))  # the first seconds: wrk connects, the gateway connects upstream
idle_rss=$(bench_rss "$pid")
overflows_before=$(listen_overflows)
cpu_by_thread >"$bench_tmp/cpu-b0"
(
  for t in $(seq 1 $((secs + 5))); do sleep 1; sample "$t"; done
) >"$bench_tmp/samples" &
sampler=$!
bench_pids+=("$sampler")
(
  run_wrk "$bench_tmp/health-ramp" 1 8 "$ramp" -s "$bench_tmp/probe.lua" "$gw/health"
  run_wrk "$bench_tmp/health" 1 8 $((secs - ramp)) -s "$bench_tmp/probe.lua" "$gw/health"
) &
health=$!
run_wrk "$bench_tmp/inflight" 2 "$inflight" "$secs" -s "$bench_tmp/gateway.lua" "$gw" ||
  echo "wrk failed (status $?)"
wait "$health" || echo "the /health wrk failed"
overflows_after=$(listen_overflows)
backlog=$(ss -Hltn "sport = :$port" | awk '{ print $3; exit }')
wait "$sampler" || true
sleep 3  # the calls still in flight when wrk stopped finish or are dropped
after_rss=$(bench_rss "$pid")
cpu_by_thread >"$bench_tmp/cpu-b1"

f=$bench_tmp/inflight
done_calls=$(wrk_get "$f" requests)
per_conn=$(((secs * 1000 - 1) / slow_ms))  # a call takes a little over slow_ms
echo "calls completed:        $done_calls in ${secs}s ($(wrk_get "$f" rps) calls/s); at most" \
  "$((inflight * per_conn)) ($per_conn per connection) if the gateway added nothing"
echo "errors:                 $(wrk_get "$f" non2xx) non-2xx;" \
  "$(grep 'Socket errors' "$f" | sed 's/^ *//' || echo 'no socket errors')"
echo "call latency:           p50 $(wrk_get "$f" p50) us, p99 $(wrk_get "$f" p99) us" \
  "(the fake's own ${slow_ms} ms included)"
echo "listen queue:           the gateway's backlog is ${backlog:-?}; $((${overflows_after:-0} - \
  ${overflows_before:-0})) connection attempts overflowed a listen queue on this machine meanwhile"
probe_line() {  # probe_line FILE
  echo "p50 $(wrk_get "$1" p50) us, p99 $(wrk_get "$1" p99) us, $(wrk_get "$1" requests) probes," \
    "$(($(wrk_get "$1" non2xx) + $(wrk_get "$1" socket))) errors"
}
echo "/health, first ${ramp}s:   $(probe_line "$bench_tmp/health-ramp") (while the connections open)"
echo "/health, next $((secs - ramp))s:    $(probe_line "$bench_tmp/health") (holding the calls)"
awk -v idle="$idle_rss" -v after="$after_rss" '
  { t[NR] = $1; rss[NR] = $2; fd[NR] = $3; th[NR] = $4; up[NR] = $5
    if ($2 > peak) peak = $2; if ($3 > maxfd) maxfd = $3; if ($4 > maxth) maxth = $4 }
  END {
    printf "gateway RSS:            idle %s, peak %.1f MiB, after %s\n", idle, peak / 1024, after
    printf "RSS each second (MiB): "; for (i = 1; i <= NR; i++) printf " %.1f", rss[i] / 1024; print ""
    printf "open files each second:"; for (i = 1; i <= NR; i++) printf " %d", fd[i]; print ""
    printf "connections open at the fake each second:"; for (i = 1; i <= NR; i++) printf " %d", up[i]; print ""
    printf "threads: at most %d; open files: at most %d\n", maxth, maxfd }' "$bench_tmp/samples"
stop "$pid"
logged_problems ""
stop "$fake_pid"
tail -n1 "$fake_log"
# Every call that reached the fake, those still in flight when wrk stopped included.
upstream_calls=$(tail -n1 "$fake_log" | awk '{ print $3 - 1 }')
echo "gateway CPU per call:   $(cpu_per_call "$bench_tmp/cpu-b0" "$bench_tmp/cpu-b1" \
  "$upstream_calls") over the $upstream_calls calls that reached the fake" \
  "(mg-http and the others also served the" \
  "$(($(wrk_get "$bench_tmp/health-ramp" requests) + $(wrk_get "$bench_tmp/health" requests))) probes)"
