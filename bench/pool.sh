#!/usr/bin/env bash
# Pool efficiency benchmark (issue 12, docs/pool-efficiency.md): a gateway over BENCH_POOL_KEYS mock keys with real
# limits, under open-loop load at multiples of the pool's capacity, for each strategy, with the guide's fixed cooldowns
# (adaptive_limits: false) and with adaptive_limits. Gateway and mock run inside the bench process on loopback; every
# run is bounded by its duration (BENCH_POOL_SECONDS, 30 s by default, six 5-s windows: long enough to show the steady
# state; upstream 429s are reported for the first two windows and after). The whole table is 60 runs: about 35 minutes
# at 30 s a run (BENCH_POOL_SECONDS=20: about 25).
#
# usage: bench/pool.sh           the table in docs/benchmarks.md, adaptive, every load and strategy: 1303 keys (lim10w5-,
#                                10 calls per 5 s each) without and with rpm 120, the same keys with x-ratelimit-*
#                                headers (limh10w5-), and 1302 keys (conc1-, one call in flight, held 200 ms)
#                                (the guide's fixed mode: BENCH_POOL_MODES=fixed bench/pool.sh one)
#        bench/pool.sh one       one invocation with the knobs below as set (default: 1303 keys, no rpm)
# (results: bench/results/pool-<UTC timestamp>.tsv, also printed)
# knobs (environment):
#   BENCH_POOL_KEYS=4  BENCH_POOL_LIMIT=10  BENCH_POOL_WINDOW=5  BENCH_POOL_SECONDS=30  BENCH_POOL_RPM=0 (0: none)
#   BENCH_POOL_LOADS="0.5 0.9 1.0 1.5 3"   BENCH_POOL_MODES="fixed adaptive"
#   BENCH_POOL_STRATEGIES="round-robin least-busy usage-based-routing"
#   BENCH_POOL_KIND=conc (1302 keys: conc<LIMIT>-) or headers (limh<LIMIT>w<WINDOW>-: 1303 keys with x-ratelimit-*)
#   BENCH_POOL_HOLD_MS=200
#   BENCH_POOL_TRACE=FILE (one line per call: sent at, status, deployment, retries, ms)
#   BENCH_PUBLISH=r2r (default: the bench published ReadyToRun into bench/.out/pool, precompiled as a shipped gateway
#   is, so a fresh gateway's first calls cost about what they cost a user; the bench itself is not AOT-published) or
#   jit (a plain build, dotnet run)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
die() { echo "pool.sh: $*" >&2; exit 1; }
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
mkdir -p "$ROOT/bench/results"
OUT="$ROOT/bench/results/pool-$(date -u +%Y%m%dT%H%M%SZ).tsv"
export BENCH_POOL_SECONDS=${BENCH_POOL_SECONDS:-30}
publish_args "${BENCH_PUBLISH:-r2r}"
if [[ ${#PUBLISH_ARGS[@]} -eq 0 ]]; then
  dotnet build -c Release "$ROOT/bench/Switchboard.Bench" >/dev/null
  run() { timeout 1200 dotnet run --no-build -c Release --project "$ROOT/bench/Switchboard.Bench" -- pool; }
else
  rm -rf "$ROOT/bench/.out/pool"
  dotnet publish "$ROOT/bench/Switchboard.Bench" -c Release "${PUBLISH_ARGS[@]}" -o "$ROOT/bench/.out/pool" --nologo -v quiet >/dev/null
  run() { timeout 1200 "$ROOT/bench/.out/pool/Switchboard.Bench" pool; }
fi
if [[ ${1:-all} == one ]]; then
  run | tee "$OUT"
else
  {
    BENCH_POOL_MODES=adaptive run
    # rpm as a user would set it from the published limit: 10 per 5 s = 120 per minute.
    BENCH_POOL_NO_HEADER=1 BENCH_POOL_MODES=adaptive BENCH_POOL_RPM=120 run
    BENCH_POOL_NO_HEADER=1 BENCH_POOL_KIND=headers BENCH_POOL_MODES=adaptive run
    BENCH_POOL_NO_HEADER=1 BENCH_POOL_KIND=conc BENCH_POOL_LIMIT=1 BENCH_POOL_MODES=adaptive run
  } | tee "$OUT"
fi
echo "results: $OUT" >&2
