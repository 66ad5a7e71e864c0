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
       hf_reference_eval.py --model DIR --prompts FILE [--random-weights] [--device cuda]
                            [--dtype bfloat16] [--max-questions N] [--batch-size 16]
The second form scores token ids written by `mmlu_eval --dump-prompts FILE` (synthetic workloads
too); --random-weights builds the model from DIR/config.json with random weights on the device.
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
    parser.add_argument("--data", type=pathlib.Path)
    parser.add_argument("--prompts", type=pathlib.Path)
    parser.add_argument("--random-weights", action="store_true")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--max-questions", type=int, default=0)
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

    dtype = getattr(torch, args.dtype)
    if args.random_weights:
        from transformers import AutoConfig
        config = AutoConfig.from_pretrained(args.model)
        with torch.device(args.device):
            model = AutoModelForCausalLM.from_config(config, dtype=dtype)
    else:
        model = AutoModelForCausalLM.from_pretrained(args.model, dtype=dtype).to(args.device)
    model.eval()

    if args.prompts:
        work = [json.loads(line) for line in open(args.prompts)]
        if args.max_questions:
            work = work[: args.max_questions]
        for r in work:
            r["letters"] = r["answer_ids"]
        start = time.perf_counter()
    else:
        tokenizer = AutoTokenizer.from_pretrained(args.model)
        work = requests(args.data, args.split, args.shots, args.limit)
        start = time.perf_counter()
        for r in work:
            context = tokenizer(r["context"])["input_ids"]
            # lm-eval's _encode_pair: the continuation's tokens are what the whole adds.
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
            last = torch.tensor([len(r["ids"]) - 1 for r in rows])
            for i, r in enumerate(rows):
                ids[i, : len(r["ids"])] = torch.tensor(r["ids"])
                mask[i, : len(r["ids"])] = 1
            logits = model(input_ids=ids.to(args.device),
                           attention_mask=mask.to(args.device)).logits
            picked = logits[torch.arange(len(rows), device=logits.device), last.to(logits.device)]
            logprobs = torch.log_softmax(picked.float(), dim=-1).cpu()
            for i, r in enumerate(rows):
                r["logprobs"] = [logprobs[i, t].item() for t in r["letters"]]
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
