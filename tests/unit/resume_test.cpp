// Resuming: what earlier attempts saved in OUT.partial/ becomes this run's finished questions,
// leftover partial results are never buried silently, and a results file already at OUT is
// recognised as this run's (nothing to do) or refused as another's.
#include <gtest/gtest.h>

#include "mmlu/results/results.hpp"
#include "mmlu/results/resume.hpp"
#include "mmlu/util/error.hpp"
#include "temp_dir.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;

// Two subjects of three questions each; gold letters by row.
Workload workload() {
  Workload w;
  for (std::int32_t s = 0; s < 2; ++s) {
    SubjectData subject;
    subject.name = s == 0 ? "anatomy" : "virology";
    for (std::int64_t q = 0; q < 3; ++q) {
      subject.eval.push_back({"q", {"a", "b", "c", "d"}, static_cast<int>(q % 4), q});
      w.questions.push_back({s, q, {{1, 2, 3}, 5, false}});
    }
    w.data.subjects.push_back(subject);
  }
  return w;
}

QuestionResult saved(std::int32_t subject, std::int64_t row) {
  QuestionResult r;
  r.subject = subject;
  r.index = row;
  r.gold = static_cast<std::int32_t>(row % 4);
  r.logprobs = {-1.0f, -2.0f, -3.0f, -4.0f};
  return r;
}

const RunKey kKey{"0123456789abcdef", "weights", "fp32", "tp=1 dp=1"};

class Resume : public ::testing::Test {
 protected:
  fs::path partial() const { return partial_dir(out()); }
  fs::path out() const { return dir_ / "r.h5"; }
  void save(const std::vector<QuestionResult>& results, int attempt = 0, int dp = 0) {
    PartialWriter writer(partial(), attempt, dp, kKey);
    writer.append(results);
  }
  test::TempDir dir_;
  const Workload work_ = workload();
};

TEST_F(Resume, FreshRunWithNothingSaved) {
  for (bool resume : {false, true}) {
    const ResumeState s = read_resume_state(partial(), kKey, work_, resume, false);
    EXPECT_TRUE(s.results.empty());
    EXPECT_EQ(s.done, std::vector<char>(6, 0));
    EXPECT_EQ(s.attempt, 0);
  }
}

TEST_F(Resume, SavedQuestionsAreDoneAndTheNextAttemptIsNumberedOn) {
  save({saved(1, 2), saved(0, 0)}, 0, 0);
  save({saved(0, 1)}, 1, 0);
  const ResumeState s = read_resume_state(partial(), kKey, work_, true, false);
  EXPECT_EQ(s.results.size(), 3u);
  EXPECT_EQ(s.done, (std::vector<char>{1, 1, 0, 0, 0, 1}));
  EXPECT_EQ(s.attempt, 2);
  EXPECT_EQ(s.files, 2);
}

TEST_F(Resume, LeftoverPartialResultsAreRefusedUnlessOverwritten) {
  save({saved(0, 0)});
  try {
    read_resume_state(partial(), kKey, work_, false, false);
    FAIL() << "buried an interrupted run's results";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("pass --resume"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(has_partial_results(partial()));
  const ResumeState s = read_resume_state(partial(), kKey, work_, false, true);
  EXPECT_EQ(s.done, std::vector<char>(6, 0));
  EXPECT_FALSE(has_partial_results(partial()));
}

TEST_F(Resume, ASavedResultOfOtherDataIsRefused) {
  save({saved(0, 7)});  // no row 7
  EXPECT_THROW(read_resume_state(partial(), kKey, work_, true, false), InputError);
  fs::remove_all(partial());
  QuestionResult other_gold = saved(1, 1);
  other_gold.gold = 3;
  save({other_gold});
  EXPECT_THROW(read_resume_state(partial(), kKey, work_, true, false), InputError);
}

TEST_F(Resume, AResultsFileAtOutIsThisRunsOrRefused) {
  EXPECT_FALSE(finished_before(out(), kKey, true, false));  // none there
  Provenance p;
  p.text["run_work"] = kKey.work;
  p.text["run_weights"] = kKey.model;
  p.text["dtype"] = kKey.dtype;
  write_results_file(out(), {"anatomy", "virology"}, {saved(0, 0)}, p);
  EXPECT_TRUE(finished_before(out(), kKey, true, false));
  EXPECT_FALSE(finished_before(out(), kKey, false, false)) << "without --resume";
  EXPECT_FALSE(finished_before(out(), kKey, true, true)) << "with --overwrite";
  RunKey other = kKey;
  other.model = "other weights";
  EXPECT_THROW(finished_before(out(), other, true, false), InputError);
  other = kKey;
  other.dtype = "bf16";
  EXPECT_THROW(finished_before(out(), other, true, false), InputError);
  fs::create_directories(dir_ / "adir.h5");
  EXPECT_THROW(finished_before(dir_ / "adir.h5", kKey, true, false), InputError);
}

}  // namespace
}  // namespace mmlu
