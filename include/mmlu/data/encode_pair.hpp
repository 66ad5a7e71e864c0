#pragma once
// The tokens a log-likelihood request scores, as lm-evaluation-harness's HF backend makes them
// (`_encode_pair`): the context's trailing whitespace moves into the continuation, the whole
// string is encoded once, and the continuation is what lies beyond the context's own encoding,
// enc(context + continuation)[len(enc(context)):]. A token that straddles the boundary ("?\n"
// in a byte-level BPE) makes this differ from encoding the two parts separately, by several nats,
// so a score is comparable with lm-eval's only when its tokens are made this way.
#include <cstdint>
#include <string_view>
#include <vector>

#include "mmlu/tokenizer/tokenizer.hpp"

namespace mmlu {

struct EncodedPair {
  std::vector<std::int64_t> context;       // with the tokenizer's special tokens (BOS)
  std::vector<std::int64_t> continuation;  // the scored tokens
};

// Byte length of text's trailing whitespace, as Python's str.rstrip() sees it; text is UTF-8.
std::size_t trailing_space_bytes(std::string_view text);

// Throws std::invalid_argument for an empty context, which lm-eval scores after a BOS or EOS
// token of its own choosing; no task built from a prompt template makes one.
EncodedPair encode_pair(const Tokenizer& tokenizer, std::string_view context,
                        std::string_view continuation);

}  // namespace mmlu
