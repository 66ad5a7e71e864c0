#pragma once
// Rotary position embeddings as Hugging Face computes them: inverse frequencies in fp32 with the
// configured scaling (linear, dynamic NTK, llama3, Phi-3's longrope), applied in the rotate_half
// layout to the first rotary_dim dimensions of each head.
#include <torch/types.h>

#include "mmlu/checkpoint/model_config.hpp"

namespace mmlu {

// Inverse frequencies [rotary_dim / 2], fp32 on the CPU. `seq_len` is the longest position + 1
// of the forward pass; only dynamic scaling depends on it (and only beyond
// max_position_embeddings). Longrope's long factors are not implemented: a seq_len beyond
// original_max_position_embeddings throws.
torch::Tensor rope_inv_freq(const ModelConfig& config, std::int64_t seq_len);

// The factor cos and sin are multiplied by (longrope's attention_factor; 1 otherwise).
double rope_attention_factor(const ModelConfig& config);

// cos and sin [B, T, rotary_dim] in `dtype` for positions [B, T] (int64, on the target device),
// times `attention_factor` in fp32.
std::pair<torch::Tensor, torch::Tensor> rope_cos_sin(const torch::Tensor& inv_freq,
                                                     const torch::Tensor& positions,
                                                     torch::ScalarType dtype,
                                                     double attention_factor = 1.0);

// x [B, heads, T, head_dim] rotated by cos/sin [B, T, rotary_dim] in its first rotary_dim
// dimensions.
torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos,
                         const torch::Tensor& sin);

}  // namespace mmlu
