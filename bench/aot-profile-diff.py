#!/usr/bin/env python3
"""Reads a bench/aot-profile.sh results directory and prints, per case (non-stream, stream) and build, the perf samples
turned into CPU microseconds per call (all rounds summed): by category, the top symbols, and the symbols that cost
more under one build than the other (names of JIT/ReadyToRun frames and Native AOT frames matched loosely).

usage: bench/aot-profile-diff.py RESULTS_DIR [BUILD_A BUILD_B] [--top N]   (default builds: r2r aot, top 15)
"""
import collections
import gzip
import pathlib
import re
import sys

args = [a for a in sys.argv[1:] if not a.startswith("--")]
top_n = 15
if "--top" in sys.argv:
    top_n = int(sys.argv[sys.argv.index("--top") + 1])
    args = [a for a in args if a != str(top_n)]
results = pathlib.Path(args[0])
build_a, build_b = (args[1], args[2]) if len(args) >= 3 else ("r2r", "aot")
freq = 999
machine = (results / "machine.txt").read_text()
m = re.search(r"freq=(\d+)", machine)
if m:
    freq = int(m.group(1))

rows = [line.rstrip("\n").split("\t") for line in (results / "results.tsv").read_text().splitlines()]
header, rows = rows[0], rows[1:]
col = {name: i for i, name in enumerate(header)}

# Categories, first match wins; the symbol's text as perf prints it (AOT: mangled Module_Namespace_Type__Method; JIT and
# ReadyToRun: "[Assembly] Namespace.Type::Method(...)[Tier]" from the perf map).
CATEGORIES = [
    ("kernel", lambda dso, sym: dso.startswith("[kernel")),
    ("GC and allocation", lambda dso, sym: re.search(
        r"gc_heap|WKS::|SVR::|GCHeap|RhpNew|RhpGcAlloc|AllocateObject|JIT_New|Alloc(ate)?String|RhNewString|memset|"
        r"GCToEEInterface|gc_mark|mark_object|plan_phase|relocate|compact|sweep|memmove|memcpy|RhpNewArray|"
        r"JIT_NewArr|FastAllocate|JIT_TrialAlloc|AllocateSzArray|Gen2|background_|bgc_|garbage_collect", sym) is not None),
    ("write barriers", lambda dso, sym: re.search(r"WriteBarrier|AssignRef|CheckedAssign|ByRefWriteBarrier", sym) is not None),
    ("casts", lambda dso, sym: re.search(r"TypeCast|CastHelpers|IsInstanceOf|ChkCast|StelemRef|LdelemaRef", sym) is not None),
    ("interface/virtual dispatch stubs", lambda dso, sym: re.search(
        r"InterfaceDispatch|GVMLookup|ResolveWorker|VSD_|ResolveStub|DispatchStub|VirtualCallStub|"
        r"GenericLookup|JIT_GenericHandle|RhpResolve|CachedInterfaceDispatch|TypeLoaderExports", sym) is not None),
    ("thread statics and runtime stubs", lambda dso, sym: re.search(
        r"ThreadStatic|__tls_get_addr|GetThread|RhpPInvoke|PInvoke|InitThreadManager|stub |RhpReversePInvoke|"
        r"JIT_PollGC|RhpGcPoll|GetTLS|RhpGetThreadStatic|ThreadStore", sym) is not None),
    ("libc and vdso", lambda dso, sym: dso.startswith("libc.so") or dso.startswith("[vdso") or dso.startswith("ld-linux")
        or dso.startswith("libSystem.Native")),
    ("Switchboard code", lambda dso, sym: re.search(r"\[switchboard\]|^switchboard_", sym) is not None),
    ("Kestrel and ASP.NET Core", lambda dso, sym: "AspNetCore" in sym),
    ("HttpClient and sockets", lambda dso, sym: re.search(r"System[._]Net", sym) is not None),
    ("System.Text.Json", lambda dso, sym: re.search(r"System[._]Text[._]Json", sym) is not None),
    ("CoreLib (collections, strings, tasks, ...)", lambda dso, sym: re.search(
        r"S_P_CoreLib|System\.Private\.CoreLib|\[System\.Runtime\]|System\.Collections|System_Collections|"
        r"System\.Memory|System\.Threading|System_Threading|System\.Linq|System_Linq", sym) is not None),
    ("other runtime (libcoreclr, libclrjit, unresolved)", lambda dso, sym: True),
]


