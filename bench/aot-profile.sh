#!/usr/bin/env bash
# CPU per call of two or more published gateways under the same load, and where it goes (issue 13, item 3: Native AOT
# against ReadyToRun). Each build runs the load case of bench/run.sh (mock provider, 4 deployments, request log on,
# spend logs off, wrk at BENCH_CONNECTIONS connections, gateway and mock pinned to CPU 1 and wrk to CPU 0 when there are
# 2+ CPUs): per round and build, a fresh gateway is warmed, then non-stream and stream are each measured twice: once
# plainly (CPU µs per call from /proc/PID/stat) and once under `perf record -g` (samples per call, and the top symbols).
# Builds alternate within a round (A B A B ...) against drift. Bounded and loopback only; stops what it started, by PID.
#
# usage: bench/aot-profile.sh LABEL=DIR [LABEL=DIR ...]
#   DIR holds a published gateway (DIR/switchboard): e.g. r2r=bench/.out/startup-r2r aot=bench/.out/startup-aot
#   (bench/startup.sh publishes those). Extra environment for one build's gateway: PROF_ENV_<LABEL>="VAR=x VAR2=y"
#   (a runtime setting to compare on one binary: give the same DIR twice under two labels).
# knobs (environment):
#   PROF_ROUNDS=2       rounds (each build once per round)       PROF_SECONDS=10   seconds per measured wrk run
#   PROF_WARMUP=20      seconds of load (half non-stream, half stream) before the first measured run of a gateway
#   PROF_PERF=1         also record each case under perf (0: CPU per call only)   PROF_FREQ=999  perf samples per second
#   PROF_CASES="0 1"    0 = non-stream, 1 = stream                BENCH_CONNECTIONS=32  BENCH_CHUNKS=8  BENCH_KEYS=4
#   PROF_AUTH=0         1: every feature on, as bench/run.sh's keys case runs it: a master key, a virtual key issued by
#                       POST /key/generate and used by wrk, usage rows in SQLite (a fresh file per gateway), request log on
#                       (0: the load case of bench/run.sh, open and without usage rows)
# Non-AOT gateways get, when PROF_PERF=1, DOTNET_PerfMapEnabled=1 (perf resolves JIT-compiled and ReadyToRun frames
# through /tmp/perf-PID.map, copied into the results) and DOTNET_EnableWriteXorExecute=0 (with W^X on, JIT code runs
# from a double-mapped memfd that perf cannot match to the map: every managed frame shows as "memfd:doublemapper"), and
# always DOTNET_TC_DelaySingleProcMultiplier=1 (tiered up within the warm-up on a pinned CPU, as run.sh --quick does).
# results: bench/results/aotprof-<UTC>/results.tsv (round, build, case, req/s, gateway CPU µs/call, perf samples,
# calls, samples/call, RSS KB, load average), top-<build>-<case>-r<round>.txt (perf report, self time by symbol),
# syms-*.txt.gz (every symbol, for bench/aot-profile-diff.py) and the *.perf.data recordings (callers:
# perf report -i F --no-children -S SYMBOL -G).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
ROUNDS=${PROF_ROUNDS:-2}
SECS=${PROF_SECONDS:-10}
GW_WARMUP=${PROF_WARMUP:-20}
PERF=${PROF_PERF:-1}
FREQ=${PROF_FREQ:-999}
CASES=${PROF_CASES:-0 1}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
CHUNKS=${BENCH_CHUNKS:-8}
KEYS=${BENCH_KEYS:-4}
AUTH=${PROF_AUTH:-0}
MASTER=sk-bench-master-0001
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$BENCH/results/aotprof-$STAMP"
TSV="$RESULTS/results.tsv"
TMP=$(mktemp -d /tmp/switchboard-aotprof.XXXXXX)
CLK_TCK=$(getconf CLK_TCK)
PIDS=()
mkdir -p "$RESULTS"

