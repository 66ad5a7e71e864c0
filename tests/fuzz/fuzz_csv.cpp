// The CSV reader and the MMLU row rules on arbitrary test files.
#include "fuzz_target.hpp"
#include "mmlu/data/mmlu_data.hpp"
#include "mmlu/util/csv.hpp"
#include "mmlu/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mmlu;
  try {
    parse_csv(fuzz::as_text(data, size), "fuzz.csv");
  } catch (const InputError&) {
  }
  // The same bytes as a subject's test file (zero-shot: no dev file needed).
  std::filesystem::create_directories(fuzz::scratch() / "csv" / "test");
  fuzz::write_file("csv/test/anatomy_test.csv", fuzz::as_text(data, size));
  try {
    load_dataset(fuzz::scratch() / "csv", {"test", {}, 0, 0});
  } catch (const InputError&) {
  }
  return 0;
}
