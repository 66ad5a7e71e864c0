// The safetensors header parser on arbitrary file images.
#include "fuzz_target.hpp"
#include "mmlu/checkpoint/safetensors.hpp"
#include "mmlu/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    mmlu::parse_safetensors(data, size, "fuzz.safetensors");
  } catch (const mmlu::InputError&) {
  }
  return 0;
}
