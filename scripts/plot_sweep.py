#!/usr/bin/env python3
"""Plots a sweep's summary (the CSV that `mmlu_report --sweep ... --csv` writes) as a PNG:
accuracy per checkpoint, in the list's order, for all questions and for each category (with its
number of questions), the baseline marked, and every regressed row circled with its paired test's
p; the legend sits beside the axes.

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


def draw(rows, title):
    """The figure of a summary's rows (dicts of the CSV's columns)."""
    checkpoints = list(dict.fromkeys(r["checkpoint"] for r in rows))
    x = {name: i for i, name in enumerate(checkpoints)}
    status = {r["checkpoint"]: r["status"] for r in rows if r["scope"] == "all"}
    # A checkpoint regresses on all questions or on a category: every row is judged.
    regressed = {r["checkpoint"] for r in rows if r["status"] == "regressed"}
    fig, ax = plt.subplots(figsize=(max(6.0, 0.9 * len(checkpoints) + 3), 4.5))
    for scope in SCOPES:
        scoped = [r for r in rows
                  if r["scope"] == scope and r["status"] not in ("missing", "unusable")]
        if not scoped:
            continue
        # Every checkpoint answers the same questions: one n per scope, in its legend entry.
        n = max(int(r.get("n") or 0) for r in scoped)
        label = ("all questions" if scope == "all" else scope) + (f" (n={n:,})" if n else "")
        xs = [x[r["checkpoint"]] for r in scoped]
        ys = [float(r["accuracy"]) for r in scoped]
        line, = ax.plot(xs, ys, marker="o", linewidth=2.5 if scope == "all" else 1.2, label=label)
        for r, xi, yi in zip(scoped, xs, ys):
            if r["status"] != "regressed":
                continue
            ax.plot([xi], [yi], marker="o", markersize=11, markerfacecolor="none",
                    markeredgecolor="red", markeredgewidth=1.5, linestyle="none")
            p = r.get("p_value")
            if p:
                ax.annotate(f"p={float(p):.2g}", (xi, yi), textcoords="offset points",
                            xytext=(8, 4), fontsize="x-small", color="red")
    for name, i in x.items():
        if status.get(name) == "baseline":
            ax.axvline(i, color="grey", linestyle=":", linewidth=1)
        elif name in regressed:
            ax.axvspan(i - 0.3, i + 0.3, color="red", alpha=0.12)
        elif status.get(name) in ("missing", "unusable"):
            # Centred in the axes, so the rotated words stay inside them.
            ax.text(i, 0.5, "no results" if status[name] == "missing" else "unusable results",
                    rotation=90, ha="center", va="center",
                    transform=ax.get_xaxis_transform(), color="grey")
    labels = [n + (" (baseline)" if status.get(n) == "baseline" else
                   " (regressed)" if n in regressed else "") for n in checkpoints]
    ax.set_xticks(range(len(checkpoints)), labels, rotation=30, ha="right")
    # Room for a missing checkpoint at either end, and its label.
    ax.set_xlim(-0.6, len(checkpoints) - 0.4)
    ax.set_ylabel("accuracy (%)")
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    if regressed:
        ax.plot([], [], marker="o", markersize=11, markerfacecolor="none", markeredgecolor="red",
                linestyle="none", label="regressed (p: paired test)")
    # Beside the axes, never over the points.
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    return fig


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
    needed = {"checkpoint", "scope", "status", "accuracy", "n", "p_value"}
    if not rows or not needed <= set(rows[0]):
        sys.exit(f"plot_sweep: {args.summary}: not a sweep summary (columns {sorted(needed)})")
    fig = draw(rows, args.title)
    tmp = args.out + ".tmp.png"
    fig.savefig(tmp, dpi=120, bbox_inches="tight")  # rotated labels and the legend included
    os.replace(tmp, args.out)  # whole or absent, like every other output


if __name__ == "__main__":
    main()
