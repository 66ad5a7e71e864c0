#!/usr/bin/env python3
"""Write a random Llama checkpoint of a chosen shape (bf16 safetensors, 2 shards) for benchmarks.

Usage: make_synthetic_checkpoint.py OUT_DIR [--hidden 2048 --intermediate 5632 --layers 8
       --heads 16 --kv-heads 16 --vocab 32000]
Only the shapes matter to the load benchmark, so weights are drawn in bf16 directly.
"""

import argparse
import json
from pathlib import Path

import torch
from safetensors.torch import save_file


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("out", type=Path)
    p.add_argument("--hidden", type=int, default=2048)
    p.add_argument("--intermediate", type=int, default=5632)
    p.add_argument("--layers", type=int, default=8)
    p.add_argument("--heads", type=int, default=16)
    p.add_argument("--kv-heads", type=int, default=16)
    p.add_argument("--vocab", type=int, default=32000)
    a = p.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    g = torch.Generator().manual_seed(0)
    hd = a.hidden // a.heads

    def w(*shape):
        return (torch.randn(*shape, generator=g) * 0.02).to(torch.bfloat16)

    tensors = {"model.embed_tokens.weight": w(a.vocab, a.hidden), "lm_head.weight": w(a.vocab, a.hidden),
               "model.norm.weight": torch.ones(a.hidden, dtype=torch.bfloat16)}
    for i in range(a.layers):
        pre = f"model.layers.{i}."
        tensors[pre + "input_layernorm.weight"] = torch.ones(a.hidden, dtype=torch.bfloat16)
        tensors[pre + "post_attention_layernorm.weight"] = torch.ones(a.hidden, dtype=torch.bfloat16)
        tensors[pre + "self_attn.q_proj.weight"] = w(a.heads * hd, a.hidden)
        tensors[pre + "self_attn.k_proj.weight"] = w(a.kv_heads * hd, a.hidden)
        tensors[pre + "self_attn.v_proj.weight"] = w(a.kv_heads * hd, a.hidden)
        tensors[pre + "self_attn.o_proj.weight"] = w(a.hidden, a.heads * hd)
        tensors[pre + "mlp.gate_proj.weight"] = w(a.intermediate, a.hidden)
        tensors[pre + "mlp.up_proj.weight"] = w(a.intermediate, a.hidden)
        tensors[pre + "mlp.down_proj.weight"] = w(a.hidden, a.intermediate)

    # Two shards through an index, as large checkpoints come.
    names = sorted(tensors)
    halves = [names[: len(names) // 2], names[len(names) // 2 :]]
    weight_map = {}
    for k, part in enumerate(halves, 1):
        shard = f"model-{k:05d}-of-00002.safetensors"
        save_file({n: tensors[n] for n in part}, a.out / shard, metadata={"format": "pt"})
        weight_map.update({n: shard for n in part})
    (a.out / "model.safetensors.index.json").write_text(json.dumps({"metadata": {}, "weight_map": weight_map}))
    config = {"architectures": ["LlamaForCausalLM"], "hidden_size": a.hidden,
              "intermediate_size": a.intermediate, "num_hidden_layers": a.layers,
              "num_attention_heads": a.heads, "num_key_value_heads": a.kv_heads, "vocab_size": a.vocab,
              "max_position_embeddings": 4096, "rms_norm_eps": 1e-5, "torch_dtype": "bfloat16"}
    (a.out / "config.json").write_text(json.dumps(config, indent=2))
    total = sum(t.numel() * t.element_size() for t in tensors.values())
    print(f"{a.out}: {sum(t.numel() for t in tensors.values())} parameters, {total} bytes")


if __name__ == "__main__":
    main()
