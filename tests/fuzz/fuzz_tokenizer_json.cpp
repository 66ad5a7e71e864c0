// tokenizer.json loading on arbitrary files and, when one loads, encoding and decoding with it.
#include "fuzz_target.hpp"
#include "mmlu/tokenizer/tokenizer.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/utf8.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace mmlu;
  fuzz::write_file("tokenizer.json", fuzz::as_text(data, size));
  for (auto mode : {TokenizerJsonMode::as_written, TokenizerJsonMode::as_transformers}) {
    std::unique_ptr<Tokenizer> tokenizer;
    try {
      tokenizer = load_tokenizer_json(fuzz::scratch(), mode);
    } catch (const InputError&) {
      continue;
    }
    for (const char* text : {"", " Answer: A", "héllo  wörld\n\t12345 <s> 😀", "\xE2\x96\x81x"}) {
      try {
        const auto ids = tokenizer->encode(text);
        tokenizer->decode(ids);
      } catch (const Error&) {
        // A hostile pattern may hit PCRE2's match limit: reported as an error, not a crash.
      }
    }
  }
  return 0;
}
