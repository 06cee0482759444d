#!/usr/bin/env bash
# Loopback load benchmark: mock provider direct vs through Switchboard vs through nginx (plain reverse proxy) vs through
# a minimal YARP forwarder (bench/YarpPeer: the best .NET proxy with no logic),
# non-stream and stream; 1- vs 8-deployment pools; the gateway's own overhead header; its RSS and CPU time.
# Bounded (every wrk run has -d, every wait a deadline) and loopback only. Stops what it started, by PID.
#
# usage: bench/run.sh            (from anywhere; results in bench/results/<UTC timestamp>/)
# knobs (environment):
#   BENCH_DURATION=10     seconds per measured load run        BENCH_CONNECTIONS=32   BENCH_THREADS=2
#   BENCH_SEQ_DURATION=5  seconds per 1-connection run          BENCH_WARMUP=5         seconds of unrecorded warm-up per target
#   BENCH_CHUNKS=8        content chunks per streamed answer    BENCH_KEYS=4           deployments in the main group glm-4.6
#   BENCH_ROUNDS=3        interleaved rounds of the load runs   BENCH_GW_WARMUP=60     seconds of load per gateway before any run
#   BENCH_POOL_ROUNDS=3   alternating pool-1 / pool-8 rounds    BENCH_OVERHEAD_SAMPLES=300
#   BENCH_PIN=1           wrk on CPU 0, servers on the others (0: let the scheduler place everything)
#   BENCH_CASES="load seq stream pool overhead keys"   which parts to run (every gateway wrk run also writes the
#                         gateway's context switches per call to wakeups.tsv: the thread wake-ups a call costs)
#   BENCH_SENDS=1         every gateway wrk run (Switchboard and YARP) also counts the proxy's socket sends with perf's
#                         syscall tracepoints (send/sendto/sendmsg/writev; root, perf): sends per call in sends.tsv, the
#                         figure that shows whether a stream's events leave one send each or merged (0 skips it)
#   BENCH_SYSCALLS=1      the seq case ends with one more non-stream run per .NET proxy under strace -c: system calls per
#                         call in syscalls.tsv (0 skips it)
#   BENCH_STREAM_CALLS=2000  sequential streamed calls per target in the stream case (bench/StreamLatency: direct, nginx,
#                         YARP and Switchboard interleaved call by call, kernel receive timestamps; ~10 ms per call)
#   BENCH_STREAM_CHUNKS=8 BENCH_STREAM_CHUNK_DELAY_MS=1   its answers: content chunks, pause between chunks (so that each
#                         event meets an idle path, as a model's tokens do, instead of queueing behind the one before)
#   BENCH_STREAM_REPEATS=1   client runs in the stream case (on the same servers; run 1 meets them fresh)
#   BENCH_STREAM_RT=1     the stream case's measured runs under SCHED_FIFO (mock, nginx, YARP, gateway, client; needs root):
#                         the tails are then the proxies' own, not the other tenants' time slices (0: normal scheduling)
#   BENCH_STREAM_WARM=1   the stream case also measures its gateway again after BENCH_GW_WARMUP/2 s of streamed load
#   BENCH_STREAM_API=openai  anthropic: the stream case streams through the gateway's /v1/messages (an Anthropic client, the
#                         gateway translating the mock's OpenAI stream: Claude Code's path through GLM) instead of its
#                         chat completions; direct, nginx and YARP stay OpenAI streams, every content piece stamped
#                         (x-mock-stamp: 2) so that the added TTFT (first content delta) and the added transit per content
#                         delta compare like for like; the load case adds a c=32 Anthropic stream run of the gateway
#                         (switchboard-anthropic, with its CPU per call) beside the OpenAI one
#   BENCH_GW_ENV="V=x .."  extra environment for the Switchboard gateways only (a runtime setting to compare)
#   BENCH_PUBLISH=aot     how the gateway is published: aot (the start script's default), r2r or jit
#   BENCH_SKIP_PUBLISH=1  reuse bench/.out/switchboard          BENCH_KEYS_EXTRA_YAML   appended to the keys case's config
#   BENCH_KEYS_AA=1       keys case with the open config on both sides (measures the harness's bias)
#   BENCH_METRICS_AB=1    keys case as metrics off ("plain") vs metrics on ("keys+usage" label), both open
#   BENCH_KEYS_PG=1       keys case with usage in a throwaway PostgreSQL server instead of SQLite
#   BENCH_YARP_WARMUP     seconds of load for the YARP peer before any run (default BENCH_GW_WARMUP)
#   --quick               a ~2-minute run (after the publish): load (1 round, 3 s runs), seq (2 s) and stream (300 calls of 8
#                         chunks per target, no warm run), no request-log-off gateway; 20 s of warm-up for the gateway and 10 s for YARP, both started with
#                         DOTNET_TC_DelaySingleProcMultiplier=1 (tiering then starts 100 ms, not 1 s, after the last new tier-0
#                         method on a pinned CPU: steady in ~20 s of load instead of ~50 s, same steady-state CPU per call,
#                         docs/benchmarks.md); the ratios the docs quote come from full runs, quick ones are for checking a
#                         change in passing
#   BENCH_CASES=redis     (not in the default set) the same gateway with and without shared state in a throwaway redis-server
set -euo pipefail

QUICK=0
if [[ "${1:-}" == --quick ]]; then
  QUICK=1
  : "${BENCH_DURATION:=3}" "${BENCH_SEQ_DURATION:=2}" "${BENCH_WARMUP:=1}" "${BENCH_ROUNDS:=1}" "${BENCH_GW_WARMUP:=20}"
  : "${BENCH_YARP_WARMUP:=10}" "${BENCH_CASES:=load seq stream}" "${BENCH_STREAM_CALLS:=300}" "${BENCH_STREAM_CHUNKS:=8}"
  : "${BENCH_STREAM_WARM:=0}" "${BENCH_NOLOG:=0}"
  export BENCH_DURATION BENCH_SEQ_DURATION BENCH_WARMUP BENCH_ROUNDS BENCH_GW_WARMUP BENCH_YARP_WARMUP BENCH_CASES \
    BENCH_STREAM_CALLS BENCH_STREAM_CHUNKS BENCH_STREAM_WARM BENCH_NOLOG
