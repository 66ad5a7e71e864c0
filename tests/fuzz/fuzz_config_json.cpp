// config.json parsing on arbitrary text.
#include "fuzz_target.hpp"
#include "mmlu/checkpoint/model_config.hpp"
#include "mmlu/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    mmlu::parse_model_config(std::string(mmlu::fuzz::as_text(data, size)), "fuzz/config.json");
  } catch (const mmlu::InputError&) {
  }
  return 0;
}
