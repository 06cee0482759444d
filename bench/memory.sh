#!/usr/bin/env bash
# Memory of the gateway (a benchmark, not a test; issue 13): idle RSS after a warm-up, then the largest RSS and GC heap
# while N concurrent streams are open, then RSS after they end. Loopback only, bounded in time; stops what it started,
# by PID. Raw output in bench/results/memory-<UTC timestamp>/ (summary.txt, rss.tsv, counters.csv, smaps, logs).
#
# Method: the published gateway (what the start script runs: Native AOT unless MEM_PUBLISH says r2r or jit) with one openai/ deployment on `switchboard mock-provider`,
# which sends MEM_CHUNKS chunks MEM_DELAY_MS apart (20 x 250 ms: a stream lasts ~5 s); spend logs off. Six warm-up
# calls (3 streamed, 3 not), MEM_IDLE_WAIT s of quiet, idle RSS; then `wrk -c MEM_STREAMS` with "stream": true for
# MEM_SECONDS s, RSS from /proc/<pid>/status every second; MEM_AFTER_WAIT s after wrk ends, RSS again. The GC heap
# comes from dotnet-counters (System.Runtime, attached only while the streams run: sum over the generations of
# dotnet.gc.last_collection.heap.size, largest sample, until the RSS after), when dotnet-counters is found.
#
# usage: bench/memory.sh
# knobs: MEM_STREAMS=1000  MEM_SECONDS=25  MEM_CHUNKS=20  MEM_DELAY_MS=250  MEM_IDLE_WAIT=5  MEM_AFTER_WAIT=10
#        MEM_PUBLISH=aot|r2r|jit  how it is published (aot: the start script's default)
#        MEM_SKIP_PUBLISH=1  reuse bench/.out/switchboard          MEM_BIN=path  measure that binary (e.g. a Native AOT one)
#        MEM_ENV="DOTNET_X=1 ..."  extra environment for the gateway  MEM_LABEL=name  tag of the results folder
#        MEM_API=anthropic  the streams are Anthropic Messages calls (POST /v1/messages, translated from the OpenAI-format
#                   upstream: Claude Code's path) instead of OpenAI chat completions
#        MEM_WARM_TOKENIZER=1  one /v1/messages/count_tokens call in the warm-up (the tokenizer loaded before idle)
#        MEM_GCDUMP=1|path  a gcdump (types by size) half-way through the streams (forces a full collection)
#        MEM_ABAB="DOTNET_X=1 ..."  instead: non-stream req/s at c=32 of two gateways side by side, A (as published) and
#                   B (with this environment), in interleaved rounds A B A B (MEM_ROUNDS=2 x MEM_ABAB_SECONDS=10 s each),
#                   to check that a memory setting does not cost throughput
#        DOTNET_COUNTERS=path  dotnet-counters to use ("" or absent: looked up on PATH and in ~/.dotnet/tools)
#        MEM_COMPARE="pathA pathB"  instead: this whole benchmark on two published binaries in alternating order
#                   (A B A B ..., MEM_ROUNDS=2 pairs; two runs of one binary differ by up to ~20 MB at the peak), then one
#                   line per run: label, idle, peak, GC heap, RSS after (MB) and the load average at its start
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [[ -n "${MEM_COMPARE:-}" ]]; then
  read -r BIN_A BIN_B <<<"$MEM_COMPARE"
  [[ -x "$BIN_A" && -x "${BIN_B:-}" ]] || { echo "MEM_COMPARE needs two executable gateway binaries" >&2; exit 1; }
  LINES=()
  for round in $(seq 1 "${MEM_ROUNDS:-2}"); do
    for side in A B; do
      bin=$BIN_A
      [[ $side == A ]] || bin=$BIN_B
      load=$(cut -d' ' -f1 /proc/loadavg)
      line=$(MEM_COMPARE='' MEM_BIN=$bin MEM_LABEL="${MEM_LABEL:-compare}-$side$round" "$0" | grep '^TSV') || { echo "run $side$round failed" >&2; exit 1; }
      LINES+=("$line	load $load")
    done
  done
  printf 'A: %s\nB: %s\nTSV label idle peak gc_heap after (MB)\n' "$BIN_A" "$BIN_B"
  printf '%s\n' "${LINES[@]}"
  exit 0
