// Hub datasets from local copies: the mirror layout (README configs or the naming conventions),
// the Hugging Face cache layout, parquet through Arrow (nested structs and lists), JSON Lines,
// and the refusals that name the file and the problem.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "input_error.hpp"
#include "mmlu/data/hub_dataset.hpp"
#include "mmlu/data/parquet_rows.hpp"
#include "task_fixtures.hpp"
#include "temp_dir.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;
const fs::path kHub = test::kTaskFixtures / "hub";

using test::input_error_of;

bool starts(const std::string& text, const std::string& prefix) {
  return text.rfind(prefix, 0) == 0;
}

TEST(HubDataset, ReadmeConfigsAndNamingConventionsFindTheSplits) {
  // ai2_arc declares its configs in README.md; sciq has none and keeps data/<split>-*.
  const fs::path arc = hub_repo_dir(kHub, "allenai/ai2_arc");
  const auto files = hub_split_files(arc, std::string("ARC-Challenge"), "validation");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0], arc / "ARC-Challenge" / "validation-00000-of-00001.parquet");
  const fs::path sciq = hub_repo_dir(kHub, "allenai/sciq");
  EXPECT_EQ(hub_split_files(sciq, std::nullopt, "train").at(0),
            sciq / "data" / "train-00000-of-00001.parquet");

  const std::string missing =
      input_error_of([&] { hub_split_files(arc, std::string("ARC-Easy"), "dev"); });
  EXPECT_EQ(missing, (arc / "README.md").string() +
                         ": config ARC-Easy has no split dev (it has train, validation, test)");
  EXPECT_TRUE(starts(input_error_of([&] { hub_split_files(sciq, std::nullopt, "dev"); }),
                     sciq.string() + ": no files for config default, split dev"));
  EXPECT_TRUE(starts(input_error_of([&] { hub_repo_dir(kHub, "nobody/nothing"); }),
                     kHub.string() + ": no dataset nobody/nothing"));
  EXPECT_TRUE(
      starts(input_error_of([&] { hub_repo_dir(kHub, "../../etc"); }), "dataset_path '../../etc'"));
}

TEST(HubDataset, ParquetRowsKeepTheHubsTypes) {
  const auto rows = read_data_rows(
      hub_split_files(hub_repo_dir(kHub, "allenai/ai2_arc"), std::string("ARC-Easy"), "test"));
  ASSERT_EQ(rows.size(), 8u);
  // A struct of lists (choices.text / choices.label), text with quotes and a newline.
  EXPECT_EQ(rows[1]["choices"]["label"], Json::parse(R"(["1", "2", "3", "4"])"));
  EXPECT_EQ(rows[1]["answerKey"], "4");  // a numeric answer key
  EXPECT_EQ(rows[2]["question"], " A leading space, a comma, and a\nnewline?");
  const auto mmlu = read_data_rows(
      hub_split_files(hub_repo_dir(kHub, "cais/mmlu"), std::string("anatomy"), "dev"));
  EXPECT_TRUE(mmlu.at(0)["answer"].is_number_integer());
  EXPECT_EQ(mmlu.at(0)["choices"].size(), 4u);
}

TEST(HubDataset, TheHuggingFaceCacheLayoutReadsAlike) {
  test::TempDir cache;
  const fs::path repo = cache / "datasets--allenai--ai2_arc";
  const fs::path snapshot = repo / "snapshots" / "0123abcd";
  fs::create_directories(snapshot / "ARC-Easy");
  fs::create_directories(repo / "snapshots" / "older");
  fs::create_directories(repo / "refs");
  std::ofstream(repo / "refs" / "main") << "0123abcd";
  const fs::path mirror = kHub / "allenai" / "ai2_arc";
  // The cache's snapshot files are links into blobs.
  fs::create_symlink(fs::absolute(mirror / "README.md"), snapshot / "README.md");
  fs::create_symlink(fs::absolute(mirror / "ARC-Easy" / "test-00000-of-00001.parquet"),
                     snapshot / "ARC-Easy" / "test-00000-of-00001.parquet");
  EXPECT_EQ(hub_repo_dir(cache.path(), "allenai/ai2_arc"), snapshot);
  EXPECT_EQ(read_data_rows(hub_split_files(snapshot, std::string("ARC-Easy"), "test")),
            read_data_rows(hub_split_files(mirror, std::string("ARC-Easy"), "test")));
  // Two snapshots and no refs/main: which one is meant is not guessed.
  fs::remove(repo / "refs" / "main");
  EXPECT_TRUE(starts(input_error_of([&] { hub_repo_dir(cache.path(), "allenai/ai2_arc"); }),
                     (repo / "snapshots").string() + ": 2 snapshots and no refs/main"));
}

