// INI option files on arbitrary text.
#include "fuzz_target.hpp"
#include "mmlu/app/options.hpp"
#include "mmlu/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = mmlu::fuzz::write_file("run.ini", mmlu::fuzz::as_text(data, size));
  const std::string config = path.string();
  const char* argv[] = {"mmlu_eval", "--config", config.c_str()};
  try {
    mmlu::parse_options(3, argv, "");
  } catch (const mmlu::InputError&) {
  }
  return 0;
}
