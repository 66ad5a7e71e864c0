// Partial results: what a run saves as it goes and `--resume` reads back. Whole blocks survive,
// a block cut short by a kill is dropped whole, and a file of another run is refused.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "mmlu/results/partial_results.hpp"
#include "mmlu/util/error.hpp"
#include "unprivileged.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;

QuestionResult result(std::int32_t subject, std::int64_t index) {
  QuestionResult q;
  q.subject = subject;
  q.index = index;
  q.gold = static_cast<std::int32_t>(index % 4);
  q.pred = 2;
  q.logprobs = {-1.25f, -2.5f, -0.125f, static_cast<float>(-index)};
  q.prompt_tokens = 300;
  q.shots = 5;
  return q;
}

RunKey key() {
  return {"00ff00ff00ff00ff", "sha-of-model", "fp32", "tp=1 dp=2"};
}

class PartialResultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mmlu-partial-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(PartialResultsTest, BlocksOfEveryGroupReadBackSortedAndBitwise) {
  {
    PartialWriter group0(dir_, 0, 0, key());
    PartialWriter group1(dir_, 0, 1, key());
    group0.append({result(1, 4), result(0, 2)});
    group1.append({result(0, 0)});
    group0.append({result(1, 0)});
  }
  ASSERT_TRUE(has_partial_results(dir_));
  const PartialResults read = read_partial_results(dir_, key());
  EXPECT_EQ(read.files, 2);
  EXPECT_EQ(read.next_attempt, 1);
  EXPECT_TRUE(read.warnings.empty());
  ASSERT_EQ(read.questions.size(), 4u);
  EXPECT_EQ(read.questions[0].subject, 0);
  EXPECT_EQ(read.questions[0].index, 0);
  EXPECT_EQ(read.questions[3].subject, 1);
  EXPECT_EQ(read.questions[3].index, 4);
  EXPECT_EQ(read.questions[3].logprobs, result(1, 4).logprobs);
  EXPECT_EQ(read.questions[3].gold, result(1, 4).gold);
}

TEST_F(PartialResultsTest, NoFolderMeansNothingDone) {
  const PartialResults read = read_partial_results(dir_, key());
  EXPECT_TRUE(read.questions.empty());
  EXPECT_EQ(read.next_attempt, 0);
  EXPECT_FALSE(has_partial_results(dir_));
}

TEST_F(PartialResultsTest, ATornLastBlockIsDroppedWhole) {
  fs::path file;
  {
    PartialWriter w(dir_, 0, 0, key());
    w.append({result(0, 0), result(0, 1)});
    w.append({result(0, 2), result(0, 3), result(0, 4)});
    file = w.path();
  }
  // A kill during the second write: its last record and checksum never reached the disk.
  fs::resize_file(file, fs::file_size(file) - 8 - sizeof(QuestionResult) / 2);
  const PartialResults read = read_partial_results(dir_, key());
  ASSERT_EQ(read.questions.size(), 2u);
  EXPECT_EQ(read.questions[1].index, 1);
  ASSERT_EQ(read.warnings.size(), 1u);
  EXPECT_NE(read.warnings[0].find("incomplete block"), std::string::npos);
}

TEST_F(PartialResultsTest, ACorruptedBlockEndsTheFileThere) {
  fs::path file;
  {
    PartialWriter w(dir_, 0, 0, key());
    w.append({result(0, 0)});
    w.append({result(0, 1)});
    file = w.path();
  }
  // Flip a byte of the second block's logprobs: its checksum no longer matches.
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(fs::file_size(file) - 8 - 3));
  f.put('\x7f');
  f.close();
  const PartialResults read = read_partial_results(dir_, key());
  ASSERT_EQ(read.questions.size(), 1u);
  EXPECT_EQ(read.questions[0].index, 0);
  EXPECT_EQ(read.warnings.size(), 1u);
}

TEST_F(PartialResultsTest, AnotherRunsFileIsRefusedByName) {
  { PartialWriter(dir_, 0, 0, key()).append({result(0, 0)}); }
  RunKey other = key();
  other.model = "another checkpoint";
  try {
    read_partial_results(dir_, other);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("attempt-0000.dp-0000.bin"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("model checkpoint"), std::string::npos);
  }
  other = key();
  other.work = "1111111111111111";
  EXPECT_THROW(read_partial_results(dir_, other), InputError);
  other = key();
  other.dtype = "bf16";
  EXPECT_THROW(read_partial_results(dir_, other), InputError);
}

