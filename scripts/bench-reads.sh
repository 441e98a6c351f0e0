#!/usr/bin/env bash
# Reads over HTTP on a large graph (issues 12 and 16): search for common and rare words,
# stats, coverage, matrix, citationReport, a long dependencies list, paths from a programme
# to a root goal, what is active in a year, the timeline, the change log since a date, and a
# 304 on a repeated read. One release server on target/bench-data/<scale>/graph.db (made by scripts/bench.sh),
# each query 5 times; prints min / median / max wall time (curl) and the answer's size.
#
#   scripts/bench-reads.sh [--scale 1m]
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
cargo build --release --quiet
port=$((20000 + RANDOM % 10000))
RUST_LOG=warn target/release/policygraph --database-url "$db" serve --listen "127.0.0.1:$port" >/dev/null 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
# Past the start-up integrity check, not only live: until it passes it reads the whole file
# on the other core (0.7 s at 1m), and the first queries would be timed along with it.
for _ in $(seq 1 1200); do
    curl -s "127.0.0.1:$port/readyz" | grep -q '"integrity":"sound"' && break
    sleep 0.1
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD)"

# time NAME BODY [curl args]: five runs; min / median / max in ms, status and size of the last.
time_query() {
    local name="$1" body="$2"; shift 2
    local times=() out
    for _ in 1 2 3 4 5; do
        out=$(curl -s -o /dev/null -w "%{http_code} %{time_total} %{size_download}" \
            -H 'content-type: application/json' "$@" "127.0.0.1:$port/graphql" -d "$body")
        times+=("$(awk '{printf "%.1f", $2 * 1000}' <<<"$out")")
    done
    sorted=$(printf '%s\n' "${times[@]}" | sort -n | paste -sd' ')
    read -r min _ median _ max <<<"$sorted"
    printf '%-44s %7s %7s %7s ms  status %s, %s bytes\n' "$name" "$min" "$median" "$max" \
        "$(cut -d' ' -f1 <<<"$out")" "$(cut -d' ' -f3 <<<"$out")"
}
printf '%-44s %7s %7s %7s\n' query min median max
for word in measure goal programme state mea the sec m 102047 "measure 102047"; do
    time_query "search \"$word\"" "{\"query\":\"{ search(text: \\\"$word\\\") { node { id } snippet } }\"}"
done
stats='{"query":"{ stats { nodes edges byKind { kind count } byYear { year active } } }"}'
time_query "stats" "$stats"
tag=$(curl -s -D - -o /dev/null -H 'content-type: application/json' "127.0.0.1:$port/graphql" -d "$stats" \
    | awk 'tolower($1) == "etag:" {print $2}' | tr -d '\r')
time_query "stats again with If-None-Match (304)" "$stats" -H "if-none-match: $tag"
time_query "coverage(first: 100, activeIn: 2025)" \
    '{"query":"{ coverage(first: 100, activeIn: 2025) { totalCount nodes { goal { id } direct transitive activeIn } } }"}'
time_query "matrix(first: 50)" \
    '{"query":"{ matrix(first: 50) { totalCount nodes { goal { id } cells { programme { id } label } } } }"}'
time_query "citationReport { errors warnings }" '{"query":"{ citationReport { errors warnings } }"}'
time_query "citationReport findings(first: 100)" \
    '{"query":"{ citationReport { findings(first: 100) { code subjectId } } }"}'
root=$(curl -s -H 'content-type: application/json' "127.0.0.1:$port/graphql" \
    -d '{"query":"{ nodes(kind: GOAL, first: 1) { nodes { id } } }"}' | sed 's/.*"id":"\([^"]*\)".*/\1/')
time_query "dependencies($root, BOTH), whole" \
    "{\"query\":\"{ dependencies(id: \\\"$root\\\", direction: BOTH) { node { id } depth } }\"}"
time_query "dependencies($root, BOTH, first: 1000)" \
    "{\"query\":\"{ dependencies(id: \\\"$root\\\", direction: BOTH, first: 1000) { node { id } depth } }\"}"
programme=$(curl -s -H 'content-type: application/json' "127.0.0.1:$port/graphql" \
    -d '{"query":"{ nodes(kind: PROGRAMME, first: 1) { nodes { id } } }"}' | sed 's/.*"id":"\([^"]*\)".*/\1/')
time_query "path($programme, $root)" \
    "{\"query\":\"{ path(from: \\\"$programme\\\", to: \\\"$root\\\") { length } }\"}"
for depth in 4 5 6; do
    time_query "paths($programme, $root, maxDepth: $depth)" \
        "{\"query\":\"{ paths(from: \\\"$programme\\\", to: \\\"$root\\\", maxDepth: $depth) { length } }\"}"
done
time_query "nodes(activeIn: 2025) { totalCount }" \
    '{"query":"{ nodes(activeIn: 2025, first: 100) { totalCount nodes { id } } }"}'
time_query "timeline(2018-2030), related(first: 5)" \
    '{"query":"{ timeline(from: \"2018\", to: \"2030\") { date kind node { id title } related(first: 5) { id title } relatedCount } }"}'
time_query "changes(since: 2000-01-01, first: 5)" \
    '{"query":"{ changes(since: \"2000-01-01\", first: 5) { edges { node { seq } } } }"}'
time_query "changes(since: 2999-01-01, first: 5)" \
    '{"query":"{ changes(since: \"2999-01-01\", first: 5) { edges { node { seq } } } }"}'
time_query "node(goal:0) { history(first: 5) }" \
    '{"query":"{ node(id: \"goal:0\") { history(first: 5) { seq op } } }"}'
time_query "changes(first: 5)" '{"query":"{ changes(first: 5) { edges { node { seq op } } } }"}'
time_query "changes(first: 5) { totalCount }" '{"query":"{ changes(first: 5) { totalCount } }"}'
echo "change-log entries: $(curl -s -H 'content-type: application/json' "127.0.0.1:$port/graphql" \
    -d '{"query":"{ changes(first: 1) { totalCount } }"}' | sed 's/.*"totalCount":\([0-9]*\).*/\1/')"
