#!/usr/bin/env bash
# Turns one bench/run.sh result folder into the markdown tables of docs/benchmarks.md.
# usage: bench/summarize.sh bench/results/<stamp>
set -euo pipefail
DIR=${1:?usage: summarize.sh RESULT_DIR}
TSV="$DIR/results.tsv"

echo "## Run $(basename "$DIR")"
echo
sed 's/^/    /' "$DIR/machine.txt"
echo

# Load runs: direct / switchboard / switchboard-nolog / nginx per mode and connection count; medians over the rounds,
# deltas against direct. CPU per request and RSS are the gateway's own.
awk -F'\t' '
  function median(list,   arr, m, i, j, t) {
    m = split(list, arr, " ")
    for (i = 2; i <= m; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] + 0 > t + 0; j--) arr[j + 1] = arr[j]; arr[j + 1] = t }
    return (m % 2) ? arr[(m + 1) / 2] : (arr[m / 2] + arr[m / 2 + 1]) / 2
  }
  NR == 1 { next }
  $2 == "direct" || $2 == "switchboard" || $2 == "switchboard-anthropic" || $2 == "switchboard-nolog" || $2 == "nginx" || $2 == "yarp" {
    key = $3 SUBSEP $4
    if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    k = key SUBSEP $2
    rps[k] = rps[k] " " $5; p50[k] = p50[k] " " $6; p99[k] = p99[k] " " $7; err[k] += $8; runs[k]++
    if ($12 != "") p999[k] = p999[k] " " $12
    if ($9 != "-") cpu[k] = cpu[k] " " $9
    if ($10 > rss[k]) rss[k] = $10
  }
  END {
    if (n == 0) exit
    print "| mode | conns | target | runs | req/s | p50 ms | p99 ms | p99.9 ms | p50 vs direct | p99 vs direct | p99.9 vs direct | errors | gateway CPU µs/req | gateway RSS MiB |"
    print "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    split("direct switchboard switchboard-anthropic switchboard-nolog nginx yarp", targets, " ")
    for (i = 1; i <= n; i++) {
      split(order[i], kc, SUBSEP)
      base = order[i] SUBSEP "direct"
      for (t = 1; t <= 6; t++) {
        k = order[i] SUBSEP targets[t]
        if (!(k in runs)) continue
        d50 = d99 = d999 = ""
        if (t > 1 && (base in runs)) {
          d50 = sprintf("%+.2f", (median(p50[k]) - median(p50[base])) / 1000)
          d99 = sprintf("%+.2f", (median(p99[k]) - median(p99[base])) / 1000)
          if ((k in p999) && (base in p999)) d999 = sprintf("%+.2f", (median(p999[k]) - median(p999[base])) / 1000)
        }
        gw = targets[t] ~ /^switchboard/ || targets[t] == "yarp"
        printf "| %s | %s | %s | %d | %.0f | %.2f | %.2f | %s | %s | %s | %s | %d | %s | %s |\n", kc[1], kc[2], targets[t], runs[k], median(rps[k]),
          median(p50[k]) / 1000, median(p99[k]) / 1000, (k in p999) ? sprintf("%.2f", median(p999[k]) / 1000) : "", d50, d99, d999, err[k],
          (gw && cpu[k] != "") ? sprintf("%.1f", median(cpu[k])) : "", (gw && rss[k] > 0) ? sprintf("%.0f", rss[k] / 1024) : ""
      }
    }
    print ""
    # The issue-13 ratios: Switchboard (everything on) against the two proxies with no logic, per mode at the load count.
    print "| mode | conns | switchboard / nginx req/s | switchboard / yarp req/s | switchboard p99 − nginx p99 ms | switchboard p99.9 − nginx p99.9 ms |"
    print "|---|---:|---:|---:|---:|---:|"
    for (i = 1; i <= n; i++) {
      split(order[i], kc, SUBSEP)
      s = order[i] SUBSEP "switchboard"; g = order[i] SUBSEP "nginx"; y = order[i] SUBSEP "yarp"
      if (!(s in runs)) continue
      printf "| %s | %s | %s | %s | %s | %s |\n", kc[1], kc[2],
        (g in runs) ? sprintf("%.2f", median(rps[s]) / median(rps[g])) : "",
        (y in runs) ? sprintf("%.2f", median(rps[s]) / median(rps[y])) : "",
        (g in runs) ? sprintf("%+.2f", (median(p99[s]) - median(p99[g])) / 1000) : "",
        ((s in p999) && (g in p999)) ? sprintf("%+.2f", (median(p999[s]) - median(p999[g])) / 1000) : ""
      a = order[i] SUBSEP "switchboard-anthropic"
      if (a in runs)
        printf "| %s, Anthropic client | %s | %s | %s | %s | %s |\n", kc[1], kc[2],
          (g in runs) ? sprintf("%.2f", median(rps[a]) / median(rps[g])) : "",
          (y in runs) ? sprintf("%.2f", median(rps[a]) / median(rps[y])) : "",
          (g in runs) ? sprintf("%+.2f", (median(p99[a]) - median(p99[g])) / 1000) : "",
          ((a in p999) && (g in p999)) ? sprintf("%+.2f", (median(p999[a]) - median(p999[g])) / 1000) : ""
    }
    print ""
  }' "$TSV"

