#include "mmlu/data/encode_pair.hpp"

#include <stdexcept>
#include <string>

#include "mmlu/data/field_template.hpp"

namespace mmlu {

std::size_t trailing_space_bytes(std::string_view text) {
  return text.size() - python_strip(std::string(text), false, true).size();
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
