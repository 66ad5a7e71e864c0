// A sweep's summary: the list format and its refusals, regressions against the baseline by the
// tolerance, checkpoints without results, and the CSV table.
#include <gtest/gtest.h>
#include <hdf5.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>

#include "child_process.hpp"
#include "mmlu/results/results.hpp"
#include "mmlu/results/sweep.hpp"
#include "mmlu/util/error.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;

class SweepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mmlu-sweep-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path list(const std::string& text) {
    std::ofstream(dir_ / "list") << text;
    return dir_ / "list";
  }
  // NAME.h5 with `correct` of 100 anatomy questions right.
  void results(const std::string& name, int correct) {
    std::vector<QuestionResult> q(100);
    for (int i = 0; i < 100; ++i) {
      q[static_cast<std::size_t>(i)].index = i;
      q[static_cast<std::size_t>(i)].gold = 1;
      q[static_cast<std::size_t>(i)].pred = i < correct ? 1 : 2;
    }
    write_results_file(dir_ / (name + ".h5"), {"anatomy"}, q, {});
  }
  // NAME.h5 with 20 anatomy (other) and 20 college_physics (STEM) questions; question i of each
  // is right when its bit in the mask is set.
  void two_categories(const std::string& name, std::uint32_t anatomy, std::uint32_t physics) {
    std::vector<QuestionResult> q;
    for (std::int32_t subject : {0, 1})
      for (int i = 0; i < 20; ++i) {
        QuestionResult r;
        r.subject = subject;
        r.index = i;
        r.gold = 0;
        r.pred = ((subject == 0 ? anatomy : physics) >> i) & 1u ? 0 : 3;
        q.push_back(r);
      }
    write_results_file(dir_ / (name + ".h5"), {"anatomy", "college_physics"}, q, {});
  }
  fs::path dir_;
};

TEST_F(SweepTest, ListLinesAreNamePathWithCommentsSkipped) {
  const auto entries = read_sweep_list(
      list("# sweep\n\nstep-1000 /ckpt/a\n  step_2000.v2\t/ckpt/with space/b  \n"), dir_);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].name, "step-1000");
  EXPECT_EQ(entries[0].results, dir_ / "step-1000.h5");
  EXPECT_EQ(entries[1].name, "step_2000.v2");
}

