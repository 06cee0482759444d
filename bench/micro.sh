#!/usr/bin/env bash
# BenchmarkDotNet micro-benchmarks of the hot path, then the allocation budget check (Garnet style):
# allocated bytes per operation are deterministic where timings on a shared 2-core machine are not.
# usage: bench/micro.sh [BenchmarkDotNet args, default --filter '*']
#        BENCH_CHECK_ONLY=DIR bench/micro.sh   re-checks an earlier results folder without running
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ARTIFACTS=${BENCH_CHECK_ONLY:-$ROOT/bench/results/bdn-$(date -u +%Y%m%dT%H%M%SZ)}
BUDGET="$ROOT/bench/allocations.json"

if [[ -z "${BENCH_CHECK_ONLY:-}" ]]; then
  (($# > 0)) || set -- --filter '*'
  timeout 1800 dotnet run -c Release --project "$ROOT/bench/Switchboard.Bench" -- --artifacts "$ARTIFACTS" "$@"
fi

command -v jq >/dev/null || { echo "jq is needed for the allocation check" >&2; exit 1; }
shopt -s nullglob
reports=("$ARTIFACTS"/results/*-report-brief.json)
((${#reports[@]} > 0)) || { echo "no BenchmarkDotNet JSON report in $ARTIFACTS/results" >&2; exit 1; }

# Measured: "Class.Method(Param=Value)" -> bytes; budget: the same names -> max bytes.
measured=$(jq -s '[.[].Benchmarks[] | {key: (.Type + "." + .Method + (if .Parameters and .Parameters != "" then "(" + .Parameters + ")" else "" end)),
  value: .Memory.BytesAllocatedPerOperation}] | from_entries' "${reports[@]}")
echo "$measured" >"$ARTIFACTS/allocations-measured.json"
failed=0
while IFS=$'\t' read -r name bytes; do
  max=$(jq -r --arg n "$name" '.[$n] // empty' "$BUDGET")
  if [[ -z "$max" ]]; then
    printf 'NEW   %-60s %8s B (no budget in bench/allocations.json)\n' "$name" "$bytes"
  elif ((bytes > max)); then
    printf 'OVER  %-60s %8s B > %s B\n' "$name" "$bytes" "$max"
    failed=1
  else
    printf 'ok    %-60s %8s B <= %s B\n' "$name" "$bytes" "$max"
  fi
done < <(echo "$measured" | jq -r 'to_entries[] | "\(.key)\t\(.value)"')
exit "$failed"
