# Helpers shared by the bench scripts (sourced, not run). The sourcing script defines die(); WAIT_HINT, when set,
# is added to wait_http's error (e.g. where the servers' logs are).

# A port nobody listens on or connects from: random, checked against the kernel's listening sockets (IPv4 and IPv6).
free_port() {
  local port hex
  while true; do
    port=$((20000 + RANDOM % 12000)) # below the ephemeral range (32768+), which outgoing connections take ports from
    hex=$(printf '%04X' "$port")
    if ! awk -v h=":$hex" 'NR > 1 && $4 == "0A" && substr($2, length($2) - 4) == h { found = 1 } END { exit !found }' \
      /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

wait_http() { # url seconds pid
  local url=$1 deadline=$((SECONDS + $2)) pid=$3
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || die "process $pid died before $url was ready${WAIT_HINT:+ ($WAIT_HINT)}"
    ((SECONDS < deadline)) || die "$url not ready after $2 s"
    sleep 0.2
  done
}

# Processes a script starts go into its PIDS array (declared by the script before sourcing this file); stop_started,
# set as the EXIT trap by stop_started_on_exit, stops each of them by PID (TERM, KILL after 10 s) and removes $TMP
# when the script made one. Nothing else is ever stopped.
stop_pid() { # pid
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}

stop_started() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  if [[ -n "${TMP:-}" && -d "$TMP" ]]; then rm -rf "$TMP"; fi
}

stop_started_on_exit() {
  trap stop_started EXIT
  trap 'exit 130' INT TERM
}

# Native AOT's options as the start script asks for them (scripts/start-litellm-proxy.sh, aot_args): x86-64-v3 when
# this CPU has it (Speed and the static profile come from Switchboard.csproj).
aot_args() {
  printf '%s\n' -p:PublishAot=true
  if [[ "$(uname -m)" == x86_64 && -r /proc/cpuinfo ]]; then
    local flags flag
    flags=" $(awk -F': ' '/^flags/ { print $2; exit }' /proc/cpuinfo) "
    for flag in avx avx2 bmi1 bmi2 fma f16c movbe abm xsave; do
      [[ "$flags" == *" $flag "* ]] || return 0
    done
    printf '%s\n' -p:IlcInstructionSet=x86-64-v3
  fi
}

# The `dotnet publish` arguments of a publish mode, as the start script uses them, into PUBLISH_ARGS: r2r (its
# default: ReadyToRun, framework-dependent), jit, aot (Native AOT).
publish_args() { # mode
  case "$1" in
    r2r) PUBLISH_ARGS=(-r linux-x64 --self-contained false -p:PublishReadyToRun=true) ;;
    jit) PUBLISH_ARGS=() ;;
    aot) mapfile -t PUBLISH_ARGS < <(aot_args) && PUBLISH_ARGS=(-r linux-x64 "${PUBLISH_ARGS[@]}") ;;
    r2r-composite) PUBLISH_ARGS=(-r linux-x64 --self-contained false -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true) ;;
    r2r-selfcontained) PUBLISH_ARGS=(-r linux-x64 --self-contained true -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true) ;;
    *) die "unknown publish mode $1 (r2r, jit, aot, r2r-composite, r2r-selfcontained)" ;;
  esac
}
