#!/usr/bin/env bash
# All of Perf Pulse's checks, in order: typecheck, lint (ESLint with the layer rules), build,
# unit tests, then the suites in a real VS Code (installing the test host first when it is
# missing). Every suite runs even when an earlier one failed, so the closing total is
# complete; the exit code is non-zero if anything failed. The last line is always
# `N passed, N failed`, summed over all suites; a failed step that is not a test suite
# (typecheck, lint, build, host install) counts as one failure.
#
#   npm test                                   # everything
#   PERF_PULSE_TEST_SUITES="unit" npm test     # a subset of: unit host ui
set -uo pipefail

cd "$(dirname "$0")/.."
suites="${PERF_PULSE_TEST_SUITES:-unit host ui}"
totals_dir="out/test/totals"
rm -rf "$totals_dir"
mkdir -p "$totals_dir"

passed=0
failed=0
summary=()
start_all=$(date +%s)

wants() { [[ " $suites " == *" $1 "* ]]; }

# step NAME COMMAND...: a check without test counts; a failure counts as one.
step() {
  local name="$1"
  shift
  local t0
  t0=$(date +%s)
  echo
  echo "=== $name ==="
  if "$@"; then
    summary+=("$(printf '%-22s ok (%ss)' "$name" $(($(date +%s) - t0)))")
    return 0
  else
    failed=$((failed + 1))
    summary+=("$(printf '%-22s FAILED (%ss)' "$name" $(($(date +%s) - t0)))")
    return 1
  fi
}

# suite NAME COMMAND...: runs a suite that writes its totals to $PERF_PULSE_TEST_TOTALS.
suite() {
  local name="$1"
  shift
  local file="$totals_dir/$name.json"
  local t0 rc p f
  t0=$(date +%s)
  echo
  echo "=== $name tests ==="
  PERF_PULSE_TEST_TOTALS="$PWD/$file" "$@"
  rc=$?
  if [[ -s "$file" ]]; then
    p=$(node -e 'const t=require(process.argv[1]);console.log(t.passed|0)' "$PWD/$file")
    f=$(node -e 'const t=require(process.argv[1]);console.log(t.failed|0)' "$PWD/$file")
  else
    p=0
    f=1 # the suite never reported: it crashed or could not start
  fi
  if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; fi
  passed=$((passed + p))
  failed=$((failed + f))
  summary+=("$(printf '%-22s %s passed, %s failed (%ss)' "$name tests" "$p" "$f" $(($(date +%s) - t0)))")
}

# On a fresh machine: the Debian packages and npm dependencies the suites need.
# shellcheck source=scripts/system-packages.sh
source scripts/system-packages.sh
if [[ -n "$(perf_pulse_missing_packages | tr -d ' ')" ]]; then
  step "system packages" perf_pulse_install_system_packages
fi
if [[ ! -d node_modules ]]; then
  step "npm ci" npm ci --no-audit --no-fund
fi
step "typecheck" npm run --silent typecheck
step "lint" npm run --silent lint
if step "build" npm run --silent build; then built=1; else built=0; fi

if wants unit; then
  suite "unit" node node_modules/mocha/bin/mocha.js "test/unit/**/*.test.ts" \
    --reporter ./scripts/vscode-test/totals-reporter.cjs
fi

if wants host || wants ui; then
  if [[ $built -eq 0 ]]; then
    echo "The build failed: the suites in VS Code cannot run."
    wants host && failed=$((failed + 1)) && summary+=("$(printf '%-22s not run (build failed)' 'host tests')")
    wants ui && failed=$((failed + 1)) && summary+=("$(printf '%-22s not run (build failed)' 'ui tests')")
  elif step "test host install" node scripts/vscode-test/install-host.mjs; then
    if wants host; then
      if step "integration build" node scripts/build-tests.mjs; then
        suite "host" npx --no-install tsx scripts/vscode-test/run-host-suite.ts --no-build
      fi
    fi
    if wants ui; then
      suite "ui" npx --no-install tsx scripts/vscode-test/run-ui-suite.ts --no-build
    fi
  fi
fi

echo
echo "=== summary ($(($(date +%s) - start_all))s) ==="
for line in "${summary[@]}"; do echo "  $line"; done
echo
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
