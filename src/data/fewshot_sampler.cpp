#include "mmlu/data/fewshot_sampler.hpp"

#include <stdexcept>
#include <string>

namespace mmlu {

FewShotSampler::FewShotSampler(FewShotSampling kind, std::int64_t pool_size, std::int64_t seed)
    : kind_(kind), pool_size_(pool_size), rnd_(seed) {}

std::vector<std::int64_t> FewShotSampler::draw(
    int k, const std::function<bool(std::int64_t)>& equals_evaluated) {
  if (k < 0 || k > kMaxShots)
    throw std::invalid_argument(std::to_string(k) + " few-shot documents (0 to " +
                                std::to_string(kMaxShots) + " are possible)");
  if (k == 0) return {};
  auto others = [&](const std::vector<std::int64_t>& candidates) {
    std::vector<std::int64_t> kept;
    for (std::int64_t i : candidates)
      if (!equals_evaluated || !equals_evaluated(i)) kept.push_back(i);
    return kept;
  };
  auto too_few = [&](std::int64_t needed) {
    return std::invalid_argument(std::to_string(k) + " few-shot documents need " +
                                 std::to_string(needed) + " in the few-shot split, which has " +
                                 std::to_string(pool_size_));
  };

  std::vector<std::int64_t> all(static_cast<std::size_t>(pool_size_));
  for (std::int64_t i = 0; i < pool_size_; ++i) all[static_cast<std::size_t>(i)] = i;

  if (kind_ == FewShotSampling::first_n) {
    std::vector<std::int64_t> pool = others(all);
    if (static_cast<std::int64_t>(pool.size()) < k) throw too_few(k);
    pool.resize(static_cast<std::size_t>(k));
    return pool;
  }

  if (!equals_evaluated) {
    if (pool_size_ < k) throw too_few(k);
    return rnd_.sample(pool_size_, k);
  }
  if (pool_size_ < k + 1) throw too_few(k + 1);
  std::vector<std::int64_t> drawn = others(rnd_.sample(pool_size_, k + 1));
  if (static_cast<std::int64_t>(drawn.size()) >= k) {
    drawn.resize(static_cast<std::size_t>(k));
    return drawn;
  }
  std::vector<std::int64_t> pool = others(all);
  if (static_cast<std::int64_t>(pool.size()) < k) throw too_few(k);
  std::vector<std::int64_t> picks = rnd_.sample(static_cast<std::int64_t>(pool.size()), k);
  for (auto& p : picks) p = pool[static_cast<std::size_t>(p)];
  return picks;
}

}  // namespace mmlu
