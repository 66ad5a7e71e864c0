// A partial-results file (OUT.partial/, read by --resume) with arbitrary bytes.
#include "fuzz_target.hpp"
#include "mmlu/results/partial_results.hpp"
#include "mmlu/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const mmlu::RunKey key{"0123456789abcdef", "model", "fp32", "tp=1 dp=1"};
  try {
    mmlu::parse_partial_file(std::string(mmlu::fuzz::as_text(data, size)),
                             "fuzz/attempt-0000.dp-0000.bin", key);
  } catch (const mmlu::InputError&) {
  }
  return 0;
}
