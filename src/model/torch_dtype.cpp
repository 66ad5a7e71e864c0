#include "mmlu/model/torch_dtype.hpp"

#include "mmlu/util/error.hpp"

namespace mmlu {

torch::ScalarType torch_dtype(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return torch::kFloat32;
    case DType::kBFloat16:
      return torch::kBFloat16;
    case DType::kFloat16:
      return torch::kHalf;
  }
  return torch::kFloat32;
}

bool loads_as_weights(StDType dtype) {
  return dtype == StDType::kF32 || dtype == StDType::kF16 || dtype == StDType::kBF16 ||
         dtype == StDType::kF64;
}

torch::ScalarType torch_dtype(StDType dtype) {
  switch (dtype) {
    case StDType::kF32:
      return torch::kFloat32;
    case StDType::kF16:
      return torch::kHalf;
    case StDType::kBF16:
      return torch::kBFloat16;
    case StDType::kF64:
      return torch::kFloat64;
    default:
      throw InputError("safetensors dtype " + st_dtype_name(dtype) +
                       " cannot hold model weights (F32, F16, BF16 or F64)");
  }
}

}  // namespace mmlu
