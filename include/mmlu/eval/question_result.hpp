#pragma once
// What the evaluation produces for one question: a fixed-size record, so results travel between
// ranks as plain bytes and land in the results file's /questions columns.
#include <array>
#include <cstdint>

namespace mmlu {

struct QuestionResult {
  std::int32_t subject = 0;  // index into the data set's (sorted) subjects
  std::int32_t gold = 0;     // 0..3
  std::int64_t index = 0;    // row in its subject's file
  std::int32_t pred = 0;     // argmax of logprobs
  std::int32_t prompt_tokens = 0;
  std::int32_t shots = 0;
  std::int32_t truncated = 0;
  std::array<float, 4> logprobs{};  // log P(" A".." D" | prompt), full-vocabulary softmax
};
// No padding: partial-results files store records as these bytes (results/README.md).
static_assert(sizeof(QuestionResult) == 48, "QuestionResult's layout is part of a file format");

// The earliest of the highest: ties go to A, as argmax does.
inline std::int32_t predicted_letter(const std::array<float, 4>& logprobs) {
  std::int32_t best = 0;
  for (std::int32_t i = 1; i < 4; ++i)
    if (logprobs[static_cast<std::size_t>(i)] > logprobs[static_cast<std::size_t>(best)]) best = i;
  return best;
}

}  // namespace mmlu
