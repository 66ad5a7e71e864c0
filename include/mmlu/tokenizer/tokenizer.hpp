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

// The tokenizer of a checkpoint directory, as transformers' AutoTokenizer would pick it:
// DIR/tokenizer.json when present (load_tokenizer_json, as transformers), else DIR/tokenizer.model
// through SentencePiece. Throws InputError naming the files looked for when neither exists.
std::unique_ptr<Tokenizer> load_tokenizer(const std::filesystem::path& dir);

// How a tokenizer.json is read.
enum class TokenizerJsonMode {
  // As transformers 5 does: where tokenizer_config.json names LlamaTokenizer(Fast), its pipeline
  // is rebuilt in code (Metaspace pre-tokeniser, no normaliser, BPE without unk token, BOS/EOS
  // from add_bos_token/add_eos_token) and only the vocab, merges and added tokens come from the
  // file. What `tokenizer(text)["input_ids"]` gives, and so what scores must be computed on.
  as_transformers,
  // The file's own semantics, as tokenizers.Tokenizer.from_file runs it.
  as_written,
};

// DIR/tokenizer.json (BPE model: SentencePiece-style with byte fallback, or byte-level as GPT-2,
// Llama-3 and Qwen2) with DIR/tokenizer_config.json when present. Throws InputError naming the
// file and the problem: malformed JSON (with the byte offset), an unsupported model, normaliser,
// pre-tokeniser, post-processor or decoder (by name), inconsistent vocab or merges.
std::unique_ptr<Tokenizer> load_tokenizer_json(
    const std::filesystem::path& dir, TokenizerJsonMode mode = TokenizerJsonMode::as_transformers);

// DIR/tokenizer.model through libsentencepiece, with add_bos_token / add_eos_token from
// DIR/tokenizer_config.json when present (default: BOS, no EOS, as Llama). Throws InputError
// naming the file when it is missing or not a SentencePiece model.
std::unique_ptr<Tokenizer> load_sentencepiece_tokenizer(const std::filesystem::path& dir);

}  // namespace mmlu