fi

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
DURATION=${BENCH_DURATION:-10}
SEQ_DURATION=${BENCH_SEQ_DURATION:-5}
WARMUP=${BENCH_WARMUP:-5}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
CHUNKS=${BENCH_CHUNKS:-8}
KEYS=${BENCH_KEYS:-4}
ROUNDS=${BENCH_ROUNDS:-3}
GW_WARMUP=${BENCH_GW_WARMUP:-60}
YARP_WARMUP=${BENCH_YARP_WARMUP:-$GW_WARMUP}
POOL_ROUNDS=${BENCH_POOL_ROUNDS:-3}
OVERHEAD_SAMPLES=${BENCH_OVERHEAD_SAMPLES:-300}
PIN=${BENCH_PIN:-1}
CASES=" ${BENCH_CASES:-load seq stream pool overhead keys} "
STREAM_CALLS=${BENCH_STREAM_CALLS:-2000}
STREAM_CHUNKS=${BENCH_STREAM_CHUNKS:-8}
STREAM_DELAY=${BENCH_STREAM_CHUNK_DELAY_MS:-1}
STREAM_WARM=${BENCH_STREAM_WARM:-1}
STREAM_API=${BENCH_STREAM_API:-openai}
STREAM_REPEATS=${BENCH_STREAM_REPEATS:-1}
STREAM_RT=${BENCH_STREAM_RT:-1}
[[ $STREAM_API == openai || $STREAM_API == anthropic ]] || { echo "BENCH_STREAM_API must be openai or anthropic" >&2; exit 2; }
NOLOG=${BENCH_NOLOG:-1}
# The quick mode's runtime setting for the gateway and the YARP peer it warms (not for the stream case's fresh ones, which
# show the start as a user meets it). It only moves WHEN methods tier up, not what tier 1 compiles: the runtime starts
# counting calls once TC_CallCountingDelayMs (100 ms) pass without a new tier-0 method, and multiplies that delay by
# TC_DelaySingleProcMultiplier (10) in a process pinned to one CPU, as the servers are here. Under load new methods keep
# appearing for a long while, so a pinned gateway took ~50 s to tier up; with the multiplier at 1, ~20 s, to the same CPU
# per call (docs/benchmarks.md, "Stream latency, p99.9 and a 2-minute --quick").
RUNTIME_ENV=()
if [[ "$QUICK" == 1 ]]; then RUNTIME_ENV=(DOTNET_TC_DelaySingleProcMultiplier=1); fi
# BENCH_GW_ENV="VAR=value ...": extra environment for every Switchboard gateway the run starts (not YARP or nginx), to
# measure a runtime setting, e.g. BENCH_GW_ENV=DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1.
GW_ENV=()
if [[ -n "${BENCH_GW_ENV:-}" ]]; then read -ra GW_ENV <<<"$BENCH_GW_ENV"; fi
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$BENCH/results/$STAMP"
RAW="$RESULTS/raw"
TSV="$RESULTS/results.tsv"
OUT="$BENCH/.out/switchboard"
BIN="$OUT/switchboard"
YARP_OUT="$BENCH/.out/yarp"
SL_OUT="$BENCH/.out/streamlatency"
TMP=$(mktemp -d /tmp/switchboard-bench.XXXXXX)
CLK_TCK=$(getconf CLK_TCK)
PIDS=()
PG_STOP=()

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
has() { [[ "$CASES" == *" $1 "* ]]; }

