// The run loop of one rank (evaluate_share) on a fixture model, on the CPU: every question of the
// share is scored once, as the model scores its whole prompt; questions an earlier attempt
// finished are skipped and the rest come out bit for bit as in an uninterrupted run; a stop is
// honoured at a batch boundary with what finished handed over; data-parallel shares together
// cover the workload exactly once.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "mmlu/checkpoint/model_config.hpp"
#include "mmlu/checkpoint/safetensors.hpp"
#include "mmlu/eval/evaluation.hpp"
#include "mmlu/parallel/collectives.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;

using Place = std::pair<std::int32_t, std::int64_t>;  // (subject, row)

// fp32 prefix reuse against the whole prompt: only the summation order differs.
constexpr float kTolerance = 1e-5f;

class EvaluateShare : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path dir = fs::path(MMLU_TEST_FIXTURES) / "models" / "llama_gqa";
    config_ = load_model_config(dir);
    Checkpoint checkpoint(dir);
    group_ = make_single_rank_collectives();
    model_ = std::make_unique<LlamaModel>(
        config_, load_llama_shard(checkpoint, config_, {0, 1, torch::kFloat32, torch::kCPU}),
        shard_layout(config_, 0, 1), *group_);
    // Two subjects of 9 and 6 questions: a prefix shared by a subject's questions, then a
    // question of 3 to 11 tokens; ids drawn from a fixed seed.
    std::mt19937 random(7);
    std::uniform_int_distribution<std::int64_t> id(3, config_.vocab_size - 1);
    std::uniform_int_distribution<int> length(3, 11);
    for (std::int32_t s = 0; s < 2; ++s) {
      SubjectData subject;
      subject.name = s == 0 ? "anatomy" : "virology";
      std::vector<std::int64_t> prefix(12 + 5 * s);
      for (auto& t : prefix) t = id(random);
      const int count = s == 0 ? 9 : 6;
      for (int q = 0; q < count; ++q) {
        Question question;
        question.index = q;
        question.answer = q % 4;
        subject.eval.push_back(question);
        TokenizedQuestion t{s, q, {prefix, 5, false}};
        for (int i = length(random); i > 0; --i) t.prompt.ids.push_back(id(random));
        questions_.push_back(t);
      }
      data_.subjects.push_back(subject);
    }
  }

  ShareOutcome run(const EvaluationShare& share, const EvaluationHooks& hooks = {}) {
    return evaluate_share(*model_, data_, questions_, answer_ids_, share, hooks);
  }

  // The four letters' log-probabilities after each whole prompt, one at a time.
  std::map<Place, std::array<float, 4>> whole_prompt_scores() {
    c10::InferenceMode inference;
    std::map<Place, std::array<float, 4>> scores;
    const std::vector<std::int64_t> candidates(answer_ids_.begin(), answer_ids_.end());
    for (const TokenizedQuestion& q : questions_) {
      const auto n = static_cast<std::int64_t>(q.prompt.ids.size());
      PackedBatch batch{torch::tensor(q.prompt.ids, torch::kInt64), {n}};
      const torch::Tensor s = model_->candidate_log_probs(nullptr, batch, {{0, n - 1}}, candidates);
      std::array<float, 4> row{};
      for (int c = 0; c < 4; ++c) row[c] = s[0][c].item<float>();
      scores[{q.subject, q.question}] = row;
    }
    return scores;
  }

  ModelConfig config_;
  std::unique_ptr<Collectives> group_;
  std::unique_ptr<LlamaModel> model_;
  Dataset data_;
  std::vector<TokenizedQuestion> questions_;
  const std::array<std::int64_t, 4> answer_ids_{30, 31, 32, 33};
};

std::map<Place, QuestionResult> by_place(const std::vector<QuestionResult>& results) {
  std::map<Place, QuestionResult> out;
  for (const QuestionResult& r : results) {
    EXPECT_TRUE(out.emplace(Place{r.subject, r.index}, r).second)
        << "scored twice: subject " << r.subject << " row " << r.index;
  }
  return out;
}

