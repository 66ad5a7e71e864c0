// The results file: summary arithmetic, the HDF5 round trip, atomic replacement and refusals,
// and the comparison statistics.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <fstream>

#include "child_process.hpp"
#include "mmlu/results/report.hpp"
#include "mmlu/results/results.hpp"
#include "mmlu/util/error.hpp"
#include "unprivileged.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;

QuestionResult question(std::int32_t subject, std::int64_t index, std::int32_t gold,
                        std::int32_t pred) {
  QuestionResult q;
  q.subject = subject;
  q.index = index;
  q.gold = gold;
  q.pred = pred;
  q.logprobs = {-1.5f, -2.0f, -0.25f, -3.0f};
  q.prompt_tokens = 100 + static_cast<std::int32_t>(index);
  q.shots = 5;
  return q;
}

TEST(Results, MicroAndMacroAccuracyPerSubjectAndCategory) {
  // anatomy (other): 1 of 2; college_physics (STEM): 3 of 3; world_religions (humanities): 0 of 1
  const std::vector<std::string> names{"anatomy", "college_physics", "world_religions"};
  const std::vector<QuestionResult> q{question(0, 0, 1, 1), question(0, 1, 2, 0),
                                      question(1, 0, 0, 0), question(1, 1, 3, 3),
                                      question(1, 2, 2, 2), question(2, 0, 1, 2)};
  const Summary s = summarize(names, q);
  EXPECT_EQ(s.n, 6);
  EXPECT_EQ(s.correct, 4);
  EXPECT_DOUBLE_EQ(s.accuracy, 4.0 / 6);
  EXPECT_DOUBLE_EQ(s.accuracy_macro, (0.5 + 1.0 + 0.0) / 3);
  ASSERT_EQ(s.categories.size(), 3u);
  EXPECT_EQ(s.categories[0].name, "STEM");
  EXPECT_EQ(s.categories[0].correct, 3);
  EXPECT_EQ(s.categories[1].name, "humanities");
  EXPECT_EQ(s.categories[2].name, "other");
  EXPECT_DOUBLE_EQ(s.categories[2].accuracy, 0.5);
}

class ResultsFileTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mmlu_results_test_" +
            std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all);
    fs::remove_all(dir_);
  }
  fs::path dir_;
};

TEST_F(ResultsFileTest, RoundTripKeepsEveryColumnAndAttribute) {
  const std::vector<std::string> names{"anatomy", "virology"};
  std::vector<QuestionResult> q{question(0, 0, 1, 1), question(1, 0, 2, 0), question(1, 1, 3, 3)};
  q[1].truncated = 1;
  Provenance p;
  p.text["model_path"] = "/models/x";
  p.text["split"] = "test";
  p.numbers["tp"] = 2;
  const fs::path out = dir_ / "r.h5";
  write_results_file(out, names, q, p);
  EXPECT_FALSE(fs::exists(dir_ / "r.h5.tmp"));
  const ResultsFile r = read_results_file(out);
  EXPECT_EQ(r.subject_names, names);
  ASSERT_EQ(r.questions.size(), 3u);
  EXPECT_EQ(r.questions[1].gold, 2);
  EXPECT_EQ(r.questions[1].pred, 0);
  EXPECT_EQ(r.questions[1].truncated, 1);
  EXPECT_EQ(r.questions[2].prompt_tokens, 101);
  EXPECT_EQ(r.questions[2].logprobs, q[2].logprobs);
  EXPECT_EQ(r.provenance.text.at("model_path"), "/models/x");
  EXPECT_EQ(r.provenance.numbers.at("tp"), 2);
  EXPECT_DOUBLE_EQ(r.summary.accuracy, 2.0 / 3);
}

