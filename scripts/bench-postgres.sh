#!/usr/bin/env bash
# Reads over a shared PostgreSQL store (issue 15), against the same graph on SQLite: start-up
# to the first /healthz 200, read latency and throughput of one server per store, and the read
# throughput of 1, 2 and 3 servers on one PostgreSQL database.
#
#   scripts/bench-postgres.sh [--scale 1m] [--data DIR] [--duration 10s] [--connections 32]
#
# Reads are the GraphQL query `node(id)` for ids drawn from the graph and an `implementers`
# query of a seed goal, sent by wrk (Debian's package; installed when missing). With several
# servers, one wrk per server runs at the same time and the rates are summed. Client and
# servers share this 2-core machine: more servers cannot add cores, and the figures say so.
# Writes and follower lag on PostgreSQL: scripts/bench-writes.sh --store postgres.
set -euo pipefail
cd "$(dirname "$0")/.."

scale="1m"
data=""
duration="10s"
connections=32
while [[ $# -gt 0 ]]; do
    case "$1" in
        --scale) scale="$2"; shift 2 ;;
        --data) data="$2"; shift 2 ;;
        --duration) duration="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        *) echo "usage: $0 [--scale 1m] [--data DIR] [--duration 10s] [--connections 32]" >&2; exit 2 ;;
    esac
done
source scripts/lib/postgres.sh
if ! command -v wrk >/dev/null; then
    echo "== installing wrk (apt-get install -y wrk)"
    apt-get install -y wrk >/dev/null
fi

echo "== cargo build --release"
cargo build --release --quiet
bin="target/release/policygraph"
work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    pg_stop
    rm -rf "$work"
}
trap cleanup EXIT

if [[ -z "$data" ]]; then
    data="target/bench-data/$scale-rust"
fi
if [[ ! -f "$data/edges.csv" ]]; then
    echo "== policygraph generate --scale $scale --out $data"
    "$bin" generate --scale "$scale" --out "$data" >/dev/null
fi
pg_start "$work/pg"
sqlite="$work/bench.db"
postgres="$PG_URL_BASE/bench"
for db in "$sqlite" "$postgres"; do
    "$bin" --database-url "$db" load --seeds seeds >/dev/null
    /usr/bin/time -f "== import into ${db%%:*}: %e s, peak RSS %M KB" \
        "$bin" --database-url "$db" import --quiet --nodes "$data/nodes.csv" --edges "$data/edges.csv"
done

address=""
start() { # $1: database URL, $2: log file; sets $address, appends the pid to $pids
    local started
    started=$(date +%s.%N)
    RUST_LOG=warn,policygraph=info "$bin" --database-url "$1" serve --listen 127.0.0.1:0 \
        >/dev/null 2>"$2" &
    pids+=("$!")
    address=""
    for _ in $(seq 1 1200); do
        address="$(sed -n 's/\x1b\[[0-9;]*m//g; s/.*serving GraphQL at http:\/\/\([^/]*\)\/graphql.*/\1/p' "$2" | head -1)"
        if [[ -n "$address" ]] && curl -sf "http://$address/healthz" >/dev/null; then
            echo "   up in $(python3 -c "print(round($(date +%s.%N) - $started, 2))") s ($2)"
            return
        fi
        sleep 0.05
    done
    echo "error: the server did not start:" >&2; cat "$2" >&2; exit 2
}
stop_all() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    pids=()
}

# The request bodies wrk sends: node lookups over ids of the imported graph, and implementers.
python3 - "$data/nodes.csv" >"$work/ids.txt" <<'PY'
import csv, random, sys
random.seed(7)
rows = list(csv.reader(open(sys.argv[1])))[1:]
for row in random.sample(rows, 200):
    print(row[1].lower() + ":" + row[0])
PY
cat >"$work/reads.lua" <<'LUA'
local ids = {}
for id in io.lines(os.getenv("IDS")) do ids[#ids + 1] = id end
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local implementers = '{"query":"{ implementers(goal: \\"goal:border-security\\") { node { id } depth } }"}'
request = function()
    n = n + 1
    if n % 2 == 0 then
        return wrk.format(nil, nil, nil, implementers)
    end
    return wrk.format(nil, nil, nil, '{"query":"{ node(id: \\"' .. ids[(n % #ids) + 1] .. '\\") { id title } }"}')
end
done = function(summary, latency, requests)
    io.write(string.format("RESULT %.0f %.2f %.2f %d\n", summary.requests / (summary.duration / 1e6),
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status + summary.errors.timeout))
end
LUA
export IDS="$work/ids.txt"
# Both queries must answer before a load starts: a broken request would time errors, not reads.
check_reads() {
    local node
    node="$(head -1 "$IDS")"
    curl -sf -H 'Content-Type: application/json' "http://$1/graphql" \
        -d '{"query":"{ implementers(goal: \"goal:border-security\") { node { id } } }"}' |
        jq -e '.data.implementers | length > 0' >/dev/null
    curl -sf -H 'Content-Type: application/json' "http://$1/graphql" \
        -d "{\"query\":\"{ node(id: \\\"$node\\\") { id } }\"}" |
        jq -e --arg id "$node" '.data.node.id == $id' >/dev/null
}
# One wrk per address at once; prints the summed rate and each p50/p99.
load() {
    local outs=() i=0 per=$((connections / $#))
    for address in "$@"; do
        check_reads "$address" || { echo "error: $address does not answer the reads" >&2; exit 2; }
    done
    for address in "$@"; do
        wrk -t1 -c"$per" -d"$duration" -s "$work/reads.lua" "http://$address/graphql" >"$work/wrk-$i.out" &
        outs+=("$!"); i=$((i + 1))
    done
    for pid in "${outs[@]}"; do wait "$pid"; done
    python3 - "$work" "$#" <<'PY'
import sys
work, n = sys.argv[1], int(sys.argv[2])
rates, lines = 0, []
for i in range(n):
    for line in open(f"{work}/wrk-{i}.out"):
        if line.startswith("RESULT"):
            _, rate, p50, p99, errors = line.split()
            rates += float(rate)
            lines.append(f"p50 {float(p50):.2f} ms, p99 {float(p99):.2f} ms, errors {errors}")
print(f"   {rates:.0f} requests/s in all; " + " | ".join(lines))
PY
}

echo "== start-up to the first /healthz 200 (seeds + $scale)"
start "$sqlite" "$work/sqlite.log"; on_sqlite="$address"
start "$postgres" "$work/pg-1.log"; on_pg="$address"
echo "== reads, one server each, $connections connections, $duration"
echo " SQLite-backed:"; load "$on_sqlite"
echo " PostgreSQL-backed:"; load "$on_pg"
echo " SQLite-backed again:"; load "$on_sqlite"
echo " PostgreSQL-backed again:"; load "$on_pg"
stop_all

echo "== read throughput of 1, 2, 3 servers on one PostgreSQL database"
servers=()
for n in 1 2 3; do
    start "$postgres" "$work/pg-$n.log"; servers+=("$address")
    echo " $n server(s):"; load "${servers[@]}"
done