TEST(HubDataset, JsonLinesFilesReadAsParquetDoes) {
  test::TempDir dir;
  const fs::path repo = dir / "o" / "r";
  fs::create_directories(repo / "data");
  const auto rows =
      read_data_rows(hub_split_files(hub_repo_dir(kHub, "baber/piqa"), std::nullopt, "validation"));
  {
    std::ofstream out(repo / "data" / "validation.jsonl");
    for (const Json& row : rows) out << row.dump() << "\n";
  }
  EXPECT_EQ(read_data_rows(hub_split_files(repo, std::nullopt, "validation")), rows);
  std::ofstream(repo / "data" / "test.jsonl") << "{\"a\": 1}\n[1]\n";
  EXPECT_EQ(input_error_of([&] { read_data_rows(hub_split_files(repo, std::nullopt, "test")); }),
            (repo / "data" / "test.jsonl").string() + ": line 2: not a JSON object");
}

TEST(HubDataset, BrokenFilesAreRefusedByName) {
  test::TempDir dir;
  const fs::path source = kHub / "allenai" / "ai2_arc" / "ARC-Easy" / "test-00000-of-00001.parquet";
  std::ifstream in(source, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  int refused = 0;
  for (std::size_t keep : {bytes.size() - 1, bytes.size() / 2, std::size_t{100}, std::size_t{4}}) {
    const fs::path cut = dir / ("cut" + std::to_string(keep) + ".parquet");
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, keep);
    EXPECT_TRUE(starts(input_error_of([&] { read_parquet_rows(cut); }),
                       cut.string() + ": not a readable parquet file"))
        << keep;
    ++refused;
  }
  EXPECT_EQ(refused, 4);
  // Found by fuzzing: 2.7 KB whose row group declares 131 billion rows, which Arrow would reserve
  // memory for before reading a value.
  const fs::path hostile = fs::path(MMLU_TEST_FIXTURES) / ".." / "fuzz" / "regressions" /
                           "parquet" / "timeout-3afb5ef8b423275ba85a35dc70110597ab9f4647";
  EXPECT_EQ(input_error_of([&] { read_parquet_rows(hostile); }),
            hostile.string() +
                ": not a readable parquet file (row group 0 declares 131111777912 rows of the "
                "file's 8)");
  std::ofstream(dir / "README.md") << "---\nconfigs: [unclosed\n---\n";
  EXPECT_TRUE(starts(input_error_of([&] { hub_split_files(dir.path(), std::nullopt, "test"); }),
                     (dir / "README.md").string() + ": malformed YAML front matter"));
  // Well-formed YAML with values of the wrong kind: a list for a name, a map for data_files.
  for (const char* configs : {"- config_name: [x]\n  data_files: a/*\n",
                              "- config_name: default\n  data_files: {test: a/*}\n"}) {
    std::ofstream(dir / "README.md") << "---\nconfigs:\n" << configs << "---\n";
    EXPECT_TRUE(starts(input_error_of([&] { hub_split_files(dir.path(), std::nullopt, "test"); }),
                       (dir / "README.md").string() + ": configs: malformed"))
        << configs;
  }
}

}  // namespace
}  // namespace mmlu
