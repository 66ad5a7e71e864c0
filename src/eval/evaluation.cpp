#include "mmlu/eval/evaluation.hpp"

#include <algorithm>
#include <chrono>

#include "mmlu/eval/schedule.hpp"

namespace mmlu {
namespace {

// Scores queued on the device, batch by batch, with the questions they belong to.
struct PendingScores {
  std::vector<torch::Tensor> scores;
  std::vector<std::int64_t> items;
  int batches = 0;
};

// Brings pending scores to the host (one wait for the device) as results.
std::vector<QuestionResult> collect(PendingScores& pending, const Dataset& data,
                                    const std::vector<TokenizedQuestion>& questions) {
  std::vector<QuestionResult> results(pending.items.size());
  if (pending.items.empty()) return results;
  const torch::Tensor all = torch::cat(pending.scores).to(torch::kCPU).contiguous();
  const float* s = all.data_ptr<float>();
  for (std::size_t r = 0; r < pending.items.size(); ++r) {
    const TokenizedQuestion& q = questions[static_cast<std::size_t>(pending.items[r])];
    const Question& source = data.subjects[static_cast<std::size_t>(q.subject)]
                                 .eval[static_cast<std::size_t>(q.question)];
    QuestionResult& result = results[r];
    result.subject = q.subject;
    result.index = source.index;
    result.gold = source.answer;
    for (std::size_t c = 0; c < 4; ++c) result.logprobs[c] = s[r * 4 + c];
    result.pred = predicted_letter(result.logprobs);
    result.prompt_tokens = static_cast<std::int32_t>(q.prompt.ids.size());
    result.shots = q.prompt.shots;
    result.truncated = q.prompt.truncated ? 1 : 0;
  }
  pending = {};
  return results;
}

}  // namespace

ShareOutcome evaluate_share(LlamaModel& model, const Dataset& data,
                            const std::vector<TokenizedQuestion>& questions,
                            const std::array<std::int64_t, 4>& answer_ids,
                            const EvaluationShare& share, const EvaluationHooks& hooks) {
  // Nothing here is ever differentiated: skip autograd's bookkeeping (version counters, view
  // tracking) on every operator.
  c10::InferenceMode inference;
  const std::vector<PrefixGroup> groups = prefix_groups(questions, share.prefix_reuse);
  // Cut from every question, finished or not, so a resumed run meets the same batches (though
  // perhaps in another data-parallel group: homogeneous ranks compute them alike).
  const std::vector<WorkChunk> chunks =
      chunks_for_group(questions, groups, share.dp_rank, share.dp_size, hooks.done);
  auto is_done = [&](std::int64_t item) {
    return !hooks.done.empty() && hooks.done[static_cast<std::size_t>(item)];
  };
  std::int64_t mine = 0;
  for (const WorkChunk& c : chunks)
    for (std::int64_t item : c.items) mine += is_done(item) ? 0 : 1;
  std::int64_t remaining_in_job = 0;
  for (std::size_t i = 0; i < questions.size(); ++i)
    remaining_in_job += is_done(static_cast<std::int64_t>(i)) ? 0 : 1;

  const std::vector<std::int64_t> candidates(answer_ids.begin(), answer_ids.end());
  const bool pinned = model.device().is_cuda();
  const double scale =
      mine == 0 ? 0.0 : static_cast<double>(remaining_in_job) / static_cast<double>(mine);
  double reported = 0;
  auto last_sync = std::chrono::steady_clock::now();
  auto last_flush = last_sync;

  ShareOutcome outcome;
  PendingScores pending;
  auto flush = [&] {
    std::vector<QuestionResult> block = collect(pending, data, questions);
    if (block.empty()) return;
    if (hooks.finished) hooks.finished(block);
    outcome.results.insert(outcome.results.end(), block.begin(), block.end());
    last_flush = std::chrono::steady_clock::now();
  };
  auto stop_requested = [&] { return hooks.should_stop && hooks.should_stop(); };

  if (stop_requested()) {
    outcome.stopped = true;
    return outcome;
  }
  std::vector<std::int64_t> lengths(questions.size(), 0);
  for (const WorkChunk& chunk : chunks) {
    if (std::all_of(chunk.items.begin(), chunk.items.end(), is_done)) continue;
    const PrefixGroup& group = groups[static_cast<std::size_t>(chunk.group)];
    const std::int64_t p = group.prefix_length;
    PrefixCache prefix;
    if (p > 0) {
      const auto& ids = questions[static_cast<std::size_t>(chunk.items[0])].prompt.ids;
      torch::Tensor head =
          torch::empty({p}, torch::TensorOptions().dtype(torch::kInt64).pinned_memory(pinned));
      std::copy(ids.begin(), ids.begin() + p, head.data_ptr<std::int64_t>());
      prefix = model.prefill(head);
    }
    for (std::int64_t item : chunk.items)
      lengths[static_cast<std::size_t>(item)] =
          static_cast<std::int64_t>(questions[static_cast<std::size_t>(item)].prompt.ids.size()) -
          p;
    for (const Batch& planned : make_batches(chunk.items, lengths, share.max_batch_tokens)) {
      // A resumed run under the same layout finds whole batches done or not; under another
      // layout a batch may be partly done, and only the rest runs.
      std::vector<std::int64_t> items;
      for (std::int64_t item : planned.items)
        if (!is_done(item)) items.push_back(item);
      if (items.empty()) continue;
      // Packed end to end: the matrix multiplies see no padding.
      const auto rows = static_cast<std::int64_t>(items.size());
      PackedBatch batch;
      std::int64_t total = 0;
      for (std::int64_t item : items) {
        batch.lengths.push_back(lengths[static_cast<std::size_t>(item)]);
        total += batch.lengths.back();
      }
      batch.tokens =
          torch::empty({total}, torch::TensorOptions().dtype(torch::kInt64).pinned_memory(pinned));
      auto* out = batch.tokens.data_ptr<std::int64_t>();
      std::vector<TokenPosition> at;
      at.reserve(items.size());
      for (std::int64_t r = 0; r < rows; ++r) {
        const auto& ids =
            questions[static_cast<std::size_t>(items[static_cast<std::size_t>(r)])].prompt.ids;
        out = std::copy(ids.begin() + p, ids.end(), out);
        at.push_back({r, static_cast<std::int64_t>(ids.size()) - p - 1});
      }
      pending.scores.push_back(
          model.candidate_log_probs(p > 0 ? &prefix : nullptr, batch, at, candidates));
      pending.items.insert(pending.items.end(), items.begin(), items.end());
      ++pending.batches;
      if (hooks.on_batch) hooks.on_batch();
      const auto now = std::chrono::steady_clock::now();
      if (hooks.progress) {
        // The host runs ahead of a GPU; waiting on a batch about once a second keeps the
        // progress honest without a synchronisation per batch.
        if (now - last_sync > std::chrono::seconds(1)) {
          (void)pending.scores.back().to(torch::kCPU);
          last_sync = now;
        }
        const double target = reported + static_cast<double>(rows) * scale;
        hooks.progress->advance(static_cast<std::int64_t>(target) -
                                static_cast<std::int64_t>(reported));
        reported = target;
      }
      if (pending.batches >= share.flush_every_batches ||
          std::chrono::duration<double>(now - last_flush).count() >= share.flush_every_seconds)
        flush();
      if (stop_requested()) {
        flush();
        outcome.stopped = true;
        return outcome;
      }
    }
  }
  flush();
  return outcome;
}

}  // namespace mmlu
