#pragma once
// Log-likelihood requests scored as lm-evaluation-harness's HF backend scores them
// (_loglikelihood_tokens): the model reads context + continuation but its last token, and a
// choice's log-likelihood is the sum of its continuation tokens' log-probabilities, is_greedy
// whether every one of them was the argmax. Two paths, one arithmetic:
// - letter documents (every choice one token after one context: MMLU and its siblings) are
//   scored at their context's last position, many to a batch, after the prefix a run of them
//   shares (description and first_n few-shot turns) has run once;
// - any other document's context but its last token runs once as a prefix all its choices
//   continue; a choice's row is the context's last token and the continuation but its last.
//   Sequences longer than max_length + 1 lose tokens from the left, as lm-eval's do, and run
//   whole.
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

struct LoglikelihoodOptions {
  std::int64_t max_batch_tokens = 4096;  // tokens in one forward batch
  std::int64_t max_length = 2048;        // the model's context (lm-eval's max_length)
  bool letter_path = true;               // false: every document takes the continuation path
};

// Whether a document takes the letter path: one context of at most max_length tokens, every
// choice one token after it.
bool is_letter_document(const LoglikelihoodDocument& doc, std::int64_t max_length);

// Scores every choice of every document, in order. Throws Error for an empty context or
// continuation, a continuation longer than max_length, or a choice naming no context.
std::vector<std::vector<ChoiceScore>> score_loglikelihoods(
    LlamaModel& model, const std::vector<LoglikelihoodDocument>& documents,
    const LoglikelihoodOptions& options);

}  // namespace mmlu