# Alternating rounds (pool-1 vs pool-8; plain vs keys+usage): median per target, difference of the second against the first.
rounds_table() { # first second title
  awk -F'\t' -v a="$1" -v b="$2" -v title="$3" '
    function median(list,   arr, m, i, j, t) {
      m = split(list, arr, " ")
      for (i = 2; i <= m; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] + 0 > t + 0; j--) arr[j + 1] = arr[j]; arr[j + 1] = t }
      return (m % 2) ? arr[(m + 1) / 2] : (arr[m / 2] + arr[m / 2 + 1]) / 2
    }
    NR > 1 && ($2 == a || $2 == b) { rps[$2] = rps[$2] " " $5; p50[$2] = p50[$2] " " $6; p99[$2] = p99[$2] " " $7
      cpu[$2] = cpu[$2] " " $9; err[$2] += $8; runs[$2]++; all[$2] = all[$2] (all[$2] == "" ? "" : ", ") $5
      r = $1; sub(/.*-r/, "", r); byround[$2, r] = $5; rounds[r] = 1 }
    END {
      if (!(a in runs) || !(b in runs)) exit
      print "**" title "** (" runs[a] " alternating rounds each; medians; per-round req/s in brackets)"
      print ""
      print "| target | req/s | p50 ms | p99 ms | gateway CPU µs/req | errors | rounds req/s |"
      print "|---|---:|---:|---:|---:|---:|---|"
      for (k = 1; k <= 2; k++) {
        t = (k == 1) ? a : b
        printf "| %s | %.0f | %.2f | %.2f | %.1f | %d | %s |\n", t, median(rps[t]), median(p50[t]) / 1000, median(p99[t]) / 1000,
          median(cpu[t]), err[t], all[t]
      }
      printf "\n%s vs %s: req/s %+.1f %%, p50 %+.1f %%, gateway CPU per request %+.1f %%\n", b, a,
        (median(rps[b]) / median(rps[a]) - 1) * 100, (median(p50[b]) / median(p50[a]) - 1) * 100,
        (median(cpu[b]) / median(cpu[a]) - 1) * 100
      # Paired: the two runs of a round are back to back, so their ratio cancels what drifts between rounds.
      ratios = ""
      for (r in rounds) if ((a, r) in byround && (b, r) in byround && byround[a, r] > 0) ratios = ratios " " (byround[b, r] / byround[a, r] - 1) * 100
      if (ratios != "") printf "per-round req/s ratio (%s / %s), median of rounds: %+.1f %%\n", b, a, median(ratios)
      print ""
    }' "$TSV"
}
rounds_table pool-1 pool-8 "Routing: 1-deployment pool vs 8-deployment pool (non-stream)"
rounds_table plain keys+usage "Virtual key + usage recording vs open gateway (non-stream)"
[[ -f "$DIR/keys.txt" ]] && { echo "Virtual key + usage case: $(cat "$DIR/keys.txt")"; echo; }

