#!/usr/bin/env bash
# Builds and runs the whole test suite through ctest, against SQLite and a throwaway PostgreSQL 15
# that this script starts (in a temp dir, on a free port) and stops at the end.
#   scripts/test.sh            Debug build (preset dev)
#   scripts/test.sh asan       AddressSanitizer + UndefinedBehaviorSanitizer (preset asan)
# Extra arguments after the preset go to ctest (e.g. -R config).
set -euo pipefail
cd "$(dirname "$0")/.."

preset=${1:-dev}
shift || true

scripts/install-deps.sh
[ -f "build/$preset/build.ninja" ] || cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"

pgdir=$(mktemp -d /tmp/moodgate-test-pg.XXXXXX)
trap 'scripts/postgres.sh stop "$pgdir"' EXIT
MOODGATE_TEST_POSTGRES_URL=$(scripts/postgres.sh start "$pgdir")
export MOODGATE_TEST_POSTGRES_URL
echo "throwaway PostgreSQL: $MOODGATE_TEST_POSTGRES_URL"

if [ "$preset" = asan ]; then
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
ctest --preset "$preset" -j "$(nproc)" "$@"
