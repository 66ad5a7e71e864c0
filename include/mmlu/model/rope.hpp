#pragma once
// Rotary position embeddings as Hugging Face computes them: inverse frequencies in fp32 with the
// configured scaling (linear, dynamic NTK, llama3), applied in the rotate_half layout.
#include <torch/types.h>

#include "mmlu/checkpoint/model_config.hpp"

namespace mmlu {

// Inverse frequencies [head_dim / 2], fp32 on the CPU. `seq_len` is the longest position + 1 of
// the forward pass; only dynamic scaling depends on it (and only beyond
// max_position_embeddings).
torch::Tensor rope_inv_freq(const ModelConfig& config, std::int64_t seq_len);

// cos and sin [B, T, head_dim] in `dtype` for positions [B, T] (int64, on the target device).
std::pair<torch::Tensor, torch::Tensor> rope_cos_sin(const torch::Tensor& inv_freq,
                                                     const torch::Tensor& positions,
                                                     torch::ScalarType dtype);

// x [B, heads, T, head_dim] rotated by cos/sin [B, T, head_dim].
torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos,
                         const torch::Tensor& sin);

}  // namespace mmlu
