#!/usr/bin/env bash
# Runs every test in the solution (Release), writes TRX files and prints one plain summary line
# "N passed, N failed". Exits non-zero when a test fails or none ran.
# Tests use real parts: it installs what they need beyond the .NET SDK when missing (mosquitto,
# see scripts/test-tools.sh), so no test skips.
set -uo pipefail
cd "$(dirname "$0")"
scripts/test-tools.sh || exit 1
results="$PWD/TestResults"
rm -rf "$results"
dotnet test --solution SetGan.sln -c Release --report-trx --results-directory "$results" "$@"
status=$?
passed=0; failed=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
echo "$passed passed, $failed failed"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then exit 1; fi
