#pragma once
// The gate activation of a gated MLP, in place, as transformers' ACT2FN computes it.
#include <torch/types.h>

#include "mmlu/checkpoint/model_config.hpp"

namespace mmlu {

// silu; gelu (erf); gelu_pytorch_tanh (the tanh approximation Gemma uses). Returns x.
torch::Tensor& activate_(torch::Tensor& x, Activation activation);

}  // namespace mmlu
