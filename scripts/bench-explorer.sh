#!/usr/bin/env bash
# The explorer's views on a large graph in a real headless chromium: how long each takes to
# draw, how many GraphQL requests it makes and how much they answer. One release server on
# target/bench-data/<scale>/graph.db (made by scripts/bench.sh); needs tests/browser's
# packages (scripts/test.sh installs them, or `npm ci --prefix tests/browser`).
#
#   scripts/bench-explorer.sh [--scale 1m]
set -euo pipefail
cd "$(dirname "$0")/.."

scale=1m
while [[ $# -gt 0 ]]; do
    case "$1" in
        --scale) scale="$2"; shift 2 ;;
        *) echo "usage: $0 [--scale 1m]" >&2; exit 2 ;;
    esac
done
db="target/bench-data/$scale/graph.db"
[[ -f "$db" ]] || { echo "no $db: run scripts/bench.sh --scales $scale first" >&2; exit 1; }
[[ -d tests/browser/node_modules/playwright-core ]] || npm ci --prefix tests/browser --silent
cargo build --release --quiet
port=$((20000 + RANDOM % 10000))
RUST_LOG=warn target/release/policygraph --database-url "$db" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 1200); do
    curl -s "127.0.0.1:$port/readyz" | grep -q '"integrity":"sound"' && break
    sleep 0.1
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD); scale $scale"
node scripts/bench-explorer.mjs "http://127.0.0.1:$port"
