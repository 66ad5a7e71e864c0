#!/usr/bin/env python3
"""Plots a sweep's summary (the CSV that `mmlu_report --sweep ... --csv` writes) as a PNG:
accuracy per checkpoint, in the list's order, for all questions and for each category, with the
baseline marked and regressions flagged.

Usage: plot_sweep.py SUMMARY.csv OUT.png [--title TEXT]
"""
import argparse
import csv
import os
import sys

import matplotlib

matplotlib.use("Agg")  # no display on a compute node
import matplotlib.pyplot as plt  # noqa: E402

SCOPES = ["all", "STEM", "humanities", "social sciences", "other"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("summary")
    parser.add_argument("out")
    parser.add_argument("--title", default="MMLU accuracy per checkpoint")
    args = parser.parse_args()
    try:
        with open(args.summary, newline="") as f:
            rows = list(csv.DictReader(f))
    except OSError as e:
        sys.exit(f"plot_sweep: {args.summary}: {e.strerror}")
    needed = {"checkpoint", "scope", "status", "accuracy"}
    if not rows or not needed <= set(rows[0]):
        sys.exit(f"plot_sweep: {args.summary}: not a sweep summary (columns {sorted(needed)})")

    checkpoints = list(dict.fromkeys(r["checkpoint"] for r in rows))
    x = {name: i for i, name in enumerate(checkpoints)}
    status = {r["checkpoint"]: r["status"] for r in rows if r["scope"] == "all"}
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(checkpoints) + 3), 4.5))
    for scope in SCOPES:
        points = [(x[r["checkpoint"]], float(r["accuracy"])) for r in rows
                  if r["scope"] == scope and r["status"] not in ("missing", "unusable")]
        if not points:
            continue
        xs, ys = zip(*points)
        ax.plot(xs, ys, marker="o", linewidth=2.5 if scope == "all" else 1.2,
                label="all questions" if scope == "all" else scope)
    for name, i in x.items():
        if status.get(name) == "baseline":
            ax.axvline(i, color="grey", linestyle=":", linewidth=1)
        elif status.get(name) == "regressed":
            ax.axvspan(i - 0.3, i + 0.3, color="red", alpha=0.12)
        elif status.get(name) in ("missing", "unusable"):
            ax.text(i, 0.5, "no results" if status[name] == "missing" else "unusable results",
                    rotation=90, ha="center", va="bottom",
                    transform=ax.get_xaxis_transform(), color="grey")
    labels = [n + (" (baseline)" if status.get(n) == "baseline" else
                   " (regressed)" if status.get(n) == "regressed" else "") for n in checkpoints]
    ax.set_xticks(range(len(checkpoints)), labels, rotation=30, ha="right")
    ax.set_ylabel("accuracy (%)")
    ax.set_title(args.title)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize="small", loc="best")
    fig.tight_layout()
    tmp = args.out + ".tmp.png"
    fig.savefig(tmp, dpi=120)
    os.replace(tmp, args.out)  # whole or absent, like every other output


if __name__ == "__main__":
    main()