def load(name):
    path = results / f"syms-{name}.txt.gz"
    if not path.exists():
        return None
    counts = collections.Counter()
    with gzip.open(path, "rt", errors="replace") as f:
        for line in f:
            m = re.match(r"\s*(\d+)\s+(\S+(?: tid \d+)?|\[JIT\] tid \d+)\s+\[(.)\]\s+(.*)$", line)
            if not m:
                continue
            counts[(m.group(2), m.group(4).strip())] += int(m.group(1))
    return counts


def key(sym):
    """A loose name shared by a JIT/R2R frame and the AOT frame of the same method."""
    s = re.sub(r"\[(OptimizedTier1|Optimized|Tier0|Tier1|ReadyToRun|PreJIT|QuickJitted|OptimizedTier1OSR|Instrumented[^\]]*)\]$", "", sym)
    s = re.sub(r"^(instance |static )?", "", s)
    s = re.sub(r"\(.*$", "", s)  # parameters
    s = re.sub(r"^.*?\[[^\]]+\] ", "", s)  # return type and [Assembly]
    s = re.sub(r"`\d+(\[[^\]]*\])?", "", s)  # generic arity and instantiation
    s = re.sub(r"\[[^\]]*\]", "", s)
    s = re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_")
    s = re.sub(r"_\d+$", "", s)
    return s


def aot_key(sym):
    s = re.sub(r"<.*$", "", sym)
    s = re.sub(r"[^A-Za-z0-9]+", "_", s).strip("_")
    s = re.sub(r"_\d+$", "", s)
    return s


for case in ("non-stream", "stream"):
    tag = "nonstream" if case == "non-stream" else "stream"
    per = {}
    for build in (build_a, build_b):
        counts = collections.Counter()
        calls = 0
        for r in rows:
            if r[col["build"]] != build or r[col["case"]] != case or r[col["perf_calls"]] in ("-", ""):
                continue
            c = load(f"{build}-{tag}-r{r[col['round']]}")
            if c is None:
                continue
            counts.update(c)
            calls += int(r[col["perf_calls"]])
        if calls == 0:
            continue
        us = {k: v / calls * 1e6 / freq for k, v in counts.items()}
        per[build] = us
    if len(per) < 2:
        continue
    print(f"\n=== {case}: CPU µs per call from perf samples ({freq} Hz), all rounds ===")
    cat_totals = {}
    for build, us in per.items():
        totals = collections.Counter()
        for (dso, sym), v in us.items():
            for name, test in CATEGORIES:
                if test(dso, sym):
                    totals[name] += v
                    break
        cat_totals[build] = totals
    print(f"{'category':45s} {build_a:>8s} {build_b:>8s} {'diff':>8s}")
    for name, _ in CATEGORIES:
        a, b = cat_totals[build_a][name], cat_totals[build_b][name]
        print(f"{name:45s} {a:8.2f} {b:8.2f} {b - a:+8.2f}")
    ta, tb = sum(per[build_a].values()), sum(per[build_b].values())
    print(f"{'total':45s} {ta:8.2f} {tb:8.2f} {tb - ta:+8.2f}")
    for build, us in per.items():
        print(f"\n-- {build}: top {top_n} symbols (µs/call) --")
        for (dso, sym), v in sorted(us.items(), key=lambda kv: -kv[1])[:top_n]:
            print(f"{v:6.2f}  {sym[:150]}")
    # Matched by loose name (user-space symbols only).
    ka, kb = collections.Counter(), collections.Counter()
    for (dso, sym), v in per[build_a].items():
        if not dso.startswith("[kernel"):
            ka[key(sym)] += v
    for (dso, sym), v in per[build_b].items():
        if not dso.startswith("[kernel"):
            kb[aot_key(sym) if build_b == "aot" else key(sym)] += v
    matched = collections.Counter()
    for k, v in kb.items():
        hit = [a for a in ka if k == a or k.endswith("_" + a)]
        base = sum(ka[a] for a in hit)
        matched[(k, bool(hit))] = v - base
    print(f"\n-- user-space symbols costing more under {build_b} (µs/call; * = no {build_a} counterpart found) --")
    for (k, found), d in sorted(matched.items(), key=lambda kv: -kv[1])[:25]:
        print(f"{d:+6.2f} {'' if found else '*'} {k[:140]}")
