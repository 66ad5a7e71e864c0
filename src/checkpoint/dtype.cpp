#include "mmlu/checkpoint/dtype.hpp"

#include "mmlu/util/error.hpp"

namespace mmlu {

DType parse_dtype(const std::string& text, const std::string& what) {
  if (text == "fp32" || text == "float32" || text == "float") return DType::kFloat32;
  if (text == "bf16" || text == "bfloat16") return DType::kBFloat16;
  if (text == "fp16" || text == "float16" || text == "half") return DType::kFloat16;
  throw InputError(what + ": unknown dtype '" + text + "' (expected fp32, bf16 or fp16)");
}

std::string dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "fp32";
    case DType::kBFloat16:
      return "bf16";
    case DType::kFloat16:
      return "fp16";
  }
  return "?";
}

std::uint64_t dtype_bytes(DType dtype) {
  return dtype == DType::kFloat32 ? 4 : 2;
}

}  // namespace mmlu
