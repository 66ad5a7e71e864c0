#pragma once
// Who computes what: questions split across data-parallel groups, balanced by token count, and
// each group's share packed into length-sorted batches. Deterministic: every rank computes the
// same schedule from the same prompts, so no schedule is ever sent around.
#include <cstdint>
#include <vector>

namespace mmlu {

// Item i costs costs[i] (its prompt tokens). Returns the group of each item: longest first, each
// to the least-loaded group (lowest index among equals), so loads differ by at most one item.
std::vector<int> balance_by_cost(const std::vector<std::int64_t>& costs, int groups);

struct Batch {
  std::vector<std::int64_t> items;  // indices into the caller's list
  std::int64_t length = 0;          // the longest item: the width of its attention grid
  std::int64_t tokens = 0;          // the items' lengths summed
};

// Packs items (lengths[i] tokens) into batches of at most max_batch_tokens tokens, longest first
// so neighbours have similar lengths. Batches run packed (the matrix multiplies see no padding);
// only attention within a row uses a right-padded grid of width x rows cells, kept to at most
// twice the budget. An item longer than the budget gets a batch of its own.
std::vector<Batch> make_batches(const std::vector<std::int64_t>& items,
                                const std::vector<std::int64_t>& lengths,
                                std::int64_t max_batch_tokens);

}  // namespace mmlu
