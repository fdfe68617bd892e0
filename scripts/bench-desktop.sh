#!/usr/bin/env bash
# `make bench-desktop`: Confidant's start-up time and memory against an empty Tauri
# v2 window (bench/empty-window), both release builds with the same profile.
# Results: docs/benchmarks.md ("Desktop: start-up and memory against an empty
# Tauri window"); raw numbers in target/bench-desktop/*.json.
#
#   scripts/bench-desktop.sh [--no-build] [--runs N] [--repeats N]
#
# --no-build uses the binaries already built (and says which). Linux only.
# The machine may be shared: each timed start waits until the CPU is mostly idle
# (up to an hour in all), and since PSS splits library pages among all processes
# mapping them, memory is only sampled while no other WebKit process runs (another
# app, someone's end-to-end tests; up to 30 min of waiting each). Both say so.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
runs=21     # timed starts per binary (interleaved)
repeats=7  # memory samples per binary and state taken with no other WebKit process running
while [ $# -gt 0 ]; do
  case $1 in
    --no-build) build=0 ;;
    --runs) runs=$2; shift ;;
    --repeats) repeats=$2; shift ;;
    *) echo "usage: $0 [--no-build] [--runs N] [--repeats N]" >&2; exit 2 ;;
  esac
  shift
done

target=${CARGO_TARGET_DIR:-$HOME/.cache/confidant/target}
empty_target=${BENCH_EMPTY_TARGET_DIR:-$HOME/.cache/confidant/target-bench-empty}
tauri_driver=${TAURI_DRIVER:-$HOME/.cache/confidant/tools/bin/tauri-driver}
app=$target/release/confidant-app
cli=$target/release/confidant
empty=$empty_target/release/empty-window

if [ "$build" = 1 ]; then
  # The UI is embedded in the app binary: build it first (as `make ui` does).
  (cd ui && npm run --silent build)
  CARGO_TARGET_DIR=$target cargo build --release -p confidant-app -p confidant-cli
  (cd bench/empty-window && CARGO_TARGET_DIR=$empty_target cargo build --release)
else
  echo "--no-build: using the binaries already built:"
fi
for binary in "$app" "$cli" "$empty" "$tauri_driver"; do
  if [ ! -x "$binary" ]; then
    echo "missing $binary: run without --no-build (or \`make tools\` for tauri-driver)" >&2
    exit 1
  fi
  echo "  $binary ($(date -r "$binary" '+%F %T'))"
done

echo
node scripts/bench-desktop.mjs --app "$app" --empty "$empty" --cli "$cli" --runs "$runs" --memory-quiet "$repeats"
echo
TAURI_DRIVER=$tauri_driver CONFIDANT_APP_BINARY=$app \
  node tests/e2e/bench-memory.mjs --app "$app" --empty "$empty" --cli "$cli" --repeats "$repeats"
