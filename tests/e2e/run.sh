#!/usr/bin/env bash
# Runs the end-to-end tests (each tests/e2e/*_test.sh, or those named) and prints
# "N passed, M failed". Each test builds its own test hosts and tears them down.
set -uo pipefail
cd "$(dirname "$0")"
: "${GHNET_BIN:?set GHNET_BIN to the gh-net binary}"
export GHNET_BIN
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(*_test.sh)
passed=0 failed=0 failures=()
# Namespaces that exist before we start belong to someone else (another run on this machine).
before=$(ip netns list 2>/dev/null | awk '/^ghnet-/ {print $1}' | sort)
for t in "${tests[@]}"; do
  t=${t%.sh}; t=${t%_test}_test.sh
  echo "=== $t"
  start=$(date +%s)
  if timeout --kill-after=10 600 bash "./$t"; then
    passed=$((passed + 1)); echo "--- PASS $t ($(( $(date +%s) - start )) s)"
  else
    failed=$((failed + 1)); failures+=("$t"); echo "--- FAIL $t ($(( $(date +%s) - start )) s)"
  fi
done
after=$(ip netns list 2>/dev/null | awk '/^ghnet-/ {print $1}' | sort)
leftover=$(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after") | grep . || true)
if [ -n "$leftover" ]; then
  echo "FAIL: namespaces left behind: $(echo $leftover)"; failed=$((failed + 1)); failures+=("leftover-namespaces")
  for suffix in $(printf '%s\n' "$leftover" | cut -d- -f2 | sort -u); do
    ../../scripts/testhosts.sh down "$suffix" >/dev/null 2>&1 || true
  done
fi
[ ${#failures[@]} -eq 0 ] || echo "failed: ${failures[*]}"
echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
