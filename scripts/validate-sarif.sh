#!/usr/bin/env bash
# Validates `policygraph check --format sarif` with Microsoft's SARIF Multitool, GitHub's
# ingestion rules included (`--rule-kind "Gh;Sarif"`), on seeds/ and on a copy with errors.
# Fails on any result of level `error`. The tool (npm @microsoft/sarif-multitool, a .NET
# program) is installed into target/sarif-multitool on first use.
set -euo pipefail
cd "$(dirname "$0")/.."

tool_dir="target/sarif-multitool"
tool="$tool_dir/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool"
if [[ ! -f "$tool" ]]; then
    echo "== npm install @microsoft/sarif-multitool into $tool_dir"
    mkdir -p "$tool_dir"
    (cd "$tool_dir" && npm install --no-audit --no-fund --silent @microsoft/sarif-multitool@5.7.0)
fi
chmod u+x "$tool"
# The tool needs no ICU for this; without one installed it refuses to start unless told so.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1

cargo build --quiet
bin="target/debug/policygraph"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A copy with errors: a quote that is not in its source, and an unknown key.
cp -r seeds "$work/broken"
sed -i '0,/^cite = \["/s//cite = ["NOT IN THE SOURCE /' "$work/broken/001_cis-summit-2020-12-18.toml"
printf '\n[[node]]\nid = "goal:x"\ntitle = "X"\ncolour = "red"\ncite = ["Commonwealth"]\n' \
    >> "$work/broken/001_cis-summit-2020-12-18.toml"

status=0
n=0
for dir in seeds "$work/broken"; do
    n=$((n + 1))
    "$bin" check --seeds "$dir" --format sarif > "$work/check-$n.sarif" || true
    "$tool" validate --rule-kind "Gh;Sarif" --output "$work/validation-$n.sarif" \
        "$work/check-$n.sarif" > "$work/validate-$n.log" 2>&1 || true
    if [[ ! -f "$work/validation-$n.sarif" ]]; then
        echo "error: the SARIF Multitool did not run:" >&2
        cat "$work/validate-$n.log" >&2
        exit 1
    fi
    if ! python3 - "$work/validation-$n.sarif" "$dir" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["runs"][0].get("results", [])
errors = [r for r in results if r.get("level", "warning") == "error"]
for r in results:
    print(f"  {r.get('level', 'warning')} {r['ruleId']}: {r['message'].get('arguments')}")
print(f"SARIF of {sys.argv[2]}: {len(errors)} error(s), {len(results) - len(errors)} other(s)")
sys.exit(1 if errors else 0)
PY
    then
        status=1
    fi
done
exit "$status"