TEST_F(EvaluateShare, ScoresEveryQuestionOnceAsItsWholePromptDoes) {
  const auto whole = whole_prompt_scores();
  for (bool reuse : {true, false}) {
    std::vector<QuestionResult> handed_over;
    int batches = 0;
    EvaluationHooks hooks;
    hooks.finished = [&](const std::vector<QuestionResult>& block) {
      handed_over.insert(handed_over.end(), block.begin(), block.end());
    };
    hooks.on_batch = [&] { ++batches; };
    // Small batches, a flush every two: several blocks are handed over.
    const ShareOutcome outcome = run({0, 1, 48, reuse, 2, 60.0}, hooks);
    EXPECT_FALSE(outcome.stopped);
    EXPECT_GT(batches, 2);
    const auto results = by_place(outcome.results);
    ASSERT_EQ(results.size(), questions_.size()) << "reuse " << reuse;
    EXPECT_EQ(handed_over.size(), outcome.results.size());
    for (const TokenizedQuestion& q : questions_) {
      const QuestionResult& r = results.at({q.subject, q.question});
      EXPECT_EQ(r.gold, q.question % 4);
      EXPECT_EQ(r.prompt_tokens, static_cast<std::int32_t>(q.prompt.ids.size()));
      EXPECT_EQ(r.shots, 5);
      EXPECT_EQ(r.truncated, 0);
      EXPECT_EQ(r.pred, predicted_letter(r.logprobs));
      const auto& expected = whole.at({q.subject, q.question});
      for (int c = 0; c < 4; ++c)
        EXPECT_NEAR(r.logprobs[c], expected[c], kTolerance)
            << "subject " << q.subject << " row " << q.question << " letter " << c;
    }
  }
}

TEST_F(EvaluateShare, SkipsWhatAnEarlierAttemptFinishedAndRepeatsTheRestBitForBit) {
  const EvaluationShare share{0, 1, 48, true, 1, 60.0};
  std::vector<std::vector<QuestionResult>> blocks;
  EvaluationHooks record;
  record.finished = [&](const std::vector<QuestionResult>& block) { blocks.push_back(block); };
  const auto full = by_place(run(share, record).results);
  ASSERT_GE(blocks.size(), 3u);

  // An earlier attempt saved the first two blocks (whole batches, as a real attempt saves).
  EvaluationHooks resumed;
  resumed.done.assign(questions_.size(), 0);
  std::set<Place> saved;
  for (std::size_t b = 0; b < 2; ++b)
    for (const QuestionResult& r : blocks[b]) saved.insert({r.subject, r.index});
  for (std::size_t i = 0; i < questions_.size(); ++i)
    if (saved.count({questions_[i].subject, questions_[i].question})) resumed.done[i] = 1;
  const auto rest = by_place(run(share, resumed).results);
  EXPECT_EQ(rest.size() + saved.size(), questions_.size());
  for (const auto& [place, r] : rest) {
    EXPECT_EQ(saved.count(place), 0u) << "a finished question was run again";
    EXPECT_EQ(std::memcmp(&r, &full.at(place), sizeof r), 0)
        << "subject " << place.first << " row " << place.second << " differs";
  }
}

TEST_F(EvaluateShare, StopsAtABatchBoundaryHandingOverWhatFinished) {
  int asked = 0;
  std::vector<QuestionResult> handed_over;
  EvaluationHooks hooks;
  hooks.should_stop = [&] { return ++asked == 3; };  // before the first batch, after two
  hooks.finished = [&](const std::vector<QuestionResult>& block) {
    handed_over.insert(handed_over.end(), block.begin(), block.end());
  };
  const ShareOutcome outcome = run({0, 1, 48, true, 16, 60.0}, hooks);
  EXPECT_TRUE(outcome.stopped);
  EXPECT_EQ(asked, 3);
  EXPECT_GT(outcome.results.size(), 0u);
  EXPECT_LT(outcome.results.size(), questions_.size());
  EXPECT_EQ(by_place(handed_over).size(), outcome.results.size());

  // Asked to stop before the first batch: nothing runs.
  EvaluationHooks at_once;
  at_once.should_stop = [] { return true; };
  const ShareOutcome none = run({0, 1, 48, true, 16, 60.0}, at_once);
  EXPECT_TRUE(none.stopped);
  EXPECT_TRUE(none.results.empty());
}

TEST_F(EvaluateShare, DataParallelSharesCoverTheWorkloadOnce) {
  const auto whole = whole_prompt_scores();
  std::vector<QuestionResult> all;
  int busy = 0;
  for (int dp_rank = 0; dp_rank < 3; ++dp_rank) {
    const ShareOutcome outcome = run({dp_rank, 3, 48, true, 16, 60.0});
    busy += outcome.results.empty() ? 0 : 1;
    all.insert(all.end(), outcome.results.begin(), outcome.results.end());
  }
  EXPECT_GE(busy, 2) << "the work was not shared";
  const auto results = by_place(all);
  ASSERT_EQ(results.size(), questions_.size());
  for (const auto& [place, r] : results)
    for (int c = 0; c < 4; ++c) EXPECT_NEAR(r.logprobs[c], whole.at(place)[c], kTolerance);
}

}  // namespace
}  // namespace mmlu
