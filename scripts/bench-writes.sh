#!/usr/bin/env bash
# Writes and freshness through HTTP (issue 11): `createNode` latency, the server's memory
# after many writes, and how long a write on one server takes to reach a second server on the
# same file, over the seed corpus plus the synthetic benchmark graph of one scale.
#
#   scripts/bench-writes.sh [--scale 1m] [--writes 100] [--data DIR] [--store sqlite|postgres]
#
# --store postgres runs both servers on a throw-away PostgreSQL cluster (scripts/lib/postgres.sh,
# default durability) instead of one SQLite file.
# --data uses an existing nodes.csv/edges.csv (e.g. `python3 ../shared/bench/gen.py 10m DIR`,
# the only source of the 10m scale so far) instead of `policygraph generate`.
# Prints p50/p99/max of --writes sequential createNode mutations (each with a verbatim quote,
# as curators write), the server's RSS before and after them, and p50/p99/max of the
# follower lag (write acknowledged on A -> visible on B, polled every 5 ms) over 20 writes, and
# the write throughput of A and B taking writes at once for 10 s. Client and servers share this
# 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."

scale="1m"
writes=100
data=""
store="sqlite"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --scale) scale="$2"; shift 2 ;;
        --writes) writes="$2"; shift 2 ;;
        --data) data="$2"; shift 2 ;;
        --store) store="$2"; shift 2 ;;
        *) echo "usage: $0 [--scale 1m] [--writes 100] [--data DIR] [--store sqlite|postgres]" >&2; exit 2 ;;
    esac
done
source scripts/lib/postgres.sh

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
case "$store" in
    sqlite) db="$work/bench.db" ;;
    postgres) pg_start "$work/pg"; db="$PG_URL_BASE/bench" ;;
    *) echo "error: --store sqlite or postgres" >&2; exit 2 ;;
esac
echo "== store: $store"
echo "== load seeds, import $data"
"$bin" --database-url "$db" load --seeds seeds >/dev/null
/usr/bin/time -f "== import: %e s, peak RSS %M KB" \
    "$bin" --database-url "$db" import --quiet --nodes "$data/nodes.csv" --edges "$data/edges.csv"
token="$("$bin" --database-url "$db" token create --name bench | grep -o 'pgt_[0-9a-f]*')"

address=""
start() { # $1: log file; sets $address and appends the pid to $pids
    RUST_LOG=warn,policygraph=info "$bin" --database-url "$db" serve --listen 127.0.0.1:0 \
        >/dev/null 2>"$1" &
    pids+=("$!")
    address=""
    for _ in $(seq 1 600); do
        address="$(sed -n 's/\x1b\[[0-9;]*m//g; s/.*serving GraphQL at http:\/\/\([^/]*\)\/graphql.*/\1/p' "$1" | head -1)"
        [[ -n "$address" ]] && return
        sleep 0.1
    done
    echo "error: the server did not start:" >&2; cat "$1" >&2; exit 2
}
started=$(date +%s.%N)
start "$work/a.log"; a="$address"; a_pid="${pids[0]}"
echo "== server A up in $(python3 -c "print(round($(date +%s.%N) - $started, 2))") s"
start "$work/b.log"; b="$address"
echo "== serving at $a and $b"

python3 - "$a" "$b" "$token" "$writes" "$a_pid" <<'EOF'
import json, sys, time, urllib.request

a, b, token, writes, a_pid = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]

def post(address, query, auth=True):
    request = urllib.request.Request(
        f"http://{address}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if auth else {})},
    )
    with urllib.request.urlopen(request) as response:
        body = json.load(response)
    if body.get("errors"):
        raise SystemExit(f"error: {body['errors']}")
    return body

def rss_mb():
    with open(f"/proc/{a_pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024

def create(n):
    return ('mutation { createNode(input: { id: "programme:bench-%s", title: "Bench %s", '
            'citations: [{ document: "document:kremlin-cis-summit-2020-12-18", quote: "Commonwealth" }] }) { id } }' % (n, n))

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]

post(a, "{ nodes(first: 1) { totalCount } }", auth=False)
before = rss_mb()
times = []
for n in range(writes):
    t = time.perf_counter()
    post(a, create(n))
    times.append((time.perf_counter() - t) * 1000)
after = rss_mb()
print(f"createNode x{writes} on A: p50 {pct(times, 50):.2f} ms, p99 {pct(times, 99):.2f} ms, "
      f"max {max(times):.2f} ms (first {times[0]:.2f} ms)")
print(f"server A RSS: {before:.0f} MB before, {after:.0f} MB after {writes} writes "
      f"({after - before:+.0f} MB)")

lags = []
for n in range(20):
    post(a, create(f"lag-{n}"))
    t = time.perf_counter()
    while time.perf_counter() - t < 10:
        body = post(b, '{ node(id: "programme:bench-lag-%s") { id } }' % n, auth=False)
        if body["data"]["node"]:
            lags.append((time.perf_counter() - t) * 1000)
            break
        time.sleep(0.005)
    else:
        print("follower lag (A -> B): the write was not visible on B within 10 s")
        break
if lags:
    print(f"follower lag (A -> B) x{len(lags)}: p50 {pct(lags, 50):.0f} ms, "
          f"p99 {pct(lags, 99):.0f} ms, max {max(lags):.0f} ms")

import threading
done = {"a": 0, "b": 0}
def writer(name, address, seconds=10):
    end, n = time.perf_counter() + seconds, 0
    while time.perf_counter() < end:
        n += 1
        post(address, create(f"both-{name}-{n}"))
        done[name] += 1
threads = [threading.Thread(target=writer, args=("a", a)), threading.Thread(target=writer, args=("b", b))]
for t in threads: t.start()
for t in threads: t.join()
print(f"A and B writing at once for 10 s: {done['a'] + done['b']} writes "
      f"({(done['a'] + done['b']) / 10:.0f}/s; A {done['a']}, B {done['b']})")
EOF
