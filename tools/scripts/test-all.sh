#!/usr/bin/env bash
# Sets up this machine (tools/setup/setup.sh) and runs every check and test of the workspace:
# nx sync:check, lint, typecheck, unit tests, then the real-kernel tests (inside throw-away namespaces).
# Ends with one line `N passed, N failed`; exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
bash tools/setup/setup.sh || { echo "0 passed, 1 failed"; exit 1; }

export PATH="$PWD/node_modules/.bin:$PATH"   # Node 24 from the `node` package, nx, jest
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE=true
rm -rf tmp/jest-results

stage_failures=0
failed_stages=()
stage() {
  local name=$1; shift
  echo "::: $name"
  if ! "$@"; then
    echo "::: $name FAILED"
    stage_failures=$((stage_failures + 1))
    failed_stages+=("$name")
  fi
}

stage "sync:check" nx sync:check
stage "lint" nx run-many -t lint --outputStyle=static
stage "typecheck" nx run-many -t typecheck --outputStyle=static
stage "unit tests" nx run-many -t test --outputStyle=static --parallel=2
stage "real-kernel tests" nx run-many -t test-kernel --outputStyle=static --parallel=1

echo "::: summary"
# A failed non-test stage (lint, typecheck, sync) counts as one failure, so the counts line cannot be green
# while the run is red.
lint_like=0
for s in "${failed_stages[@]:-}"; do case $s in "unit tests"|"real-kernel tests"|"") ;; *) lint_like=$((lint_like + 1));; esac; done
node tools/scripts/summary.js "$lint_like"
summary_rc=$?
[ "$stage_failures" -eq 0 ] && [ "$summary_rc" -eq 0 ]
