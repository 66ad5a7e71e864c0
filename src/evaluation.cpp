#include "mmlu/evaluation.hpp"

#include "mmlu/schedule.hpp"

namespace mmlu {

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

std::vector<QuestionResult> evaluate_share(LlamaModel& model, const Dataset& data,
                                           const std::vector<TokenizedQuestion>& questions,
                                           const std::array<std::int64_t, 4>& answer_ids,
                                           const EvaluationShare& share, Progress* progress) {
  std::vector<std::int64_t> lengths;
  lengths.reserve(questions.size());
  for (const auto& q : questions) lengths.push_back(static_cast<std::int64_t>(q.prompt.ids.size()));
  const std::vector<int> group_of = balance_by_cost(lengths, share.dp_size);
  std::vector<std::int64_t> mine;
  for (std::size_t i = 0; i < questions.size(); ++i)
    if (group_of[i] == share.dp_rank) mine.push_back(static_cast<std::int64_t>(i));

  std::vector<QuestionResult> results(mine.size());
  std::vector<std::size_t> slot(questions.size());
  for (std::size_t k = 0; k < mine.size(); ++k) slot[static_cast<std::size_t>(mine[k])] = k;

  const std::vector<std::int64_t> candidates(answer_ids.begin(), answer_ids.end());
  const double scale =
      mine.empty() ? 0.0 : static_cast<double>(questions.size()) / static_cast<double>(mine.size());
  double reported = 0;
  for (const Batch& batch : make_batches(mine, lengths, share.max_batch_tokens)) {
    const auto rows = static_cast<std::int64_t>(batch.items.size());
    // Right-padded: real tokens never attend to the padding after them, so its value is moot.
    torch::Tensor tokens = torch::zeros({rows, batch.length}, torch::kInt64);
    auto* data_ptr = tokens.data_ptr<std::int64_t>();
    std::vector<TokenPosition> at;
    at.reserve(batch.items.size());
    for (std::int64_t r = 0; r < rows; ++r) {
      const auto& ids =
          questions[static_cast<std::size_t>(batch.items[static_cast<std::size_t>(r)])].prompt.ids;
      std::copy(ids.begin(), ids.end(), data_ptr + r * batch.length);
      at.push_back({r, static_cast<std::int64_t>(ids.size()) - 1});
    }
    const torch::Tensor scores =
        model.candidate_log_probs(tokens, at, candidates).to(torch::kCPU).contiguous();
    const float* s = scores.data_ptr<float>();
    for (std::int64_t r = 0; r < rows; ++r) {
      const auto item = static_cast<std::size_t>(batch.items[static_cast<std::size_t>(r)]);
      const TokenizedQuestion& q = questions[item];
      const Question& source = data.subjects[static_cast<std::size_t>(q.subject)]
                                   .eval[static_cast<std::size_t>(q.question)];
      QuestionResult& result = results[slot[item]];
      result.subject = q.subject;
      result.index = source.index;
      result.gold = source.answer;
      for (std::size_t c = 0; c < 4; ++c)
        result.logprobs[c] = s[r * 4 + static_cast<std::int64_t>(c)];
      result.pred = predicted_letter(result.logprobs);
      result.prompt_tokens = static_cast<std::int32_t>(q.prompt.ids.size());
      result.shots = q.prompt.shots;
      result.truncated = q.prompt.truncated ? 1 : 0;
    }
    if (progress) {
      const double target = reported + static_cast<double>(rows) * scale;
      progress->advance(static_cast<std::int64_t>(target) - static_cast<std::int64_t>(reported));
      reported = target;
    }
  }
  return results;
}

}  // namespace mmlu
