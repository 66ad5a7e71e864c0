// Prompts (the exact template, shot dropping, truncation, answer letters) and the schedule
// (data-parallel balance, length-sorted batches under the token budget).
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "mmlu/data/prompt.hpp"
#include "mmlu/eval/schedule.hpp"
#include "mmlu/util/error.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;
const fs::path kTokenizers = fs::path(MMLU_TEST_FIXTURES) / "tokenizers";

SubjectData sample_subject() {
  SubjectData s;
  s.name = "college_physics";
  s.dev.push_back({"What is 1+1?", {"1", "2", "3", "4"}, 1, 0});
  s.dev.push_back({"Pick C.", {"w", "x", "y", "z"}, 2, 1});
  s.eval.push_back({"Which is heavier?", {"lead", "air", "foam", "nothing"}, 0, 0});
  return s;
}

TEST(Prompt, TheOriginalTemplateExactly) {
  const SubjectData s = sample_subject();
  EXPECT_EQ(build_prompt(s, s.eval[0], 2),
            "The following are multiple choice questions (with answers) about college physics.\n\n"
            "What is 1+1?\nA. 1\nB. 2\nC. 3\nD. 4\nAnswer: B\n\n"
            "Pick C.\nA. w\nB. x\nC. y\nD. z\nAnswer: C\n\n"
            "Which is heavier?\nA. lead\nB. air\nC. foam\nD. nothing\nAnswer:");
  // More shots than dev rows: all of them.
  EXPECT_EQ(build_prompt(s, s.eval[0], 5), build_prompt(s, s.eval[0], 2));
  EXPECT_EQ(build_prompt(s, s.eval[0], 0),
            "The following are multiple choice questions (with answers) about college physics.\n\n"
            "Which is heavier?\nA. lead\nB. air\nC. foam\nD. nothing\nAnswer:");
}

TEST(Prompt, AnswerIdsAreTheTokenAfterAnswerColon) {
  for (const char* style : {"llama2_spm", "mistral_metaspace", "gpt2_bytelevel", "llama3_bytelevel",
                            "qwen2_bytelevel"}) {
    const auto tokenizer = load_tokenizer(kTokenizers / style);
    const PromptBuilder builder(*tokenizer, 4096, 5);
    for (int i = 0; i < 4; ++i) {
      const std::string letter(1, static_cast<char>('A' + i));
      EXPECT_EQ(builder.answer_ids()[static_cast<std::size_t>(i)],
                tokenizer->encode(" " + letter, false).back())
          << style << " " << letter;
    }
  }
}

TEST(Prompt, ShotsAreDroppedFromTheEndUntilThePromptFits) {
  const auto tokenizer = load_tokenizer(kTokenizers / "llama3_bytelevel");
  const SubjectData s = sample_subject();
  const auto full = tokenizer->encode(build_prompt(s, s.eval[0], 2));
  const auto one = tokenizer->encode(build_prompt(s, s.eval[0], 1));
  const auto none = tokenizer->encode(build_prompt(s, s.eval[0], 0));
  ASSERT_LT(one.size(), full.size());

  PromptTokens p =
      PromptBuilder(*tokenizer, static_cast<std::int64_t>(full.size()), 5).tokens(s, s.eval[0]);
  EXPECT_EQ(p.shots, 2);
  EXPECT_EQ(p.ids, full);
  p = PromptBuilder(*tokenizer, static_cast<std::int64_t>(full.size()) - 1, 5).tokens(s, s.eval[0]);
  EXPECT_EQ(p.shots, 1);
  EXPECT_EQ(p.ids, one);
  EXPECT_FALSE(p.truncated);
  p = PromptBuilder(*tokenizer, static_cast<std::int64_t>(none.size()) - 3, 5).tokens(s, s.eval[0]);
  EXPECT_EQ(p.shots, 0);
  EXPECT_TRUE(p.truncated);
  EXPECT_EQ(p.ids, std::vector<std::int64_t>(none.begin() + 3, none.end()));  // left-truncated
}

TEST(Schedule, BalanceIsDeterministicAndEven) {
  std::vector<std::int64_t> costs;
  for (int i = 0; i < 1001; ++i) costs.push_back(100 + (i * 7919) % 900);
  for (int groups : {1, 2, 3, 8}) {
    const auto a = balance_by_cost(costs, groups);
    EXPECT_EQ(a, balance_by_cost(costs, groups));
    std::vector<std::int64_t> load(static_cast<std::size_t>(groups));
    for (std::size_t i = 0; i < costs.size(); ++i) load[static_cast<std::size_t>(a[i])] += costs[i];
    const auto [lo, hi] = std::minmax_element(load.begin(), load.end());
    EXPECT_LE(*hi - *lo, *std::max_element(costs.begin(), costs.end())) << groups;
  }
}

TEST(Schedule, BatchesCoverEveryItemOnceWithinTheBudget) {
  std::vector<std::int64_t> lengths{5, 300, 40, 41, 39, 7000, 100, 99, 98, 1};
  std::vector<std::int64_t> items{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  const auto batches = make_batches(items, lengths, 256);
  std::multiset<std::int64_t> seen;
  for (const Batch& b : batches) {
    std::int64_t width = 0, tokens = 0;
    for (std::int64_t i : b.items) {
      seen.insert(i);
      width = std::max(width, lengths[static_cast<std::size_t>(i)]);
      tokens += lengths[static_cast<std::size_t>(i)];
    }
    EXPECT_EQ(b.length, width);
    EXPECT_EQ(b.tokens, tokens);
    if (b.items.size() > 1) {
      EXPECT_LE(tokens, 256);
      EXPECT_LE(b.length * static_cast<std::int64_t>(b.items.size()), 512);
    }
  }
  EXPECT_EQ(seen, std::multiset<std::int64_t>(items.begin(), items.end()));
  EXPECT_EQ(batches.front().items, std::vector<std::int64_t>{5});  // too long: alone
  // Packed, not padded: 98 + 41 + 40 + 39 + 5 tokens share a batch (a padded budget of 256 would
  // have held only two rows of width 98); the grid cap (98 x 6 > 512) leaves 1 to the next.
  const std::vector<std::int64_t> shared{8, 3, 2, 4, 0};
  EXPECT_TRUE(std::any_of(batches.begin(), batches.end(),
                          [&](const Batch& b) { return b.items == shared; }));
}

}  // namespace
}  // namespace mmlu
