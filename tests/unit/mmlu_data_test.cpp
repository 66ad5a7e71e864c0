// Benchmark data: the CSV reader, the MMLU directory layout and JSON Lines, subjects and their
// categories, with the errors users see for malformed files.
#include <gtest/gtest.h>

#include <fstream>

#include "input_error.hpp"
#include "mmlu/data/mmlu_data.hpp"
#include "mmlu/data/subjects.hpp"
#include "mmlu/util/csv.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/sha256.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;

using test::input_error_of;

TEST(Csv, QuotedFieldsHoldCommasQuotesAndNewlines) {
  const auto records = parse_csv(
      "plain,\"a, b\",\"say \"\"hi\"\"\",\"two\nlines\",x\r\nsecond,row,,\"\",end\n", "t.csv");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields,
            (std::vector<std::string>{"plain", "a, b", "say \"hi\"", "two\nlines", "x"}));
  EXPECT_EQ(records[0].line, 1u);
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"second", "row", "", "", "end"}));
  EXPECT_EQ(records[1].line, 3u);  // the quoted newline moved it down a line
}

TEST(Csv, BlankLinesBomAndMissingFinalNewline) {
  const auto records = parse_csv(
      "\xEF\xBB\xBF"
      "a,b\n\nc,d",
      "t.csv");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].fields[0], "a");
  EXPECT_EQ(records[1].fields, (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(records[1].line, 3u);
}

TEST(Csv, ErrorsNameFileAndLine) {
  EXPECT_EQ(input_error_of([] { parse_csv("a,b\nc,\"open\nstill open", "x.csv"); }),
            "x.csv:2: unterminated quoted field");
  EXPECT_EQ(input_error_of([] { parse_csv("a\n\"q\"z,b\n", "x.csv"); }),
            "x.csv:2: unexpected character after a closing quote");
  EXPECT_EQ(input_error_of([] { parse_csv("ok\nbad \xC3\x28\n", "x.csv"); }),
            "x.csv:2: not valid UTF-8 (byte 7)");
}

TEST(Subjects, FiftySevenInTheOriginalFourCategories) {
  const char* all[] = {"abstract_algebra",        "world_religions", "high_school_us_history",
                       "professional_accounting", "sociology",       "anatomy"};
  EXPECT_EQ(subject_info(all[0]).category, "STEM");
  EXPECT_EQ(subject_info(all[1]).category, "humanities");
  EXPECT_EQ(subject_info(all[2]).subcategory, "history");
  EXPECT_EQ(subject_info(all[3]).category, "other");
  EXPECT_EQ(subject_info(all[4]).category, "social sciences");
  EXPECT_EQ(subject_info(all[5]).category, "other");  // categories.py, not lm-eval's grouping
  EXPECT_FALSE(subject_info("klingon").known);
  EXPECT_EQ(subject_info("klingon").category, "other");
  EXPECT_EQ(subject_title("high_school_us_history"), "high school us history");
}

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex(std::string(1000, 'a')),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3");
}

