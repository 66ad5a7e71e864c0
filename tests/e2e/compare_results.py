#!/usr/bin/env python3
"""Compares mmlu_eval results files (and the HF reference's JSON) question by question.

Usage: compare_results.py REFERENCE OTHER... [--tolerance 1e-4]
REFERENCE and OTHER are results files (.h5) or bench/hf_reference_eval.py output (.json). Every
OTHER must hold the same questions (subject, index) with identical predictions and log-probabilities
within the tolerance. Prints the largest difference per file; exits 1 on any mismatch.
"""
import argparse
import json
import sys

import h5py
import numpy as np


def load(path):
    if path.endswith(".json"):
        rows = json.load(open(path))["questions"]
        return {(r["subject"], r["index"]): (r["pred"], np.array(r["logprobs"])) for r in rows}
    with h5py.File(path, "r") as f:
        names = [n.decode() if isinstance(n, bytes) else n for n in f["subjects/name"][:]]
        q = f["questions"]
        return {(names[s], int(i)): (int(p), lp) for s, i, p, lp in
                zip(q["subject"][:], q["index"][:], q["pred"][:], q["logprobs"][:])}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("reference")
    parser.add_argument("others", nargs="+")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    parser.add_argument("--allow-prediction-changes", action="store_true",
                        help="count but accept changed predictions (bf16: near-ties flip)")
    args = parser.parse_args()
    ref = load(args.reference)
    ok = True
    for path in args.others:
        other = load(path)
        if set(other) != set(ref):
            print(f"{path}: questions differ from {args.reference} "
                  f"({len(other)} vs {len(ref)})")
            ok = False
            continue
        preds = sum(other[k][0] != ref[k][0] for k in ref)
        diff = max(float(np.abs(other[k][1] - ref[k][1]).max()) for k in ref)
        print(f"{path}: {len(ref)} questions, {preds} predictions differ, "
              f"max |logprob difference| {diff:.3g}")
        ok = ok and (preds == 0 or args.allow_prediction_changes) and diff <= args.tolerance
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