# Stream latency (bench/StreamLatency, one line per target and run in stream.txt): the targets interleaved call by call,
# arrivals from the kernel's receive timestamps; TTFT from the 11th call after the target started (calls 1-10 apart),
# each content piece's transit from the mock's send stamp (the pieces after each call's first); "added" is the target's
# percentile minus direct's in the same run.
if [[ -f "$DIR/stream.txt" ]]; then
  awk '
    { delete v; for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      r = v["run"]; t = v["label"]; if (!((r, t) in seen)) { seen[r, t] = 1; order[++n] = r SUBSEP t }
      if (!(r in runseen)) { runseen[r] = 1; runs[++nr] = r }
      for (key in v) f[r, t, key] = v[key] }
    function us(x) { return sprintf("%.0f", x) }
    function add(r, t, key) { return (((r, "direct", key) in f) && t != "direct") ? sprintf("%+.0f", f[r, t, key] - f[r, "direct", key]) : "" }
    END {
      if (n == 0) exit
      split(order[1], k0, SUBSEP)
      calls = f[k0[1], k0[2], "calls"]
      print "**Stream latency** (one connection per target, the targets interleaved call by call, " calls " streamed calls each per run; µs;"
      print "arrival = the kernel'"'"'s receive timestamp; TTFT = request sent to the first content piece; event = each later content piece,"
      print "arrival − the mock'"'"'s send stamp; yarp and switchboard started fresh for this case, their calls 1–10 in the \"first 10\""
      print "columns (run 1 only meets them fresh); client wake = the client'"'"'s own wake-up after the kernel had the event, p50/p99)"
      print ""
      print "| run | target | api | first 10: call 1 | first 10: p50 | TTFT p50 | TTFT p99 | event n | event p50 | event p99 | event p99.9 | added TTFT p50 | added TTFT p99 | added event p50 | added event p90 | added event p99 | added event p99.9 | client wake | merged | errors |"
      print "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"
      for (i = 1; i <= n; i++) {
        split(order[i], k, SUBSEP); r = k[1]; t = k[2]
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s |\n", r, t, f[r, t, "api"],
          us(f[r, t, "first_ttft_call1_us"]), us(f[r, t, "first_ttft_p50_us"]), us(f[r, t, "ttft_p50_us"]), us(f[r, t, "ttft_p99_us"]),
          f[r, t, "event_n"], us(f[r, t, "event_p50_us"]), us(f[r, t, "event_p99_us"]), us(f[r, t, "event_p999_us"]),
          add(r, t, "ttft_p50_us"), add(r, t, "ttft_p99_us"), add(r, t, "event_p50_us"), add(r, t, "event_p90_us"), add(r, t, "event_p99_us"), add(r, t, "event_p999_us"),
          us(f[r, t, "user_event_p50_us"] - f[r, t, "event_p50_us"]), us(f[r, t, "user_event_p99_us"] - f[r, t, "event_p99_us"]),
          f[r, t, "merged"] + 0, f[r, t, "errors"] + 0
      }
      print ""
      if (nr > 1) {
        printf "Added per event p50 / p99 over the runs:"
        split("nginx yarp switchboard", ts, " ")
        for (j = 1; j <= 3; j++) {
          t = ts[j]; printf " %s", t
          for (i = 1; i <= nr; i++) printf "%s%s/%s", (i == 1 ? " " : ", "), add(runs[i], t, "event_p50_us"), add(runs[i], t, "event_p99_us")
          printf (j < 3 ? ";" : "\n")
        }
        print ""
      }
    }' "$DIR/stream.txt"
fi

if [[ -f "$DIR/stream-wakeups.tsv" ]]; then
  echo "**Context switches and CPU per streamed call** (one connection, the stream case's runs; voluntary = a thread that waited"
  echo "and was woken, the hops a call costs; involuntary = preempted; CPU = the proxy's threads' time on a CPU, µs per call)"
  echo
  echo "| run | proxy | voluntary | involuntary | CPU µs |"
  echo "|---|---|---:|---:|---:|"
  awk -F'\t' '{ sub(/^run=/, "", $1); printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$DIR/stream-wakeups.tsv"
  echo
fi

if [[ -f "$DIR/sends.tsv" ]]; then
  echo "**Socket sends per call** (perf's syscall tracepoints on the proxy during each measured wrk run: send, sendto, sendmsg"
  echo "and writev per call, the upstream request's included; write(2) per call apart: the request log's stdout and the like)"
  echo
  echo "| run | sends | write(2) |"
  echo "|---|---:|---:|"
  awk -F'\t' '{ printf "| %s | %s | %s |\n", $1, $2, $3 }' "$DIR/sends.tsv"
  echo
fi

if [[ -f "$DIR/overhead.tsv" ]]; then
  echo "**x-litellm-overhead-duration-ms** (sequential keep-alive requests, one at a time)"
  echo
  echo "| requests | n | median ms | p99 ms | max ms |"
  echo "|---|---:|---:|---:|---:|"
  awk -F'\t' '{ sub(/^overhead-/, "", $1); printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$DIR/overhead.tsv"
  echo
fi

if [[ -f "$DIR/syscalls.tsv" ]]; then
  echo "**System calls per call** (one connection, non-stream, one extra run under strace -c after the measured ones; per call)"
  echo
  echo "| target | calls | all | epoll_wait | recvfrom | sendto | read | futex | sched_yield | failed |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  awk -F'\t' '{ sub(/-0-c1-strace$/, "", $1); printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 }' "$DIR/syscalls.tsv"
  echo
fi
