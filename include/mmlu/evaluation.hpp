#pragma once
// The evaluation loop of one rank: every prompt tokenised, this data-parallel group's share
// (balanced by tokens) batched by length and run through the model, the answer letters scored.
// All ranks of a tensor-parallel group run the same batches in the same order.
#include <vector>

#include "mmlu/llama_model.hpp"
#include "mmlu/mmlu_data.hpp"
#include "mmlu/progress.hpp"
#include "mmlu/prompt.hpp"
#include "mmlu/question_result.hpp"

namespace mmlu {

struct TokenizedQuestion {
  std::int32_t subject = 0;
  std::int64_t question = 0;  // position in the subject's eval list
  PromptTokens prompt;
};

// Every question of the data set, subjects in order.
std::vector<TokenizedQuestion> tokenize_questions(const Dataset& data,
                                                  const PromptBuilder& prompts);

struct EvaluationShare {
  int dp_rank = 0;
  int dp_size = 1;
  std::int64_t max_batch_tokens = 4096;
};

// Results of this rank's data-parallel share, in the order of `questions`. `progress` (may be
// null) is advanced by this group's questions scaled to the whole job, since groups are balanced.
std::vector<QuestionResult> evaluate_share(LlamaModel& model, const Dataset& data,
                                           const std::vector<TokenizedQuestion>& questions,
                                           const std::array<std::int64_t, 4>& answer_ids,
                                           const EvaluationShare& share, Progress* progress);

}  // namespace mmlu
