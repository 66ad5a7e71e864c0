#pragma once
// The torch element type of a run dtype and of a safetensors dtype: the one conversion to torch.
#include <torch/types.h>

#include "mmlu/checkpoint/dtype.hpp"
#include "mmlu/checkpoint/safetensors.hpp"

namespace mmlu {

torch::ScalarType torch_dtype(DType dtype);

// True for the safetensors types weights are read from: F32, F16, BF16 and F64.
bool loads_as_weights(StDType dtype);
// Their torch types; any other type (integers, 8-bit floats) is an InputError naming it.
torch::ScalarType torch_dtype(StDType dtype);

}  // namespace mmlu
