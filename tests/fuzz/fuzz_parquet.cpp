// Parquet files on arbitrary bytes: Arrow's reader (not instrumented itself) behind our
// conversion to rows, which must refuse what it cannot hold with an InputError.
#include "fuzz_target.hpp"
#include "mmlu/data/parquet_rows.hpp"
#include "mmlu/util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    mmlu::parquet_rows(std::string(reinterpret_cast<const char*>(data), size), "fuzz.parquet");
  } catch (const mmlu::InputError&) {
  }
  return 0;
}
