#!/usr/bin/env bash
# The README's test command. Installs what the tests need and this machine lacks, then runs
# `cargo test` (arguments are passed on):
#   - PostgreSQL's server binaries (Debian's `postgresql`): the tests start a throw-away
#     cluster of their own from them;
#   - Debian's `chromium` and Node.js: the explorer's end-to-end tests drive a real headless
#     Chromium with npm's playwright-core (browsers cannot download their own builds here);
#   - the npm packages of tests/browser (playwright-core, axe-core), pinned by its lock file.
# Installing needs root (or sudo); a test that still lacks a tool fails, it never skips.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 && ! command -v pg_ctl >/dev/null; then
    missing+=(postgresql)
fi
command -v chromium >/dev/null || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
    echo "== installing ${missing[*]} (apt-get)"
    sudo=""
    [[ "$(id -u)" == 0 ]] || sudo="sudo"
    $sudo apt-get install -y "${missing[@]}" || { $sudo apt-get update && $sudo apt-get install -y "${missing[@]}"; }
fi
if [[ ! -d tests/browser/node_modules/playwright-core || tests/browser/package-lock.json -nt tests/browser/node_modules ]]; then
    echo "== npm ci (tests/browser)"
    npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
    touch tests/browser/node_modules
fi
exec cargo test "$@"
