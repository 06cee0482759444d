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

# Single runs: direct / switchboard / nginx per mode and connection count, deltas against direct.
awk -F'\t' '
  NR == 1 { next }
  $2 == "direct" || $2 == "switchboard" || $2 == "nginx" {
    key = $3 SUBSEP $4
    if (!(key in seen)) { seen[key] = 1; order[++n] = key }
    rps[key, $2] = $5; p50[key, $2] = $6; p99[key, $2] = $7; err[key, $2] = $8; cpu[key, $2] = $9; rss[key, $2] = $10
  }
  function ms(us) { return sprintf("%.2f", us / 1000) }
  function delta(us, base) { d = (us - base) / 1000; return sprintf("%+.2f", d) }
  END {
    if (n == 0) exit
    print "| mode | conns | target | req/s | p50 ms | p99 ms | p50 vs direct | p99 vs direct | errors | gateway CPU µs/req | gateway RSS MiB |"
    print "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    split("direct switchboard nginx", targets, " ")
    for (i = 1; i <= n; i++) {
      split(order[i], kc, SUBSEP)
      for (t = 1; t <= 3; t++) {
        tg = targets[t]
        if (!((order[i], tg) in rps)) continue
        base50 = p50[order[i], "direct"]; base99 = p99[order[i], "direct"]
        d50 = (tg == "direct" || base50 == "") ? "" : delta(p50[order[i], tg], base50)
        d99 = (tg == "direct" || base99 == "") ? "" : delta(p99[order[i], tg], base99)
        c = cpu[order[i], tg]; r = rss[order[i], tg]
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", kc[1], kc[2], tg, rps[order[i], tg],
          ms(p50[order[i], tg]), ms(p99[order[i], tg]), d50, d99, err[order[i], tg],
          (tg == "switchboard" ? c : ""), (tg == "switchboard" && r > 0 ? sprintf("%.0f", r / 1024) : "")
      }
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
      cpu[$2] = cpu[$2] " " $9; err[$2] += $8; runs[$2]++; all[$2] = all[$2] (all[$2] == "" ? "" : ", ") $5 }
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
      printf "\n%s vs %s: req/s %+.1f %%, p50 %+.1f %%, gateway CPU per request %+.1f %%\n\n", b, a,
        (median(rps[b]) / median(rps[a]) - 1) * 100, (median(p50[b]) / median(p50[a]) - 1) * 100,
        (median(cpu[b]) / median(cpu[a]) - 1) * 100
    }' "$TSV"
}
rounds_table pool-1 pool-8 "Routing: 1-deployment pool vs 8-deployment pool (non-stream)"
rounds_table plain keys+usage "Virtual key + usage recording vs open gateway (non-stream)"
[[ -f "$DIR/keys.txt" ]] && { echo "Virtual key + usage case: $(cat "$DIR/keys.txt")"; echo; }

if [[ -f "$DIR/overhead.tsv" ]]; then
  echo "**x-litellm-overhead-duration-ms** (sequential keep-alive requests, one at a time)"
  echo
  echo "| requests | n | median ms | p99 ms | max ms |"
  echo "|---|---:|---:|---:|---:|"
  awk -F'\t' '{ sub(/^overhead-/, "", $1); printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$DIR/overhead.tsv"
  echo
fi
