#pragma once
// Which few-shot documents precede each evaluated document, as lm-evaluation-harness 0.4's
// samplers choose them (lm_eval/api/samplers.py), so that a task's prompts are lm-eval's prompt
// for prompt:
// - first_n: the few-shot split's first k documents (MMLU, CMMLU, C-Eval, MMLU-Pro);
// - random: one random.Random(seed) per task, consumed document after document in evaluation
//   order, each drawing rnd.sample(pool, k). Where the few-shot split is the evaluated split, it
//   draws k + 1 and drops every document equal to the evaluated one (then keeps the first k;
//   when duplicates left fewer, it draws k again from the pool without them).
#include <cstdint>
#include <functional>
#include <vector>

#include "mmlu/data/python_random.hpp"

namespace mmlu {

enum class FewShotSampling { first_n, random };

// The most few-shot documents a prompt takes (a task file's num_fewshot, --num-fewshot).
inline constexpr int kMaxShots = 1000;

class FewShotSampler {
 public:
  FewShotSampler(FewShotSampling kind, std::int64_t pool_size, std::int64_t seed);

  // The pool indices of the k few-shot documents for the next evaluated document, in prompt
  // order. `equals_evaluated(i)` says whether pool document i equals the evaluated one; pass it
  // only where the pool is the evaluated split (lm-eval compares whole documents). Throws
  // std::invalid_argument when the pool is too small, where lm-eval's own sampler fails too.
  std::vector<std::int64_t> draw(int k,
                                 const std::function<bool(std::int64_t)>& equals_evaluated = {});

 private:
  FewShotSampling kind_;
  std::int64_t pool_size_;
  PythonRandom rnd_;
};

}  // namespace mmlu
