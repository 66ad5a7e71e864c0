#pragma once
// An MMLU-shaped workload with no data set: MMLU's 57 subjects with their test-split sizes
// (14,042 questions), prompts made of random token ids whose lengths follow MMLU's shape (a 5-shot
// prefix shared by a subject's questions, then the question). For benchmarks: `--synthetic-data`.
#include <cstdint>
#include <string>
#include <vector>

#include "mmlu/data/mmlu_data.hpp"
#include "mmlu/data/prompt.hpp"

namespace mmlu {

struct SyntheticWorkload {
  Dataset data;  // subjects and questions (empty text, random gold answers)
  std::vector<TokenizedQuestion> questions;
  std::array<std::int64_t, 4> answer_ids{};
};

// Deterministic for a seed. Token ids lie in [0, vocab_size); prompts longer than max_seq_len
// drop shots as real ones do; limit > 0 keeps the first `limit` questions of each subject.
SyntheticWorkload make_synthetic_workload(std::int64_t vocab_size, std::int64_t max_seq_len,
                                          int shots, std::int64_t limit = 0,
                                          std::uint64_t seed = 20261127);

// Keeps only `subjects` (names of MMLU's 57, as --subjects lists them; empty keeps all), in name
// order, each with the questions it has in the full workload. An unknown name is an InputError
// naming --subjects and listing the 57.
void keep_subjects(SyntheticWorkload& workload, const std::vector<std::string>& subjects);

}  // namespace mmlu