TEST_F(ResultsFileTest, OutputChecksRefuseWhatCannotBeWritten) {
  const fs::path out = dir_ / "r.h5";
  EXPECT_NO_THROW(check_output_path(out, false));
  // The probe file (.r.h5.probe-XXXXXX) is gone: the folder is as empty as before.
  EXPECT_TRUE(fs::is_empty(dir_)) << "left " << fs::directory_iterator(dir_)->path();
  std::ofstream(out) << "old";
  EXPECT_THROW(check_output_path(out, false), InputError);
  EXPECT_NO_THROW(check_output_path(out, true));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
  EXPECT_THROW(check_output_path(dir_ / "missing" / "r.h5", true), InputError);
  // A folder its user cannot write to, seen as that user (root writes anywhere).
  const fs::path locked = dir_ / "locked";
  fs::create_directories(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                              fs::perms::group_exec | fs::perms::others_read |
                              fs::perms::others_exec);
  EXPECT_EQ(test::as_unprivileged([&] {
              try {
                check_output_path(locked / "new.h5", false);
              } catch (const InputError& e) {
                return std::string(e.what()).find(locked.string() + "/new.h5: cannot be written") !=
                       std::string::npos;
              }
              return false;
            }),
            "");
}

TEST_F(ResultsFileTest, AFailedWriteLeavesTheOldFileAndNoTemporary) {
  const fs::path out = dir_ / "r.h5";
  std::ofstream(out) << "old";
  // A subject index outside the list makes the summary fail before anything is written.
  EXPECT_THROW(write_results_file(out, {"anatomy"}, {question(3, 0, 0, 0)}, {}), Error);
  std::ifstream in(out);
  std::string text;
  in >> text;
  EXPECT_EQ(text, "old");
  EXPECT_FALSE(fs::exists(dir_ / "r.h5.tmp"));
}

// A disk that fills while the file is written (here a 16 KiB file-size limit, which fails the
// write as a full disk does): an Error naming the file and the system's reason, no temporary
// left, the old file kept, and HDF5's own shutdown afterwards is clean (it used to crash there).
TEST_F(ResultsFileTest, AFullDiskIsAnErrorNamingTheFileNotACrash) {
  const fs::path out = dir_ / "r.h5";
  std::ofstream(out) << "old";
  std::vector<QuestionResult> many;
  for (std::int64_t i = 0; i < 2000; ++i) many.push_back(question(0, i, 1, 1));
  std::string message;
  const std::string outcome = test::with_file_size_limit(16 << 10, [&] {
    try {
      write_results_file(out, {"anatomy"}, many, {});
      return false;
    } catch (const InputError&) {
      return false;  // the disk's failure is not the user's input
    } catch (const Error& e) {
      message = e.what();
    }
    H5close();  // the library's exit-time cleanup, as the program's exit runs it
    return message == (dir_ / "r.h5.tmp").string() + ": cannot be written (File too large)" &&
           !fs::exists(dir_ / "r.h5.tmp");
  });
  EXPECT_EQ(outcome, "");
  std::ifstream in(out);
  std::string text;
  in >> text;
  EXPECT_EQ(text, "old");
  EXPECT_FALSE(fs::exists(dir_ / "r.h5.tmp"));
  // Without the limit the same file is written, and reads back.
  write_results_file(out, {"anatomy"}, many, {});
  EXPECT_EQ(read_results_file(out).questions.size(), many.size());
}

TEST_F(ResultsFileTest, NotAResultsFileIsAnInputError) {
  std::ofstream(dir_ / "x.h5") << "not hdf5";
  EXPECT_THROW(read_results_file(dir_ / "x.h5"), InputError);
  EXPECT_THROW(read_results_file(dir_ / "none.h5"), InputError);
}

TEST(Report, SignTestAndComparison) {
  EXPECT_DOUBLE_EQ(two_sided_sign_test(0, 0), 1.0);
  EXPECT_NEAR(two_sided_sign_test(0, 10), 2.0 / 1024, 1e-12);
  EXPECT_NEAR(two_sided_sign_test(2, 10), 2 * (1 + 10 + 45) / 1024.0, 1e-12);
  EXPECT_DOUBLE_EQ(two_sided_sign_test(5, 10), 1.0);

  ResultsFile base, next;
  base.subject_names = next.subject_names = {"anatomy"};
  for (int i = 0; i < 10; ++i) {
    base.questions.push_back(question(0, i, 0, 0));              // all right
    next.questions.push_back(question(0, i, 0, i < 7 ? 0 : 1));  // three wrong
  }
  base.summary = summarize(base.subject_names, base.questions);
  next.summary = summarize(next.subject_names, next.questions);
  const Comparison c = compare_results(base, next);
  EXPECT_EQ(c.all.paired, 10);
  EXPECT_EQ(c.all.base_only, 3);
  EXPECT_EQ(c.all.new_only, 0);
  EXPECT_NEAR(c.delta_points, -30.0, 1e-9);
  EXPECT_NEAR(c.all.p_value, 2.0 / 8, 1e-12);
}