TEST_F(SweepTest, BadListsAreRefusedWithFileAndLine) {
  auto message = [&](const std::string& text) {
    try {
      read_sweep_list(list(text), dir_);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("a /x\nonly-a-name\n").find("list:2: expected 'NAME PATH'"), std::string::npos);
  EXPECT_NE(message("a/b /x\n").find("list:1"), std::string::npos);
  EXPECT_NE(message("a /x\na /y\n").find("list:2: checkpoint name 'a' is used twice"),
            std::string::npos);
  EXPECT_NE(message("# nothing\n").find("lists no checkpoints"), std::string::npos);
  EXPECT_THROW(read_sweep_list(dir_ / "absent", dir_), InputError);
}

TEST_F(SweepTest, ARegressionBeyondTheToleranceIsFlagged) {
  results("base", 60);
  results("same", 60);
  results("slightly", 59);  // 1 point below: within a 1.5 point tolerance
  results("worse", 50);
  const auto entries = read_sweep_list(list("base a\nsame b\nslightly c\nworse d\n"), dir_);
  const SweepSummary s = summarize_sweep(entries, "base", 1.5);
  EXPECT_EQ(s.regressed, std::vector<std::string>{"worse"});
  EXPECT_TRUE(s.missing.empty());
  const SweepSummary strict = summarize_sweep(entries, "base", 0.5);
  EXPECT_EQ(strict.regressed, (std::vector<std::string>{"slightly", "worse"}));
  const SweepSummary against_worse = summarize_sweep(entries, "worse", 1.0);
  EXPECT_TRUE(against_worse.regressed.empty());
  for (const SweepRow& r : s.rows)
    if (r.checkpoint == "worse" && r.scope == "all") {
      EXPECT_DOUBLE_EQ(r.accuracy, 50.0);
      EXPECT_DOUBLE_EQ(r.delta_points, -10.0);
      EXPECT_LT(r.p_value, 0.01);  // 10 discordant pairs, all one way
      EXPECT_EQ(r.status, "regressed");
    }
}

TEST_F(SweepTest, MissingResultsAreReportedAndAMissingBaselineRefused) {
  results("base", 60);
  const auto entries = read_sweep_list(list("base a\nfailed b\n"), dir_);
  const SweepSummary s = summarize_sweep(entries, "base", 1.0);
  EXPECT_EQ(s.missing, std::vector<std::string>{"failed"});
  EXPECT_THROW(summarize_sweep(entries, "failed", 1.0), InputError);
  EXPECT_THROW(summarize_sweep(entries, "nobody", 1.0), InputError);
}

TEST_F(SweepTest, AnUnreadableOrIncomparableFileIsUnusableAndTheRestStillSummarised) {
  results("base", 60);
  results("worse", 50);
  std::ofstream(dir_ / "broken.h5") << "not hdf5";
  // Another subject list: other questions than the baseline's, so no paired comparison.
  write_results_file(dir_ / "other.h5", {"astronomy"}, std::vector<QuestionResult>(3), {});
  const auto entries = read_sweep_list(list("base a\nbroken b\nother c\nworse d\n"), dir_);
  const SweepSummary s = summarize_sweep(entries, "base", 1.0);
  ASSERT_EQ(s.unusable.size(), 2u);
  EXPECT_EQ(s.unusable[0].rfind("broken: ", 0), 0u) << s.unusable[0];
  EXPECT_NE(s.unusable[0].find("broken.h5: not an HDF5 file"), std::string::npos);
  EXPECT_EQ(s.unusable[1].rfind("other: ", 0), 0u) << s.unusable[1];
  EXPECT_NE(s.unusable[1].find("not the questions of"), std::string::npos);
  EXPECT_EQ(s.regressed, std::vector<std::string>{"worse"});
  EXPECT_TRUE(s.missing.empty());
  int unusable_rows = 0;
  for (const SweepRow& r : s.rows)
    if (r.status == "unusable") {
      ++unusable_rows;
      EXPECT_EQ(r.scope, "all");
      EXPECT_EQ(r.n, 0);
    }
  EXPECT_EQ(unusable_rows, 2);
  EXPECT_NE(s.text.find("unusable: " + (dir_ / "broken.h5").string()), std::string::npos) << s.text;
  // The baseline itself must be usable: nothing can be compared without it.
  EXPECT_THROW(summarize_sweep(entries, "broken", 1.0), InputError);
}

TEST_F(SweepTest, TheCsvHoldsOneRowPerCheckpointAndScope) {
  results("base", 60);
  results("worse", 50);
  const auto entries = read_sweep_list(list("base a\nworse b\n"), dir_);
  write_sweep_csv(dir_ / "summary.csv", summarize_sweep(entries, "base", 1.0));
  std::ifstream in(dir_ / "summary.csv");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(),
            "checkpoint,scope,status,n,correct,accuracy,delta_points,p_value\n"
            "base,all,baseline,100,60,60.000000,0.000000,1\n"
            "base,other,baseline,100,60,60.000000,0.000000,1\n"
            "worse,all,regressed,100,50,50.000000,-10.000000,0.00195312\n"
            // Its one category falls as far, significantly (p = 0.002 < 1%): judged as well.
            "worse,other,regressed,100,50,50.000000,-10.000000,0.00195312\n");
  EXPECT_FALSE(fs::exists(dir_ / "summary.csv.tmp"));
}