TEST_F(PartialResultsTest, AnotherLayoutKeepsTheResultsWithAWarning) {
  { PartialWriter(dir_, 0, 0, key()).append({result(0, 0)}); }
  RunKey other = key();
  other.layout = "tp=2 dp=1";
  const PartialResults read = read_partial_results(dir_, other);
  EXPECT_EQ(read.questions.size(), 1u);
  ASSERT_EQ(read.warnings.size(), 1u);
  EXPECT_NE(read.warnings[0].find("another layout"), std::string::npos);
}

TEST_F(PartialResultsTest, AttemptsAddUpAndTheFirstCopyOfAQuestionWins) {
  { PartialWriter(dir_, 0, 0, key()).append({result(0, 0), result(0, 1)}); }
  {
    QuestionResult again = result(0, 1);
    again.logprobs[0] = 0;
    PartialWriter(dir_, 1, 0, key()).append({again, result(0, 2)});
  }
  const PartialResults read = read_partial_results(dir_, key());
  EXPECT_EQ(read.files, 2);
  EXPECT_EQ(read.next_attempt, 2);
  ASSERT_EQ(read.questions.size(), 3u);
  EXPECT_EQ(read.questions[1].logprobs, result(0, 1).logprobs);
}

TEST_F(PartialResultsTest, AnAttemptThatSavedNothingLeavesNothing) {
  { PartialWriter(dir_, 0, 0, key()).append({result(0, 0)}); }
  { PartialWriter unused(dir_, 1, 0, key()); }
  EXPECT_EQ(read_partial_results(dir_, key()).files, 1);
  fs::remove_all(dir_);
  { PartialWriter unused(dir_, 0, 0, key()); }
  EXPECT_FALSE(fs::exists(dir_));
}

TEST_F(PartialResultsTest, AFileCutBeforeItsHeaderEndedIsIgnored) {
  { PartialWriter(dir_, 0, 0, key()).append({result(0, 0)}); }
  for (std::size_t size : {0, 10, 20, 40}) {
    fs::remove(dir_ / "attempt-0001.dp-0000.bin");
    {
      PartialWriter w(dir_, 1, 0, key());
      w.append({result(0, 1)});
      fs::resize_file(w.path(), size);  // killed after creating the file, mid-header
    }
    const PartialResults read = read_partial_results(dir_, key());
    EXPECT_EQ(read.questions.size(), 1u) << size;
    ASSERT_EQ(read.warnings.size(), 1u) << size;
    EXPECT_NE(read.warnings[0].find("cut short before its header ended"), std::string::npos);
  }
}

TEST_F(PartialResultsTest, GarbageAndForeignFilesAreRefusedOrIgnored) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "notes.txt") << "kept";
  EXPECT_FALSE(has_partial_results(dir_));
  std::ofstream(dir_ / "attempt-0000.dp-0000.bin") << "not a partial file at all";
  EXPECT_THROW(read_partial_results(dir_, key()), InputError);
  remove_partial_results(dir_);
  EXPECT_FALSE(has_partial_results(dir_));
  EXPECT_TRUE(fs::exists(dir_ / "notes.txt"));  // not ours: left, with its folder
}

TEST_F(PartialResultsTest, AnUnwritableFolderIsRefusedByName) {
  // Seen as a user who cannot write there (root writes anywhere).
  fs::create_directories(dir_);
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                            fs::perms::group_exec | fs::perms::others_read |
                            fs::perms::others_exec);
  EXPECT_EQ(test::as_unprivileged([&] {
              try {
                PartialWriter writer(dir_, 0, 0, key());
              } catch (const InputError& e) {
                return std::string(e.what()).find((dir_ / "attempt-0000.dp-0000.bin").string() +
                                                  ": cannot be created") != std::string::npos;
              }
              return false;
            }),
            "");
  fs::permissions(dir_, fs::perms::owner_all);
}

}  // namespace
}  // namespace mmlu
