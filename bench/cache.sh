#!/usr/bin/env bash
# Cache-hit path benchmark: the same chat call (bench/chat-body.json, non-stream) through Switchboard with the response
# cache off (every call reaches the mock provider) and on (after the first call every answer comes from the cache),
# in bench/run.sh's terms: wrk -t2 -c32, BENCH_DURATION seconds per run after BENCH_WARMUP seconds of warm-up, rounds
# interleaved. Loopback only; stops what it started, by PID.
#
# usage: bench/cache.sh   (needs wrk and a Release build: dotnet build src/Switchboard -c Release)
# knobs: BENCH_DURATION=10 BENCH_WARMUP=5 BENCH_CONNECTIONS=32 BENCH_THREADS=2 BENCH_ROUNDS=3
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DURATION=${BENCH_DURATION:-10}
WARMUP=${BENCH_WARMUP:-5}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-3}
DLL="$ROOT/src/Switchboard/bin/Release/net10.0/switchboard.dll"
TMP=$(mktemp -d /tmp/switchboard-cache-bench.XXXXXX)
PIDS=()

die() { echo "error: $*" >&2; exit 1; }
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
stop_started_on_exit

[[ -f "$DLL" ]] || die "no Release build at $DLL"
command -v wrk >/dev/null || die "wrk is not installed"

MOCK_PORT=$(free_port)
dotnet "$DLL" mock-provider --port "$MOCK_PORT" --host 127.0.0.1 >"$TMP/mock.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$MOCK_PORT/_stats" 60 "${PIDS[-1]}"

start_gateway() { # name cache(true|false) -> port on stdout
  local name=$1 cache=$2 port
  port=$(free_port)
  cat >"$TMP/$name.yaml" <<YAML
model_list:
  - model_name: glm-4.6
    litellm_params:
      model: openai/glm-4.6
      api_base: http://127.0.0.1:$MOCK_PORT/v1
      api_key: ok-bench-1
litellm_settings:
  cache: $cache
general_settings:
  disable_spend_logs: true
YAML
  (cd "$TMP" && exec dotnet "$DLL" --config "$TMP/$name.yaml" --port "$port" --host 127.0.0.1 >"$TMP/$name.log" 2>&1) &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$port/health/readiness" 60 "${PIDS[-1]}"
  echo "$port"
}

sed 's/"model": *"[^"]*"/"model":"glm-4.6"/' "$ROOT/bench/chat-body.json" >"$TMP/body.json"
OFF=$(start_gateway off false)
ON=$(start_gateway on true)

run() { # port seconds -> requests per second
  BENCH_BODY_FILE="$TMP/body.json" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${2}s" -s "$ROOT/bench/chat.lua" "http://127.0.0.1:$1" \
    | awk '/^BENCH / { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
           END { printf "%.0f %d %d\n", v["requests"] / (v["duration_us"] / 1e6), v["p50_us"], v["err_status"] + v["err_connect"] + v["err_read"] + v["err_timeout"] }'
}

run "$OFF" "$WARMUP" >/dev/null
run "$ON" "$WARMUP" >/dev/null
curl -fsS -o /dev/null -D "$TMP/headers" -H 'Content-Type: application/json' --data-binary @"$TMP/body.json" "http://127.0.0.1:$ON/v1/chat/completions"
grep -qi '^x-litellm-cache-key:' "$TMP/headers" || die "the cache-on gateway sent no x-litellm-cache-key"

printf 'round\tcache\treq_per_s\tp50_us\terrors\n'
for round in $(seq 1 "$ROUNDS"); do
  printf '%s\toff\t%s\n' "$round" "$(run "$OFF" "$DURATION" | tr ' ' '\t')"
  printf '%s\ton\t%s\n' "$round" "$(run "$ON" "$DURATION" | tr ' ' '\t')"
done
