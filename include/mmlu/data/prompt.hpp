#pragma once
// MMLU prompts in the original benchmark's format (the one lm-evaluation-harness uses), their
// token ids, and the ids of the answer letters that scoring compares.
//
//   The following are multiple choice questions (with answers) about {subject title}.\n\n
//   {question}\nA. {A}\nB. {B}\nC. {C}\nD. {D}\nAnswer: {letter}\n\n      (k dev rows, in order)
//   {question}\nA. {A}\nB. {B}\nC. {C}\nD. {D}\nAnswer:
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "mmlu/data/mmlu_data.hpp"
#include "mmlu/tokenizer/tokenizer.hpp"

namespace mmlu {

struct PromptTokens {
  std::vector<std::int64_t> ids;  // with the tokenizer's special tokens (BOS)
  int shots = 0;                  // dev examples that fitted
  bool truncated = false;         // too long even with no shots: left-truncated
};

std::string prompt_header(const std::string& subject);
// One question block; with `answer` >= 0 the answer letter and the blank line follow.
std::string format_question(const Question& q, int answer = -1);
std::string build_prompt(const SubjectData& subject, const Question& q, int shots);

class PromptBuilder {
 public:
  // Throws InputError when " A".." D" after "Answer:" are not one token each in this tokenizer,
  // since scoring reads exactly one next-token log-probability per letter.
  PromptBuilder(const Tokenizer& tokenizer, std::int64_t max_seq_len, int shots);

  // The prompt with as many of the first `shots` dev rows as fit in max_seq_len tokens (dropped
  // from the end, as the original does); with none fitting, the last max_seq_len tokens.
  PromptTokens tokens(const SubjectData& subject, const Question& q) const;

  // Token ids of " A", " B", " C", " D" as the next token after "Answer:".
  const std::array<std::int64_t, 4>& answer_ids() const { return answer_ids_; }

 private:
  const Tokenizer& tokenizer_;
  std::int64_t max_seq_len_;
  int shots_;
  std::array<std::int64_t, 4> answer_ids_{};
};

struct TokenizedQuestion {
  std::int32_t subject = 0;
  std::int64_t question = 0;  // position in the subject's eval list
  PromptTokens prompt;
};

// Every question of the data set, subjects in order.
std::vector<TokenizedQuestion> tokenize_questions(const Dataset& data,
                                                  const PromptBuilder& prompts);

}  // namespace mmlu
