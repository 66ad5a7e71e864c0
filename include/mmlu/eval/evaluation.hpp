#pragma once
// The evaluation loop of one rank: every prompt tokenised, this data-parallel group's share
// (balanced by tokens) batched by length and run through the model, the answer letters scored.
// All ranks of a tensor-parallel group run the same batches in the same order.
#include <functional>
#include <vector>

#include "mmlu/data/mmlu_data.hpp"
#include "mmlu/data/prompt.hpp"
#include "mmlu/eval/prefix_groups.hpp"
#include "mmlu/eval/question_result.hpp"
#include "mmlu/model/llama_model.hpp"
#include "mmlu/util/progress.hpp"

namespace mmlu {

struct EvaluationShare {
  int dp_rank = 0;
  int dp_size = 1;
  std::int64_t max_batch_tokens = 4096;
  bool prefix_reuse = true;
  // Finished results are handed to EvaluationHooks::finished at least this often (batches,
  // seconds); each hand-over waits for the device once.
  int flush_every_batches = 16;
  double flush_every_seconds = 60;
};

// What the run does around the batches; every member may be left empty.
struct EvaluationHooks {
  // Per question: finished by an earlier attempt, so skipped. With the same layout the batches
  // are those of an uninterrupted run, minus the finished ones, so results are bitwise the same.
  std::vector<char> done;
  // Results of finished batches, in blocks (every result is handed over exactly once).
  std::function<void(const std::vector<QuestionResult>&)> finished;
  // Asked before the first batch and after each: true stops the share at that boundary. It must
  // answer alike on every rank of a tensor-parallel group, which run the same batches.
  std::function<bool()> should_stop;
  // Called after each batch is queued: a heartbeat.
  std::function<void()> on_batch;
  // Advanced by this group's questions scaled to the whole job, since groups are balanced.
  Progress* progress = nullptr;
};

struct ShareOutcome {
  std::vector<QuestionResult> results;  // this attempt's, in the order computed
  bool stopped = false;                 // should_stop ended it early
};

// Runs this rank's data-parallel share. Batches are queued on the device without waiting; their
// scores come back in one copy per flush.
ShareOutcome evaluate_share(LlamaModel& model, const Dataset& data,
                            const std::vector<TokenizedQuestion>& questions,
                            const std::array<std::int64_t, 4>& answer_ids,
                            const EvaluationShare& share, const EvaluationHooks& hooks);

}  // namespace mmlu
