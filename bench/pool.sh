#!/usr/bin/env bash
# Pool efficiency benchmark (issue 12, docs/pool-efficiency.md): a gateway over BENCH_POOL_KEYS mock keys that each allow
# BENCH_POOL_LIMIT calls per fixed BENCH_POOL_WINDOW-second window (429 with Z.ai code 1303 beyond, no headers), under
# open-loop load at multiples of the pool's capacity, for each strategy, with the guide's fixed cooldowns and with
# adaptive_limits. Gateway and mock run inside the bench process on loopback; every run is bounded by its duration.
#
# usage: bench/pool.sh     (results: bench/results/pool-<UTC timestamp>.tsv, also printed)
# knobs (environment):
#   BENCH_POOL_KEYS=4  BENCH_POOL_LIMIT=10  BENCH_POOL_WINDOW=5  BENCH_POOL_SECONDS=20  BENCH_POOL_RPM=0 (0: none)
#   BENCH_POOL_LOADS="0.5 0.9 1.0 1.5 3"   BENCH_POOL_MODES="fixed adaptive"
#   BENCH_POOL_STRATEGIES="round-robin least-busy usage-based-routing"
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$ROOT/bench/results"
OUT="$ROOT/bench/results/pool-$(date -u +%Y%m%dT%H%M%SZ).tsv"
timeout 3600 dotnet run -c Release --project "$ROOT/bench/Switchboard.Bench" -- pool | tee "$OUT"
echo "results: $OUT" >&2