TEST_F(SweepTest, EachCategoryIsTestedOnItsOwnPairedQuestions) {
  // Against the baseline, "shifted" gets 10 anatomy questions wrong that the baseline got right
  // and 10 college_physics questions right that it got wrong: all questions even, each category
  // significantly different.
  two_categories("base", 0x003ff, 0x00000);  // anatomy 0-9 right, physics none
  two_categories("shifted", 0x00000, 0x003ff);
  two_categories("same", 0x003ff, 0x00000);
  const SweepSummary s =
      summarize_sweep(read_sweep_list(list("base a\nshifted b\nsame c\n"), dir_), "base", 1.0);
  std::map<std::string, const SweepRow*> rows;
  for (const SweepRow& r : s.rows) rows[r.checkpoint + "/" + r.scope] = &r;
  ASSERT_EQ(rows.size(), 9u);  // all, STEM, other for each
  const double ten_one_way = 2.0 / 1024;
  EXPECT_DOUBLE_EQ(rows.at("shifted/all")->p_value, 1.0);
  EXPECT_NEAR(rows.at("shifted/other")->p_value, ten_one_way, 1e-12);
  EXPECT_NEAR(rows.at("shifted/STEM")->p_value, ten_one_way, 1e-12);
  EXPECT_DOUBLE_EQ(rows.at("shifted/other")->delta_points, -50.0);
  EXPECT_DOUBLE_EQ(rows.at("shifted/STEM")->delta_points, 50.0);
  // 50 points down on 20 questions with p = 0.002, below 1% / 2 categories: a regression,
  // although all questions are even; 50 points up is none.
  EXPECT_EQ(rows.at("shifted/other")->status, "regressed");
  EXPECT_EQ(rows.at("shifted/STEM")->status, "ok");
  EXPECT_EQ(rows.at("shifted/all")->status, "ok");
  EXPECT_EQ(s.regressed, (std::vector<std::string>{"shifted"}));
  EXPECT_EQ(rows.at("same/other")->status, "ok");
  EXPECT_DOUBLE_EQ(rows.at("same/other")->p_value, 1.0);
  EXPECT_DOUBLE_EQ(rows.at("base/STEM")->p_value, 1.0);
  // The text shows every row's p and status, as the CSV does.
  EXPECT_NE(s.text.find("shifted                  other                  20     0.00    -50.00  "
                        "0.00195  regressed\n"),
            std::string::npos)
      << s.text;
  EXPECT_NE(s.text.find("base                     STEM                   20     0.00     +0.00  "
                        "      1  baseline\n"),
            std::string::npos)
      << s.text;
}

TEST_F(SweepTest, ACategoryDropThatMayBeChanceIsNoRegression) {
  // Two anatomy questions lost: 10 points down on that category (p = 0.5), 5 on all questions.
  two_categories("base", 0x003ff, 0x00000);
  two_categories("slip", 0x000ff, 0x00000);
  const SweepSummary s =
      summarize_sweep(read_sweep_list(list("base a\nslip b\n"), dir_), "base", 6.0);
  for (const SweepRow& r : s.rows)
    EXPECT_NE(r.status, "regressed") << r.checkpoint << "/" << r.scope;
  EXPECT_TRUE(s.regressed.empty());
  // The same drop on all questions, beyond 4 points, is one: all questions gate on points alone.
  EXPECT_EQ(summarize_sweep(read_sweep_list(list("base a\nslip b\n"), dir_), "base", 4.0).regressed,
            (std::vector<std::string>{"slip"}));
}

// A disk that fills while a summary is written (a 4 KiB file-size limit): an Error naming the
// file and the system's reason, no temporary left, and a clean HDF5 shutdown after it.
TEST_F(SweepTest, AFullDiskWhileWritingASummaryIsAnErrorNamingTheFile) {
  SweepSummary summary;
  for (int i = 0; i < 400; ++i)
    summary.rows.push_back(
        {"step-" + std::to_string(i), "all", "ok", 14042, 9000, 64.1, -0.2, 0.5});
  for (const char* name : {"summary.h5", "summary.csv"}) {
    const fs::path path = dir_ / name;
    std::string message;
    const std::string outcome = test::with_file_size_limit(4 << 10, [&] {
      try {
        if (path.extension() == ".h5")
          write_sweep_hdf5(path, summary, "step-0", 1.0);
        else
          write_sweep_csv(path, summary);
        return false;
      } catch (const InputError&) {
        return false;
      } catch (const Error& e) {
        message = e.what();
      }
      H5close();
      return message == path.string() + ".tmp: cannot be written (File too large)" &&
             !fs::exists(path.string() + ".tmp") && !fs::exists(path);
    });
    EXPECT_EQ(outcome, "") << name;
  }
}

}  // namespace
}  // namespace mmlu