TEST(Report, EachCategoryIsPairedOnItsOwnQuestions) {
  // anatomy (other) loses 8 questions, college_physics (STEM) gains 8: no change over all
  // questions, a significant one in each category.
  ResultsFile base, next;
  base.subject_names = next.subject_names = {"anatomy", "college_physics"};
  for (std::int32_t subject : {0, 1})
    for (int i = 0; i < 10; ++i) {
      const bool lost = subject == 0 && i < 8, gained = subject == 1 && i < 8;
      base.questions.push_back(question(subject, i, 0, gained ? 1 : 0));
      next.questions.push_back(question(subject, i, 0, lost ? 1 : 0));
    }
  // Row 10 of anatomy only in NEW: unpaired, counted nowhere.
  next.questions.push_back(question(0, 10, 0, 1));
  base.summary = summarize(base.subject_names, base.questions);
  next.summary = summarize(next.subject_names, next.questions);
  const Comparison c = compare_results(base, next);
  EXPECT_EQ(c.all.paired, 20);
  EXPECT_EQ(c.all.base_only, 8);
  EXPECT_EQ(c.all.new_only, 8);
  EXPECT_DOUBLE_EQ(c.all.p_value, 1.0);
  ASSERT_EQ(c.categories.size(), 2u);
  const PairedTest& other = c.categories.at("other");
  EXPECT_EQ(other.paired, 10);
  EXPECT_EQ(other.base_only, 8);
  EXPECT_EQ(other.new_only, 0);
  EXPECT_NEAR(other.p_value, 2.0 / 256, 1e-12);
  const PairedTest& stem = c.categories.at("STEM");
  EXPECT_EQ(stem.paired, 10);
  EXPECT_EQ(stem.base_only, 0);
  EXPECT_EQ(stem.new_only, 8);
  EXPECT_NEAR(stem.p_value, 2.0 / 256, 1e-12);
}

TEST(Report, RunsOnDifferentQuestionsAreNotPaired) {
  ResultsFile base;
  base.path = "base.h5";
  base.subject_names = {"anatomy"};
  base.questions = {question(0, 0, 0, 0)};
  base.summary = summarize(base.subject_names, base.questions);
  base.provenance.text = {{"data_sha256", "aa"}, {"split", "test"}};
  base.provenance.numbers = {{"limit", 0}, {"shots", 5}};
  ResultsFile next = base;
  next.path = "next.h5";
  next.provenance.numbers["shots"] = 0;  // other prompts, the same questions: compared
  EXPECT_EQ(compare_results(base, next).all.paired, 1);
  auto refused = [&](const std::function<void(ResultsFile&)>& change) {
    ResultsFile other = next;
    change(other);
    try {
      compare_results(base, other);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(compared)");
  };
  EXPECT_EQ(refused([](ResultsFile& f) { f.provenance.text["split"] = "val"; }),
            "next.h5: not the questions of base.h5 (the val split, not test); only runs on the "
            "same questions compare");
  EXPECT_NE(refused([](ResultsFile& f) {
              f.provenance.text["data_sha256"] = "bb";
            }).find("another data set"),
            std::string::npos);
  EXPECT_NE(refused([](ResultsFile& f) { f.provenance.numbers["limit"] = 5; }).find("--limit"),
            std::string::npos);
  EXPECT_NE(refused([](ResultsFile& f) { f.subject_names = {"virology"}; }).find("other subjects"),
            std::string::npos);
  // CSV data's hash covers only the files read, so a subset of subjects, or another split, comes
  // with another hash: the reason given is still the specific one.
  EXPECT_NE(refused([](ResultsFile& f) {
              f.subject_names = {"anatomy", "philosophy"};
              f.provenance.text["data_sha256"] = "bb";
            }).find("(other subjects)"),
            std::string::npos);
  EXPECT_NE(refused([](ResultsFile& f) {
              f.provenance.text["split"] = "val";
              f.provenance.text["data_sha256"] = "bb";
            }).find("(the val split, not test)"),
            std::string::npos);
}

}  // namespace
}  // namespace mmlu
