#!/usr/bin/env python3
"""The embedded model's tokenizer and shape under another family's architecture, with random
weights as transformers initialises them (seeded): a whole job of that family can then run on
the embedded data and be compared with transformers.

Usage: make_family_model.py FAMILY EMBEDDED_MODEL_DIR OUT_DIR
FAMILY: qwen3, qwen3_moe (8 experts of 64, top 2 rescaled, layer 2 dense), mixtral (4 experts,
top 2), gemma2 (transformers' soft caps, a 64-token window on layers 0 and 2: it cuts into the
few-shot prefix), gemma3 (q/k norms, the same window on layers 0 and 2, which rotate with base
1e4; layers 1 and 3 with base 1e6 and linear scaling 4), phi3 (fused q/k/v and gate/up, 24 of
each head's 32 dimensions rotating, longrope's short factors within its 1024-token pretraining
context, the same window in every layer). initializer_range 0.1 (transformers' default 0.02
leaves the four answer letters' scores within rounding of each other, where a prediction would
be a coin toss).
"""
import json
import shutil
import sys
from pathlib import Path

import torch
import transformers

family, source, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
base = json.loads((source / "config.json").read_text())
shape = {k: base[k] for k in ("vocab_size", "hidden_size", "intermediate_size",
                              "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                              "head_dim", "max_position_embeddings", "rms_norm_eps",
                              "bos_token_id", "eos_token_id")}
shape.update(initializer_range=0.1, tie_word_embeddings=False)
families = {
    "qwen3": (transformers.Qwen3Config, {}),
    "qwen3_moe": (transformers.Qwen3MoeConfig,
                  dict(num_experts=8, num_experts_per_tok=2, moe_intermediate_size=64,
                       norm_topk_prob=True, mlp_only_layers=[2])),
    "mixtral": (transformers.MixtralConfig,
                dict(num_local_experts=4, num_experts_per_tok=2, intermediate_size=128)),
    "gemma2": (transformers.Gemma2Config, dict(sliding_window=64, query_pre_attn_scalar=32)),
    "gemma3": (transformers.Gemma3TextConfig,
               dict(sliding_window=64, query_pre_attn_scalar=32, sliding_window_pattern=2,
                    rope_parameters={"full_attention": {"rope_type": "linear", "factor": 4.0,
                                                        "rope_theta": 1000000.0},
                                     "sliding_attention": {"rope_type": "default",
                                                           "rope_theta": 10000.0}})),
    "phi3": (transformers.Phi3Config,
             dict(sliding_window=64, partial_rotary_factor=0.75, max_position_embeddings=4096,
                  original_max_position_embeddings=1024, pad_token_id=None,
                  rope_parameters={"rope_type": "longrope", "rope_theta": 10000.0,
                                   "short_factor": [1.0 + 0.25 * i for i in range(12)],
                                   "long_factor": [2.0 + i for i in range(12)]})),
}
config_class, extra = families[family]
torch.manual_seed(4242)
transformers.logging.set_verbosity_error()
model = transformers.AutoModelForCausalLM.from_config(config_class(**{**shape, **extra}),
                                                       dtype=torch.float32)
model.save_pretrained(out)
(out / "generation_config.json").unlink(missing_ok=True)
for name in ("tokenizer.json", "tokenizer_config.json"):
    shutil.copy(source / name, out / name)
