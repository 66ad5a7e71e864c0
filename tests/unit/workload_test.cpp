// Prefix groups and their split across data-parallel groups, the synthetic MMLU-shaped workload
// the benchmarks run, and a run's prepared workload (read, tokenised, checked, digested, dumped).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "mmlu/data/synthetic.hpp"
#include "mmlu/data/workload.hpp"
#include "mmlu/eval/prefix_groups.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/json_file.hpp"
#include "temp_dir.hpp"

namespace mmlu {
namespace {

TokenizedQuestion prompt(std::int32_t subject, std::vector<std::int64_t> ids, int shots = 5) {
  TokenizedQuestion q;
  q.subject = subject;
  q.prompt.ids = std::move(ids);
  q.prompt.shots = shots;
  return q;
}

TEST(PrefixGroups, LongestCommonPrefixPerSubjectAndShots) {
  const std::vector<TokenizedQuestion> questions{
      prompt(0, {1, 5, 6, 7, 8}), prompt(0, {1, 5, 6, 9}), prompt(1, {1, 2, 3}),
      prompt(0, {1, 5, 6, 7, 2}), prompt(0, {1, 5, 4}, 4), prompt(1, {1, 2, 3, 4}),
      prompt(2, {1, 9})};
  const auto groups = prefix_groups(questions, true);
  ASSERT_EQ(groups.size(), 4u);
  EXPECT_EQ(groups[0].items, (std::vector<std::int64_t>{0, 1, 3}));
  EXPECT_EQ(groups[0].prefix_length, 3);  // 1 5 6
  EXPECT_EQ(groups[1].items, (std::vector<std::int64_t>{2, 5}));
  EXPECT_EQ(groups[1].prefix_length, 2);  // {1 2 3} is a prefix of {1 2 3 4}: keep one token
  EXPECT_EQ(groups[2].prefix_length, 0);  // alone at 4 shots
  EXPECT_EQ(groups[3].prefix_length, 0);
  for (const auto& g : prefix_groups(questions, false)) EXPECT_EQ(g.prefix_length, 0);
}

TEST(PrefixGroups, TokensToComputeCountEachPrefixOnce) {
  const std::vector<TokenizedQuestion> questions{prompt(0, {1, 5, 6, 7, 8}),
                                                 prompt(0, {1, 5, 6, 9}), prompt(1, {1, 2, 3})};
  // Reused: 1 5 6 once, then 7 8 and 9; subject 1 alone keeps its whole prompt.
  EXPECT_EQ(tokens_to_compute(questions, prefix_groups(questions, true)), 3 + 2 + 1 + 3);
  EXPECT_EQ(tokens_to_compute(questions, prefix_groups(questions, false)), 5 + 4 + 3);
}

TEST(PrefixGroups, ChunksCoverEveryQuestionOnceAcrossDataParallelGroups) {
  const SyntheticWorkload w = make_synthetic_workload(32000, 4096, 5, 40);
  const auto groups = prefix_groups(w.questions, true);
  for (int dp : {1, 2, 3, 8}) {
    std::multiset<std::int64_t> seen;
    std::vector<std::int64_t> load(static_cast<std::size_t>(dp));
    for (int r = 0; r < dp; ++r)
      for (const WorkChunk& c : chunks_for_group(w.questions, groups, r, dp)) {
        seen.insert(c.items.begin(), c.items.end());
        load[static_cast<std::size_t>(r)] += c.cost;
        EXPECT_FALSE(c.items.empty());
      }
    ASSERT_EQ(seen.size(), w.questions.size()) << dp;
    EXPECT_EQ(std::set<std::int64_t>(seen.begin(), seen.end()).size(), seen.size()) << dp;
    const auto [lo, hi] = std::minmax_element(load.begin(), load.end());
    EXPECT_LT(static_cast<double>(*hi - *lo), 0.15 * static_cast<double>(*hi)) << dp;
  }
}

TEST(PrefixGroups, AResumedRunBalancesTheWorkLeftWithTheSameChunks) {
  const SyntheticWorkload w = make_synthetic_workload(32000, 4096, 5, 40);
  const auto groups = prefix_groups(w.questions, true);
  for (int dp : {2, 4}) {
    // The earlier attempt's group 0 finished its whole share before the others began.
    std::vector<char> done(w.questions.size(), 0);
    for (const WorkChunk& c : chunks_for_group(w.questions, groups, 0, dp))
      for (std::int64_t item : c.items) done[static_cast<std::size_t>(item)] = 1;
    std::set<std::vector<std::int64_t>> fresh, resumed;
    std::vector<std::int64_t> load(static_cast<std::size_t>(dp));
    for (int r = 0; r < dp; ++r) {
      for (const WorkChunk& c : chunks_for_group(w.questions, groups, r, dp)) fresh.insert(c.items);
      for (const WorkChunk& c : chunks_for_group(w.questions, groups, r, dp, done)) {
        resumed.insert(c.items);
        for (std::int64_t item : c.items)
          if (!done[static_cast<std::size_t>(item)])
            load[static_cast<std::size_t>(r)] +=
                static_cast<std::int64_t>(
                    w.questions[static_cast<std::size_t>(item)].prompt.ids.size()) -
                groups[static_cast<std::size_t>(c.group)].prefix_length;
      }
    }
    EXPECT_EQ(fresh, resumed) << dp;  // the same chunks, so the same batches
    const auto [lo, hi] = std::minmax_element(load.begin(), load.end());
    EXPECT_LT(static_cast<double>(*hi - *lo), 0.2 * static_cast<double>(*hi)) << dp;
  }
}

TEST(Synthetic, MmluShapedAndDeterministic) {
  const SyntheticWorkload w = make_synthetic_workload(32000, 4096, 5);
  EXPECT_EQ(w.data.subjects.size(), 57u);
  EXPECT_EQ(w.questions.size(), 14042u);
  EXPECT_EQ(w.data.question_count(), 14042);
  std::int64_t tokens = 0;
  std::map<std::int32_t, std::size_t> shared;
  for (const auto& q : w.questions) {
    EXPECT_LE(q.prompt.ids.size(), 4096u);
    tokens += static_cast<std::int64_t>(q.prompt.ids.size());
    for (auto id : q.prompt.ids) ASSERT_TRUE(id >= 0 && id < 32000);
  }
  const double mean = static_cast<double>(tokens) / 14042.0;
  EXPECT_GT(mean, 400);  // 5-shot MMLU prompts: several hundred tokens on average
  EXPECT_LT(mean, 1200);
  const auto groups = prefix_groups(w.questions, true);
  std::int64_t suffix = 0;
  for (const auto& g : groups)
    for (auto item : g.items)
      suffix +=
          static_cast<std::int64_t>(w.questions[static_cast<std::size_t>(item)].prompt.ids.size()) -
          g.prefix_length;
  EXPECT_LT(suffix * 3, tokens);  // most of each prompt is the shared prefix
  const SyntheticWorkload again = make_synthetic_workload(32000, 4096, 5);
  EXPECT_EQ(again.questions[777].prompt.ids, w.questions[777].prompt.ids);
  EXPECT_EQ(again.answer_ids, w.answer_ids);
  // A short context drops shots, as real prompts do.
  const SyntheticWorkload short_context = make_synthetic_workload(32000, 512, 5, 10);
  int fewer = 0;
  for (const auto& q : short_context.questions) {
    EXPECT_LE(q.prompt.ids.size(), 512u);
    fewer += q.prompt.shots < 5;
  }
  EXPECT_GT(fewer, 0);
}

TEST(Synthetic, ALimitKeepsTheFirstQuestionsOfTheFullWorkload) {
  const SyntheticWorkload full = make_synthetic_workload(32000, 4096, 5);
  const SyntheticWorkload limited = make_synthetic_workload(32000, 4096, 5, 7);
  std::map<std::pair<std::int32_t, std::int64_t>, const TokenizedQuestion*> by_place;
  for (const auto& q : full.questions) by_place[{q.subject, q.question}] = &q;
  ASSERT_EQ(limited.questions.size(), 57u * 7u);
  for (const auto& q : limited.questions) {
    ASSERT_LT(q.question, 7);
    const TokenizedQuestion* same = by_place.at({q.subject, q.question});
    EXPECT_EQ(q.prompt.ids, same->prompt.ids) << q.subject << "/" << q.question;
    EXPECT_EQ(q.prompt.truncated, same->prompt.truncated);
    const Question& a = limited.data.subjects[static_cast<std::size_t>(q.subject)]
                            .eval[static_cast<std::size_t>(q.question)];
    const Question& b = full.data.subjects[static_cast<std::size_t>(q.subject)]
                            .eval[static_cast<std::size_t>(q.question)];
    EXPECT_EQ(a.answer, b.answer);
  }
}

namespace fs = std::filesystem;

// The embedded default's data and tokenizer (configs/embedded).
WorkloadRequest embedded_request() {
  const fs::path embedded = fs::path(MMLU_TEST_FIXTURES) / ".." / ".." / "configs" / "embedded";
  WorkloadRequest r;
  r.data = embedded / "data";
  r.tokenizer = embedded / "model";
  r.selection = {"test", {"philosophy", "miscellaneous"}, 5, 2};
  r.max_seq_len = 1024;
  r.vocab_size = 610;
  return r;
}

TEST(Workload, ReadTokenisedAndDigested) {
  const Workload w = prepare_workload(embedded_request());
  ASSERT_EQ(w.data.subjects.size(), 2u);
  ASSERT_EQ(w.questions.size(), 10u);
  ASSERT_NE(w.tokenizer, nullptr);
  EXPECT_EQ(w.max_seq_len, 1024);
  std::int64_t tokens = 0;
  for (const TokenizedQuestion& q : w.questions) {
    EXPECT_EQ(q.prompt.shots, 2);
    tokens += static_cast<std::int64_t>(q.prompt.ids.size());
    EXPECT_EQ(w.source(q).index, q.question);  // --limit keeps the first rows
  }
  EXPECT_EQ(w.prompt_tokens(), tokens);
  EXPECT_EQ(w.truncated_prompts(), 0);
  EXPECT_EQ(w.digest, workload_digest(w));
  EXPECT_EQ(w.digest, prepare_workload(embedded_request()).digest) << "not deterministic";
}

TEST(Workload, TheDigestSeesEveryPromptIdAndTheData) {
  Workload w = prepare_workload(embedded_request());
  const std::uint64_t digest = workload_digest(w);
  w.questions.back().prompt.ids.back() += 1;
  EXPECT_NE(workload_digest(w), digest);
  w.questions.back().prompt.ids.back() -= 1;
  w.answer_ids[3] += 1;
  EXPECT_NE(workload_digest(w), digest);
  w.answer_ids[3] -= 1;
  w.data.sha256[0] = w.data.sha256[0] == '0' ? '1' : '0';
  EXPECT_NE(workload_digest(w), digest);
  // One id moved from the end of a prompt to the start of the next: the lengths are hashed too.
  Workload moved = prepare_workload(embedded_request());
  const std::int64_t id = moved.questions[0].prompt.ids.back();
  moved.questions[0].prompt.ids.pop_back();
  moved.questions[1].prompt.ids.insert(moved.questions[1].prompt.ids.begin(), id);
  EXPECT_NE(workload_digest(moved), digest);
}

TEST(Workload, IdsBeyondTheModelsVocabularyAreRefusedNamingTheTokenizer) {
  WorkloadRequest r = embedded_request();
  r.vocab_size = 100;  // the embedded tokenizer's ids go up to 609
  try {
    prepare_workload(r);
    FAIL() << "accepted ids beyond vocab_size";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer.json: "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("beyond config.json's vocab_size 100"), std::string::npos)
        << e.what();
  }
}

TEST(Workload, SyntheticNeedsNoFiles) {
  WorkloadRequest r;
  r.synthetic = true;
  r.selection.limit = 2;
  r.selection.shots = 5;
  r.max_seq_len = 4096;
  r.vocab_size = 32000;
  const Workload w = prepare_workload(r);
  EXPECT_EQ(w.tokenizer, nullptr);
  EXPECT_EQ(w.questions.size(), 57u * 2);
  EXPECT_EQ(w.digest, workload_digest(w));
  r.data = "/nonexistent";
  r.synthetic = false;
  EXPECT_THROW(prepare_workload(r), InputError);
}

TEST(Synthetic, ChosenSubjectsKeepTheirQuestionsOfTheFullWorkload) {
  const SyntheticWorkload full = make_synthetic_workload(32000, 4096, 5, 3);
  SyntheticWorkload some = make_synthetic_workload(32000, 4096, 5, 3);
  keep_subjects(some, {"virology", "anatomy"});
  ASSERT_EQ(some.data.subjects.size(), 2u);
  EXPECT_EQ(some.data.subjects[0].name, "anatomy");
  EXPECT_EQ(some.data.subjects[1].name, "virology");
  ASSERT_EQ(some.questions.size(), 6u);
  for (const TokenizedQuestion& q : some.questions) {
    const std::string& name = some.data.subjects[static_cast<std::size_t>(q.subject)].name;
    const auto same = std::find_if(full.questions.begin(), full.questions.end(), [&](auto& f) {
      return full.data.subjects[static_cast<std::size_t>(f.subject)].name == name &&
             f.question == q.question;
    });
    ASSERT_NE(same, full.questions.end());
    EXPECT_EQ(same->prompt.ids, q.prompt.ids) << name << " " << q.question;
  }
  EXPECT_NE(some.data.sha256, full.data.sha256);
  try {
    keep_subjects(some, {"anatomy", "astrology"});
    FAIL() << "an unknown subject was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("--subjects: no subject astrology"), std::string::npos)
        << e.what();
  }
}

TEST(Workload, SyntheticHonoursSubjectsAndRefusesOtherSplits) {
  WorkloadRequest r;
  r.synthetic = true;
  r.selection = {"test", {"anatomy"}, 0, 5};
  r.max_seq_len = 4096;
  r.vocab_size = 32000;
  const Workload w = prepare_workload(r);
  ASSERT_EQ(w.data.subjects.size(), 1u);
  EXPECT_EQ(w.questions.size(), 135u);  // anatomy's test split
  r.selection.subjects = {"astrology"};
  EXPECT_THROW(prepare_workload(r), InputError);
  r.selection = {"val", {}, 0, 5};
  EXPECT_THROW(prepare_workload(r), InputError);
}

TEST(Workload, DumpedPromptsAreOneJsonObjectPerQuestion) {
  const test::TempDir dir;
  const Workload w = prepare_workload(embedded_request());
  dump_prompts(dir / "prompts.jsonl", w);
  std::ifstream in(dir / "prompts.jsonl");
  std::size_t lines = 0;
  for (std::string line; std::getline(in, line); ++lines) {
    const Json j = parse_json_text(line, "prompts.jsonl");
    const TokenizedQuestion& q = w.questions[lines];
    EXPECT_EQ(j["subject"], w.data.subjects[static_cast<std::size_t>(q.subject)].name);
    EXPECT_EQ(j["index"], w.source(q).index);
    EXPECT_EQ(j["gold"], w.source(q).answer);
    EXPECT_EQ(j["ids"].get<std::vector<std::int64_t>>(), q.prompt.ids);
    EXPECT_EQ(j["answer_ids"].get<std::vector<std::int64_t>>(),
              std::vector<std::int64_t>(w.answer_ids.begin(), w.answer_ids.end()));
  }
  EXPECT_EQ(lines, w.questions.size());
  EXPECT_THROW(dump_prompts(dir / "missing" / "p.jsonl", w), InputError);
}

}  // namespace
}  // namespace mmlu
