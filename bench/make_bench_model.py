#!/usr/bin/env python3
"""A ~100M-parameter random Llama checkpoint for CPU throughput benchmarks, with the embedded
model's tokenizer (configs/embedded/model), so mmlu_eval and the transformers reference run the
same model on the same data. Not committed: about 350 MB in fp32.

Usage: .venv/bin/python bench/make_bench_model.py OUT_DIR
"""
import shutil
import sys
from pathlib import Path

import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

EMBEDDED = Path(__file__).resolve().parent.parent / "configs" / "embedded" / "model"


def main():
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(EMBEDDED)
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=768, intermediate_size=2048,
                         num_hidden_layers=16, num_attention_heads=12, num_key_value_heads=4,
                         max_position_embeddings=2048, rms_norm_eps=1e-5,
                         bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    model = LlamaForCausalLM(config)
    model.save_pretrained(out)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(EMBEDDED / name, out / name)
    print(f"{out}: {sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters")


if __name__ == "__main__":
    main()