class MmluData : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mmlu_data_test_" +
            std::string(testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    for (const char* split : {"dev", "test", "val"}) fs::create_directories(dir_ / split);
    write("dev/anatomy_dev.csv", "d1,a,b,c,d,A\nd2,a,b,c,d,B\n");
    write("test/anatomy_test.csv", "\"What, exactly?\",a,b,c,d,C\nq2,a,b,c,d,D\nq3,a,b,c,d,A\n");
    write("dev/virology_dev.csv", "v,a,b,c,d,A\n");
    write("test/virology_test.csv", "t1,a,b,c,d,B\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  fs::path dir_;
};

TEST_F(MmluData, ReadsTheOriginalLayout) {
  const Dataset data = load_dataset(dir_, {});
  EXPECT_EQ(data.format, "csv");
  ASSERT_EQ(data.subjects.size(), 2u);
  EXPECT_EQ(data.subjects[0].name, "anatomy");
  EXPECT_EQ(data.subjects[0].dev.size(), 2u);
  ASSERT_EQ(data.subjects[0].eval.size(), 3u);
  EXPECT_EQ(data.subjects[0].eval[0].question, "What, exactly?");
  EXPECT_EQ(data.subjects[0].eval[0].answer, 2);
  EXPECT_EQ(data.subjects[0].eval[2].index, 2);
  EXPECT_EQ(data.question_count(), 4);
  EXPECT_EQ(data.sha256.size(), 64u);
  // Five shots asked for, and virology has one dev row, anatomy two.
  ASSERT_EQ(data.warnings.size(), 1u);
  EXPECT_NE(data.warnings[0].find("anatomy (2), virology (1)"), std::string::npos)
      << data.warnings[0];
  EXPECT_TRUE(load_dataset(dir_, {"test", {}, 0, 1}).warnings.empty());
}

TEST_F(MmluData, SubjectsLimitAndHashFollowTheSelection) {
  const Dataset limited = load_dataset(dir_, {"test", {"anatomy"}, 2, 5});
  ASSERT_EQ(limited.subjects.size(), 1u);
  EXPECT_EQ(limited.subjects[0].eval.size(), 2u);
  const std::string before = load_dataset(dir_, {}).sha256;
  write("test/virology_test.csv", "t1,a,b,c,d,C\n");
  EXPECT_NE(load_dataset(dir_, {}).sha256, before);
}

TEST_F(MmluData, ZeroShotRunsOfTheSameFilesHashAlike) {
  // mmlu_report compares runs by data_sha256: a 0-shot and a 5-shot run of one data set must
  // agree, though the 0-shot one reads no few-shot examples.
  const Dataset five = load_dataset(dir_, {"test", {}, 0, 5});
  const Dataset zero = load_dataset(dir_, {"test", {}, 0, 0});
  EXPECT_TRUE(zero.subjects[0].dev.empty());
  EXPECT_EQ(zero.sha256, five.sha256);
  write("dev/virology_dev.csv", "v,a,b,c,d,B\n");
  EXPECT_NE(load_dataset(dir_, {"test", {}, 0, 0}).sha256, zero.sha256);
  // At --shots 0 the dev files are optional, and a malformed one is never parsed.
  write("dev/virology_dev.csv", "\"unterminated\n");
  EXPECT_NO_THROW(load_dataset(dir_, {"test", {}, 0, 0}));
  fs::remove(dir_ / "dev" / "virology_dev.csv");
  EXPECT_EQ(load_dataset(dir_, {"test", {}, 0, 0}).subjects.size(), 2u);
}

TEST_F(MmluData, UnknownSubjectListsTheAvailableOnes) {
  EXPECT_EQ(input_error_of([&] {
              load_dataset(dir_, {"test", {"astrology"}, 0, 5});
            }),
            dir_.string() +
                ": no subject astrology in the test split (available: anatomy, "
                "virology)");
}

TEST_F(MmluData, BadRowsNameFileAndLine) {
  write("test/virology_test.csv", "t1,a,b,c,d,B\nt2,a,b,c,d\n");
  EXPECT_EQ(input_error_of([&] { load_dataset(dir_, {}); }),
            (dir_ / "test/virology_test.csv").string() +
                ":2: expected 6 fields (question, A, B, C, D, answer), found 5");
  write("test/virology_test.csv", "t1,a,b,c,d,E\n");
  EXPECT_EQ(
      input_error_of([&] { load_dataset(dir_, {}); }),
      (dir_ / "test/virology_test.csv").string() + ":1: answer \"E\" is not one of A, B, C, D");
}

TEST_F(MmluData, MissingDevFileIsAnErrorUnlessZeroShot) {
  fs::remove(dir_ / "dev/virology_dev.csv");
  EXPECT_NE(input_error_of([&] {
              load_dataset(dir_, {});
            }).find((dir_ / "dev/virology_dev.csv").string() + ": no such file"),
            std::string::npos);
  EXPECT_EQ(load_dataset(dir_, {"test", {}, 0, 0}).subjects.size(), 2u);
}

TEST_F(MmluData, EmptyFilesAreErrorsNotSilentlyFewerQuestionsOrShots) {
  write("dev/virology_dev.csv", "\n\n");
  EXPECT_EQ(input_error_of([&] { load_dataset(dir_, {}); }),
            (dir_ / "dev/virology_dev.csv").string() +
                ": no rows (the few-shot examples of virology; --shots 0 needs none)");
  EXPECT_EQ(load_dataset(dir_, {"test", {}, 0, 0}).subjects.size(), 2u);
  write("test/virology_test.csv", "");
  EXPECT_EQ(input_error_of([&] {
              load_dataset(dir_, {"test", {}, 0, 0});
            }),
            (dir_ / "test/virology_test.csv").string() + ": no questions");
}

TEST_F(MmluData, ASubjectFileNameThatIsNotUtf8IsNamed) {
  write("dev/caf\xE9_dev.csv", "k,a,b,c,d,A\n");
  write("test/caf\xE9_test.csv", "k,a,b,c,d,A\n");
  EXPECT_EQ(input_error_of([&] { load_dataset(dir_, {}); }),
            (dir_ / "test/caf\xE9_test.csv").string() + ": the file name is not valid UTF-8");
  EXPECT_EQ(load_dataset(dir_, {"test", {"anatomy"}, 0, 5}).subjects.size(), 1u);  // not chosen
}

TEST_F(MmluData, UnknownSubjectsAreGroupedAsOtherWithAWarning) {
  write("dev/klingon_dev.csv", "k,a,b,c,d,A\n");
  write("test/klingon_test.csv", "k,a,b,c,d,A\n");
  const Dataset data = load_dataset(dir_, {"test", {}, 0, 1});
  ASSERT_EQ(data.warnings.size(), 1u);
  EXPECT_NE(data.warnings[0].find("klingon"), std::string::npos);
}

TEST_F(MmluData, JsonLines) {
  write(
      "data.jsonl",
      R"({"subject": "anatomy", "split": "dev", "question": "d", "choices": ["a","b","c","d"], "answer": "B"})"
      "\n\n"
      R"({"subject": "anatomy", "split": "test", "question": "q", "choices": ["a","b","c","d"], "answer": 3})"
      "\n"
      R"({"subject": "anatomy", "split": "val", "question": "v", "choices": ["a","b","c","d"], "answer": 0})"
      "\n");
  const Dataset data = load_dataset(dir_ / "data.jsonl", {});
  EXPECT_EQ(data.format, "jsonl");
  ASSERT_EQ(data.subjects.size(), 1u);
  EXPECT_EQ(data.subjects[0].dev[0].answer, 1);
  ASSERT_EQ(data.subjects[0].eval.size(), 1u);
  EXPECT_EQ(data.subjects[0].eval[0].answer, 3);
  EXPECT_EQ(load_dataset(dir_ / "data.jsonl", {"val", {}, 0, 5}).subjects[0].eval[0].question, "v");
  // One dev row, five shots asked for: said, since the prompts get one.
  ASSERT_EQ(data.warnings.size(), 1u);
  EXPECT_NE(data.warnings[0].find("--shots 5, but these subjects have fewer dev rows"),
            std::string::npos);
  EXPECT_NE(data.warnings[0].find("anatomy (1)"), std::string::npos) << data.warnings[0];
  EXPECT_TRUE(load_dataset(dir_ / "data.jsonl", {"test", {}, 0, 1}).warnings.empty());

  write(
      "bad.jsonl",
      R"({"subject": "anatomy", "split": "test", "question": "q", "choices": ["a","b","c"], "answer": 0})"
      "\n");
  EXPECT_EQ(input_error_of([&] { load_dataset(dir_ / "bad.jsonl", {}); }),
            (dir_ / "bad.jsonl").string() + ":1: \"choices\" must be a list of 4 strings");
  write(
      "bad.jsonl",
      R"({"subject": "", "split": "test", "question": "q", "choices": ["a","b","c","d"], "answer": 0})"
      "\n");
  EXPECT_EQ(input_error_of([&] { load_dataset(dir_ / "bad.jsonl", {}); }),
            (dir_ / "bad.jsonl").string() + ":1: \"subject\" is empty");
  write("bad.jsonl", "{\"subject\": \n");
  EXPECT_NE(input_error_of([&] {
              load_dataset(dir_ / "bad.jsonl", {});
            }).find((dir_ / "bad.jsonl").string() + ":1: malformed JSON"),
            std::string::npos);
}

}  // namespace
}  // namespace mmlu
