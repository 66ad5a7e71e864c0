#include "mmlu/data/encode_pair.hpp"

#include <stdexcept>
#include <string>

#include "mmlu/util/utf8.hpp"

namespace mmlu {

std::size_t trailing_space_bytes(std::string_view text) {
  std::size_t run_start = text.size();
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t len = utf8_length_at(text, pos);
    if (!is_python_space(utf8_decode_at(text, pos)))
      run_start = text.size();
    else if (run_start == text.size())
      run_start = pos;
    pos += len;
  }
  return text.size() - run_start;
}

EncodedPair encode_pair(const Tokenizer& tokenizer, std::string_view context,
                        std::string_view continuation) {
  if (context.empty()) throw std::invalid_argument("a log-likelihood request with no context");
  std::size_t spaces = trailing_space_bytes(context);
  std::string_view kept = context.substr(0, context.size() - spaces);
  std::string whole(context);
  whole += continuation;

  EncodedPair pair;
  pair.context = tokenizer.encode(kept);
  std::vector<std::int64_t> all = tokenizer.encode(whole);
  std::size_t cut = std::min(pair.context.size(), all.size());
  pair.continuation.assign(all.begin() + static_cast<std::ptrdiff_t>(cut), all.end());
  return pair;
}

}  // namespace mmlu
