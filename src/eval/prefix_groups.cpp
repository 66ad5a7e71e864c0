#include "mmlu/eval/prefix_groups.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <tuple>

#include "mmlu/eval/schedule.hpp"

namespace mmlu {

std::vector<PrefixGroup> prefix_groups(const std::vector<TokenizedQuestion>& questions,
                                       bool reuse) {
  // Keyed by (subject, shots, truncated): only prompts built from the same dev rows can share
  // more than a few tokens, and truncated ones lost their start.
  std::map<std::tuple<std::int32_t, int, bool>, std::size_t> index;
  std::vector<PrefixGroup> groups;
  for (std::size_t i = 0; i < questions.size(); ++i) {
    const auto& q = questions[i];
    const auto key = std::make_tuple(q.subject, q.prompt.shots, q.prompt.truncated);
    auto [it, added] = index.try_emplace(key, groups.size());
    if (added) groups.emplace_back();
    groups[it->second].items.push_back(static_cast<std::int64_t>(i));
  }
  if (!reuse) return groups;
  for (PrefixGroup& g : groups) {
    if (g.items.size() < 2) continue;  // nothing to share
    const auto& first = questions[static_cast<std::size_t>(g.items[0])].prompt.ids;
    std::size_t common = first.size();
    for (std::int64_t item : g.items) {
      const auto& ids = questions[static_cast<std::size_t>(item)].prompt.ids;
      // Every suffix keeps at least its last token: that is the position scored.
      common = std::min(common, ids.size() - 1);
      common = static_cast<std::size_t>(
          std::mismatch(first.begin(), first.begin() + static_cast<std::ptrdiff_t>(common),
                        ids.begin())
              .first -
          first.begin());
    }
    g.prefix_length = static_cast<std::int64_t>(common);
  }
  return groups;
}

std::int64_t tokens_to_compute(const std::vector<TokenizedQuestion>& questions,
                               const std::vector<PrefixGroup>& groups) {
  std::int64_t computed = 0;
  for (const PrefixGroup& g : groups) {
    computed += g.prefix_length;
    for (std::int64_t item : g.items)
      computed +=
          static_cast<std::int64_t>(questions[static_cast<std::size_t>(item)].prompt.ids.size()) -
          g.prefix_length;
  }
  return computed;
}

std::vector<WorkChunk> chunks_for_group(const std::vector<TokenizedQuestion>& questions,
                                        const std::vector<PrefixGroup>& groups, int dp_rank,
                                        int dp_size, const std::vector<char>& done) {
  auto suffix = [&](const PrefixGroup& g, std::int64_t item) {
    return static_cast<std::int64_t>(questions[static_cast<std::size_t>(item)].prompt.ids.size()) -
           g.prefix_length;
  };
  const std::int64_t total = tokens_to_compute(questions, groups);
  // Pieces of about an eighth of a data-parallel group's load balance within a few percent
  // while recomputing each prefix only a few times.
  const std::int64_t target =
      dp_size > 1 ? std::max<std::int64_t>(1, total / (8 * dp_size)) : INT64_MAX;
  std::vector<WorkChunk> chunks;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    WorkChunk chunk{static_cast<std::int64_t>(g), {}, groups[g].prefix_length};
    for (std::int64_t item : groups[g].items) {
      if (!chunk.items.empty() && chunk.cost + suffix(groups[g], item) > target) {
        chunks.push_back(chunk);
        chunk = {static_cast<std::int64_t>(g), {}, groups[g].prefix_length};
      }
      chunk.items.push_back(item);
      chunk.cost += suffix(groups[g], item);
    }
    if (!chunk.items.empty()) chunks.push_back(std::move(chunk));
  }
  // Chunks are cut from every question, finished or not, so their batches never change; what
  // is balanced is the work each has left (its prefix only if a question of it remains).
  std::vector<std::int64_t> costs;
  for (const WorkChunk& c : chunks) {
    std::int64_t left = 0;
    bool any = false;
    for (std::int64_t item : c.items)
      if (done.empty() || !done[static_cast<std::size_t>(item)]) {
        left += suffix(groups[static_cast<std::size_t>(c.group)], item);
        any = true;
      }
    costs.push_back(any ? left + groups[static_cast<std::size_t>(c.group)].prefix_length : 0);
  }
  const std::vector<int> owner = balance_by_cost(costs, dp_size);
  std::vector<WorkChunk> mine;
  for (std::size_t c = 0; c < chunks.size(); ++c)
    if (owner[c] == dp_rank) mine.push_back(std::move(chunks[c]));
  return mine;
}

}  // namespace mmlu
