#!/usr/bin/env bash
# HTTP load (issue 6): the implementers query over POST /graphql, and the same answer from the
# bare JSON route GET /bench/implementers, against one server on the seed corpus, 64 connections.
# Prints requests/s and p50/p99 latency of each and the GraphQL/bare ratio at p50.
#
#   scripts/bench-http.sh [--goal ID] [--duration 10s] [--connections 64] [--rounds 3]
#
# The two routes are run alternately, --rounds times each, and the medians compared: on a
# 2-core machine one run of either moves by 10-20 % from run to run.
#
# Needs oha (installed with `cargo install oha` when missing). Client and server share the
# machine, so the figures are for this machine with oha's own CPU use included.
set -euo pipefail
cd "$(dirname "$0")/.."

goal="goal:border-security"
duration="10s"
connections=64
rounds=3
while [[ $# -gt 0 ]]; do
    case "$1" in
        --goal) goal="$2"; shift 2 ;;
        --duration) duration="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        *) echo "usage: $0 [--goal ID] [--duration 10s] [--connections 64] [--rounds 3]" >&2; exit 2 ;;
    esac
done

if ! command -v oha >/dev/null; then
    echo "== installing oha (cargo install oha)"
    cargo install oha --locked
fi
command -v jq >/dev/null || { echo "error: jq is needed to read oha's JSON output" >&2; exit 2; }

echo "== cargo build --release"
cargo build --release --quiet

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

# Request logging off: it would cost both routes the same, and this measures the routes.
RUST_LOG=warn,policygraph=info target/release/policygraph --database-url "$work/seed.db" \
    serve --seeds seeds --listen 127.0.0.1:0 --bench-route 2>"$work/server.log" &
server_pid=$!
address=""
for _ in $(seq 1 300); do
    address="$(sed -n 's/\x1b\[[0-9;]*m//g; s/.*serving GraphQL at http:\/\/\([^/]*\)\/graphql.*/\1/p' "$work/server.log" | head -1)"
    [[ -n "$address" ]] && break
    sleep 0.1
done
[[ -n "$address" ]] || { echo "error: the server did not start:" >&2; cat "$work/server.log" >&2; exit 2; }
echo "== serving the seed corpus at $address"

query="{ implementers(goal: \\\"$goal\\\") { node { id } depth } }"
body="{\"query\":\"$query\"}"
graphql_answer="$(curl -sf -H 'content-type: application/json' -d "$body" "http://$address/graphql")"
bare_answer="$(curl -sf "http://$address/bench/implementers?goal=$goal")"
if [[ "$(jq -S . <<<"$graphql_answer")" != "$(jq -S . <<<"$bare_answer")" ]]; then
    echo "error: the two routes answer differently" >&2; exit 1
fi
echo "== both routes answer $(jq '.data.implementers | length' <<<"$bare_answer") implementers of $goal"

run() {
    local name="$1"; shift
    oha --no-tui --output-format json -z "$duration" -c "$connections" "$@" >"$work/$name.json"
    jq -r --arg name "$name" \
        '"\($name): \(.summary.requestsPerSec | floor) req/s, p50 \(.latencyPercentiles.p50 * 1000 | . * 1000 | round / 1000) ms, p99 \(.latencyPercentiles.p99 * 1000 | . * 1000 | round / 1000) ms, success \(.summary.successRate)"' \
        "$work/$name.json"
}

echo "== oha -z $duration -c $connections, $rounds rounds (warm-up 2s first)"
oha --no-tui --output-format quiet -z 2s -c "$connections" "http://$address/bench/implementers?goal=$goal" >/dev/null
for round in $(seq 1 "$rounds"); do
    run "graphql-$round" -m POST -H 'content-type: application/json' -d "$body" "http://$address/graphql"
    run "bare-$round" "http://$address/bench/implementers?goal=$goal"
done
jq -rs '
    def median: sort | .[(length - 1) / 2 | floor];
    (map(select(.name | startswith("graphql")))) as $g | (map(select(.name | startswith("bare")))) as $b |
    ($g | map(.r.latencyPercentiles.p50) | median) as $gp50 | ($b | map(.r.latencyPercentiles.p50) | median) as $bp50 |
    ($g | map(.r.latencyPercentiles.p99) | median) as $gp99 | ($b | map(.r.latencyPercentiles.p99) | median) as $bp99 |
    ($g | map(.r.summary.requestsPerSec) | median) as $grps | ($b | map(.r.summary.requestsPerSec) | median) as $brps |
    "median of \($g | length) rounds: GraphQL \($grps | floor) req/s, p50 \($gp50 * 1e6 | round / 1000) ms, p99 \($gp99 * 1e6 | round / 1000) ms; bare \($brps | floor) req/s, p50 \($bp50 * 1e6 | round / 1000) ms, p99 \($bp99 * 1e6 | round / 1000) ms\nGraphQL / bare at p50: \(($gp50 / $bp50) * 100 | round / 100)x (target <= 2x); throughput bare / GraphQL: \(($brps / $grps) * 100 | round / 100)x"
' <(for f in "$work"/graphql-*.json "$work"/bare-*.json; do jq -c --arg name "$(basename "$f" .json)" '{name: $name, r: .}' "$f"; done)
