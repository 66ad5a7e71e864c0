#!/usr/bin/env python3
"""A reference MMLU evaluator written with Hugging Face transformers, the way lm-evaluation-harness
scores multiple choice: for each question, context = the k-shot prompt ending in "Answer:",
continuations " A".." D"; the context is encoded with the tokenizer's special tokens, the
continuation's token is what encoding context + continuation appends; log-softmax over the full
vocabulary at the last context position. Requests are sorted by length (longest first) and batched
as lm-eval's loglikelihood batching does (--batch-size rows, right-padded).

Used two ways:
  * by tests (tests/e2e): its predictions and log-probabilities are the reference mmlu_eval's
    results file must equal;
  * by bench/cpu_throughput.sh: its questions per second are the baseline.

Usage: hf_reference_eval.py --model DIR --data DIR [--shots 5] [--split test] [--limit N]
                            [--batch-size 16] [--threads N] [--out results.json]
Writes {"questions": [{"subject", "index", "gold", "pred", "logprobs": [4]}], "seconds": ...}.
"""
import argparse
import csv
import json
import pathlib
import time

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer

LETTERS = "ABCD"


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return [row for row in csv.reader(f) if row]


def block(row, with_answer):
    text = row[0] + "".join(f"\n{LETTERS[i]}. {row[1 + i]}" for i in range(4)) + "\nAnswer:"
    return text + (f" {row[5].strip()}\n\n" if with_answer else "")


def requests(data, split, shots, limit):
    out = []
    for path in sorted((data / split).glob(f"*_{split}.csv")):
        subject = path.name[: -len(f"_{split}.csv")]
        dev = read_csv(data / "dev" / f"{subject}_dev.csv") if shots else []
        prefix = ("The following are multiple choice questions (with answers) about "
                  f"{subject.replace('_', ' ')}.\n\n" + "".join(block(r, True) for r in dev[:shots]))
        rows = read_csv(path)
        if limit:
            rows = rows[:limit]
        for index, row in enumerate(rows):
            out.append({"subject": subject, "index": index, "gold": LETTERS.index(row[5].strip()),
                        "context": prefix + block(row, False)})
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True, type=pathlib.Path)
    parser.add_argument("--shots", type=int, default=5)
    parser.add_argument("--split", default="test")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    tokenizer = AutoTokenizer.from_pretrained(args.model)
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=getattr(torch, args.dtype))
    model.eval()
    work = requests(args.data, args.split, args.shots, args.limit)

    start = time.perf_counter()
    for r in work:
        context = tokenizer(r["context"])["input_ids"]
        # lm-eval's _encode_pair: the continuation's tokens are what the whole adds to the context.
        letters = []
        for letter in LETTERS:
            whole = tokenizer(r["context"] + " " + letter)["input_ids"]
            assert whole[: len(context)] == context and len(whole) == len(context) + 1, \
                f"{r['subject']}/{r['index']}: ' {letter}' is not one token after the context"
            letters.append(whole[-1])
        r["ids"], r["letters"] = context, letters
    order = sorted(range(len(work)), key=lambda i: -len(work[i]["ids"]))
    with torch.inference_mode():
        for b in range(0, len(order), args.batch_size):
            rows = [work[i] for i in order[b: b + args.batch_size]]
            width = max(len(r["ids"]) for r in rows)
            ids = torch.zeros((len(rows), width), dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for i, r in enumerate(rows):
                ids[i, : len(r["ids"])] = torch.tensor(r["ids"])
                mask[i, : len(r["ids"])] = 1
            logits = model(input_ids=ids, attention_mask=mask).logits
            for i, r in enumerate(rows):
                logprobs = torch.log_softmax(logits[i, len(r["ids"]) - 1].float(), dim=-1)
                r["logprobs"] = [logprobs[t].item() for t in r["letters"]]
                r["pred"] = max(range(4), key=lambda c: (r["logprobs"][c], -c))
    seconds = time.perf_counter() - start

    correct = sum(r["pred"] == r["gold"] for r in work)
    print(f"hf reference: {len(work)} questions, accuracy {100 * correct / len(work):.2f}%, "
          f"{seconds:.2f} s, {len(work) / seconds:.1f} questions/s")
    if args.out:
        keep = ("subject", "index", "gold", "pred", "logprobs")
        pathlib.Path(args.out).write_text(json.dumps(
            {"seconds": seconds, "questions": [{k: r[k] for k in keep} for r in work]}))


if __name__ == "__main__":
    main()
