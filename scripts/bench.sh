#!/usr/bin/env bash
# Reproduces BENCHMARKS.md (issue 6): for each scale, the MODEL.md graph from gen.py, imported
# with `policygraph import`, then the engine benchmarks (graph vs SQLite recursive CTEs on the
# same file), start-up of `policygraph serve` from that file, and the HTTP load test.
#
#   scripts/bench.sh                 # 10k, 100k and 1m; takes about 15 minutes on 2 cores
#   scripts/bench.sh --scales "1m"   # some scales only (10m too: about 5 GB of disk and an
#                                    # hour; not in the default set)
#   scripts/bench.sh --smoke         # 10k, few repetitions, debug build, no HTTP: a CI smoke
#                                    # test that the benches run and agree with SQLite; it
#                                    # asserts answers, never timings
#
# Output goes to stdout and to target/bench-results/<scale>.txt. Data is cached in
# target/bench-data/<scale> (delete it to regenerate). gen.py comes from ../shared/bench when
# present (python3); otherwise `policygraph generate` makes the same shape.
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=0
scales="10k 100k 1m"
while [[ $# -gt 0 ]]; do
    case "$1" in
        --smoke) smoke=1; scales="10k"; shift ;;
        --scales) scales="$2"; shift 2 ;;
        *) echo "usage: $0 [--smoke] [--scales \"10k 100k 1m\"]" >&2; exit 2 ;;
    esac
done

if [[ $smoke == 1 ]]; then
    # The dev profile reuses `cargo test`'s build; timings from it mean nothing, answers do.
    profile=(--profile dev)
    bin=target/debug/policygraph
    export POLICYGRAPH_BENCH_SMOKE=1
else
    profile=()
    bin=target/release/policygraph
fi
results=target/bench-results
mkdir -p "$results" target/bench-data

echo "== machine"
echo "nproc: $(nproc); $(lscpu | grep 'Model name' | sed 's/  */ /g'); $(free -g | awk '/Mem:/ {print $2 " GB RAM"}')"
rustc --version
echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet || echo ' (dirty)')"

echo "== build"
if [[ $smoke == 1 ]]; then cargo build --quiet; else cargo build --release --quiet; fi
cargo bench "${profile[@]}" --bench engine --no-run --quiet 2>&1 | grep -v '^ *Executable' || true

gen_py=../shared/bench/gen.py
for scale in $scales; do
    dir="target/bench-data/$scale"
    out="$results/$scale.txt"
    : >"$out"
    log() { echo "$@" | tee -a "$out"; }
    log "== scale $scale"
    # Other work on the machine moves every figure; say how busy it was.
    log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    if [[ ! -f "$dir/nodes.csv" ]]; then
        if [[ -f "$gen_py" ]] && command -v python3 >/dev/null; then
            log "\$ python3 $gen_py $scale $dir"
            python3 "$gen_py" "$scale" "$dir" | tee -a "$out"
        else
            log "\$ policygraph generate --scale $scale --out $dir"
            "$bin" generate --scale "$scale" --out "$dir" | tee -a "$out"
        fi
    fi
    if [[ $smoke == 0 ]]; then
        # The Rust generator beside gen.py, for the size comparison in BENCHMARKS.md.
        log "\$ policygraph generate --scale $scale --out $dir-rust"
        "$bin" generate --scale "$scale" --out "$dir-rust" | tee -a "$out"
    fi
    if [[ ! -f "$dir/graph.db" ]]; then
        log "\$ policygraph --database-url $dir/graph.db import --quiet --nodes $dir/nodes.csv --edges $dir/edges.csv"
        /usr/bin/time -f "import: %e s wall, max RSS %M KB" \
            "$bin" --database-url "$dir/graph.db" import --quiet \
            --nodes "$dir/nodes.csv" --edges "$dir/edges.csv" 2>&1 | grep -v INFO | tee -a "$out"
    fi

    log "\$ POLICYGRAPH_BENCH_DATA=$dir POLICYGRAPH_BENCH_SCALE=$scale cargo bench ${profile[*]} --bench engine"
    POLICYGRAPH_BENCH_DATA="$dir" POLICYGRAPH_BENCH_SCALE="$scale" \
        cargo bench "${profile[@]}" --quiet --bench engine 2>&1 | grep -v '^ *Running\|^ *Finished' | tee -a "$out"

    if [[ $smoke == 0 ]]; then
        # Start-up: process start to the first 200 from /healthz, serving from this file,
        # then to writes taken (the integrity check passed); three runs, each printed,
        # because other work on a shared machine moves one run.
        log "\$ scripts/bench-startup.sh --scale $scale --runs 3 --bin $bin"
        scripts/bench-startup.sh --scale "$scale" --runs 3 --bin "$bin" | tee -a "$out"
    fi
done

if [[ $smoke == 0 ]]; then
    echo "== HTTP (seed corpus); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    scripts/bench-http.sh | tee "$results/http.txt"
fi
