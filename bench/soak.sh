#!/usr/bin/env bash
# Soak (a benchmark, not a test): the gateway under a steady, bounded load for a fixed time — OpenAI and Anthropic
# calls, whole and streamed, streams the client hangs up on, a pool of failing keys (mock fault keys) — with its RSS
# sampled. Passes when the RSS at the end is within 10 % of the RSS after the warm-up. Loopback only; stops what it
# started, by PID.
#
# usage: bench/soak.sh     knobs: SOAK_SECONDS=600  SOAK_WORKERS=8  SOAK_WARMUP=60  SOAK_SKIP_PUBLISH=1 (reuse bench/.out)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SECONDS_TOTAL=${SOAK_SECONDS:-600}
WORKERS=${SOAK_WORKERS:-8}
WARMUP=${SOAK_WARMUP:-60}
OUT="$ROOT/bench/.out/switchboard"
BIN="$OUT/switchboard"
TMP=$(mktemp -d /tmp/switchboard-soak.XXXXXX)
PIDS=()

log() { printf '[soak %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
stop_started_on_exit

if [[ "${SOAK_SKIP_PUBLISH:-0}" != 1 || ! -x "$BIN" ]]; then
  log "publishing Release build to bench/.out/switchboard"
  timeout 900 dotnet publish "$ROOT/src/Switchboard" -c Release -o "$OUT" --nologo -v quiet >/dev/null || die "dotnet publish failed"
fi
log "building the bench program"
timeout 900 dotnet build "$ROOT/bench/Switchboard.Bench" -c Release --nologo -v quiet >/dev/null || die "bench build failed"

MOCK_PORT=$(free_port)
"$BIN" mock-provider --port "$MOCK_PORT" --host 127.0.0.1 >"$TMP/mock.log" 2>&1 &
MOCK_PID=$!
PIDS+=("$MOCK_PID")
wait_http "http://127.0.0.1:$MOCK_PORT/_stats" 30 "$MOCK_PID"

# Streams of ~0.8 s: a client that hangs up after its first events leaves before the upstream's usage, so the gateway
# bills it with the tokenizer (loaded in the warm-up, as in a long-running gateway).
deployment() { # group provider/model api_base key
  cat <<YAML
  - model_name: $1
    litellm_params:
      model: $2
      api_base: $3
      api_key: $4
      extra_headers:
        x-mock-chunks: "40"
        x-mock-chunk-delay-ms: "20"
YAML
}

OPENAI_BASE="http://127.0.0.1:$MOCK_PORT/v1"
ANTHROPIC_BASE="http://127.0.0.1:$MOCK_PORT"
{
  echo "model_list:"
  for i in 1 2 3; do deployment soak-pool openai/glm-4.6 "$OPENAI_BASE" "ok-soak-$i"; done
  for i in 1 2; do deployment "claude-*" openai/glm-4.6 "$OPENAI_BASE" "ok-soak-claude-$i"; done
  for i in 1 2; do deployment soak-anthropic anthropic/claude-sonnet-4-5 "$ANTHROPIC_BASE" "ok-soak-anth-$i"; done
  # Failing keys (server errors, rate limits, every other call 503) beside one healthy key.
  for key in err-soak-f rl-soak-f flaky-soak-f ok-soak-f; do deployment soak-faulty openai/glm-4.6 "$OPENAI_BASE" "$key"; done
  echo "router_settings:"
  echo "  num_retries: 2"
  echo "  request_timeout: 30"
} >"$TMP/soak.yaml"

GW_PORT=$(free_port)
(cd "$TMP" && exec "$BIN" --config "$TMP/soak.yaml" --port "$GW_PORT" --host 127.0.0.1 >"$TMP/gateway.log" 2>&1) &
GW_PID=$!
PIDS+=("$GW_PID")
wait_http "http://127.0.0.1:$GW_PORT/health/readiness" 60 "$GW_PID"

log "machine: $(nproc) CPU(s), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
log "gateway pid $GW_PID on 127.0.0.1:$GW_PORT, mock pid $MOCK_PID; ${SECONDS_TOTAL} s with $WORKERS workers, ${WARMUP} s warm-up"
set +e
timeout $((SECONDS_TOTAL + 120)) dotnet "$ROOT/bench/Switchboard.Bench/bin/Release/net10.0/Switchboard.Bench.dll" \
  soak "http://127.0.0.1:$GW_PORT" "$GW_PID" "$SECONDS_TOTAL" "$WORKERS" "$WARMUP"
status=$?
set -e
log "gateway log lines: $(wc -l <"$TMP/gateway.log"), errors/warnings: $(grep -c -E ' (fail|crit|warn):' "$TMP/gateway.log" || true)"
grep -E ' (fail|crit):' "$TMP/gateway.log" | head -5 >&2 || true
stop_pid "$GW_PID"
log "usage rows written: $(sqlite3 "$TMP/switchboard.db" 'SELECT COUNT(*) FROM usage_logs' 2>/dev/null || echo '?'), with estimated tokens: $(sqlite3 "$TMP/switchboard.db" 'SELECT COUNT(*) FROM usage_logs WHERE tokens_estimated = 1' 2>/dev/null || echo '?')"
exit "$status"
