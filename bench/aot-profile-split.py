#!/usr/bin/env python3
"""Splits one bench/aot-profile.sh recording by the innermost Switchboard frame of each sample: a framework function's
cost is charged to the function of ours that called it, so the list shows what is ours or what our choices cause (the
rest, samples with no frame of ours, is the kernel, the socket engines, Kestrel's parsing and the thread pool). Also the
inclusive cost of each function of ours (on the stack anywhere). µs per call = samples / perf's frequency / calls.

usage: bench/aot-profile-split.py RESULTS_DIR/NAME.perf.data CALLS [--freq 999] [--top 45]
       (CALLS: the perf_calls column of that run in RESULTS_DIR/results.tsv)
"""
import collections
import re
import subprocess
import sys

args = [a for a in sys.argv[1:]]
freq, top = 999, 45
if "--freq" in args:
    i = args.index("--freq"); freq = int(args[i + 1]); del args[i:i + 2]
if "--top" in args:
    i = args.index("--top"); top = int(args[i + 1]); del args[i:i + 2]
data, calls = args[0], int(args[1])
out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym"], capture_output=True, text=True, check=True).stdout
samples, cur = [], []
for line in out.splitlines():
    if line.startswith("\t"):
        parts = line.strip().split(" ", 1)
        cur.append(re.sub(r"\+0x[0-9a-f]+$", "", parts[1] if len(parts) > 1 else "?"))
    else:
        if cur:
            samples.append(cur)
        cur = []
if cur:
    samples.append(cur)


def us(n):
    return n / freq * 1e6 / calls


innermost, inclusive = collections.Counter(), collections.Counter()
for stack in samples:
    ours = [f for f in stack if f.startswith("switchboard_")]
    innermost[ours[0] if ours else "(no frame of ours)"] += 1
    for f in set(ours):
        inclusive[f] += 1
print(f"samples {len(samples)}, calls {calls}, µs/call {us(len(samples)):.2f}")
print("== charged to the innermost frame of ours (its self time + the framework code it called), µs/call")
for name, n in innermost.most_common(top):
    print(f"{us(n):6.2f}  {name[:170]}")
print("== inclusive (the frame anywhere on the stack), µs/call")
for name, n in inclusive.most_common(top):
    print(f"{us(n):6.2f}  {name[:170]}")
