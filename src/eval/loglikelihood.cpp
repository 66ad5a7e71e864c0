#include "mmlu/eval/loglikelihood.hpp"

#include <algorithm>
#include <string>

#include "mmlu/eval/schedule.hpp"
#include "mmlu/util/error.hpp"

namespace mmlu {
namespace {

// One forward row: its tokens after the prefix, and what it scores: at a column, the
// log-probability of a target token, added to a document's choice.
struct Target {
  std::int64_t col = 0;
  std::int64_t token = 0;
  std::size_t doc = 0, choice = 0;
};
struct Row {
  std::vector<std::int64_t> tokens;
  std::vector<Target> targets;
};

void score_rows(LlamaModel& model, const PrefixCache* prefix, const std::vector<Row>& rows,
                std::int64_t max_batch_tokens, std::vector<std::vector<ChoiceScore>>& scores) {
  std::vector<std::int64_t> items, lengths;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    items.push_back(static_cast<std::int64_t>(r));
    lengths.push_back(static_cast<std::int64_t>(rows[r].tokens.size()));
  }
  for (const Batch& batch : make_batches(items, lengths, max_batch_tokens)) {
    PackedBatch packed;
    std::vector<std::int64_t> flat, targets;
    std::vector<TokenPosition> at;
    std::vector<const Target*> where;
    for (std::size_t b = 0; b < batch.items.size(); ++b) {
      const Row& row = rows[static_cast<std::size_t>(batch.items[b])];
      flat.insert(flat.end(), row.tokens.begin(), row.tokens.end());
      packed.lengths.push_back(static_cast<std::int64_t>(row.tokens.size()));
      for (const Target& t : row.targets) {
        at.push_back({static_cast<std::int64_t>(b), t.col});
        targets.push_back(t.token);
        where.push_back(&t);
      }
    }
    packed.tokens = torch::tensor(flat, torch::kInt64);
    const torch::Tensor out = model.target_log_probs(prefix, packed, at, targets).cpu();
    const float* v = out.data_ptr<float>();
    // lm-eval sums a continuation in float32 on the device; a double sum differs from it by far
    // less than the comparison tolerance and does not depend on the batch.
    for (std::size_t k = 0; k < where.size(); ++k) {
      ChoiceScore& s = scores[where[k]->doc][where[k]->choice];
      s.loglikelihood += v[2 * k];
      s.is_greedy = s.is_greedy && v[2 * k + 1] > 0.5f;
    }
  }
}

// A shared prefix shorter than this is not worth a separate pass.
constexpr std::size_t kMinSharedPrefix = 16;

// One row per letter document: its context after the first `p` tokens, scored at its last
// position for every choice.
Row letter_row(const std::vector<LoglikelihoodDocument>& documents, std::size_t d, std::size_t p) {
  const LoglikelihoodDocument& doc = documents[d];
  const auto& context = doc.contexts[0];
  Row row;
  row.tokens.assign(context.begin() + static_cast<std::ptrdiff_t>(p), context.end());
  for (std::size_t c = 0; c < doc.choices.size(); ++c)
    row.targets.push_back(
        {static_cast<std::int64_t>(row.tokens.size()) - 1, doc.choices[c].tokens[0], d, c});
  return row;
}

// Letter documents in runs that share a prefix (a task's description and first_n few-shot
// turns): the prefix runs once, then each document's context after it is one row. Documents that
// share no prefix with their neighbours are batched together with none.
void score_single_position(LlamaModel& model, const std::vector<LoglikelihoodDocument>& documents,
                           const std::vector<std::size_t>& docs, std::int64_t max_batch_tokens,
                           std::vector<std::vector<ChoiceScore>>& scores) {
  std::vector<Row> unshared;
  std::size_t begin = 0;
  while (begin < docs.size()) {
    const auto& first = documents[docs[begin]].contexts[0];
    std::size_t common = first.size() - 1;  // every row keeps its last token
    std::size_t end = begin + 1;
    for (; end < docs.size(); ++end) {
      const auto& next = documents[docs[end]].contexts[0];
      const std::size_t limit = std::min(common, next.size() - 1);
      const auto shared = static_cast<std::size_t>(
          std::mismatch(first.begin(), first.begin() + static_cast<std::ptrdiff_t>(limit),
                        next.begin())
              .first -
          first.begin());
      if (shared < kMinSharedPrefix) break;
      common = shared;
    }
    if (end == begin + 1) {
      unshared.push_back(letter_row(documents, docs[begin], 0));
    } else {
      const PrefixCache prefix = model.prefill(
          torch::tensor(std::vector<std::int64_t>(
                            first.begin(), first.begin() + static_cast<std::ptrdiff_t>(common)),
                        torch::kInt64));
      std::vector<Row> rows;
      for (std::size_t i = begin; i < end; ++i)
        rows.push_back(letter_row(documents, docs[i], common));
      score_rows(model, &prefix, rows, max_batch_tokens, scores);
    }
    begin = end;
  }
  score_rows(model, nullptr, unshared, max_batch_tokens, scores);
}

// Any other document: a context's tokens but its last run once as a prefix, then each of its
// choices is a row (the context's last token and the continuation but its last).
void score_continuations(LlamaModel& model, const LoglikelihoodDocument& doc, std::size_t d,
                         std::int64_t max_batch_tokens, std::int64_t max_length,
                         std::vector<std::vector<ChoiceScore>>& scores) {
  for (std::size_t c = 0; c < doc.contexts.size(); ++c) {
    const std::vector<std::int64_t>& context = doc.contexts[c];
    std::vector<Row> shared, alone;
    for (std::size_t i = 0; i < doc.choices.size(); ++i) {
      const ChoiceTokens& choice = doc.choices[i];
      if (choice.context != static_cast<std::int32_t>(c)) continue;
      const auto k = static_cast<std::int64_t>(choice.tokens.size());
      const auto whole = static_cast<std::int64_t>(context.size()) + k;
      Row row;
      if (whole <= max_length + 1) {
        row.tokens.push_back(context.back());
        row.tokens.insert(row.tokens.end(), choice.tokens.begin(), choice.tokens.end() - 1);
      } else {  // lm-eval keeps the last max_length + 1 tokens and reads all but the last
        std::vector<std::int64_t> all(context);
        all.insert(all.end(), choice.tokens.begin(), choice.tokens.end());
        row.tokens.assign(all.end() - max_length - 1, all.end() - 1);
      }
      const auto n = static_cast<std::int64_t>(row.tokens.size());
      for (std::int64_t j = 0; j < k; ++j)
        row.targets.push_back({n - k + j, choice.tokens[static_cast<std::size_t>(j)], d, i});
      (whole <= max_length + 1 ? shared : alone).push_back(std::move(row));
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
}

}  // namespace

bool is_letter_document(const LoglikelihoodDocument& doc, std::int64_t max_length) {
  if (doc.contexts.size() != 1 || doc.contexts[0].empty() ||
      static_cast<std::int64_t>(doc.contexts[0].size()) > max_length)
    return false;
  for (const ChoiceTokens& c : doc.choices)
    if (c.context != 0 || c.tokens.size() != 1) return false;
  return !doc.choices.empty();
}

std::vector<std::vector<ChoiceScore>> score_loglikelihoods(
    LlamaModel& model, const std::vector<LoglikelihoodDocument>& documents,
    const LoglikelihoodOptions& options) {
  c10::InferenceMode inference;
  const std::int64_t max_length = options.max_length;
  const std::int64_t max_batch_tokens = options.max_batch_tokens;
  std::vector<std::vector<ChoiceScore>> scores(documents.size());
  std::vector<std::size_t> letters;
  for (std::size_t d = 0; d < documents.size(); ++d) {
    const LoglikelihoodDocument& doc = documents[d];
    for (const auto& context : doc.contexts)
      if (context.empty()) throw Error("a log-likelihood request with no context tokens");
    for (const ChoiceTokens& choice : doc.choices) {
      const auto k = static_cast<std::int64_t>(choice.tokens.size());
      if (k == 0 || k > max_length)
        throw Error("a continuation of " + std::to_string(k) + " tokens (1 to " +
                    std::to_string(max_length) + " fit)");
      if (choice.context < 0 || static_cast<std::size_t>(choice.context) >= doc.contexts.size())
        throw Error("a choice names a context the document does not have");
    }
    scores[d].assign(doc.choices.size(), ChoiceScore{0.0, true});
    if (options.letter_path && is_letter_document(doc, max_length))
      letters.push_back(d);
    else
      score_continuations(model, doc, d, max_batch_tokens, max_length, scores);
  }
  score_single_position(model, documents, letters, max_batch_tokens, scores);
  return scores;
}

}  // namespace mmlu
