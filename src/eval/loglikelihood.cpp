#include "mmlu/eval/loglikelihood.hpp"

#include <string>

#include "mmlu/eval/schedule.hpp"
#include "mmlu/util/error.hpp"

namespace mmlu {
namespace {

// One forward row: its tokens after the prefix, and the continuation it scores (its last
// tokens' next-token targets).
struct Row {
  std::vector<std::int64_t> tokens;
  const std::vector<std::int64_t>* targets = nullptr;
  std::size_t choice = 0;
};

void score_rows(LlamaModel& model, const PrefixCache* prefix, const std::vector<Row>& rows,
                std::int64_t max_batch_tokens, std::vector<ChoiceScore>& scores) {
  std::vector<std::int64_t> items, lengths;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    items.push_back(static_cast<std::int64_t>(r));
    lengths.push_back(static_cast<std::int64_t>(rows[r].tokens.size()));
  }
  for (const Batch& batch : make_batches(items, lengths, max_batch_tokens)) {
    PackedBatch packed;
    std::vector<std::int64_t> flat;
    std::vector<TokenPosition> at;
    std::vector<std::int64_t> targets;
    for (std::size_t b = 0; b < batch.items.size(); ++b) {
      const Row& row = rows[static_cast<std::size_t>(batch.items[b])];
      const auto n = static_cast<std::int64_t>(row.tokens.size());
      const auto k = static_cast<std::int64_t>(row.targets->size());
      flat.insert(flat.end(), row.tokens.begin(), row.tokens.end());
      packed.lengths.push_back(n);
      for (std::int64_t j = 0; j < k; ++j) {
        at.push_back({static_cast<std::int64_t>(b), n - k + j});
        targets.push_back((*row.targets)[static_cast<std::size_t>(j)]);
      }
    }
    packed.tokens = torch::tensor(flat, torch::kInt64);
    const torch::Tensor out = model.target_log_probs(prefix, packed, at, targets).cpu();
    const float* v = out.data_ptr<float>();
    std::size_t pos = 0;
    for (std::int64_t item : batch.items) {
      const Row& row = rows[static_cast<std::size_t>(item)];
      ChoiceScore& s = scores[row.choice];
      // lm-eval sums in float32, on the device; a double sum differs from it by far less than
      // the comparison tolerance and does not depend on the batch.
      s.loglikelihood = 0;
      s.is_greedy = true;
      for (std::size_t j = 0; j < row.targets->size(); ++j, ++pos) {
        s.loglikelihood += v[2 * pos];
        s.is_greedy = s.is_greedy && v[2 * pos + 1] > 0.5f;
      }
    }
  }
}

}  // namespace

std::vector<std::vector<ChoiceScore>> score_loglikelihoods(
    LlamaModel& model, const std::vector<LoglikelihoodDocument>& documents,
    std::int64_t max_batch_tokens, std::int64_t max_length) {
  c10::InferenceMode inference;
  std::vector<std::vector<ChoiceScore>> out;
  out.reserve(documents.size());
  for (const LoglikelihoodDocument& doc : documents) {
    std::vector<ChoiceScore> scores(doc.choices.size());
    for (std::size_t c = 0; c < doc.contexts.size(); ++c) {
      const std::vector<std::int64_t>& context = doc.contexts[c];
      if (context.empty()) throw Error("a log-likelihood request with no context tokens");
      std::vector<Row> shared, alone;
      for (std::size_t i = 0; i < doc.choices.size(); ++i) {
        const ChoiceTokens& choice = doc.choices[i];
        if (choice.context != static_cast<std::int32_t>(c)) continue;
        const auto k = static_cast<std::int64_t>(choice.tokens.size());
        if (k == 0 || k > max_length)
          throw Error("a continuation of " + std::to_string(k) + " tokens (1 to " +
                      std::to_string(max_length) + " fit)");
        const auto whole = static_cast<std::int64_t>(context.size()) + k;
        Row row{{}, &choice.tokens, i};
        if (whole <= max_length + 1) {
          row.tokens.push_back(context.back());
          row.tokens.insert(row.tokens.end(), choice.tokens.begin(), choice.tokens.end() - 1);
          shared.push_back(std::move(row));
        } else {  // lm-eval keeps the last max_length + 1 tokens and reads all but the last
          std::vector<std::int64_t> all(context);
          all.insert(all.end(), choice.tokens.begin(), choice.tokens.end());
          row.tokens.assign(all.end() - max_length - 1, all.end() - 1);
          alone.push_back(std::move(row));
        }
      }
      if (!shared.empty()) {
        PrefixCache prefix;
        const bool has_prefix = context.size() > 1;
        if (has_prefix)
          prefix = model.prefill(torch::tensor(
              std::vector<std::int64_t>(context.begin(), context.end() - 1), torch::kInt64));
        score_rows(model, has_prefix ? &prefix : nullptr, shared, max_batch_tokens, scores);
      }
      score_rows(model, nullptr, alone, max_batch_tokens, scores);
    }
    out.push_back(std::move(scores));
  }
  return out;
}

}  // namespace mmlu
