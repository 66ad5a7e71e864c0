#include "mmlu/data/prompt.hpp"

#include <algorithm>

#include "mmlu/data/subjects.hpp"
#include "mmlu/util/error.hpp"

namespace mmlu {

std::string prompt_header(const std::string& subject) {
  return "The following are multiple choice questions (with answers) about " +
         subject_title(subject) + ".\n\n";
}

std::string format_question(const Question& q, int answer) {
  std::string text = q.question;
  static const char* const kLetters[] = {"A", "B", "C", "D"};
  for (int i = 0; i < 4; ++i)
    text += std::string("\n") + kLetters[i] + ". " + q.choices[static_cast<std::size_t>(i)];
  text += "\nAnswer:";
  if (answer >= 0) text += std::string(" ") + kLetters[answer] + "\n\n";
  return text;
}

std::string build_prompt(const SubjectData& subject, const Question& q, int shots) {
  std::string text = prompt_header(subject.name);
  const int k = std::min<int>(shots, static_cast<int>(subject.dev.size()));
  for (int i = 0; i < k; ++i) {
    const Question& example = subject.dev[static_cast<std::size_t>(i)];
    text += format_question(example, example.answer);
  }
  return text + format_question(q);
}

PromptBuilder::PromptBuilder(const Tokenizer& tokenizer, std::int64_t max_seq_len, int shots)
    : tokenizer_(tokenizer), max_seq_len_(max_seq_len), shots_(shots) {
  // As lm-evaluation-harness splits context "...Answer:" from continuation " A": the letter's
  // id is what the tokenizer appends to "Answer:" for " A".
  const auto base = tokenizer_.encode("Answer:", false);
  static const char* const kLetters[] = {"A", "B", "C", "D"};
  for (int i = 0; i < 4; ++i) {
    const auto with = tokenizer_.encode(std::string("Answer: ") + kLetters[i], false);
    if (with.size() != base.size() + 1 || !std::equal(base.begin(), base.end(), with.begin()))
      throw InputError(std::string("tokenizer: \" ") + kLetters[i] +
                       "\" after \"Answer:\" is not a single token, so it cannot be scored as "
                       "one next-token log-probability");
    answer_ids_[static_cast<std::size_t>(i)] = with.back();
  }
}

PromptTokens PromptBuilder::tokens(const SubjectData& subject, const Question& q) const {
  PromptTokens out;
  for (int k = std::min<int>(shots_, static_cast<int>(subject.dev.size())); k >= 0; --k) {
    out.ids = tokenizer_.encode(build_prompt(subject, q, k));
    out.shots = k;
    if (static_cast<std::int64_t>(out.ids.size()) <= max_seq_len_) return out;
  }
  out.truncated = true;
  out.ids.erase(out.ids.begin(), out.ids.end() - max_seq_len_);
  return out;
}

std::vector<TokenizedQuestion> tokenize_questions(const Dataset& data,
                                                  const PromptBuilder& prompts) {
  std::vector<TokenizedQuestion> out;
  out.reserve(static_cast<std::size_t>(data.question_count()));
  for (std::size_t s = 0; s < data.subjects.size(); ++s) {
    const SubjectData& subject = data.subjects[s];
    for (std::size_t q = 0; q < subject.eval.size(); ++q)
      out.push_back({static_cast<std::int32_t>(s), static_cast<std::int64_t>(q),
                     prompts.tokens(subject, subject.eval[q])});
  }
  return out;
}

}  // namespace mmlu
