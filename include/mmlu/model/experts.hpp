#pragma once
// A mixture-of-experts MLP on one tensor-parallel rank, as transformers' Qwen3-MoE and Mixtral
// compute it: the router's softmax (fp32) picks k experts per token; each expert is a gated MLP,
// and the token's output is the sum of its experts' outputs weighed by their probabilities.
//
// Each rank holds its slice of every expert's intermediate rows (gate and up by rows, down by
// columns, as the dense MLP is split) and a whole router, so every rank routes identically and
// the weighted partial outputs of all experts need one all-reduce, as the dense MLP does.
// Tokens are sorted by expert: each expert runs once, one matrix multiply per projection over
// the rows routed to it, and the results are added back to their tokens.
#include <torch/types.h>

#include <vector>

#include "mmlu/checkpoint/model_config.hpp"
#include "mmlu/parallel/collectives.hpp"

namespace mmlu {

// x [..., hidden] -> [..., hidden]. router [experts, hidden]; gate_up[e] [2 * width, hidden]
// (this rank's gate rows, then its up rows); down[e] [hidden, width].
torch::Tensor mixture_of_experts(const torch::Tensor& x, const torch::Tensor& router,
                                 const std::vector<torch::Tensor>& gate_up,
                                 const std::vector<torch::Tensor>& down, const ExpertConfig& config,
                                 Activation activation, Collectives& group);

}  // namespace mmlu
