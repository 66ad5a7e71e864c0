#!/usr/bin/env python3
"""Where the time of a traced window went: mmlu_eval --profile FILE, then

    scripts/trace_summary.py FILE [--top N]

Device traces (CUDA kernels present) are summarised by kernel time; host-only traces (CPU
ranks) by each operator's self time, so nested operators are not counted twice. Kernels and
operators fall into classes (gemm, attention, elementwise, reduction, copy, communication,
other) by name; the table says how much of the window each class took, and for a device trace
how long the device sat idle, the share no kernel tuning can recover without feeding it better.
Standard library only, so it runs wherever the trace is copied.
"""
import argparse
import collections
import json
import re
import sys

# First match wins; device kernel names and aten operator names both.
CLASSES = [
    ("communication", r"nccl|all_reduce|allreduce|all_gather|c10d"),
    ("attention", r"flash|fmha|attention|_efficient_attention"),
    ("gemm", r"gemm|cutlass|xmma|nvjet|cublas|sm\d+_.*mma|aten::(mm|addmm|bmm|matmul|linear)$"),
    ("reduction", r"reduce|norm|softmax|aten::(sum|mean|max|min|amax|logsumexp)$"),
    ("copy", r"copy|memcpy|memset|cat|transpose|index|gather|embedding|"
             r"aten::(to|_to_copy|contiguous|clone|empty|zeros|fill_|reshape)$"),
    ("elementwise", r"elementwise|vectorized|unrolled|aten::"),
]


def classify(name):
    lower = name.lower()
    for label, pattern in CLASSES:
        if re.search(pattern, lower):
            return label
    return "other"


def host_self_times(events):
    """Self time per operator: its duration less that of the operators it called."""
    by_thread = collections.defaultdict(list)
    for e in events:
        by_thread[(e.get("pid"), e.get("tid"))].append(e)
    out = []
    for thread in by_thread.values():
        thread.sort(key=lambda e: (e["ts"], -e["dur"]))
        stack = []  # [end, event, child time]
        for e in thread:
            while stack and e["ts"] >= stack[-1][0]:
                end, parent, children = stack.pop()
                out.append((parent["name"], parent["dur"] - children))
            if stack:
                stack[-1][2] += e["dur"]
            stack.append([e["ts"] + e["dur"], e, 0.0])
        while stack:
            _, parent, children = stack.pop()
            out.append((parent["name"], parent["dur"] - children))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("trace")
    parser.add_argument("--top", type=int, default=12, help="names listed by time")
    args = parser.parse_args()
    try:
        with open(args.trace) as f:
            events = json.load(f)["traceEvents"]
    except (OSError, ValueError, KeyError, TypeError) as e:
        sys.exit(f"trace_summary: {args.trace}: not a Chrome trace ({e})")
    timed = [e for e in events if e.get("ph") == "X" and "dur" in e and "ts" in e]
    device = [e for e in timed if e.get("cat") in ("kernel", "gpu_memcpy", "gpu_memset")]
    host = [e for e in timed if e.get("cat") == "cpu_op"]
    if device:
        what = "device kernels"
        items = [(e["name"], float(e["dur"])) for e in device]
        start = min(e["ts"] for e in device)
        end = max(e["ts"] + e["dur"] for e in device)
    elif host:
        what = "host operators, self time (no device kernels in the trace)"
        items = host_self_times(host)
        start = min(e["ts"] for e in host)
        end = max(e["ts"] + e["dur"] for e in host)
    else:
        sys.exit(f"trace_summary: {args.trace}: no operators or kernels recorded")
    window = end - start
    busy = sum(d for _, d in items)

    by_class = collections.Counter()
    count = collections.Counter()
    by_name = collections.Counter()
    for name, d in items:
        label = classify(name)
        by_class[label] += d
        count[label] += 1
        by_name[name] += d

    print(f"trace {args.trace}: {what}")
    print(f"window {window / 1e3:.1f} ms; busy {busy / 1e3:.1f} ms", end="")
    if device:
        # Kernels on several streams may overlap; idle is what no kernel covered.
        spans = sorted((e["ts"], e["ts"] + e["dur"]) for e in device)
        covered, reach = 0.0, start
        for s, t in spans:
            if t > reach:
                covered += t - max(s, reach)
                reach = t
        print(f"; device idle {(window - covered) / 1e3:.1f} ms ({(window - covered) / window:.1%})")
    else:
        print()
    print(f"\n{'class':14} {'ms':>10} {'share':>7} {'count':>8}")
    for label, d in by_class.most_common():
        print(f"{label:14} {d / 1e3:10.2f} {d / busy:7.1%} {count[label]:8d}")
    print(f"\ntop {args.top} by time")
    for name, d in by_name.most_common(args.top):
        short = name if len(name) <= 90 else name[:87] + "..."
        print(f"{d / 1e3:10.2f} ms {d / busy:6.1%}  [{classify(name)}] {short}")


if __name__ == "__main__":
    main()
