// The JSON Lines data reader on arbitrary files.
#include "fuzz_target.hpp"
#include "mmlu/data/mmlu_data.hpp"
#include "mmlu/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = mmlu::fuzz::write_file("data.jsonl", mmlu::fuzz::as_text(data, size));
  for (int shots : {0, 5}) {
    try {
      mmlu::load_dataset(path, {"test", {}, 2, shots});
    } catch (const mmlu::InputError&) {
    }
  }
  return 0;
}
