#pragma once
// The element types a model can run in. `auto` resolves from the checkpoint's config.
#include <cstdint>
#include <string>

namespace mmlu {

enum class DType { kFloat32, kBFloat16, kFloat16 };

// "fp32"/"float32", "bf16"/"bfloat16", "fp16"/"float16"/"half". Throws InputError naming `what`.
DType parse_dtype(const std::string& text, const std::string& what);
std::string dtype_name(DType dtype);  // "fp32", "bf16", "fp16"
std::uint64_t dtype_bytes(DType dtype);

}  // namespace mmlu
