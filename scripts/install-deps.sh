#!/usr/bin/env bash
# Installs the Debian 12 packages Moodgate needs to build, run and test — only those missing.
# Safe to run again; the Dockerfile runs the same list. Needs root (or sudo) when something is
# missing.
set -euo pipefail

PACKAGES=(
  # toolchain
  g++ cmake ninja-build pkg-config git ca-certificates
  # libraries (see README, "Why each library")
  libpistache-dev libsoci-dev libyaml-cpp-dev rapidjson-dev libboost-dev
  libpq-dev libsqlite3-dev libcurl4-openssl-dev libsodium-dev libjwt-dev
  prometheus-cpp-dev libspdlog-dev libhttp-parser-dev
  # tests: Catch2 and a throwaway PostgreSQL 15 server
  catch2 postgresql
  # tools the tests and benchmarks drive the server with
  curl procps
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
