#!/usr/bin/env python3
"""Prints one SHA-256 over every question of mmlu_eval results files: subject, row, gold,
prediction, the four log-probabilities' bytes, prompt length, shots and truncation, in file order.

Usage: results_digest.py FILE.h5...   (one line per file: DIGEST FILE)
Two runs print the same digest only when their results are bit for bit the same.
"""
import hashlib
import sys

import h5py

COLUMNS = ("subject", "index", "gold", "pred", "logprobs", "prompt_tokens", "shots", "truncated")

for path in sys.argv[1:]:
    with h5py.File(path, "r") as f:
        digest = hashlib.sha256()
        for name in COLUMNS:
            column = f["questions/" + name][:]
            digest.update(name.encode())
            digest.update(str(column.dtype).encode() + str(column.shape).encode())
            digest.update(column.tobytes())
        print(digest.hexdigest(), path)