fi
STREAMS=${MEM_STREAMS:-1000}
SECS=${MEM_SECONDS:-25}
CHUNKS=${MEM_CHUNKS:-20}
DELAY_MS=${MEM_DELAY_MS:-250}
IDLE_WAIT=${MEM_IDLE_WAIT:-5}
AFTER_WAIT=${MEM_AFTER_WAIT:-10}
[[ -z "${MEM_ABAB:-}" ]] || DELAY_MS=0 # the throughput comparison: the mock answers at once
OUT="$ROOT/bench/.out/switchboard"
PUBLISH_MODE=${MEM_PUBLISH:-aot}
BIN=${MEM_BIN:-$OUT/switchboard}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$ROOT/bench/results/memory-$STAMP${MEM_LABEL:+-$MEM_LABEL}"
TMP=$(mktemp -d /tmp/switchboard-memory.XXXXXX)
PIDS=()

log() { printf '[memory %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
stop_started_on_exit

command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"
(($(ulimit -n) >= 3 * STREAMS + 200)) || ulimit -n $((3 * STREAMS + 200)) 2>/dev/null \
  || die "open-file limit $(ulimit -n) too low for $STREAMS streams (the gateway holds two sockets per stream)"

if [[ -z "${MEM_BIN:-}" && ("${MEM_SKIP_PUBLISH:-0}" != 1 || ! -x "$BIN") ]]; then
  publish_args "$PUBLISH_MODE"
  log "publishing Release build ($PUBLISH_MODE) to bench/.out/switchboard"
  rm -rf "$OUT"
  timeout 1800 dotnet publish "$ROOT/src/Switchboard" -c Release "${PUBLISH_ARGS[@]}" -o "$OUT" --nologo -v quiet >/dev/null \
    || die "dotnet publish failed"
fi
[[ -x "$BIN" ]] || die "no gateway binary at $BIN"

COUNTERS=${DOTNET_COUNTERS-}
if [[ -z "$COUNTERS" ]]; then
  COUNTERS=$(command -v dotnet-counters || true)
  [[ -n "$COUNTERS" || ! -x "$HOME/.dotnet/tools/dotnet-counters" ]] || COUNTERS="$HOME/.dotnet/tools/dotnet-counters"
fi

GCDUMP=
if [[ -n "${MEM_GCDUMP:-}" ]]; then
  GCDUMP=$(command -v dotnet-gcdump || echo "$HOME/.dotnet/tools/dotnet-gcdump")
  [[ "$MEM_GCDUMP" == 1 ]] || GCDUMP=$MEM_GCDUMP
  [[ -x "$GCDUMP" ]] || die "MEM_GCDUMP set but no dotnet-gcdump at $GCDUMP"
fi
mkdir -p "$RESULTS"
MOCK_PORT=$(free_port)
"$BIN" mock-provider --port "$MOCK_PORT" --host 127.0.0.1 >"$RESULTS/mock.log" 2>&1 &
MOCK_PID=$!
PIDS+=("$MOCK_PID")
wait_http "http://127.0.0.1:$MOCK_PORT/_stats" 30 "$MOCK_PID"

cat >"$TMP/memory.yaml" <<YAML
model_list:
  - model_name: glm-4.6
    litellm_params:
      model: openai/glm-4.6
      api_base: http://127.0.0.1:$MOCK_PORT/v1
      api_key: ok-memory-1
      extra_headers:
        x-mock-chunks: "$CHUNKS"
        x-mock-chunk-delay-ms: "$DELAY_MS"
general_settings:
  disable_spend_logs: true
YAML

GW_PORT=$(free_port)
# shellcheck disable=SC2086 # MEM_ENV is a list of VAR=value words
(cd "$TMP" && exec env ${MEM_ENV:-} "$BIN" --config "$TMP/memory.yaml" --port "$GW_PORT" --host 127.0.0.1 >"$RESULTS/gateway.log" 2>&1) &
GW_PID=$!
PIDS+=("$GW_PID")
WAIT_HINT="see $RESULTS/gateway.log" wait_http "http://127.0.0.1:$GW_PORT/health/readiness" 60 "$GW_PID"

# RSS by mapping (file, [heap], anonymous, the JIT's double-mapped code), largest first: where the RSS is.
rss_by_mapping() {
  awk '/^[0-9a-f]+-[0-9a-f]+ / { name = (NF >= 6 ? $6 : "[anonymous]"); if (name ~ /doublemapper/) name = "[jit code, double-mapped]" }
       /^Rss:/ { rss[name] += $2 }
       END { for (n in rss) if (rss[n] >= 512) printf "%8.1f MB  %s\n", rss[n] / 1024, n }' "/proc/$GW_PID/smaps" | sort -rn
}
if [[ -n "${MEM_ABAB:-}" ]]; then
  GW_B_PORT=$(free_port)
  # shellcheck disable=SC2086 # MEM_ABAB is a list of VAR=value words
  (cd "$TMP" && exec env $MEM_ABAB "$BIN" --config "$TMP/memory.yaml" --port "$GW_B_PORT" --host 127.0.0.1 >"$RESULTS/gateway-b.log" 2>&1) &
  GW_B_PID=$!
  PIDS+=("$GW_B_PID")
  WAIT_HINT="see $RESULTS/gateway-b.log" wait_http "http://127.0.0.1:$GW_B_PORT/health/readiness" 60 "$GW_B_PID"
  sed -e 's/"model":"[^"]*"/"model":"glm-4.6"/' "$ROOT/bench/chat-body.json" >"$TMP/body.json"
  ABAB_SECS=${MEM_ABAB_SECONDS:-10}
  echo "A: as published; B: $MEM_ABAB; load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$RESULTS/abab.txt"
  for round in $(seq 1 "${MEM_ROUNDS:-2}"); do
    for side in A B; do
      port=$GW_PORT
      [[ $side == A ]] || port=$GW_B_PORT
      ((round > 1)) || BENCH_BODY_FILE="$TMP/body.json" BENCH_KEY=sk-memory timeout 60 wrk -t2 -c32 -d5s -s "$ROOT/bench/chat.lua" \
        "http://127.0.0.1:$port/v1/chat/completions" >/dev/null 2>&1 || true
      BENCH_BODY_FILE="$TMP/body.json" BENCH_KEY=sk-memory timeout $((ABAB_SECS + 60)) wrk -t2 -c32 -d"${ABAB_SECS}s" --timeout 10s \
        -s "$ROOT/bench/chat.lua" "http://127.0.0.1:$port/v1/chat/completions" >"$RESULTS/abab-$side-$round.txt" 2>&1 || die "wrk failed"
      printf '%s round %s: %s req/s (%s)\n' "$side" "$round" "$(awk '/^Requests\/sec/ { print $2 }' "$RESULTS/abab-$side-$round.txt")" \
        "$(grep -o 'err_status=[0-9]*' "$RESULTS/abab-$side-$round.txt")" | tee -a "$RESULTS/abab.txt"
    done
  done
  log "results: $RESULTS"
  exit 0
fi

rss_mb() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$GW_PID/status"; }

PATH_=/v1/chat/completions
sed -e 's/"model":"[^"]*"/"model":"glm-4.6"/' "$ROOT/bench/chat-body.json" >"$TMP/body.json"
sed -e 's/}[[:space:]]*$/,"stream":true}/' "$TMP/body.json" >"$TMP/body-stream.json"
if [[ "${MEM_API:-openai}" == anthropic ]]; then
  PATH_=/v1/messages
  echo '{"model":"glm-4.6","max_tokens":512,"messages":[{"role":"user","content":"Explain in three sentences why a connection pool needs an idle timeout."}]}' >"$TMP/body.json"
  sed -e 's/}[[:space:]]*$/,"stream":true}/' "$TMP/body.json" >"$TMP/body-stream.json"
fi
cat >"$TMP/post.lua" <<'LUA'
local file = assert(io.open(os.getenv("MEM_BODY_FILE"), "rb"))
wrk.method = "POST"
wrk.path = os.getenv("MEM_PATH")
wrk.body = file:read("*a"):gsub("%s+$", "")
file:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-memory"
wrk.headers["anthropic-version"] = "2023-06-01"
LUA
call() { # body file
  curl -fsS -o /dev/null --max-time 30 -H 'Content-Type: application/json' -H 'Authorization: Bearer sk-memory' \
    -H 'anthropic-version: 2023-06-01' --data-binary "@$1" "http://127.0.0.1:$GW_PORT$PATH_" || die "warm-up call failed"
}

{
  echo "date: $(date -u +%FT%TZ)  commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "machine: $(nproc) CPU(s), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "binary: ${MEM_BIN:-bench/.out/switchboard ($PUBLISH_MODE publish)}  env: ${MEM_ENV:-none}"
  echo "streams: $STREAMS ${MEM_API:-openai} for ${SECS} s, $CHUNKS chunks ${DELAY_MS} ms apart"
  echo "rss_after_start_mb: $(rss_mb)"
} >"$RESULTS/summary.txt"

for _ in 1 2 3; do call "$TMP/body-stream.json"; call "$TMP/body.json"; done
if [[ "${MEM_WARM_TOKENIZER:-0}" == 1 ]]; then
  # The tokenizer (o200k_base, ~26 MB of vocabulary on the large-object heap) is loaded by the first call that needs a
  # local count: without this, the first cut stream of the run loads it, inside the teardown peak (docs/benchmarks.md).
  curl -fsS -o /dev/null --max-time 30 -H 'Content-Type: application/json' -H 'Authorization: Bearer sk-memory' \
    -H 'anthropic-version: 2023-06-01' --data-binary "@$TMP/body.json" "http://127.0.0.1:$GW_PORT/v1/messages/count_tokens" \
    || die "count_tokens warm-up failed"
fi
sleep "$IDLE_WAIT"
IDLE=$(rss_mb)
echo "rss_idle_mb: $IDLE" >>"$RESULTS/summary.txt"
cp "/proc/$GW_PID/smaps_rollup" "$RESULTS/smaps-idle.txt" 2>/dev/null || true
rss_by_mapping >"$RESULTS/rss-by-mapping-idle.txt" || true

COUNTERS_PID=
if [[ -n "$COUNTERS" ]]; then
  "$COUNTERS" collect -p "$GW_PID" --refresh-interval 1 --format csv -o "$RESULTS/counters.csv" \
    --counters System.Runtime >"$RESULTS/counters.log" 2>&1 &
  COUNTERS_PID=$!
  PIDS+=("$COUNTERS_PID")
  sleep 2
else
  log "dotnet-counters not found: no GC heap figure (DOTNET_COUNTERS=path)"
fi

log "gateway pid $GW_PID on 127.0.0.1:$GW_PORT idles at $IDLE MB; $STREAMS streams for ${SECS} s"
MEM_BODY_FILE="$TMP/body-stream.json" MEM_PATH=$PATH_ \
  timeout $((SECS + 60)) wrk -t2 -c"$STREAMS" -d"${SECS}s" --timeout 30s -s "$TMP/post.lua" \
  "http://127.0.0.1:$GW_PORT$PATH_" >"$RESULTS/wrk.txt" 2>&1 &
WRK_PID=$!
PIDS+=("$WRK_PID")
printf 'second\trss_mb\tphase\n' >"$RESULTS/rss.tsv"
sample() { # phase; RSS into rss.tsv, largest kept in MAX
  local r
  r=$(rss_mb)
  printf '%s\t%s\t%s\n' "$SECONDS" "$r" "$1" >>"$RESULTS/rss.tsv"
  MAX=$(awk -v a="$MAX" -v b="$r" 'BEGIN { print (b > a ? b : a) }')
}
MAX=0
START=$SECONDS
while kill -0 "$WRK_PID" 2>/dev/null && ((SECONDS - START < SECS + 60)); do
  sample streams
  if ((SECONDS - START == SECS / 2)); then
    cp "/proc/$GW_PID/smaps_rollup" "$RESULTS/smaps-streams.txt" 2>/dev/null || true
    rss_by_mapping >"$RESULTS/rss-by-mapping-streams.txt" || true
    if [[ -n "$GCDUMP" ]]; then # a full collection mid-run: perturbs the peak, so only on request
      timeout 120 "$GCDUMP" collect -p "$GW_PID" -o "$RESULTS/streams.gcdump" >"$RESULTS/gcdump.log" 2>&1 &&
        timeout 120 "$GCDUMP" report "$RESULTS/streams.gcdump" >"$RESULTS/gcdump-streams.txt" 2>&1 || true
    fi
  fi
  sleep 1
done
wait "$WRK_PID" || die "wrk failed (see $RESULTS/wrk.txt)"
# wrk's exit closes the streams still open: the gateway's clean-up of them is part of the peak.
END=$((SECONDS + AFTER_WAIT))
N_AFTER=0
while ((SECONDS < END)); do
  sample after
  # The teardown of the streams wrk cut is where the peak is (docs/benchmarks.md): where its RSS is, second by second.
  ((N_AFTER >= 4)) || rss_by_mapping >"$RESULTS/rss-by-mapping-after-$N_AFTER.txt" || true
  N_AFTER=$((N_AFTER + 1))
  sleep 1
done
[[ -z "$COUNTERS_PID" ]] || stop_pid "$COUNTERS_PID"
AFTER=$(rss_mb)
cp "/proc/$GW_PID/smaps_rollup" "$RESULTS/smaps-after.txt" 2>/dev/null || true

GC_HEAP=?
if [[ -s "$RESULTS/counters.csv" ]]; then
  # Rows: Timestamp,Provider,Counter Name,Counter Type,Mean/Increment; the heap size is one row per generation.
  GC_HEAP=$(awk -F, '$3 ~ /last_collection\.heap\.size/ { sum[$1] += $5 } END { m = 0; for (t in sum) if (sum[t] > m) m = sum[t]; printf "%.1f", m / 1048576 }' \
    "$RESULTS/counters.csv")
  # Exceptions thrown from the start of the streams to the RSS after (the teardown's cut calls among them).
  EXCEPTIONS=$(awk -F, '$3 ~ /dotnet\.exceptions/ { n += $5 } END { printf "%d", n }' "$RESULTS/counters.csv")
  GC_COMMITTED=$(awk -F, '$3 ~ /last_collection\.memory\.committed_size/ { if ($5 > m) m = $5 } END { printf "%.1f", m / 1048576 }' \
    "$RESULTS/counters.csv")
fi
{
  grep -E 'requests in|Non-2xx|Socket errors|Latency' "$RESULTS/wrk.txt" || true
  echo "rss_max_mb: $MAX (streams and after)"
  echo "gc_heap_max_mb: $GC_HEAP"
  echo "gc_committed_max_mb: ${GC_COMMITTED:-?}"
  echo "exceptions: ${EXCEPTIONS:-?} (thrown while the streams ran and after)"
  echo "rss_after_mb: $AFTER (${AFTER_WAIT} s after the streams)"
} >>"$RESULTS/summary.txt"
cat "$RESULTS/summary.txt"
printf 'TSV\t%s\t%s\t%s\t%s\t%s\n' "${MEM_LABEL:-run}" "$IDLE" "$MAX" "$GC_HEAP" "$AFTER"
log "results: $RESULTS"