# ---------------------------------------------------------------------------------------------------- process control
# stop_pid comes from bench/lib.sh (sourced below, before anything is started).
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if ((${#PG_STOP[@]} > 0)); then "${PG_STOP[@]}" >/dev/null 2>&1 || true; fi
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# CPU placement: 2 cores are shared by the load generator and the servers. wrk gets CPU 0 to itself so that it never
# steals time from what is measured; mock, gateway and nginx share the remaining CPU(s).
NCPU=$(nproc)
if [[ "$PIN" == 1 && "$NCPU" -ge 2 ]] && command -v taskset >/dev/null; then
  LOAD_PIN=(taskset -c 0)
  SERVER_CPUS=$([[ $NCPU -eq 2 ]] && echo 1 || echo "1-$((NCPU - 1))")
  SERVER_PIN=(taskset -c "$SERVER_CPUS")
else
  LOAD_PIN=()
  SERVER_PIN=()
fi

# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
WAIT_HINT="see $RESULTS/*.log"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# Context switches of all of a process's live threads (voluntary: a thread that waited and was woken; involuntary: one
# preempted). Per call at one connection this counts the thread wake-ups a call costs (a hop to the thread pool is one
# wait and one wake-up), which the machine's load does not change, unlike the latency it causes (docs/benchmarks.md,
# "Kestrel inline scheduling on by default").
ctx_switches() { cat /proc/"$1"/task/*/status 2>/dev/null | awk '/^voluntary_ctxt_switches/ { v += $2 } /^nonvoluntary_ctxt_switches/ { n += $2 } END { print v + 0, n + 0 }'; }
# CPU time of all of a process's live threads, ns (the first field of each thread's schedstat).
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ t += $1 } END { printf "%.0f", t }'; }
vm_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

# ---------------------------------------------------------------------------------------------------- prerequisites
install_tools() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=(nginx-light)
  command -v curl >/dev/null || missing+=(curl)
  ((${#missing[@]} == 0)) && return
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  log "installing ${missing[*]} with apt-get"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

publish() {
  if [[ "${BENCH_SKIP_PUBLISH:-0}" == 1 && -x "$BIN" && -x "$SL_OUT/StreamLatency" ]]; then
    log "reusing $BIN"
    return
  fi
  # The mode the start script ships (Native AOT, architecture decision 15) unless BENCH_PUBLISH says r2r or jit.
  local mode_args=()
  case "${BENCH_PUBLISH:-aot}" in
    jit) ;;
    r2r) mode_args=(-r linux-x64 --self-contained false -p:PublishReadyToRun=true) ;;
    *) publish_args aot && mode_args=("${PUBLISH_ARGS[@]}") ;;
  esac
  log "publishing Release build (${BENCH_PUBLISH:-aot}) to bench/.out/switchboard"
  rm -rf "$OUT"
  timeout 1800 dotnet publish "$ROOT/src/Switchboard" -c Release "${mode_args[@]}" -o "$OUT" --nologo -v quiet >"$RESULTS/publish.log" 2>&1 \
    || die "dotnet publish failed (see $RESULTS/publish.log)"
  timeout 900 dotnet publish "$BENCH/YarpPeer" -c Release -o "$YARP_OUT" --nologo -v quiet >"$RESULTS/publish-yarp.log" 2>&1 \
    || die "dotnet publish of the YARP peer failed (see $RESULTS/publish-yarp.log)"
  timeout 900 dotnet publish "$BENCH/StreamLatency" -c Release -o "$SL_OUT" --nologo -v quiet >"$RESULTS/publish-streamlatency.log" 2>&1 \
    || die "dotnet publish of the stream-latency client failed (see $RESULTS/publish-streamlatency.log)"
}

machine_info() {
  {
    echo "date_utc: $(date -u '+%Y-%m-%d %H:%M')"
    echo "nproc: $NCPU"
    echo "cpu: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
    echo "mem_total: $(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "os: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r)"
    echo "dotnet: $(dotnet --version 2>/dev/null), runtime $(dotnet --list-runtimes 2>/dev/null | awk '/AspNetCore/ { v = $2 } END { print v }')"
    echo "wrk: $(wrk -v 2>&1 | head -1)"
    echo "nginx: $(nginx -v 2>&1 | head -1)"
    echo "loadavg_at_start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "pinning: $([[ ${#LOAD_PIN[@]} -gt 0 ]] && echo "wrk on CPU 0; mock, gateway, nginx on CPU $SERVER_CPUS" || echo none)"
    echo "settings: duration=${DURATION}s connections=$CONNECTIONS threads=$THREADS chunks=$CHUNKS keys=$KEYS stream_calls=$STREAM_CALLS stream_chunks=$STREAM_CHUNKS stream_chunk_delay_ms=$STREAM_DELAY stream_repeats=$STREAM_REPEATS stream_api=$STREAM_API stream_rt=$STREAM_RT"
    echo "gateway_env: ${GW_ENV[*]:-none}"
    echo "mode: $([[ $QUICK == 1 ]] && echo "quick (${RUNTIME_ENV[*]} for the warmed gateway and YARP)" || echo full)"
  } >"$RESULTS/machine.txt"
}

# ---------------------------------------------------------------------------------------------------- servers
start_mock() {
  MOCK_PORT=$(free_port)
  "${SERVER_PIN[@]}" "$BIN" mock-provider --port "$MOCK_PORT" --host 127.0.0.1 >"$RESULTS/mock.log" 2>&1 &
  MOCK_PID=$!
  PIDS+=("$MOCK_PID")
  wait_http "http://127.0.0.1:$MOCK_PORT/_stats" 30 "$MOCK_PID"
  log "mock provider pid $MOCK_PID on 127.0.0.1:$MOCK_PORT"
}

deployment_yaml() { # group key; STAMP_SENT=1 (or 2: content pieces too) in the environment: the stream case's answers, each chunk stamped
  local chunks=$CHUNKS delay=0
  if [[ "${STAMP_SENT:-0}" != 0 ]]; then chunks=$STREAM_CHUNKS delay=$STREAM_DELAY; fi
  cat <<EOF
  - model_name: $1
    litellm_params:
      model: openai/glm-4.6
      api_base: http://127.0.0.1:$MOCK_PORT/v1
      api_key: $2
      extra_headers:
        x-mock-chunks: "$chunks"
        x-mock-chunk-delay-ms: "$delay"
EOF
  if [[ "${STAMP_SENT:-0}" != 0 ]]; then echo "        x-mock-stamp: \"$STAMP_SENT\""; fi
}

write_config() { # file [extra yaml]
  local i
  {
    echo "# Generated by bench/run.sh"
    echo "model_list:"
    for i in $(seq 1 "$KEYS"); do deployment_yaml glm-4.6 "ok-bench-$i"; done
    deployment_yaml bench-pool-1 ok-bench-1
    for i in $(seq 1 8); do deployment_yaml bench-pool-8 "ok-bench-$i"; done
    if [[ -n "${2:-}" ]]; then printf '%s\n' "$2"; fi
  } >"$1"
}

start_gateway() { # name config [VAR=value for the environment] -> GW_PORT, GW_PID
  GW_PORT=$(free_port)
  env "${RUNTIME_ENV[@]}" "${GW_ENV[@]}" ${3:+"$3"} "${SERVER_PIN[@]}" "$BIN" --config "$2" --port "$GW_PORT" --host 127.0.0.1 >"$RESULTS/$1.log" 2>&1 &
  GW_PID=$!
  PIDS+=("$GW_PID")
  wait_http "http://127.0.0.1:$GW_PORT/health/readiness" 60 "$GW_PID"
  log "gateway '$1' pid $GW_PID on 127.0.0.1:$GW_PORT"
}

start_nginx() {
  NGINX_PORT=$(free_port)
  local dir="$TMP/nginx"
  mkdir -p "$dir"
  chmod 755 "$TMP" "$dir"
  cat >"$dir/nginx.conf" <<EOF
# Plain reverse proxy to the mock provider: keepalive upstream connections, no response buffering (SSE).
daemon off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  keepalive_requests 1000000;
  upstream mock {
    server 127.0.0.1:$MOCK_PORT;
    keepalive 128;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_request_buffering off;
    }
  }
}
EOF
  local nginx_bin
  nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
  "${SERVER_PIN[@]}" "$nginx_bin" -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" >"$RESULTS/nginx.log" 2>&1 &
  NGINX_PID=$!
  PIDS+=("$NGINX_PID")
  wait_http "http://127.0.0.1:$NGINX_PORT/_stats" 30 "$NGINX_PID"
  log "nginx pid $NGINX_PID on 127.0.0.1:$NGINX_PORT"
}

# The .NET peer: YARP with one route to the mock, nothing else (same pinning as the gateway and nginx).
start_yarp() {
  YARP_PORT=$(free_port)
  env "${RUNTIME_ENV[@]}" "${SERVER_PIN[@]}" "$YARP_OUT/YarpPeer" --port "$YARP_PORT" --destination "http://127.0.0.1:$MOCK_PORT/" >"$RESULTS/yarp.log" 2>&1 &
  YARP_PID=$!
  PIDS+=("$YARP_PID")
  wait_http "http://127.0.0.1:$YARP_PORT/_stats" 30 "$YARP_PID"
  log "yarp peer pid $YARP_PID on 127.0.0.1:$YARP_PORT"
}

# PostgreSQL for the keys case (BENCH_KEYS_PG=1): a throwaway server from Debian's binaries (apt-get install postgresql),
# data in $TMP, default durability settings. It stands for a database on another machine, so it is kept off the servers'
# core (on wrk's): pinned beside the gateway and the mock, it got too little of that core to store 15,000 rows/s and
# the gateway dropped most of its usage records.
start_postgres() { # -> PG_URL
  local bin pg="$TMP/pg" as=()
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [[ -n "$bin" && -x "$bin/initdb" ]] || die "BENCH_KEYS_PG=1 needs PostgreSQL's server binaries (apt-get install postgresql)"
  mkdir -p "$pg"
  chmod 755 "$TMP"
  if [[ $(id -u) -eq 0 ]]; then
    chown -R postgres "$pg"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$pg/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$RESULTS/postgres-init.log" 2>&1 \
    || die "initdb failed (see $RESULTS/postgres-init.log)"
  PG_PORT=$(free_port)
  "${as[@]}" "${LOAD_PIN[@]}" "$bin/pg_ctl" start -D "$pg/data" -w -t 60 -l "$pg/server.log" \
    -o "-p $PG_PORT -k $pg -c listen_addresses=127.0.0.1" >"$RESULTS/postgres-start.log" 2>&1 \
    || die "pg_ctl start failed (see $RESULTS/postgres-start.log and $pg/server.log)"
  PG_STOP=("${as[@]}" "$bin/pg_ctl" stop -D "$pg/data" -m fast -w)
  PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
  log "postgres on 127.0.0.1:$PG_PORT (data in $pg)"
}

# ---------------------------------------------------------------------------------------------------- load runs
body_file() { # model stream(0|1) -> path
  local file="$TMP/body-$1-$2.json"
  if [[ ! -f "$file" ]]; then
    sed -e "s/\"model\":\"[^\"]*\"/\"model\":\"$1\"/" "$BENCH/chat-body.json" >"$file"
    if [[ "$2" == 1 ]]; then sed -i 's/}[[:space:]]*$/,"stream":true}/' "$file"; fi
  fi
  echo "$file"
}

anthropic_body_file() { # model -> path: the same conversation as an Anthropic Messages streamed request (system at the top)
  local file="$TMP/body-anthropic-$1.json"
  if [[ ! -f "$file" ]]; then
    python3 - "$BENCH/chat-body.json" "$1" >"$file" <<'PY'
import json, sys
chat = json.load(open(sys.argv[1]))
system = "\n".join(m["content"] for m in chat["messages"] if m["role"] == "system")
messages = [{"role": m["role"], "content": m["content"]} for m in chat["messages"] if m["role"] != "system"]
body = {"model": sys.argv[2], "max_tokens": chat.get("max_tokens", 256), "stream": True, "messages": messages}
if system:
    body["system"] = system
print(json.dumps(body, separators=(",", ":")))
PY
  fi
  echo "$file"
}

# run_wrk label target port model stream connections seconds [gateway pid] [bearer]: one bounded wrk run, one TSV row
run_wrk() {
  local label=$1 target=$2 port=$3 model=$4 stream=$5 conns=$6 secs=$7 gw=${8:-} key=${9:-ok-bench-1}
  local threads=$THREADS raw="$RAW/$label.txt" cpu0=0 cpu1=0 rss=0
  ((threads > conns)) && threads=$conns
  local ctx0=(0 0) ctx1=(0 0)
  if [[ -n "$gw" ]]; then cpu0=$(cpu_ticks "$gw"); read -ra ctx0 <<<"$(ctx_switches "$gw")"; fi
  local perf_pid=""
  if [[ -n "$gw" && "${BENCH_SENDS:-1}" == 1 && $EUID == 0 ]] && command -v perf >/dev/null; then
    # Counting tracepoints costs the proxy little (no stacks, no samples); stopped with SIGINT right after wrk.
    perf stat -x, -o "$RAW/$label.sends" -e syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,syscalls:sys_enter_writev,syscalls:sys_enter_write \
      -p "$gw" >/dev/null 2>&1 &
    perf_pid=$!
    sleep 0.2
  fi
  # WRK_BODY / WRK_PATH in the environment: another body and path (the Anthropic stream run of case_load)
  BENCH_BODY_FILE=${WRK_BODY:-$(body_file "$model" "$stream")} BENCH_PATH=${WRK_PATH:-/v1/chat/completions} BENCH_KEY=$key BENCH_CHUNKS=$CHUNKS \
    timeout $((secs + 30)) "${LOAD_PIN[@]}" wrk -t"$threads" -c"$conns" -d"${secs}s" --timeout 10s --latency \
    -s "$BENCH/chat.lua" "http://127.0.0.1:$port/v1/chat/completions" >"$raw" 2>&1 || die "wrk failed for $label (see $raw)"
  if [[ -n "$gw" ]]; then
    cpu1=$(cpu_ticks "$gw")
    read -ra ctx1 <<<"$(ctx_switches "$gw")"
    rss=$(vm_kb "$gw" VmRSS)
  fi
  if [[ -n "$perf_pid" ]]; then
    kill -INT "$perf_pid" 2>/dev/null
    wait "$perf_pid" 2>/dev/null || true
  fi
  local line
  line=$(grep '^BENCH ' "$raw") || die "no BENCH line in $raw"
  # shellcheck disable=SC2086
  local $(echo "${line#BENCH }")
  local errors=$((err_connect + err_read + err_write + err_status + err_timeout))
  local rps cpu_us
  rps=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
  cpu_us=$(awk -v c=$((cpu1 - cpu0)) -v t="$CLK_TCK" -v r="$requests" 'BEGIN { if (r > 0 && c > 0) printf "%.1f", c / t * 1e6 / r; else print "-" }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$target" "$([[ $stream == 1 ]] && echo stream || echo non-stream)" \
    "$conns" "$rps" "$p50_us" "$p99_us" "$errors" "$cpu_us" "$rss" "$requests" "$p999_us" >>"$TSV"
  log "$label: $rps req/s, p50 $((p50_us))us, p99 $((p99_us))us, p99.9 $((p999_us))us, errors $errors"
  if [[ -n "$gw" ]]; then
    # The gateway's context switches per call (voluntary / involuntary), one line each in wakeups.tsv.
    local wakeups
    wakeups=$(awk -v v=$((ctx1[0] - ctx0[0])) -v n=$((ctx1[1] - ctx0[1])) -v r="$requests" 'BEGIN { if (r > 0) printf "%.2f\t%.2f", v / r, n / r; else printf "-\t-" }')
    printf '%s\t%s\n' "$label" "$wakeups" >>"$RESULTS/wakeups.tsv"
    log "$label: gateway context switches per call (voluntary, involuntary): ${wakeups/$'\t'/, }"
  fi
  if [[ -n "$perf_pid" && -s "$RAW/$label.sends" ]]; then
    # socket sends per call (the write(2) count is the request log's stdout and the like, given apart)
    local sends
    sends=$(awk -F, -v r="$requests" '$3 ~ /sys_enter_(sendto|sendmsg|writev)$/ { s += $1 } $3 ~ /sys_enter_write$/ { w += $1 }
      END { if (r > 0) printf "%.2f\t%.3f", s / r, w / r; else printf "-\t-" }' "$RAW/$label.sends")
    printf '%s\t%s\n' "$label" "$sends" >>"$RESULTS/sends.tsv"
    log "$label: proxy socket sends per call ${sends%%$'\t'*}, write(2) per call ${sends##*$'\t'}"
  fi
  ((errors == 0)) || log "warning: $label had $errors errors (see $raw)"
}

warm() { # port model stream [seconds] [bearer]
  local secs=${4:-$WARMUP}
  BENCH_BODY_FILE=${WRK_BODY:-$(body_file "$2" "$3")} BENCH_PATH=${WRK_PATH:-/v1/chat/completions} BENCH_KEY=${5:-ok-bench-1} BENCH_CHUNKS=$CHUNKS \
    timeout $((secs + 30)) "${LOAD_PIN[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --timeout 10s \
    -s "$BENCH/chat.lua" "http://127.0.0.1:$1/v1/chat/completions" >/dev/null 2>&1 || true
}

# The gateway's own figure for its overhead, over sequential keep-alive requests (one curl process, --next per request).
sample_overhead() { # label stream
  local body cfg="$TMP/curl-$1.cfg" i
  body=$(body_file glm-4.6 "$2")
  : >"$cfg"
  for i in $(seq 1 "$OVERHEAD_SAMPLES"); do
    if ((i > 1)); then echo next >>"$cfg"; fi
    printf 'url = "http://127.0.0.1:%s/v1/chat/completions"\nrequest = "POST"\ndata-binary = "@%s"\n' "$GW_PORT" "$body" >>"$cfg"
    printf 'header = "Content-Type: application/json"\nheader = "Authorization: Bearer ok-bench-1"\n' >>"$cfg"
    printf 'output = "/dev/null"\ndump-header = "-"\nsilent\nshow-error\n' >>"$cfg"
  done
  timeout 120 "${LOAD_PIN[@]}" curl -K "$cfg" >"$RAW/$1.headers" 2>&1 || die "overhead sampling failed (see $RAW/$1.headers)"
  local values="$RAW/$1.values"
  tr -d '\r' <"$RAW/$1.headers" | awk -F': ' 'tolower($1) == "x-litellm-overhead-duration-ms" { print $2 }' | sort -g >"$values"
  local n
  n=$(wc -l <"$values")
  ((n > 0)) || die "no x-litellm-overhead-duration-ms header in $RAW/$1.headers"
  awk -v label="$1" '{ v[NR] = $1 } END {
      p50 = v[int((NR + 1) / 2)]; i99 = int(NR * 0.99 + 0.999999); if (i99 < 1) i99 = 1; if (i99 > NR) i99 = NR
      printf "%s\t%d\t%s\t%s\t%s\n", label, NR, p50, v[i99], v[NR] }' "$values" >>"$RESULTS/overhead.tsv"
  log "$1: overhead header over $n requests: $(tail -1 "$RESULTS/overhead.tsv" | cut -f3-4 | tr '\t' '/') ms (p50/p99)"
}

# ---------------------------------------------------------------------------------------------------- cases
case_load() { # direct vs gateway (request log on / off) vs nginx, non-stream and stream; rounds interleaved against drift
  local round stream target port pid
  for round in $(seq 1 "$ROUNDS"); do
    for stream in 0 1; do
      for target in direct switchboard switchboard-nolog nginx yarp; do
        [[ $target != switchboard-nolog || $NOLOG == 1 ]] || continue
        pid=""
        case $target in
          direct) port=$MOCK_PORT ;;
          switchboard) port=$GW_PORT pid=$GW_PID ;;
          switchboard-nolog) port=$NOLOG_PORT pid=$NOLOG_PID ;;
          nginx) port=$NGINX_PORT ;;
          yarp) port=$YARP_PORT pid=$YARP_PID ;;
        esac
        ((round > 1)) || warm "$port" glm-4.6 "$stream"
        run_wrk "$target-$stream-c$CONNECTIONS-r$round" "$target" "$port" glm-4.6 "$stream" "$CONNECTIONS" "$DURATION" "$pid"
        if [[ $STREAM_API == anthropic && $target == switchboard && $stream == 1 ]]; then
          # The same gateway, streamed to an Anthropic client (translated from the mock's OpenAI stream).
          ((round > 1)) || WRK_BODY=$(anthropic_body_file glm-4.6) WRK_PATH=/v1/messages warm "$port" glm-4.6 1
          WRK_BODY=$(anthropic_body_file glm-4.6) WRK_PATH=/v1/messages \
            run_wrk "switchboard-anthropic-1-c$CONNECTIONS-r$round" switchboard-anthropic "$port" glm-4.6 1 "$CONNECTIONS" "$DURATION" "$pid"
        fi
      done
    done
  done
}

case_seq() { # one connection: latency without queueing, the plain cost of the extra hop
  local stream
  for stream in 0 1; do
    run_wrk "direct-$stream-c1" direct "$MOCK_PORT" glm-4.6 "$stream" 1 "$SEQ_DURATION"
    run_wrk "switchboard-$stream-c1" switchboard "$GW_PORT" glm-4.6 "$stream" 1 "$SEQ_DURATION" "$GW_PID"
    if [[ $NOLOG == 1 ]]; then
      run_wrk "switchboard-nolog-$stream-c1" switchboard-nolog "$NOLOG_PORT" glm-4.6 "$stream" 1 "$SEQ_DURATION" "$NOLOG_PID"
    fi
    run_wrk "nginx-$stream-c1" nginx "$NGINX_PORT" glm-4.6 "$stream" 1 "$SEQ_DURATION"
    run_wrk "yarp-$stream-c1" yarp "$YARP_PORT" glm-4.6 "$stream" 1 "$SEQ_DURATION" "$YARP_PID"
  done
  if [[ "${BENCH_SYSCALLS:-1}" == 1 ]] && command -v strace >/dev/null; then
    count_syscalls switchboard-0-c1-strace "$GW_PORT" "$GW_PID"
    count_syscalls yarp-0-c1-strace "$YARP_PORT" "$YARP_PID"
  fi
}

# System calls per call at one connection (issue 13): an extra non-stream run under `strace -f -c` for a gateway process
# (Switchboard, YARP), after the measured runs so that the tracer's slowdown touches no figure. The counts per call do not
# depend on the machine's load, unlike the latency: what each call costs in socket reads and writes, epoll waits, futex
# wake-ups and waits (a hop to a sleeping thread) and sched_yield (the thread pool's workers spinning before they sleep).
# One line per target in syscalls.tsv: label, calls, then per call: all, epoll_wait, recvfrom, sendto, read, futex,
# sched_yield, and the failed ones (EAGAIN reads that pend). BENCH_SYSCALLS=0 skips it; skipped when strace is missing.
count_syscalls() { # label port pid
  local label=$1 port=$2 pid=$3 out="$RAW/$1.strace" raw="$RAW/$1.txt" tracer line
  timeout -s INT $((SEQ_DURATION + 4)) strace -f -c -o "$out" -p "$pid" 2>/dev/null &
  tracer=$!
  sleep 1 # attached to every thread before the first call
  BENCH_BODY_FILE=$(body_file glm-4.6 0) BENCH_KEY=ok-bench-1 BENCH_CHUNKS=$CHUNKS \
    timeout $((SEQ_DURATION + 30)) "${LOAD_PIN[@]}" wrk -t1 -c1 -d"${SEQ_DURATION}s" --timeout 10s \
    -s "$BENCH/chat.lua" "http://127.0.0.1:$port/v1/chat/completions" >"$raw" 2>&1 || die "wrk failed for $label (see $raw)"
  wait "$tracer" 2>/dev/null || true
  line=$(grep '^BENCH ' "$raw") || die "no BENCH line in $raw"
  local requests
  requests=$(sed 's/.* requests=\([0-9]*\).*/\1/' <<<"$line")
  [[ -s "$out" ]] || { log "$label: strace wrote nothing (ptrace not allowed here?)"; return; }
  # strace -c rows: % time, seconds, usecs/call, calls, [errors,] syscall.
  awk -v label="$label" -v r="$requests" '
    $1 ~ /^[0-9.]+$/ && $NF != "total" && $4 ~ /^[0-9]+$/ { c[$NF] = $4; all += $4; if (NF == 6) err += $5 }
    END { if (r == 0) exit; printf "%s\t%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\n", label, r, all / r, c["epoll_wait"] / r,
      c["recvfrom"] / r, c["sendto"] / r, c["read"] / r, c["futex"] / r, c["sched_yield"] / r, err / r }' "$out" >>"$RESULTS/syscalls.tsv"
  log "$label: system calls per call (all, epoll_wait, recvfrom, sendto, read, futex, sched_yield, failed): $(tail -1 "$RESULTS/syscalls.tsv" | cut -f3- | tr '\t' ' ')"
}

case_pool() { # issue 3: routing over 8 deployments costs no more than over 1; alternating rounds to spread drift
  local round
  warm "$GW_PORT" bench-pool-1 0
  warm "$GW_PORT" bench-pool-8 0
  for round in $(seq 1 "$POOL_ROUNDS"); do
    run_wrk "pool1-r$round" pool-1 "$GW_PORT" bench-pool-1 0 "$CONNECTIONS" "$DURATION" "$GW_PID"
    run_wrk "pool8-r$round" pool-8 "$GW_PORT" bench-pool-8 0 "$CONNECTIONS" "$DURATION" "$GW_PID"
  done
}

# Issue 13, streams: time to first token (TTFT) and each content piece's transit, over sequential streamed calls on one
# keep-alive connection per target (bench/StreamLatency; the mock stamps each content piece's send time into its text,
# x-mock-stamp: 2). The targets (direct, nginx, YARP, Switchboard) are INTERLEAVED call by call in one client process,
# which reads on one thread with blocking reads and takes each event's arrival from the kernel's receive timestamp: the
# machine's load drifts over every target alike, and the client's own wake-up is not in the figure (docs/benchmarks.md,
# "Per-event cost made readable"). "From the 11th call after start": YARP and the gateway are started fresh for this case
# (default runtime settings, also in --quick), their first 10 calls are reported apart, and the percentiles are over the
# rest; the per-event figure is over the content pieces after each call's first. BENCH_STREAM_REPEATS runs the client
# that many times on the same servers (run=1.. in stream.txt; only run 1 meets fresh servers). Then, with
# BENCH_STREAM_WARM=1, once more after GW_WARMUP/2 seconds of streamed load on the gateway (run=warm). Added = target −
# direct of the same run.
case_stream() {
  local cfg="$TMP/stream.yaml" main_port=$GW_PORT main_pid=$GW_PID yarp_port=$YARP_PORT yarp_pid=$YARP_PID run
  local RUNTIME_ENV=()
  STAMP_SENT=2 write_config "$cfg" "$(printf 'general_settings:\n  disable_spend_logs: true')"
  start_yarp
  start_gateway switchboard-stream "$cfg"
  for run in $(seq 1 "$STREAM_REPEATS"); do run_stream "$run"; done
  if [[ $STREAM_WARM == 1 ]]; then
    if [[ $STREAM_API == anthropic ]]; then
      WRK_BODY=$(anthropic_body_file glm-4.6) WRK_PATH=/v1/messages warm "$GW_PORT" glm-4.6 1 $((GW_WARMUP / 2))
    else
      warm "$GW_PORT" glm-4.6 1 $((GW_WARMUP / 2))
    fi
    run_stream warm
  fi
  stop_pid "$GW_PID"
  stop_pid "$YARP_PID"
  GW_PORT=$main_port GW_PID=$main_pid YARP_PORT=$yarp_port YARP_PID=$yarp_pid
}

# BENCH_STREAM_RT=1 (the default): during each measured stream run only, the mock, nginx (master and worker), YARP, the
# gateway and the client run under SCHED_FIFO (chrt -f 5, every thread); back to SCHED_OTHER right after. On this shared
# 2-core machine the other tenants' compilers otherwise decide every tail: a process woken by the event it must relay
# waits behind them for a time slice (milliseconds), so the p99 measured the machine's load, not the proxy. A real-time
# task preempts them at once and the figure is what the proxy's own path costs (wake-ups, system calls, its code). The
# load runs (wrk) never meet a real-time server. Needs root (CAP_SYS_NICE); without it, a warning and normal scheduling.
stream_sched() { # fifo|other pid...: every thread of each process and of its child processes
  local which=$1 policy=(-f -p 5) pid task child
  [[ $which == fifo ]] || policy=(-o -p 0)
  shift
  for pid in "$@"; do
    for task in /proc/"$pid"/task/*; do
      chrt "${policy[@]}" "${task##*/}" >/dev/null 2>&1 || true
      for child in $(cat "$task/children" 2>/dev/null); do stream_sched "$which" "$child"; done
    done
  done
}

# Field 41 of a thread's stat is its policy (1 = SCHED_FIFO); counted after the ") " that ends the name (which may hold spaces).
fifo_threads() { cat /proc/"$1"/task/*/stat 2>/dev/null | sed 's/^.*) //' | awk '$39 == 1 { n++ } END { print n + 0 "/" NR }'; }

run_stream() { # run: one StreamLatency run over every target, interleaved; one line per target in stream.txt
  local raw="$RAW/stream-$1.txt" line sb_path=/v1/chat/completions rt=()
  if [[ $STREAM_RT == 1 ]]; then
    if chrt -f 5 true 2>/dev/null; then
      rt=(chrt -f 5)
      stream_sched fifo "$MOCK_PID" "$NGINX_PID" "$YARP_PID" "$GW_PID"
    else
      log "warning: chrt -f needs root (CAP_SYS_NICE); the stream run is scheduled normally and its tails are the machine's"
    fi
  fi
  # The gateway as an Anthropic client (/v1/messages, translated) or an OpenAI one; the others are OpenAI streams.
  [[ $STREAM_API == anthropic ]] && sb_path=/v1/messages
  local targets="direct=http://127.0.0.1:$MOCK_PORT/v1/chat/completions nginx=http://127.0.0.1:$NGINX_PORT/v1/chat/completions"
  targets+=" yarp=http://127.0.0.1:$YARP_PORT/v1/chat/completions switchboard=http://127.0.0.1:$GW_PORT$sb_path"
  # Context switches of each proxy during the run (it serves only its own target's calls): the thread wake-ups a streamed
  # call costs it, which the machine's load does not change. nginx's are its worker's (the child of the master).
  local nginx_worker ctx_before=() ctx_after=() p
  nginx_worker=$(cat /proc/"$NGINX_PID"/task/*/children 2>/dev/null | awk '{ print $1; exit }')
  for p in ${nginx_worker:-$NGINX_PID} "$YARP_PID" "$GW_PID"; do ctx_before+=("$(ctx_switches "$p") $(cpu_ns "$p")"); done
  local status=0 keeper=""
  if ((${#rt[@]} > 0)); then
    # Threads the servers start during the run (thread-pool workers, the JIT's tiering thread) start as SCHED_OTHER when
    # their creator was: made real-time too, every 0.2 s.
    (while true; do stream_sched fifo "$MOCK_PID" "$NGINX_PID" "$YARP_PID" "$GW_PID"; sleep 0.2; done) &
    keeper=$!
  fi
  timeout $((STREAM_CALLS * 4 * (STREAM_CHUNKS * (STREAM_DELAY + 1) + 2) / 500 + 120)) "${LOAD_PIN[@]}" "${rt[@]}" "$SL_OUT/StreamLatency" \
    --targets "$targets" --calls "$STREAM_CALLS" --first 10 --warm-url "http://127.0.0.1:$MOCK_PORT/v1/chat/completions" --warm-calls 200 \
    --body "$(body_file glm-4.6 1)" --anthropic-body "$(anthropic_body_file glm-4.6)" --chunks "$STREAM_CHUNKS" \
    --chunk-delay-ms "$STREAM_DELAY" --raw "$RAW/stream-$1.tsv" >"$raw" 2>&1 || status=$?
  if [[ -n $keeper ]]; then
    log "stream run $1: SCHED_FIFO threads at the end: gateway $(fifo_threads "$GW_PID"), YARP $(fifo_threads "$YARP_PID")"
    stop_pid "$keeper"
    stream_sched other "$MOCK_PID" "$NGINX_PID" "$YARP_PID" "$GW_PID"
  fi
  ((status == 0)) || die "stream-latency client failed in run $1 (see $raw)"
  for p in ${nginx_worker:-$NGINX_PID} "$YARP_PID" "$GW_PID"; do ctx_after+=("$(ctx_switches "$p") $(cpu_ns "$p")"); done
  local i names=(nginx yarp switchboard) a b
  for i in 0 1 2; do
    read -ra b <<<"${ctx_before[$i]}"
    read -ra a <<<"${ctx_after[$i]}"
    printf 'run=%s\t%s\t%s\n' "$1" "${names[$i]}" "$(awk -v v=$((a[0] - b[0])) -v n=$((a[1] - b[1])) -v ns=$((a[2] - b[2])) -v c="$STREAM_CALLS" 'BEGIN { printf "%.2f\t%.2f\t%.1f", v / c, n / c, ns / c / 1000 }')" >>"$RESULTS/stream-wakeups.tsv"
  done
  log "stream run $1: context switches per streamed call (voluntary, involuntary) and CPU µs per call: $(grep "^run=$1	" "$RESULTS/stream-wakeups.tsv" | cut -f2- | tr '\t\n' ' ;')"
  grep -q '^STREAM ' "$raw" || die "no STREAM line in $raw"
  while read -r line; do
    echo "run=$1 ${line#STREAM }" >>"$RESULTS/stream.txt"
    # shellcheck disable=SC2046
    local $(echo "${line#STREAM }" | tr ' ' '\n' | grep -E '^(label|ttft_p50_us|event_p50_us|event_p99_us|first_ttft_p50_us|merged|errors)=')
    log "stream run $1, $label: TTFT p50 ${ttft_p50_us}us (first 10 calls ${first_ttft_p50_us}us), event p50/p99 ${event_p50_us}/${event_p99_us}us, merged reads $merged, errors $errors"
  done < <(grep '^STREAM ' "$raw")
}

case_overhead() {
  sample_overhead overhead-non-stream 0
  sample_overhead overhead-stream 1
}

# Issue 5: the same load with a master key, a virtual key and usage recording on, against an open gateway without usage
# records. Both are started for this case and warmed the same way (same requests, same seconds): a gateway warmed on other
# traffic (the main one also serves streams) JIT-compiles and profiles differently, which measured ~10 % apart from a fresh
# one with the same config. BENCH_KEYS_AA=1 gives the keys gateway the open config too: an A/A run that shows the harness's
# own bias. Runs when the gateway can issue a virtual key (POST /key/generate); skipped with a note before that.
case_keys() {
  local open_cfg="$TMP/keys-open.yaml" cfg="$TMP/keys.yaml" master="sk-bench-master-0001" main_port=$GW_PORT main_pid=$GW_PID
  write_config "$open_cfg" "$(printf 'general_settings:\n  disable_spend_logs: true')"
  if [[ "${BENCH_METRICS_AB:-0}" == 1 ]]; then
    # Issue 14: both open; the "plain" side with metrics off, the "keys" side with metrics on (the default).
    write_config "$open_cfg" "$(printf 'general_settings:\n  disable_spend_logs: true\n  disable_metrics: true')"
    write_config "$cfg" "$(printf 'general_settings:\n  disable_spend_logs: true')"
  elif [[ "${BENCH_KEYS_AA:-0}" == 1 ]]; then
    cp "$open_cfg" "$cfg"
  else
    local extra=${BENCH_KEYS_EXTRA_YAML:-}
    if [[ "${BENCH_KEYS_PG:-0}" == 1 ]]; then
      start_postgres
      extra=$(printf '  database_url: %s\n%s' "$PG_URL" "$extra")
    fi
    write_config "$cfg" "$(printf 'general_settings:\n  master_key: %s\n%s' "$master" "$extra")"
  fi
  start_gateway switchboard-open "$open_cfg"
  local open_port=$GW_PORT open_pid=$GW_PID
  start_gateway switchboard-keys "$cfg"
  local keys_port=$GW_PORT keys_pid=$GW_PID response vkey round
  if [[ "${BENCH_KEYS_AA:-0}" == 1 || "${BENCH_METRICS_AB:-0}" == 1 ]]; then
    vkey=ok-bench-1
  else
    response=$(curl -sS --max-time 10 -X POST "http://127.0.0.1:$keys_port/key/generate" -H "Authorization: Bearer $master" \
      -H 'Content-Type: application/json' -d '{"models":["glm-4.6"],"key_alias":"bench"}' -w '\n%{http_code}' || true)
    vkey=$(printf '%s' "$response" | head -n -1 | sed -n 's/.*"key"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p')
    if [[ "$(printf '%s' "$response" | tail -1)" != 200 || -z "$vkey" ]]; then
      log "keys case skipped: POST /key/generate gave HTTP $(printf '%s' "$response" | tail -1) (virtual keys not built yet)"
      echo "skipped: POST /key/generate not available" >"$RESULTS/keys.txt"
      stop_pid "$keys_pid"
      stop_pid "$open_pid"
      GW_PORT=$main_port GW_PID=$main_pid
      return
    fi
  fi
  # Warmed with the virtual key: without it every warm-up call is a 401 and the success path (key lookup, admission,
  # usage writer, SQLite) meets its first load cold, in the first measured round.
  warm "$open_port" glm-4.6 0 "$GW_WARMUP"
  warm "$keys_port" glm-4.6 0 "$GW_WARMUP" "$vkey"
  # One unrecorded round each: the first measured round ran low on both sides in every trial, more on the keys side.
  warm "$open_port" glm-4.6 0 "$DURATION"
  warm "$keys_port" glm-4.6 0 "$DURATION" "$vkey"
  # ABBA order (plain, keys, keys, plain, ...): a machine that speeds up or slows down during the case favours neither.
  for round in $(seq 1 "$POOL_ROUNDS"); do
    if ((round % 2 == 1)); then
      run_wrk "plain-r$round" plain "$open_port" glm-4.6 0 "$CONNECTIONS" "$DURATION" "$open_pid"
      run_wrk "keys-r$round" keys+usage "$keys_port" glm-4.6 0 "$CONNECTIONS" "$DURATION" "$keys_pid" "$vkey"
    else
      run_wrk "keys-r$round" keys+usage "$keys_port" glm-4.6 0 "$CONNECTIONS" "$DURATION" "$keys_pid" "$vkey"
      run_wrk "plain-r$round" plain "$open_port" glm-4.6 0 "$CONNECTIONS" "$DURATION" "$open_pid"
    fi
  done
  stop_pid "$keys_pid"
  stop_pid "$open_pid"
  GW_PORT=$main_port GW_PID=$main_pid
  # A writer that cannot keep up drops records (bounded memory) and then does less work than it should: say so.
  local dropped
  dropped=$(grep -o 'Usage records dropped: [0-9]*' "$RESULTS/switchboard-keys.log" | tail -1 | grep -o '[0-9]*$' || true)
  if [[ -n "$dropped" ]]; then
    log "warning: the keys gateway dropped $dropped usage records (its store fell behind); its figures are not comparable"
    echo "WARNING: $dropped usage records dropped (the store fell behind); these keys figures are not comparable" >"$RESULTS/keys.txt"
  fi
}

# Issue 15: shared state in Redis must not slow the hot path (no pick waits on Redis: cooldowns arrive by pub/sub). Two
# gateways, one with router_settings.redis_url (a throwaway redis-server on a free port, no persistence) and one without,
# warmed alike and measured in ABBA order like the keys case.
case_redis() {
  command -v redis-server >/dev/null || die "redis-server not found (apt-get install redis-server)"
  local off_cfg="$TMP/redis-off.yaml" on_cfg="$TMP/redis-on.yaml" main_port=$GW_PORT main_pid=$GW_PID round
  local redis_port redis_pid
  redis_port=$(free_port)
  "${SERVER_PIN[@]}" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$RESULTS/redis.log" 2>&1 &
  redis_pid=$!
  PIDS+=("$redis_pid")
  write_config "$off_cfg" "$(printf 'general_settings:\n  disable_spend_logs: true')"
  write_config "$on_cfg" "$(printf 'general_settings:\n  disable_spend_logs: true\nrouter_settings:\n  redis_url: redis://127.0.0.1:%s' "$redis_port")"
  start_gateway switchboard-redis-off "$off_cfg"
  local off_port=$GW_PORT off_pid=$GW_PID
  start_gateway switchboard-redis-on "$on_cfg"
  local on_port=$GW_PORT on_pid=$GW_PID
  curl -sS --max-time 5 "http://127.0.0.1:$on_port/health" | grep -q '"connected":true' || die "the redis-on gateway is not connected to Redis"
  warm "$off_port" glm-4.6 0 "$GW_WARMUP"
  warm "$on_port" glm-4.6 0 "$GW_WARMUP"
  warm "$off_port" glm-4.6 0 "$DURATION"
  warm "$on_port" glm-4.6 0 "$DURATION"
  for round in $(seq 1 "$POOL_ROUNDS"); do
    if ((round % 2 == 1)); then
      run_wrk "redis-off-r$round" redis-off "$off_port" glm-4.6 0 "$CONNECTIONS" "$DURATION" "$off_pid"
      run_wrk "redis-on-r$round" redis-on "$on_port" glm-4.6 0 "$CONNECTIONS" "$DURATION" "$on_pid"
    else
      run_wrk "redis-on-r$round" redis-on "$on_port" glm-4.6 0 "$CONNECTIONS" "$DURATION" "$on_pid"
      run_wrk "redis-off-r$round" redis-off "$off_port" glm-4.6 0 "$CONNECTIONS" "$DURATION" "$off_pid"
    fi
  done
  stop_pid "$on_pid"
  stop_pid "$off_pid"
  stop_pid "$redis_pid"
  GW_PORT=$main_port GW_PID=$main_pid
}

# ---------------------------------------------------------------------------------------------------- main
mkdir -p "$RAW"
printf 'label\ttarget\tmode\tconnections\trps\tp50_us\tp99_us\terrors\tgw_cpu_us_per_req\tgw_rss_kb\trequests\tp999_us\n' >"$TSV"
install_tools
command -v dotnet >/dev/null || die "dotnet SDK not found"
publish
machine_info
log "results in ${RESULTS#"$ROOT"/}"

start_mock
write_config "$TMP/gateway.yaml" "$(printf 'general_settings:\n  disable_spend_logs: true')"
cp "$TMP/gateway.yaml" "$RESULTS/gateway.yaml"
# The same gateway with its per-request log line off (the one Information event per call), to show what logging costs.
NOLOG_PORT="" NOLOG_PID=""
if [[ $NOLOG == 1 ]]; then
  start_gateway switchboard-nolog "$TMP/gateway.yaml" "Logging__LogLevel__Switchboard.Api=Warning"
  NOLOG_PORT=$GW_PORT NOLOG_PID=$GW_PID
fi
start_gateway switchboard "$TMP/gateway.yaml"
GW_MAIN_PID=$GW_PID
start_nginx
start_yarp

# JIT tiering (tier-0, then PGO-instrumented, then tier-1) takes tens of seconds of load on one busy core: measured in
# 20 s rounds from a cold start, CPU per request went 195 → 114 → 52 → 51 → 51 µs (keys+usage) and 194 → 139 → 47 → 47 →
# 47 µs (open); JIT time peaked at 2.4 s per 10 s around the 35th second. Warm every gateway a full minute before measuring.
if has load || has seq || has pool || has overhead; then
  log "warming the gateways for ${GW_WARMUP} s each, YARP for ${YARP_WARMUP} s"
  for port in "$GW_PORT" $NOLOG_PORT; do
    warm "$port" glm-4.6 0 $((GW_WARMUP / 2))
    warm "$port" glm-4.6 1 $((GW_WARMUP / 2))
  done
  warm "$YARP_PORT" glm-4.6 0 $((YARP_WARMUP / 2))
  warm "$YARP_PORT" glm-4.6 1 $((YARP_WARMUP / 2))
fi

has load && case_load
has seq && case_seq
has stream && case_stream
has pool && case_pool
has overhead && case_overhead
has keys && case_keys
has redis && case_redis

{
  echo "gateway_vmrss_kb: $(vm_kb "$GW_MAIN_PID" VmRSS)"
  echo "gateway_vmhwm_kb: $(vm_kb "$GW_MAIN_PID" VmHWM)"
  echo "gateway_cpu_s_total: $(awk -v c="$(cpu_ticks "$GW_MAIN_PID")" -v t="$CLK_TCK" 'BEGIN { printf "%.2f", c / t }')"
  echo "mock_vmhwm_kb: $(vm_kb "$MOCK_PID" VmHWM)"
  echo "loadavg_at_end: $(cut -d' ' -f1-3 /proc/loadavg)"
} >>"$RESULTS/machine.txt"

"$BENCH/summarize.sh" "$RESULTS" | tee "$RESULTS/summary.md"
