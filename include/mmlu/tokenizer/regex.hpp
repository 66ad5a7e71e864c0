#pragma once
// Unicode regular expressions for tokenizer pre-splitting, through PCRE2 (JIT-compiled). The
// patterns Hugging Face tokenizers use need \p{L}, \p{N}, lookahead and (?i:...), which
// std::regex lacks; PCRE2 with UTF + UCP reads them as Oniguruma does.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mmlu {

class Regex {
 public:
  // Throws Error naming the pattern and PCRE2's message when it does not compile.
  explicit Regex(const std::string& pattern);
  ~Regex();
  Regex(Regex&&) noexcept;
  Regex& operator=(Regex&&) noexcept;
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // [begin, end) byte ranges of the successive non-overlapping matches in `text` (valid UTF-8),
  // searching on after each; an empty match advances by one code point.
  std::vector<std::pair<std::size_t, std::size_t>> find_all(std::string_view text) const;

  const std::string& pattern() const { return pattern_; }

 private:
  struct Compiled;
  std::string pattern_;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace mmlu
