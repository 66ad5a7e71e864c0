#pragma once
// The byte-pair-encoding model of Hugging Face tokenizers: one pre-tokenised word to ids, by
// applying the ranked merges to its characters, with byte fallback and unknown-token handling
// exactly as tokenizers' BPE::merge_word does.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace mmlu {

struct BpeOptions {
  std::optional<std::string> unk_token;  // no unk: a character with no token is dropped
  bool fuse_unk = false;                 // consecutive unknown characters become one unk
  bool byte_fallback = false;            // unknown characters as <0xXX> byte tokens
  bool ignore_merges = false;            // a word that is itself in the vocab skips merging
};

class BpeModel {
 public:
  using Id = std::int32_t;
  // `merges` as (left, right) token strings in rank order. Throws Error when a merge names a
  // token that is not in the vocab, or its result is not in the vocab.
  BpeModel(std::unordered_map<std::string, Id> vocab,
           const std::vector<std::pair<std::string, std::string>>& merges, BpeOptions options);

  // Appends the ids of `word` (valid UTF-8, already normalised and pre-tokenised) to `out`.
  void encode_word(std::string_view word, std::vector<Id>& out) const;

  std::optional<Id> token_to_id(std::string_view token) const;
  const std::unordered_map<std::string, Id>& vocab() const { return vocab_; }
  const BpeOptions& options() const { return options_; }

 private:
  struct MergeResult {
    std::int32_t rank;
    Id id;
  };
  static std::uint64_t pair_key(Id left, Id right) {
    return std::uint64_t(std::uint32_t(left)) << 32 | std::uint32_t(right);
  }

  std::unordered_map<std::string, Id> vocab_;
  std::unordered_map<std::uint64_t, MergeResult> merges_;
  BpeOptions options_;
  std::optional<Id> unk_id_;
  Id byte_ids_[256];  // -1 where the vocab has no <0xXX> token
};

}  // namespace mmlu
