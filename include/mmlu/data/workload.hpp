#pragma once
// What a run evaluates: the data set, its tokenizer, every question's prompt ids and the answer
// letters' ids. Every rank reads and tokenises it on its own, before any model loads, so bad data
// costs seconds, not a load; the ranks then compare digests to be sure they hold the same work.
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "mmlu/data/mmlu_data.hpp"
#include "mmlu/data/prompt.hpp"
#include "mmlu/tokenizer/tokenizer.hpp"

namespace mmlu {

struct WorkloadRequest {
  std::filesystem::path data;       // MMLU directory or JSON Lines file (unused when synthetic)
  std::filesystem::path tokenizer;  // the directory holding tokenizer.json or tokenizer.model
  DataSelection selection;
  bool synthetic = false;        // an MMLU-shaped workload of random tokens, no files
  std::int64_t max_seq_len = 0;  // longest prompt
  std::int64_t vocab_size = 0;   // the model's: every id must be below it
};

struct Workload {
  Dataset data;
  std::unique_ptr<Tokenizer> tokenizer;  // null for synthetic data
  std::array<std::int64_t, 4> answer_ids{};
  std::vector<TokenizedQuestion> questions;
  std::int64_t max_seq_len = 0;
  std::uint64_t digest = 0;  // workload_digest(), taken once prepared

  const Question& source(const TokenizedQuestion& q) const;
  std::int64_t prompt_tokens() const;  // over every question
  std::int64_t truncated_prompts() const;
};

// Reads, tokenises, checks and digests the workload. Throws InputError naming the file and the
// problem: bad data (load_dataset), a tokenizer that cannot load or whose ids lie beyond
// vocab_size.
Workload prepare_workload(const WorkloadRequest& request);

// FNV-1a over the data hash, the answer ids and every prompt's ids: equal on two ranks only when
// they hold the same work.
std::uint64_t workload_digest(const Workload& work);

// One JSON object per question (subject, row, gold letter, shots, truncation, answer ids, prompt
// ids): what the model is given and how it is scored. Throws InputError naming an unwritable path.
void dump_prompts(const std::filesystem::path& path, const Workload& work);

}  // namespace mmlu
