#!/usr/bin/env bash
# Runs every test of the solution (unit + integration) and ends with the line "N passed, N failed".
# Integration tests need a PostgreSQL server binary (initdb/pg_ctl); on a
# fresh Debian machine this script installs what is missing (as root) before it runs the tests.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

"$ROOT/scripts/install-test-deps.sh" || { echo "error: installing test dependencies failed" >&2; exit 1; }

RESULTS="$ROOT/.artifacts/test-results"
rm -rf "$RESULTS"
mkdir -p "$RESULTS"
dotnet test "$ROOT/Switchboard.sln" -c Release --logger "trx" --logger "console;verbosity=normal" --results-directory "$RESULTS" "$@"
rc=$?

passed=0
failed=0
for trx in "$RESULTS"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  p="$(printf '%s' "$counters" | sed -n 's/.* passed="\([0-9]*\)".*/\1/p')"
  f="$(printf '%s' "$counters" | sed -n 's/.* failed="\([0-9]*\)".*/\1/p')"
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
done
if [ "$failed" -gt 0 ]; then
  # Name the failed tests just above the summary, where a truncated log still shows them.
  # Each with the first lines of its failure message and of its own output, so a log cut to its tail says why.
  echo "failed tests:"
  for trx in "$RESULTS"/*.trx; do
    [ -f "$trx" ] || continue
    awk '
      /<UnitTestResult / && /outcome="Failed"/ { failed = 1; n = $0; sub(/.*testName="/, "", n); sub(/".*/, "", n); print "  " n; next }
      /<\/UnitTestResult>/ { failed = 0; part = ""; next }
      failed && /<StdOut>/ { part = "output"; lines = 0 }
      failed && /<Message>/ { part = "message"; lines = 0 }
      failed && part != "" {
        line = $0; gsub(/<\/?(StdOut|Message)>/, "", line); gsub(/^[ \t]+/, "", line)
        gsub(/&lt;/, "<", line); gsub(/&gt;/, ">", line); gsub(/&quot;/, "\"", line); gsub(/&apos;/, "\047", line); gsub(/&amp;/, "\\&", line)
        if (line != "" && ++lines <= 12) print "      " part ": " substr(line, 1, 400)
        if ($0 ~ /<\/(StdOut|Message)>/) part = ""
      }
    ' "$trx"
  done
fi
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # The run failed without a failing test (a build error, a crashed test host): count that as a failure.
  failed=1
fi
echo "$passed passed, $failed failed"
exit "$rc"
