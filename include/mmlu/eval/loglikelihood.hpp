#pragma once
// Log-likelihood requests scored as lm-evaluation-harness's HF backend scores them
// (_loglikelihood_tokens): the model reads context + continuation but its last token, and a
// choice's log-likelihood is the sum of its continuation tokens' log-probabilities, is_greedy
// whether every one of them was the argmax. A context's tokens but its last are computed once, as
// a prefix all its choices continue; a choice's row is the context's last token and the
// continuation but its last. Sequences longer than max_length + 1 lose tokens from the left, as
// lm-eval's do, and then run whole.
#include <cstdint>
#include <vector>

#include "mmlu/model/llama_model.hpp"

namespace mmlu {

struct ChoiceTokens {
  std::int32_t context = 0;          // index into the document's contexts
  std::vector<std::int64_t> tokens;  // the scored continuation, at least one token
};

struct LoglikelihoodDocument {
  std::vector<std::vector<std::int64_t>> contexts;  // token ids, special tokens included
  std::vector<ChoiceTokens> choices;
};

struct ChoiceScore {
  double loglikelihood = 0;
  bool is_greedy = false;
};

// Scores every choice of every document, in order. Throws Error for an empty context or
// continuation, or a continuation longer than max_length.
std::vector<std::vector<ChoiceScore>> score_loglikelihoods(
    LlamaModel& model, const std::vector<LoglikelihoodDocument>& documents,
    std::int64_t max_batch_tokens, std::int64_t max_length);

}  // namespace mmlu