log() { printf '[aotprof %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"
stop_started_on_exit
WAIT_HINT="see $RESULTS/*.log"

(($# > 0)) || die "usage: bench/aot-profile.sh LABEL=DIR [LABEL=DIR ...]"
LABELS=() DIRS=()
for arg in "$@"; do
  [[ "$arg" == *=* ]] || die "not LABEL=DIR: $arg"
  LABELS+=("${arg%%=*}")
  DIRS+=("$(cd "${arg#*=}" && pwd)")
  [[ -x "${DIRS[-1]}/switchboard" ]] || die "no ${arg#*=}/switchboard"
done
if [[ "$PERF" == 1 ]]; then command -v perf >/dev/null || die "perf not found (PROF_PERF=0 to measure without it)"; fi

if [[ $(nproc) -ge 2 ]] && command -v taskset >/dev/null; then
  LOAD_PIN=(taskset -c 0) SERVER_PIN=(taskset -c "$([[ $(nproc) -eq 2 ]] && echo 1 || echo "1-$(($(nproc) - 1))")")
else
  LOAD_PIN=() SERVER_PIN=()
fi

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

body_file() { # stream(0|1) -> path
  local file="$TMP/body-$1.json"
  if [[ ! -f "$file" ]]; then
    cp "$BENCH/chat-body.json" "$file"
    if [[ "$1" == 1 ]]; then sed -i 's/}[[:space:]]*$/,"stream":true}/' "$file"; fi
  fi
  echo "$file"
}

wrk_run() { # port stream seconds raw-file (VKEY: the bearer)
  BENCH_BODY_FILE=$(body_file "$2") BENCH_KEY=${VKEY:-ok-bench-1} BENCH_CHUNKS=$CHUNKS \
    timeout $(($3 + 30)) "${LOAD_PIN[@]}" wrk -t2 -c"$CONNECTIONS" -d"$3s" --timeout 10s --latency \
    -s "$BENCH/chat.lua" "http://127.0.0.1:$1/v1/chat/completions" >"$4" 2>&1 || die "wrk failed (see $4)"
}

# The mock: one for the whole run (from the first build's binary), on the servers' CPU.
MOCK_PORT=$(free_port)
"${SERVER_PIN[@]}" "${DIRS[0]}/switchboard" mock-provider --port "$MOCK_PORT" --host 127.0.0.1 >"$RESULTS/mock.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$MOCK_PORT/_stats" 30 "${PIDS[-1]}"

CFG="$TMP/gateway.yaml"
{
  echo "model_list:"
  for i in $(seq 1 "$KEYS"); do
    cat <<EOF
  - model_name: glm-4.6
    litellm_params:
      model: openai/glm-4.6
      api_base: http://127.0.0.1:$MOCK_PORT/v1
      api_key: ok-bench-$i
      extra_headers:
        x-mock-chunks: "$CHUNKS"
        x-mock-chunk-delay-ms: "0"
EOF
  done
  if [[ "$AUTH" == 1 ]]; then printf 'general_settings:\n  master_key: %s\n' "$MASTER"; else printf 'general_settings:\n  disable_spend_logs: true\n'; fi
} >"$CFG"

{
  echo "date_utc: $(date -u '+%Y-%m-%d %H:%M')"
  echo "loadavg_at_start: $(cut -d' ' -f1-3 /proc/loadavg)"
  for i in "${!LABELS[@]}"; do
    v="PROF_ENV_${LABELS[$i]//-/_}"
    echo "build ${LABELS[$i]}: $(basename "${DIRS[$i]}") env: ${!v:-none}"
  done
  echo "settings: rounds=$ROUNDS seconds=$SECS warmup=$GW_WARMUP connections=$CONNECTIONS chunks=$CHUNKS keys=$KEYS perf=$PERF freq=$FREQ auth=$AUTH"
} >"$RESULTS/machine.txt"
printf 'round\tbuild\tcase\treq_s\tcpu_us_call\tperf_samples\tperf_calls\tsamples_call\trss_kb\tloadavg\n' >"$TSV"

for round in $(seq 1 "$ROUNDS"); do
  for i in "${!LABELS[@]}"; do
    label=${LABELS[$i]} dir=${DIRS[$i]}
    v="PROF_ENV_${label//-/_}"
    read -ra extra <<<"${!v:-}"
    rt=()
    # A Native AOT build has no libcoreclr beside it and no JIT; the others get the perf map and quick tiering.
    if [[ ! -f "$dir/switchboard.dll" ]]; then rt=(); else
      rt=(DOTNET_TC_DelaySingleProcMultiplier=1)
      if [[ "$PERF" == 1 ]]; then rt+=(DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0); fi
    fi
    port=$(free_port)
    # A directory per gateway: its SQLite usage file (beside the config) starts empty every time.
    mkdir -p "$TMP/$label-r$round" && cp "$CFG" "$TMP/$label-r$round/gateway.yaml"
    env "${rt[@]}" "${extra[@]}" "${SERVER_PIN[@]}" "$dir/switchboard" --config "$TMP/$label-r$round/gateway.yaml" --port "$port" --host 127.0.0.1 \
      >"$TMP/$label-r$round.log" 2>&1 &
    gw=$!
    PIDS+=("$gw")
    wait_http "http://127.0.0.1:$port/health/readiness" 60 "$gw"
    VKEY=""
    if [[ "$AUTH" == 1 ]]; then
      VKEY=$(curl -sS --max-time 10 -X POST "http://127.0.0.1:$port/key/generate" -H "Authorization: Bearer $MASTER" \
        -H 'Content-Type: application/json' -d '{"models":["glm-4.6"],"key_alias":"bench"}' \
        | sed -n 's/.*"key"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
      [[ -n "$VKEY" ]] || die "POST /key/generate gave no key"
    fi
    log "round $round: $label pid $gw, warming ${GW_WARMUP} s"
    wrk_run "$port" 0 $((GW_WARMUP / 2)) "$TMP/warm0.txt"
    wrk_run "$port" 1 $((GW_WARMUP / 2)) "$TMP/warm1.txt"
    for stream in $CASES; do
      name="$label-$([[ $stream == 1 ]] && echo stream || echo nonstream)-r$round"
      c0=$(cpu_ticks "$gw")
      wrk_run "$port" "$stream" "$SECS" "$RESULTS/$name.wrk.txt"
      c1=$(cpu_ticks "$gw")
      line=$(grep '^BENCH ' "$RESULTS/$name.wrk.txt") || die "no BENCH line in $name.wrk.txt"
      req=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$line")
      dur=$(sed -E 's/.*duration_us=([0-9]+).*/\1/' <<<"$line")
      rps=$(awk -v r="$req" -v d="$dur" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
      cpu=$(awk -v c=$((c1 - c0)) -v t="$CLK_TCK" -v r="$req" 'BEGIN { printf "%.1f", c / t * 1e6 / r }')
      samples=- pcalls=- spc=-
      if [[ "$PERF" == 1 ]]; then
        perf record -q -F "$FREQ" -g -p "$gw" -o "$RESULTS/$name.perf.data" -- sleep $((SECS + 2)) >/dev/null 2>&1 &
        perf_pid=$!
        sleep 1
        wrk_run "$port" "$stream" "$SECS" "$RESULTS/$name.perf-wrk.txt"
        wait "$perf_pid" || true
        pcalls=$(sed -E 's/.*requests=([0-9]+).*/\1/' <<<"$(grep '^BENCH ' "$RESULTS/$name.perf-wrk.txt")")
        if [[ -f "/tmp/perf-$gw.map" ]]; then cp "/tmp/perf-$gw.map" "$RESULTS/perf-$name.map"; fi
        perf report -i "$RESULTS/$name.perf.data" --no-children --sort sym --stdio -g none --percent-limit 0.3 \
          >"$RESULTS/top-$name.txt" 2>/dev/null || true
        perf report -i "$RESULTS/$name.perf.data" --no-children --sort dso --stdio -g none \
          >"$RESULTS/dso-$name.txt" 2>/dev/null || true
        # Every symbol with its sample count (for bench/aot-profile-diff.py).
        perf report -i "$RESULTS/$name.perf.data" --no-children --sort dso,sym -F sample,dso,sym --stdio -g none \
          2>/dev/null | grep -v '^#' | grep -v '^$' | gzip >"$RESULTS/syms-$name.txt.gz" || true
        # The samples of the whole recording over its calls (wrk ran inside the recording; the second around it idled).
        samples=$(perf report -i "$RESULTS/$name.perf.data" --sort pid -F sample --stdio -g none 2>/dev/null \
          | awk '!/^#/ && NF > 0 { s += $1 } END { print s + 0 }')
        spc=$(awk -v s="$samples" -v c="$pcalls" 'BEGIN { if (c > 0) printf "%.4f", s / c; else print "-" }')
      fi
      rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$gw/status")
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$label" "$([[ $stream == 1 ]] && echo stream || echo non-stream)" \
        "$rps" "$cpu" "$samples" "$pcalls" "$spc" "$rss" "$(cut -d' ' -f1 /proc/loadavg)" >>"$TSV"
      log "$name: $rps req/s, $cpu µs CPU/call, perf $samples samples / $pcalls calls = $spc"
    done
    if grep -q 'Usage records dropped' "$TMP/$label-r$round.log"; then log "warning: $label-r$round dropped usage records"; fi
    stop_pid "$gw"
    rm -f "/tmp/perf-$gw.map" "/tmp/perfinfo-$gw.map"
  done
done
column -t -s $'\t' "$TSV"
log "results in $RESULTS"
