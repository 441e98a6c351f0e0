#!/usr/bin/env bash
# The peers side by side (issue 16): igraph and networkx (PyPI, in a venv this script makes
# under target/) run MODEL.md's queries on the same gen.py files and queries.json as the
# engine bench, in the same run, right after it, so every ratio in BENCHMARKS.md is measured
# here rather than quoted.
#
#   scripts/bench-peers.sh [--scale 1m] [--no-engine]
#
# Needs target/bench-data/<scale> (scripts/bench.sh makes it) and python3 with venv.
set -euo pipefail
cd "$(dirname "$0")/.."

scale=1m
engine=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --scale) scale="$2"; shift 2 ;;
        --no-engine) engine=0; shift ;;
        *) echo "usage: $0 [--scale 1m] [--no-engine]" >&2; exit 2 ;;
    esac
done
dir="target/bench-data/$scale"
[[ -f "$dir/queries.json" ]] || { echo "no $dir: run scripts/bench.sh --scales $scale first" >&2; exit 1; }

venv=target/peers-venv
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet igraph==1.0.0 networkx==3.6.1
fi
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); commit $(git rev-parse --short HEAD)"
if [[ $engine == 1 ]]; then
    echo "\$ POLICYGRAPH_BENCH_DATA=$dir POLICYGRAPH_BENCH_SCALE=$scale cargo bench --bench engine"
    POLICYGRAPH_BENCH_DATA="$dir" POLICYGRAPH_BENCH_SCALE="$scale" \
        cargo bench --quiet --bench engine 2>&1 | grep -v '^ *Running\|^ *Finished'
fi
echo "\$ $venv/bin/python scripts/lib/peers.py $dir"
"$venv/bin/python" scripts/lib/peers.py "$dir"
