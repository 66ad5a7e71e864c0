#!/usr/bin/env python3
"""Copies a checkpoint with noise added to every weight: a checkpoint that scores worse, for
testing that a sweep's summary catches a regression.

Usage: make_worse_checkpoint.py SRC DST [--noise 3]
"""
import argparse
import shutil
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("src", type=Path)
    parser.add_argument("dst", type=Path)
    parser.add_argument("--noise", type=float, default=3.0, help="relative to each tensor's std")
    args = parser.parse_args()
    shutil.copytree(args.src, args.dst, dirs_exist_ok=True)
    rng = np.random.default_rng(0)
    for file in sorted(args.dst.glob("*.safetensors")):
        tensors = load_file(file)
        for name, t in tensors.items():
            scale = args.noise * float(t.astype(np.float32).std() or 1.0)
            tensors[name] = (t + rng.normal(0, scale, t.shape)).astype(t.dtype)
        save_file(tensors, file, metadata={"format": "pt"})


if __name__ == "__main__":
    main()
