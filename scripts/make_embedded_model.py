#!/usr/bin/env python3
"""Write the embedded default model: a small random Llama checkpoint in configs/embedded/model.

It is what `mpirun -np 4 build/bin/mmlu_eval` runs with no arguments, so it must be small enough
to commit (about 5 MB) and load in a blink, and shaped like a real Llama (GQA, several layers) so
the whole pipeline is exercised. Its weights are random: until it is trained on the embedded
data set its answers are chance.

Run from the repository root:  .venv/bin/python scripts/make_embedded_model.py
Deterministic: a rerun writes identical bytes.
"""

from pathlib import Path

import torch
from transformers import LlamaConfig, LlamaForCausalLM

OUT = Path(__file__).resolve().parent.parent / "configs" / "embedded" / "model"


def main() -> None:
    torch.manual_seed(20261127)
    config = LlamaConfig(
        vocab_size=2048,
        hidden_size=128,
        intermediate_size=352,
        num_hidden_layers=4,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        rms_norm_eps=1e-5,
        tie_word_embeddings=False,
        dtype="float32",
    )
    model = LlamaForCausalLM(config).eval()
    OUT.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(OUT, safe_serialization=True)
    # generation_config.json is for text generation, which mmlu_eval never does.
    (OUT / "generation_config.json").unlink(missing_ok=True)
    for f in OUT.iterdir():
        f.chmod(0o644)
    print(f"wrote {OUT}: {sum(p.numel() for p in model.parameters())} parameters")


if __name__ == "__main__":
    main()
