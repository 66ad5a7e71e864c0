#pragma once
// The shared few-shot prefixes of a workload and how their questions are dealt out to the
// data-parallel groups: every rank computes the same groups and the same split.
#include <cstdint>
#include <vector>

#include "mmlu/data/prompt.hpp"

namespace mmlu {

// Questions whose prompts share their first `prefix_length` tokens: a subject at one shot count
// (instruction and dev examples), computed once and reused by every question's suffix.
struct PrefixGroup {
  std::vector<std::int64_t> items;  // indices into the questions
  std::int64_t prefix_length = 0;   // the longest common prefix, leaving each suffix a token
};

// Groups in first-appearance order; with `reuse` false every prefix_length is 0.
std::vector<PrefixGroup> prefix_groups(const std::vector<TokenizedQuestion>& questions, bool reuse);

// Tokens the forward passes compute: each group's prefix once, then every suffix.
std::int64_t tokens_to_compute(const std::vector<TokenizedQuestion>& questions,
                               const std::vector<PrefixGroup>& groups);

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

}  // namespace mmlu
