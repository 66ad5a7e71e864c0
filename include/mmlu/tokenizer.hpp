#pragma once
// Tokenizers: text to the token ids a model was trained on, and back for logs and reports.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mmlu {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  virtual std::string kind() const = 0;  // recorded in results: "sentencepiece", ...
  // With add_special_tokens, BOS/EOS as the model's tokenizer_config.json says.
  virtual std::vector<std::int64_t> encode(std::string_view text,
                                           bool add_special_tokens = true) const = 0;
  virtual std::string decode(const std::vector<std::int64_t>& ids) const = 0;
  virtual std::int64_t vocab_size() const = 0;
};

// DIR/tokenizer.model through libsentencepiece, with add_bos_token / add_eos_token from
// DIR/tokenizer_config.json when present (default: BOS, no EOS, as Llama). Throws InputError
// naming the file when it is missing or not a SentencePiece model.
std::unique_ptr<Tokenizer> load_sentencepiece_tokenizer(const std::filesystem::path& dir);

}  // namespace mmlu
