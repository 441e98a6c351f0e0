#!/usr/bin/env bash
# Start-up of `policygraph serve` on a large file (issue 16), and a server reading the store
# whole again. Both print what BENCHMARKS.md quotes; the file must exist (scripts/bench.sh
# imports it).
#
#   scripts/bench-startup.sh [--scale 10m] [--runs 5] [--bin target/release/policygraph]
#       start to the first /healthz 200 (RSS and VmHWM then), then to the log line
#       "integrity check passed" (writes taken), then to "citation report prepared" (its
#       findings and time, RSS and VmHWM then), each run after reading the file once so it
#       starts warm;
#   scripts/bench-startup.sh --rebuild [--scale 10m] [--bin BIN]
#       serve, wait for the check, append a change-log entry no follower can patch
#       (python3's sqlite3), and time the log line "snapshot rebuilt" (RSS and peak then).
set -euo pipefail
cd "$(dirname "$0")/.."

scale=10m; runs=5; bin=target/release/policygraph; rebuild=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --scale) scale="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        --rebuild) rebuild=1; shift ;;
        *) echo "usage: $0 [--scale 10m] [--runs 5] [--bin BIN] [--rebuild]" >&2; exit 2 ;;
    esac
done
db="target/bench-data/$scale/graph.db"
[[ -f "$db" ]] || { echo "no $db: run scripts/bench.sh --scales $scale first" >&2; exit 1; }
[[ "$bin" != target/release/policygraph ]] || cargo build --release --quiet
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD)"

kb() { awk "/$1/ {print \$2}" "/proc/$2/status"; }
# Waits up to two minutes for `pattern` in the server log `$log`.
wait_log() { for _ in $(seq 1 2400); do grep -q "$1" "$log" && return 0; sleep 0.05; done; return 1; }

start_server() {
    log="$(mktemp)"
    RUST_LOG=warn,policygraph=info "$bin" --database-url "$db" serve --listen 127.0.0.1:0 2>"$log" &
    pid=$!
}

stop_server() {
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -f "$log"
}

if [[ $rebuild == 1 ]]; then
    start_server
    wait_log "integrity check passed"
    rss_before=$(kb VmRSS "$pid")
    start=$(date +%s.%N)
    python3 -c "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute(\"INSERT INTO change_log (actor, op, entity) VALUES ('bench', 'update', 'goal:0')\"); c.commit()" "$db"
    wait_log "snapshot rebuilt"
    end=$(date +%s.%N)
    rss=$(kb VmRSS "$pid"); peak=$(kb VmHWM "$pid")
    stop_server
    awk -v s="$start" -v e="$end" -v b="$rss_before" -v r="$rss" -v p="$peak" 'BEGIN { printf "rebuilt after %.2f s; RSS before %.0f MB, after %.0f MB, peak %.0f MB\n", e - s, b / 1024, r / 1024, p / 1024 }'
    exit 0
fi

for run in $(seq 1 "$runs"); do
    cat "$db" >/dev/null
    start=$(date +%s.%N)
    start_server
    address=""
    for _ in $(seq 1 6000); do
        address="$(sed -n 's/\x1b\[[0-9;]*m//g; s/.*serving GraphQL at http:\/\/\([^/]*\)\/graphql.*/\1/p' "$log" | head -1)"
        if [[ -n "$address" ]] && curl -sf "http://$address/healthz" >/dev/null; then break; fi
        sleep 0.02
    done
    served=$(date +%s.%N)
    rss=$(kb VmRSS "$pid"); peak=$(kb VmHWM "$pid")
    wait_log "integrity check passed"
    checked=$(date +%s.%N)
    wait_log "citation report prepared"
    report=$(sed -n 's/\x1b\[[0-9;]*m//g; s/.*citation report prepared.*findings=\([0-9]*\).*elapsed=\([^ ]*\).*/\1 findings in \2/p' "$log" | head -1)
    rss2=$(kb VmRSS "$pid"); peak2=$(kb VmHWM "$pid")
    stop_server
    awk -v s="$start" -v e="$served" -v c="$checked" -v r="$rss" -v p="$peak" -v n="$run" 'BEGIN { printf "run %d: first /healthz 200 after %.2f s (RSS %.0f MB, peak %.0f MB); integrity check passed, writes taken, after %.2f s\n", n, e - s, r / 1024, p / 1024, c - s }'
    awk -v r="$rss2" -v p="$peak2" -v t="$report" 'BEGIN { printf "       citation report prepared: %s (then RSS %.0f MB, peak %.0f MB)\n", t, r / 1024, p / 1024 }'
done
