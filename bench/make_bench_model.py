#!/usr/bin/env python3
"""A ~100M-parameter random checkpoint for CPU throughput benchmarks, with the embedded model's
tokenizer (configs/embedded/model), so mmlu_eval and the transformers reference run the same model
on the same data. Not committed: about 400 MB in fp32.

Families (--family): llama (the default: 16 layers of 768, 12 heads), gemma2 (12 layers of 768,
12 heads, transformers' soft caps, a 128-token window on every second layer), mixtral (8 layers of 512,
8 experts of 1024, top 2), qwen3_moe (8 layers of 512, 32 experts of 256, top 4 rescaled, q/k
norms), phi3 (the llama shape with fused projections, 48 of 64 head dimensions rotating,
longrope). The mixtures hold ~100M parameters in their experts, of which a token uses a quarter
(Mixtral) or an eighth (Qwen3-MoE).

Usage: .venv/bin/python bench/make_bench_model.py OUT_DIR [--family llama|gemma2|mixtral|qwen3_moe|phi3]
"""
import argparse
import shutil
from pathlib import Path

import torch
import transformers
from transformers import AutoTokenizer

EMBEDDED = Path(__file__).resolve().parent.parent / "configs" / "embedded" / "model"


def config(family, tokenizer):
    common = dict(vocab_size=len(tokenizer), max_position_embeddings=2048, rms_norm_eps=1e-5,
                  bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    if family == "llama":
        return transformers.LlamaConfig(hidden_size=768, intermediate_size=2048,
                                        num_hidden_layers=16, num_attention_heads=12,
                                        num_key_value_heads=4, **common)
    if family == "mixtral":
        return transformers.MixtralConfig(hidden_size=512, intermediate_size=1024,
                                          num_hidden_layers=8, num_attention_heads=8,
                                          num_key_value_heads=2, num_local_experts=8,
                                          num_experts_per_tok=2, **common)
    if family == "gemma2":
        return transformers.Gemma2Config(hidden_size=768, intermediate_size=2048,
                                         num_hidden_layers=12, num_attention_heads=12,
                                         num_key_value_heads=4, head_dim=64,
                                         query_pre_attn_scalar=64, sliding_window=128, **common)
    if family == "qwen3_moe":
        return transformers.Qwen3MoeConfig(hidden_size=512, intermediate_size=1024,
                                           num_hidden_layers=8, num_attention_heads=8,
                                           num_key_value_heads=4, head_dim=64, num_experts=32,
                                           num_experts_per_tok=4, moe_intermediate_size=256,
                                           norm_topk_prob=True, **common)
    if family == "phi3":
        # Max positions 8192 over a 2048-token pretraining context: cos and sin scaled by
        # longrope's attention factor; 48 of each head's 64 dimensions rotate.
        return transformers.Phi3Config(
            hidden_size=768, intermediate_size=2048, num_hidden_layers=16, num_attention_heads=12,
            num_key_value_heads=4, partial_rotary_factor=0.75, pad_token_id=None,
            original_max_position_embeddings=2048,
            rope_parameters={"rope_type": "longrope", "rope_theta": 10000.0,
                             "short_factor": [1.0 + i / 24 for i in range(24)],
                             "long_factor": [1.0 + i for i in range(24)]},
            **{**common, "max_position_embeddings": 8192})
    raise SystemExit(f"unknown family {family}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--family", default="llama")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    tokenizer = AutoTokenizer.from_pretrained(EMBEDDED)
    torch.manual_seed(0)
    model = transformers.AutoModelForCausalLM.from_config(config(args.family, tokenizer),
                                                           dtype=torch.float32)
    model.save_pretrained(args.out)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(EMBEDDED / name, args.out / name)
    print(f"{args.out}: {args.family}, {sum(p.numel() for p in model.parameters()) / 1e6:.1f} M "
          "parameters")


if __name__ == "__main__":
    main()
