#!/usr/bin/env bash
# Starts, stops and inspects Switchboard the way the LiteLLM setup guide's script does:
#   ./scripts/start-litellm-proxy.sh start|stop|status|restart|logs
# Config: $LITELLM_CONFIG, else ./litellm-config.yaml, else the built-in demo (examples/demo-config.yaml, mock keys).
# Port: $LITELLM_PORT, else 4000. Log: .litellm-proxy.log. Pid: .litellm-proxy.pid (only this pid is ever stopped).
# Log rotation: $LITELLM_LOG_MAX_SIZE_MB and $LITELLM_LOG_MAX_FILES (or log_max_size_mb / log_max_files in general_settings).
# Build: $SWITCHBOARD_PUBLISH picks how the binary is published on first start and after a source change: "aot" (the
# default: Native AOT, optimised for speed with the runtime's static profile, for x86-64-v3 when the CPU has it; first
# answer in ~0.08 s, ~47 MB idle, 1,000 open streams in under 120 MB, the first token sooner; 10-30 % more CPU per call
# at full load than ReadyToRun; needs gcc or clang; its publish takes one to a few minutes), "r2r" (ReadyToRun code,
# framework-dependent: ~0.35 s to the first answer, ~94 MB idle, the least CPU per call), or "jit". See
# docs/benchmarks.md, "The start script ships Native AOT". A publish that fails falls back to JIT.
# Runtime: inline socket completions are on by default (the gateway sets them itself before its first socket);
# SWITCHBOARD_INLINE_COMPLETIONS=0 in the environment of "start" turns them off (architecture decision 16).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${LITELLM_PORT:-4000}"
HOST="${LITELLM_HOST:-0.0.0.0}"
LOG_FILE="${LITELLM_LOG_FILE:-$ROOT/.litellm-proxy.log}"
PID_FILE="${LITELLM_PID_FILE:-$ROOT/.litellm-proxy.pid}"
PUBLISH_DIR="$ROOT/.artifacts/publish"
BINARY="$PUBLISH_DIR/switchboard"
READY_TIMEOUT="${SWITCHBOARD_READY_TIMEOUT:-60}"
PUBLISH_MODE="${SWITCHBOARD_PUBLISH:-aot}"
MODE_FILE="$PUBLISH_DIR/.publish-mode"

say() { printf '%s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

resolve_config() {
  if [ -n "${LITELLM_CONFIG:-}" ]; then
    CONFIG="$LITELLM_CONFIG"
    case "$CONFIG" in *demo-config.yaml) say "Starting on the built-in demo config (mock provider, no real keys needed)." ;; esac
    [ -f "$CONFIG" ] || die "LITELLM_CONFIG points to '$CONFIG', which does not exist"
  elif [ -f "$ROOT/litellm-config.yaml" ]; then
    CONFIG="$ROOT/litellm-config.yaml"
  else
    CONFIG="$ROOT/examples/demo-config.yaml"
    say "No litellm-config.yaml found: starting on the built-in demo config ($CONFIG),"
    say "whose deployments are the in-process mock provider (no real keys needed)."
    say "Copy examples/litellm-config.example.yaml to litellm-config.yaml and add your keys to go live."
  fi
  CONFIG="$(cd "$(dirname "$CONFIG")" && pwd)/$(basename "$CONFIG")"
}

running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(sed -n 1p "$PID_FILE")"
  [ -n "$pid" ] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Only a process that is really ours counts (pids get reused).
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "switchboard" || return 1
  printf '%s' "$pid"
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

http_get() {
  local path="$1" port="$2"
  if command -v curl >/dev/null 2>&1; then
    curl -fsS --max-time 5 "http://127.0.0.1:$port$path"
  else
    exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
    printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$path" >&3
    sed '1,/^\r$/d' <&3
    exec 3<&-
  fi
}

needs_build() {
  [ -x "$BINARY" ] || return 0
  # Built in another mode than the one asked for (a failed AOT publish that fell back to JIT counts as asked).
  [ "$(cat "$MODE_FILE" 2>/dev/null)" = "$PUBLISH_MODE" ] || return 0
  [ -n "$(find "$ROOT/src" "$ROOT/Directory.Build.props" "$ROOT/Directory.Packages.props" -newer "$BINARY" -type f 2>/dev/null | head -n 1)" ]
}

runtime_id() {
  case "$(uname -m)" in
    x86_64) echo linux-x64 ;;
    aarch64 | arm64) echo linux-arm64 ;;
    *) return 1 ;;
  esac
}

# Native AOT's instruction set: x86-64-v3 (AVX2, BMI1/2, FMA, LZCNT, MOVBE) when this CPU has it: the binary is built
# here for here, and the wider vectors are what the framework's searches and copies use (docs/benchmarks.md, "Native
# AOT against ReadyToRun, profiled"). A v3 binary would refuse to start on an older CPU, hence the check. (Speed and
# the static profile are set in Switchboard.csproj.)
aot_args() {
  printf '%s\n' -p:PublishAot=true
  if [ "$(uname -m)" = x86_64 ] && [ -r /proc/cpuinfo ]; then
    local flags flag
    flags=" $(awk -F': ' '/^flags/ { print $2; exit }' /proc/cpuinfo) "
    for flag in avx avx2 bmi1 bmi2 fma f16c movbe abm xsave; do
      case "$flags" in *" $flag "*) ;; *) return 0 ;; esac
    done
    printf '%s\n' -p:IlcInstructionSet=x86-64-v3
  fi
}

