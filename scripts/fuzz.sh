#!/usr/bin/env bash
# Runs every fuzz target with libFuzzer (coverage-guided, ASan + UBSan) for a while each.
#   scripts/fuzz.sh [seconds-per-target] [target...]     default 60 s, every target
# Installs clang-14 and libclang-rt-14-dev when missing, builds the `fuzz` preset (build/fuzz),
# and runs each target over a working copy of its seed corpus (build/fuzz/corpus/<target>/,
# which keeps growing from run to run) plus the checked-in seeds. A crash, leak, timeout or
# sanitizer report leaves its input in build/fuzz/artifacts/<target>/; copy it into
# fuzz/corpus/<target>/regression-<what> once fixed. Exit status 1 when any target failed.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "fuzz.sh: $1" >&2
  echo "usage: scripts/fuzz.sh [seconds-per-target] [target...]" >&2
  exit 2
}

seconds=${1:-60}
shift || true
[[ $seconds =~ ^[1-9][0-9]*$ ]] ||
  usage "'$seconds' is not a number of seconds (a whole number above 0)"

scripts/install-deps.sh
missing=()
for p in clang-14 libclang-rt-14-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake --preset fuzz >/dev/null  # cheap, and picks up edits to the preset and the targets
manifest=build/fuzz/fuzz-targets.tsv
known=$(cut -f1 "$manifest")
for name in "$@"; do
  grep -qxF -- "$name" <<<"$known" ||
    usage "no fuzz target '$name' (there are: ${known//$'\n'/ })"
done
cmake --build --preset fuzz --target moodgate_fuzzers

wanted=" $* "
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
results=()
while IFS=$'\t' read -r name exe corpus dict max_len; do
  [ $# -eq 0 ] || [[ $wanted == *" $name "* ]] || continue
  work=build/fuzz/corpus/$name
  artifacts=build/fuzz/artifacts/$name
  log=build/fuzz/logs/$name.log
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  args=(-max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="$artifacts/")
  [ "$dict" = "-" ] || args+=(-dict="$dict")
  echo "== $name: ${seconds}s" >&2
  status=ok
  "$exe" "${args[@]}" "$work" "$corpus" >"$log" 2>&1 || status="FAILED"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -Eo 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
  units=$(find "$work" -type f | wc -l)
  if [ "$status" != ok ]; then
    failed=1
    artifact=$(ls -t "$artifacts" 2>/dev/null | head -1)
    status="FAILED ($log${artifact:+, input $artifacts/$artifact})"
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|.*fuzz check failed)' "$log" | head -5 >&2 || true
  fi
  results+=("$(printf '%-18s %12s %10s %8s %8s  %s' "$name" "${execs:-?}" "${speed:-?}" "${cov:-?}" "$units" "$status")")
done <"$manifest"

printf '%-18s %12s %10s %8s %8s  %s\n' target execs exec/s cov corpus result
printf '%s\n' "${results[@]}"
exit $failed
