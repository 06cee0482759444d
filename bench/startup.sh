#!/usr/bin/env bash
# Start-up benchmark (issue 13, item 3): for each publish mode, the time from exec to the first answered chat
# completion, the first calls' latencies, and RSS after the first answer. The gateway runs examples/demo-config.yaml
# (in-process mock deployments), so nothing else is started. Bounded and loopback only; stops what it started, by PID.
#
# usage: bench/startup.sh [MODE...]        MODE: jit, r2r (ReadyToRun of the app's own assemblies, framework-dependent),
#                                          aot (Native AOT: what the start script publishes), r2r-composite (one
#                                          composite R2R image of the app and its packages, framework-dependent),
#                                          r2r-selfcontained (self-contained, one composite image of the framework, the
#                                          packages and the app); default: jit r2r aot. MODE@VAR=x,VAR2=y runs the
#                                          binary of MODE with that environment added (e.g. r2r@DOTNET_gcConcurrent=1),
#                                          to compare runtime settings on one binary in the same alternating rounds.
# knobs (environment):
#   BENCH_STARTUP_ROUNDS=5     alternating rounds (each mode once per round)
#   BENCH_SKIP_PUBLISH=1       reuse bench/.out/startup-<mode>/ from an earlier run
# results: bench/results/startup-<UTC timestamp>/results.tsv (mode, round, first_answer_ms, first_call_ms,
#          calls_2_10_p50_ms, rss_mb, cpu_ms) and a summary on stdout. cpu_ms is the process's CPU time (user + system,
#          10 ms ticks) at the first answer: less sensitive than the wall clock to other processes on a shared machine.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH="$ROOT/bench"
ROUNDS=${BENCH_STARTUP_ROUNDS:-5}
MODES=("$@")
((${#MODES[@]} > 0)) || MODES=(jit r2r aot)
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
RESULTS="$BENCH/results/startup-$STAMP"
TSV="$RESULTS/results.tsv"
mkdir -p "$RESULTS"
PIDS=()

log() { printf '[startup %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"
stop_started_on_exit

publish() { # mode -> bench/.out/startup-<mode>
  local mode=$1 out="$BENCH/.out/startup-$1"
  if [[ "${BENCH_SKIP_PUBLISH:-0}" == 1 && -x "$out/switchboard" ]]; then
    log "reusing $out"
    return
  fi
  publish_args "$mode"
  log "publishing $mode into bench/.out/startup-$mode"
  local started=$SECONDS
  # One publish at a time: the RID-specific ones (r2r, aot) share obj/Release/net10.0/linux-x64/.
  timeout 1800 dotnet publish "$ROOT/src/Switchboard" -c Release "${PUBLISH_ARGS[@]}" -o "$out" --nologo -v quiet \
    >"$RESULTS/publish-$mode.log" 2>&1 \
    || die "publish of $mode failed (see $RESULTS/publish-$mode.log)"
  log "published $mode in $((SECONDS - started)) s"
  printf '%s\t%s\n' "$mode" "$((SECONDS - started))" >>"$RESULTS/publish-seconds.tsv"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

BODY='{"model":"glm-pool","messages":[{"role":"user","content":"hi"}]}'
call_ms() { # port -> prints the call's total time in ms with 2 decimals, or fails
  curl -fsS -o /dev/null --max-time 5 -w '%{time_total}' -H 'content-type: application/json' -d "$BODY" \
    "http://127.0.0.1:$1/v1/chat/completions" | awk '{ printf "%.2f", $1 * 1000 }'
}

one_run() { # mode round
  local mode=$1 round=$2 port pid t0 first_ms="" first_call i lat=() rss deadline extra=()
  local binary_mode=${mode%%@*}
  [[ "$mode" != *@* ]] || IFS=, read -ra extra <<<"${mode#*@}"
  port=$(free_port)
  t0=$(now_ms)
  env "${extra[@]}" "$BENCH/.out/startup-$binary_mode/switchboard" --config "$ROOT/examples/demo-config.yaml" --port "$port" \
    --host 127.0.0.1 >"$RESULTS/${mode//[^A-Za-z0-9_.-]/_}-r$round.log" 2>&1 &
  pid=$!
  PIDS+=("$pid")
  deadline=$((t0 + 60000))
  # Poll the real call every ~5 ms until it answers 200: exec to first answer, start-up included.
  until first_call=$(call_ms "$port" 2>/dev/null); do
    kill -0 "$pid" 2>/dev/null || die "$mode exited before answering (see $RESULTS/$mode-r$round.log)"
    (($(now_ms) < deadline)) || die "$mode did not answer within 60 s"
    sleep 0.005
  done
  first_ms=$(($(now_ms) - t0))
  rss=$(awk '$1 == "VmRSS:" { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
  local cpu
  cpu=$(sed 's/.*) //' "/proc/$pid/stat" | awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($12 + $13) * 1000 / hz }')
  for i in $(seq 2 10); do lat+=("$(call_ms "$port")"); done
  local p50
  p50=$(printf '%s\n' "${lat[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$round" "$first_ms" "$first_call" "$p50" "$rss" "$cpu" >>"$TSV"
  log "$mode round $round: first answer ${first_ms} ms (that call ${first_call} ms, CPU ${cpu} ms), calls 2-10 p50 ${p50} ms, RSS ${rss} MB"
  stop_pid "$pid"
}

declare -A PUBLISHED=()
for mode in "${MODES[@]}"; do
  [[ -n "${PUBLISHED[${mode%%@*}]:-}" ]] || publish "${mode%%@*}"
  PUBLISHED[${mode%%@*}]=1
done
printf 'mode\tround\tfirst_answer_ms\tfirst_call_ms\tcalls_2_10_p50_ms\trss_mb\tcpu_ms\n' >"$TSV"
{
  echo "date_utc: $(date -u '+%Y-%m-%d %H:%M')"
  echo "nproc: $(nproc)"
  echo "loadavg_at_start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "dotnet: $(dotnet --version 2>/dev/null)"
} >"$RESULTS/machine.txt"
for round in $(seq 1 "$ROUNDS"); do
  for mode in "${MODES[@]}"; do one_run "$mode" "$round"; done
done
echo "loadavg_at_end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$RESULTS/machine.txt"

echo "results: $RESULTS"
awk -F'\t' 'NR > 1 { n[$1]++; f[$1] = f[$1] " " $3; r[$1] = r[$1] " " $6; c[$1] = c[$1] " " $5; u[$1] = u[$1] " " $7 }
  END { for (m in n) printf "%-4s first answer ms:%s | CPU ms at first answer:%s | calls 2-10 p50 ms:%s | RSS MB:%s\n", m, f[m], u[m], c[m], r[m] }' "$TSV"
