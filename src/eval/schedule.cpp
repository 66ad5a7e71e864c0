#include "mmlu/eval/schedule.hpp"

#include <algorithm>
#include <numeric>
#include <queue>

#include "mmlu/util/error.hpp"

namespace mmlu {

std::vector<int> balance_by_cost(const std::vector<std::int64_t>& costs, int groups) {
  if (groups < 1) throw Error("balance_by_cost needs at least one group");
  std::vector<std::size_t> order(costs.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return costs[a] > costs[b]; });
  // (load, group), smallest first.
  using Load = std::pair<std::int64_t, int>;
  std::priority_queue<Load, std::vector<Load>, std::greater<>> loads;
  for (int g = 0; g < groups; ++g) loads.push({0, g});
  std::vector<int> group_of(costs.size());
  for (std::size_t i : order) {
    auto [load, g] = loads.top();
    loads.pop();
    group_of[i] = g;
    loads.push({load + costs[i], g});
  }
  return group_of;
}

std::vector<Batch> make_batches(const std::vector<std::int64_t>& items,
                                const std::vector<std::int64_t>& lengths,
                                std::int64_t max_batch_tokens) {
  std::vector<std::int64_t> order = items;
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return lengths[static_cast<std::size_t>(a)] > lengths[static_cast<std::size_t>(b)];
  });
  std::vector<Batch> batches;
  for (std::int64_t item : order) {
    const std::int64_t length = lengths[static_cast<std::size_t>(item)];
    // Sorted longest first: the grid's width is the batch's first item's length.
    if (batches.empty() || batches.back().tokens + length > max_batch_tokens ||
        batches.back().length * static_cast<std::int64_t>(batches.back().items.size() + 1) >
            2 * max_batch_tokens)
      batches.push_back(Batch{{}, length, 0});
    batches.back().items.push_back(item);
    batches.back().tokens += length;
  }
  return batches;
}

}  // namespace mmlu