publish() { # mode: jit | r2r | aot
  rm -rf "$PUBLISH_DIR"
  local args=()
  if [ "$1" != jit ]; then
    local rid
    rid="$(runtime_id)" || return 1
    if [ "$1" = aot ]; then
      mapfile -t args < <(aot_args)
      args=(-r "$rid" "${args[@]}")
    else
      args=(-r "$rid" --self-contained false -p:PublishReadyToRun=true)
    fi
  fi
  dotnet publish "$ROOT/src/Switchboard/Switchboard.csproj" -c Release "${args[@]}" -o "$PUBLISH_DIR" --nologo -v quiet \
    >"$ROOT/.artifacts/build.log" 2>&1
}

build() {
  case "$PUBLISH_MODE" in
    aot | r2r | jit) ;;
    *) die "SWITCHBOARD_PUBLISH is '$PUBLISH_MODE'; use aot, r2r or jit" ;;
  esac
  needs_build || return 0
  local label
  case "$PUBLISH_MODE" in
    r2r) label="Release, ReadyToRun" ;;
    aot) label="Release, Native AOT" ;;
    *) label="Release" ;;
  esac
  say "Building Switchboard ($label) into .artifacts/publish ..."
  if ! publish "$PUBLISH_MODE"; then
    [ "$PUBLISH_MODE" != jit ] || { tail -n 30 "$ROOT/.artifacts/build.log" >&2; die "build failed (full output in .artifacts/build.log)"; }
    tail -n 5 "$ROOT/.artifacts/build.log" >&2
    say "The $label publish failed (the lines above; full output in .artifacts/build.log); building JIT instead."
    publish jit || { tail -n 30 "$ROOT/.artifacts/build.log" >&2; die "build failed (full output in .artifacts/build.log)"; }
  fi
  printf '%s\n' "$PUBLISH_MODE" >"$MODE_FILE"
  touch "$BINARY"
}

start() {
  if pid="$(running_pid)"; then
    say "Switchboard is already running (pid $pid, port $(sed -n 2p "$PID_FILE"))."
    return 0
  fi
  resolve_config
  if port_in_use "$PORT"; then
    die "port $PORT is already in use by another process. Find it with 'lsof -i :$PORT' (or 'ss -ltnp'), stop it, or set LITELLM_PORT to another port."
  fi
  mkdir -p "$ROOT/.artifacts"
  build
  "$BINARY" check --config "$CONFIG" >/dev/null 2>"$ROOT/.artifacts/check.log" \
    || { cat "$ROOT/.artifacts/check.log" >&2; die "the config $CONFIG is not valid"; }
  say "Starting Switchboard on port $PORT with $CONFIG (log: $LOG_FILE)"
  # The gateway rotates the log itself past LITELLM_LOG_MAX_SIZE_MB (or the config's log_max_size_mb), keeping
  # LITELLM_LOG_MAX_FILES (or log_max_files, default 5) rotated files: .litellm-proxy.log.1 ... .N.
  SWITCHBOARD_LOG_FILE="$LOG_FILE" SWITCHBOARD_LOG_MAX_SIZE_MB="${LITELLM_LOG_MAX_SIZE_MB:-}" SWITCHBOARD_LOG_MAX_FILES="${LITELLM_LOG_MAX_FILES:-}" \
    nohup "$BINARY" --config "$CONFIG" --port "$PORT" --host "$HOST" >>"$LOG_FILE" 2>&1 </dev/null &
  local pid=$!
  printf '%s\n%s\n%s\n' "$pid" "$PORT" "$CONFIG" >"$PID_FILE"
  local waited=0
  while [ "$waited" -lt $((READY_TIMEOUT * 10)) ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$PID_FILE"
      tail -n 20 "$LOG_FILE" >&2 || true
      die "Switchboard exited during start-up; the lines above are the end of $LOG_FILE"
    fi
    if http_get /health/readiness "$PORT" >/dev/null 2>&1; then
      say "Switchboard is ready: http://localhost:$PORT (pid $pid)"
      return 0
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  die "Switchboard (pid $pid) did not become ready within ${READY_TIMEOUT}s; see $LOG_FILE"
}

stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    say "Switchboard is not running."
    return 0
  fi
  # SIGTERM: calls in flight get graceful_shutdown_s (default 30) to finish, then usage records are written (up to
  # 15 s more); only past that is the process killed. STOP_TIMEOUT (seconds) overrides for a longer grace period.
  kill -TERM "$pid"
  local waited=0 limit=$(( ${STOP_TIMEOUT:-60} * 10 ))
  while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt "$limit" ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    say "Switchboard (pid $pid) did not stop within ${STOP_TIMEOUT:-60} s; killing it."
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  say "Switchboard stopped (pid $pid)."
}

status() {
  local pid
  if ! pid="$(running_pid)"; then
    say "Switchboard is not running."
    return 1
  fi
  local port config
  port="$(sed -n 2p "$PID_FILE")"
  config="$(sed -n 3p "$PID_FILE")"
  say "Switchboard is running"
  say "  pid:    $pid"
  say "  port:   $port (http://localhost:$port)"
  say "  config: $config"
  say "  log:    $LOG_FILE"
  local health
  if health="$(http_get /health "$port" 2>/dev/null)"; then
    say "  health: $health"
  else
    say "  health: not answering on port $port"
    return 1
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  restart) stop; start ;;
  status) status ;;
  logs) tail -n "${LINES:-100}" -F "$LOG_FILE" ;;
  *) say "usage: $0 start|stop|status|restart|logs"; exit 2 ;;
esac
