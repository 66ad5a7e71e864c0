#!/usr/bin/env python3
"""Tokenizer speed: mmlu_tokenize against Hugging Face on the same texts, every fixture style.

The corpus is the fixtures' training text cut into paragraphs (tests/fixtures/tokenizer_corpus/
train.txt) plus 5-shot MMLU-shaped prompts made from it, repeated to --repeat copies. For each
style it prints tokens per second of
  ours      mmlu_tokenize's encode loop (its own clock: no process start, no JSON I/O),
  hf 1-thr  tokenizers.Tokenizer.encode called per text (Rust, one thread), with the pipeline
            transformers uses (AutoTokenizer's backend tokenizer),
  hf batch  AutoTokenizer(texts) (Rust, encode_batch on all cores),
their ratios, and the fraction of texts whose ids are identical (it must be 1.000).

Usage: .venv/bin/python bench/tokenizer_speed.py [--exe build/bin/mmlu_tokenize] [--repeat N]
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

repo = pathlib.Path(__file__).resolve().parent.parent
fixtures = repo / "tests" / "fixtures" / "tokenizers"
styles = ["llama2_spm", "llama2_json_legacy", "mistral_metaspace", "gpt2_bytelevel",
          "llama3_bytelevel", "qwen2_bytelevel"]


def corpus(repeat):
    lines = (repo / "tests/fixtures/tokenizer_corpus/train.txt").read_text(encoding="utf-8").splitlines()
    paragraphs, current = [], []
    for line in lines:
        current.append(line)
        if len(current) == 4:
            paragraphs.append("\n".join(current))
            current = []
    prompts = []
    for i in range(0, len(paragraphs) - 6, 6):
        shots = "".join(f"{p}\nA. one\nB. two\nC. three\nD. four\nAnswer: B\n\n"
                        for p in paragraphs[i:i + 5])
        prompts.append("The following are multiple choice questions (with answers) about "
                       f"high school physics.\n\n{shots}{paragraphs[i + 5]}\nAnswer:")
    return (paragraphs + prompts) * repeat


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--exe", default=str(repo / "build/bin/mmlu_tokenize"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from transformers import AutoTokenizer  # noqa: imported late: slow

    texts = corpus(args.repeat)
    chars = sum(len(t) for t in texts)
    print(f"corpus: {len(texts)} texts, {chars / 1e6:.2f} M characters; "
          f"{os.cpu_count()} cores; transformers batch uses them all")
    header = f"{'style':20} {'tokens':>9} {'ours tok/s':>12} {'hf 1-thr':>12} {'hf batch':>12} " \
             f"{'ours/1-thr':>10} {'ours/batch':>10} {'identical':>9}"
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as tmp:
        source = pathlib.Path(tmp) / "texts.jsonl"
        source.write_text("".join(json.dumps(t) + "\n" for t in texts), encoding="utf-8")
        for style in styles:
            hf = AutoTokenizer.from_pretrained(fixtures / style)
            backend = hf.backend_tokenizer
            start = time.perf_counter()
            single = [backend.encode(t).ids for t in texts]
            hf_single = time.perf_counter() - start
            start = time.perf_counter()
            batch = hf(texts)["input_ids"]
            hf_batch = time.perf_counter() - start
            assert single == batch, f"{style}: transformers' two paths disagree"

            with open(source, "rb") as stdin:
                run = subprocess.run([args.exe, "--tokenizer", str(fixtures / style), "--stats"],
                                     stdin=stdin, capture_output=True, check=True)
            stats = run.stderr.decode().split()
            ours = float(stats[stats.index("encode_seconds") + 1])
            ids = [json.loads(line) for line in run.stdout.decode().splitlines()]
            tokens = sum(len(i) for i in batch)
            identical = sum(a == b for a, b in zip(ids, batch)) / len(batch)
            print(f"{style:20} {tokens:9d} {tokens / ours:12.3e} {tokens / hf_single:12.3e} "
                  f"{tokens / hf_batch:12.3e} {hf_single / ours:10.2f} {hf_batch / ours:10.2f} "
                  f"{identical:9.3f}")
            if identical != 1.0:
                sys.exit(f"{style}: ids differ from transformers")


if __name__ == "__main__":
    main()
