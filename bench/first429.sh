#!/usr/bin/env bash
# The first 429 of a fresh gateway (issue 12, "every client 429 within 10 ms"): the cold refusal path measured apart.
# For each round, a fresh gateway process (the published binary: Native AOT as the start script ships it, or
# BENCH_PUBLISH=r2r|jit) over the mock provider (one process for the whole script), one connection (curl,
# keep-alive), and two cases:
#   rpm    one key with rpm: 1: call 1 is served, calls 2-4 get the router's 429 at once (no upstream call)
#   lim    one lim2w60- key (2 calls per 60 s, then an upstream 429 with code 1303): calls 1-2 served, call 3 is refused
#          upstream and answered 429 at once (the spent-window path), call 4 gets the router's paced 429
# Prints each call's status and time per round (curl's time_total, and the gateway's own duration_ms from its request
# log line), then the median and max of the first 429 and of the later ones. Bounded and loopback only; stops what it started, by PID.
#
# usage: bench/first429.sh                 publish (r2r) to bench/.out/switchboard, then the rounds
# knobs (environment):
#   FIRST429_ROUNDS=5        fresh processes per case
#   FIRST429_CASES="rpm lim" the cases
#   BENCH_SKIP_PUBLISH=1     reuse bench/.out/switchboard        FIRST429_BIN=path  measure that binary instead
#   FIRST429_JIT=DIR         also list the methods the JIT compiles (DOTNET_JitDisasmSummary, unbuffered), one file per
#                            round and case (with the gateway's log), a marker line "### call N" before each call
#   FIRST429_ENV="VAR=x ..." environment added to the gateway (e.g. SWITCHBOARD_WARMUP=0)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
ROUNDS=${FIRST429_ROUNDS:-5}
read -r -a CASES <<<"${FIRST429_CASES:-rpm lim}"
read -r -a EXTRA_ENV <<<"${FIRST429_ENV:-}"
PIDS=()
log() { printf '[first429 %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"
stop_started_on_exit
TMP=$(mktemp -d)

BIN=${FIRST429_BIN:-$BENCH/.out/switchboard/switchboard}
if [[ -z "${FIRST429_BIN:-}" && ! ("${BENCH_SKIP_PUBLISH:-0}" == 1 && -x "$BIN") ]]; then
  publish_args "${BENCH_PUBLISH:-aot}"
  log "publishing Release build (${BENCH_PUBLISH:-aot}) to bench/.out/switchboard"
  timeout 1800 dotnet publish "$ROOT/src/Switchboard" -c Release "${PUBLISH_ARGS[@]}" -o "$BENCH/.out/switchboard" --nologo -v quiet \
    >"$TMP/publish.log" 2>&1 || { cat "$TMP/publish.log" >&2; die "dotnet publish failed"; }
fi
[[ -x "$BIN" ]] || die "no binary at $BIN"

MOCK_PORT=$(free_port)
"$BIN" mock-provider --port "$MOCK_PORT" --host 127.0.0.1 >"$TMP/mock.log" 2>&1 &
MOCK_PID=$!
PIDS+=("$MOCK_PID")
wait_http "http://127.0.0.1:$MOCK_PORT/_stats" 30 "$MOCK_PID"

BODY='{"model":"pool","messages":[{"role":"user","content":"hello there"}]}'
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'case\tround\tcalls (status:ms, curl)\tcalls (status:duration_ms, gateway log)\n'
: >"$TMP/first" && : >"$TMP/later" && : >"$TMP/first_server"
for case in "${CASES[@]}"; do
  for round in $(seq 1 "$ROUNDS"); do
    key="lim2w60-$RANDOM$RANDOM-r$round"
    extra="      rpm: 1"
    calls=4
    if [[ $case == rpm ]]; then key="ok-first429-$RANDOM$RANDOM-r$round"; else extra=""; fi
    dir="$TMP/$case-$round" && mkdir -p "$dir" # the usage database sits next to the config: a fresh one per process
    cat >"$dir/config.yaml" <<EOF
model_list:
  - model_name: pool
    litellm_params:
      model: openai/glm-4.6
      api_base: http://127.0.0.1:$MOCK_PORT/v1
      api_key: $key
$extra
EOF
    jit_env=()
    if [[ -n "${FIRST429_JIT:-}" ]]; then
      mkdir -p "$FIRST429_JIT"
      jit_file="$FIRST429_JIT/$case-$round.txt"
      : >"$jit_file"
      # To the process's stdout, unbuffered (stdbuf), appended to the file the markers go to: each compile lands
      # between the markers of the call that caused it (DOTNET_JitStdOutFile is buffered).
      jit_env=(DOTNET_JitDisasmSummary=1)
    fi
    GW_PORT=$(free_port)
    log_file="$dir/gateway.log" unbuffered=()
    if [[ -n "${FIRST429_JIT:-}" ]]; then log_file=$jit_file unbuffered=(stdbuf -o0 -e0); fi
    env "${EXTRA_ENV[@]}" "${jit_env[@]}" "${unbuffered[@]}" "$BIN" --config "$dir/config.yaml" --port "$GW_PORT" --host 127.0.0.1 \
      >>"$log_file" 2>&1 &
    GW_PID=$!
    PIDS+=("$GW_PID")
    wait_http "http://127.0.0.1:$GW_PORT/health/readiness" 60 "$GW_PID"
    sleep 2 # the start-up's own work (and any warm-up) done, as for a gateway that listened a moment before its first call
    line=""
    seen=0
    for i in $(seq 1 "$calls"); do
      if [[ -n "${FIRST429_JIT:-}" ]]; then sleep 0.3; echo "### call $i" >>"$jit_file"; fi
      # One connection for all the calls would be nicer, but curl's per-URL timing with --next is the same on a
      # reused connection; each call here opens its own (the same cost in every round and case, outside the gateway's
      # refusal path).
      out=$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' -H 'content-type: application/json' -H 'authorization: Bearer x' \
        --max-time 30 -d "$BODY" "http://127.0.0.1:$GW_PORT/v1/chat/completions")
      code=${out%% *}
      ms=$(awk -v s="${out##* }" 'BEGIN { printf "%.2f", s * 1000 }')
      line+="$code:$ms "
      if [[ $code == 429 ]]; then
        if ((seen == 0)); then echo "$case $ms" >>"$TMP/first"; else echo "$case $ms" >>"$TMP/later"; fi
        seen=$((seen + 1))
      fi
    done
    if [[ -n "${FIRST429_JIT:-}" ]]; then sleep 0.3; echo "### end" >>"$jit_file"; fi
    sleep 0.5 # the request log lines out (the console output is buffered)
    # The gateway's own view: each call's duration_ms from its request log line (no client, connection or curl time).
    server=$(grep -a ' /v1/chat/completions ' "$log_file" | sed -n 's/.* \([0-9][0-9][0-9]\) model=.*duration_ms=\([0-9.]*\).*/\1:\2/p' | tr '\n' ' ')
    first_server=$(tr ' ' '\n' <<<"$server" | grep '^429:' | head -1 | cut -d: -f2)
    if [[ -n $first_server ]]; then echo "$case $first_server" >>"$TMP/first_server"; fi
    printf '%s\t%s\t%s\t%s\n' "$case" "$round" "$line" "$server"
    stop_pid "$GW_PID"
  done
done
summary() { # file label: per case, median and max
  local c
  for c in $(cut -d' ' -f1 "$1" | sort -u); do
    awk -v c="$c" '$1 == c { print $2 }' "$1" | sort -g | awk -v c="$c" -v label="$2" '{ a[NR] = $1 } END {
      printf "%s %s: n=%d median %.2f ms, max %.2f ms\n", c, label, NR, (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2), a[NR] }'
  done
}
summary "$TMP/first" "first 429"
summary "$TMP/later" "later 429s"
summary "$TMP/first_server" "first 429, gateway's duration_ms"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
