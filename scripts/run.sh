#!/usr/bin/env bash
# Builds and starts the gateway on the embedded default: config/moodgate.yaml — a SQLite file
# under ./var/, mock providers, no API keys — on http://127.0.0.1:8080. Ctrl-C stops it.
# Extra arguments go to `moodgate serve` (e.g. --config other.yaml).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
[ -f build/release/build.ninja ] || cmake --preset release >/dev/null
cmake --build --preset release --target moodgate
mkdir -p var
exec build/release/moodgate serve "$@"
