#pragma once
// The evaluation loop of one rank: every prompt tokenised, this data-parallel group's share
// (balanced by tokens) batched by length and run through the model, the answer letters scored.
// All ranks of a tensor-parallel group run the same batches in the same order.
#include <functional>
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

// Questions whose prompts share their first `prefix_length` tokens: a subject at one shot count
// (instruction and dev examples), computed once and reused by every question's suffix.
struct PrefixGroup {
  std::vector<std::int64_t> items;  // indices into the questions
  std::int64_t prefix_length = 0;   // the longest common prefix, leaving each suffix a token
};

// Groups in first-appearance order; with `reuse` false every prefix_length is 0.
std::vector<PrefixGroup> prefix_groups(const std::vector<TokenizedQuestion>& questions, bool reuse);

// A data-parallel group's unit of work: part of a prefix group (large groups are cut so that
// the groups' loads can be balanced; each piece computes its prefix once).
struct WorkChunk {
  std::int64_t group = 0;
  std::vector<std::int64_t> items;
  std::int64_t cost = 0;  // tokens computed: the prefix once and each suffix
};

// The chunks of data-parallel group `dp_rank`, balanced by tokens across `dp_size` groups.
// Chunks are cut from every question; with `done` (per question: finished by an earlier
// attempt) the balance is of the work left, so a resumed run, in any layout, keeps its groups
// even. Deterministic: every rank computes the same split.
std::vector<WorkChunk> chunks_for_group(const std::vector<TokenizedQuestion>& questions,
                                        const std::vector<PrefixGroup>& groups, int dp_rank,
                                        int dp_size, const std::vector<char>& done = {});

// Runs this rank's data-parallel share. Batches are queued on the device without waiting; their
// scores come back in one copy per flush.
ShareOutcome evaluate_share(LlamaModel& model, const Dataset& data,
                            const std::vector<TokenizedQuestion>& questions,
                            const std::array<std::int64_t, 4>& answer_ids,
                            const EvaluationShare& share, const EvaluationHooks& hooks);

}  // namespace mmlu
