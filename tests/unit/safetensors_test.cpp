// The safetensors reader against well-formed and hostile files, each built byte by byte here.
#include "mmlu/checkpoint/safetensors.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "fifo_refusal.hpp"
#include "mmlu/util/error.hpp"
#include "mmlu/util/json_file.hpp"
#include "safetensors_bytes.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;

using test::with_header;

std::string refusal(const std::string& bytes) {
  try {
    parse_safetensors(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(),
                      "ckpt/model.safetensors");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

const std::string kTwo =
    R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
        "b": {"dtype": "BF16", "shape": [1, 2], "data_offsets": [8, 12]}})";

TEST(Safetensors, ReadsAValidFileWithMetadataAndPaddedHeader) {
  const std::string header = R"(  {"__metadata__": {"format": "pt"},)" + kTwo.substr(1) + "    ";
  const std::string bytes = with_header(header, std::string(12, '\x01'));
  const auto tensors =
      parse_safetensors(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size(), "x");
  ASSERT_EQ(tensors.size(), 2u);
  EXPECT_EQ(tensors[0].name, "a");
  EXPECT_EQ(tensors[1].dtype, StDType::kBF16);
  EXPECT_EQ(tensors[1].shape, (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(tensors[1].begin, 8u);
}

TEST(Safetensors, EmptyTensorsAndEmptyFilesOfTensors) {
  EXPECT_EQ(refusal(with_header("{}", "")), "");
  EXPECT_EQ(refusal(with_header(
                R"({"e": {"dtype": "F32", "shape": [0, 4], "data_offsets": [0, 0]}})", "")),
            "");
}

TEST(Safetensors, TruncatedFile) {
  EXPECT_NE(refusal("abc").find("too short for a safetensors header"), std::string::npos);
  const std::string why = refusal(with_header(kTwo, std::string(10, '\0')));
  EXPECT_NE(
      why.find("ckpt/model.safetensors: the tensors cover 12 bytes but the data buffer holds 10"),
      std::string::npos)
      << why;
}

TEST(Safetensors, TrailingBytes) {
  EXPECT_NE(refusal(with_header(kTwo, std::string(13, '\0'))).find("trailing bytes"),
            std::string::npos);
}

TEST(Safetensors, HeaderLengthPastTheEndOrOverTheLimit) {
  EXPECT_NE(refusal(with_header(kTwo, "", 5000)).find("header length 5000 runs past the end"),
            std::string::npos);
  EXPECT_NE(refusal(with_header(kTwo, "", 100000001)).find("exceeds the limit of 100000000"),
            std::string::npos);
  EXPECT_NE(refusal(with_header(kTwo, "", UINT64_MAX - 1)).find("exceeds the limit"),
            std::string::npos);
}

TEST(Safetensors, OverlappingAndGappedOffsets) {
  const std::string overlap =
      R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
          "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})";
  std::string why = refusal(with_header(overlap, std::string(12, '\0')));
  EXPECT_NE(why.find("tensor 'b': overlaps the previous tensor"), std::string::npos) << why;
  const std::string gap =
      R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
          "b": {"dtype": "F32", "shape": [1], "data_offsets": [12, 16]}})";
  why = refusal(with_header(gap, std::string(16, '\0')));
  EXPECT_NE(why.find("tensor 'b': gap in the data buffer"), std::string::npos) << why;
  const std::string not_from_zero =
      R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})";
  EXPECT_NE(refusal(with_header(not_from_zero, std::string(8, '\0'))).find("gap"),
            std::string::npos);
  const std::string backwards = R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}})";
  EXPECT_NE(refusal(with_header(backwards, std::string(8, '\0'))).find("end before they begin"),
            std::string::npos);
}

TEST(Safetensors, WrongByteSize) {
  const std::string header = R"({"a": {"dtype": "F16", "shape": [3], "data_offsets": [0, 8]}})";
  const std::string why = refusal(with_header(header, std::string(8, '\0')));
  EXPECT_NE(why.find("tensor 'a': shape and dtype need 6 bytes but data_offsets span 8"),
            std::string::npos)
      << why;
}

TEST(Safetensors, UnknownDtype) {
  const std::string header = R"({"a": {"dtype": "Q4_K", "shape": [1], "data_offsets": [0, 1]}})";
  EXPECT_NE(refusal(with_header(header, "x")).find("tensor 'a': unknown dtype 'Q4_K'"),
            std::string::npos);
}

TEST(Safetensors, NonUtf8Header) {
  const std::string header =
      "{\"a\xff\": {\"dtype\": \"U8\", \"shape\": [1], \"data_offsets\": [0, 1]}}";
  EXPECT_NE(refusal(with_header(header, "x")).find("header is not valid UTF-8 (byte 11)"),
            std::string::npos);
  const std::string overlong = "{\"\xc0\xaf\": 1}";
  EXPECT_NE(refusal(with_header(overlong, "")).find("not valid UTF-8"), std::string::npos);
}

TEST(Safetensors, ShapeWhoseElementCountOverflows) {
  const std::string header =
      R"({"a": {"dtype": "F32", "shape": [4294967296, 4294967296, 2], "data_offsets": [0, 0]}})";
  EXPECT_NE(
      refusal(with_header(header, "")).find("tensor 'a': element count of the shape overflows"),
      std::string::npos);
  const std::string wrap =  // 2^62 * 4 bytes wraps to 0: must not pass as an empty tensor
      R"({"a": {"dtype": "F32", "shape": [4611686018427387904], "data_offsets": [0, 0]}})";
  EXPECT_NE(refusal(with_header(wrap, "")).find("overflows"), std::string::npos);
}

TEST(Safetensors, MalformedJsonAndEntries) {
  EXPECT_NE(refusal(with_header("{\"a\": ", "")).find("header is not valid JSON"),
            std::string::npos);
  EXPECT_NE(refusal(with_header("[1, 2]", "")).find("not a JSON object"), std::string::npos);
  EXPECT_NE(
      refusal(with_header(R"({"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 0]}})", ""))
          .find("non-negative"),
      std::string::npos);
  EXPECT_NE(
      refusal(with_header(R"({"a": {"dtype": "F32", "shape": [1]}})", "")).find("data_offsets"),
      std::string::npos);
}

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("mmlu_checkpoint_test_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
  }
  std::string refusal() {
    try {
      Checkpoint c(dir_);
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  }
  fs::path dir_;
};

TEST_F(CheckpointTest, ShardedThroughTheIndex) {
  write("s1.safetensors",
        with_header(R"({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})",
                    std::string(4, '\0')));
  write("s2.safetensors",
        with_header(R"({"y": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})",
                    std::string(4, '\0')));
  write("model.safetensors.index.json",
        R"({"metadata": {}, "weight_map": {"x": "s1.safetensors", "y": "s2.safetensors"}})");
  Checkpoint c(dir_);
  EXPECT_TRUE(c.contains("x"));
  EXPECT_EQ(c.get("y").file->path().filename(), "s2.safetensors");
  EXPECT_EQ(c.files().size(), 2u);
  EXPECT_THROW(c.get("z"), InputError);
}

TEST_F(CheckpointTest, IndexNamingAPathOutsideIsRefused) {
  write("model.safetensors.index.json", R"({"weight_map": {"x": "../../etc/passwd"}})");
  EXPECT_NE(refusal().find("not a file beside the index"), std::string::npos);
}

TEST_F(CheckpointTest, MissingShardIsNamed) {
  write("model.safetensors.index.json", R"({"weight_map": {"x": "gone.safetensors"}})");
  EXPECT_NE(refusal().find("gone.safetensors: shard listed in the index is missing"),
            std::string::npos);
}

TEST_F(CheckpointTest, PickleCheckpointsAreRefusedWithHowToConvert) {
  write("pytorch_model.bin", "not really a pickle");
  const std::string why = refusal();
  EXPECT_NE(why.find("pytorch_model.bin: pickle checkpoints are never loaded"), std::string::npos)
      << why;
  EXPECT_NE(why.find("safe_serialization=True"), std::string::npos);
}

TEST_F(CheckpointTest, NoWeightsAtAll) {
  EXPECT_NE(refusal().find("no model.safetensors"), std::string::npos);
}

const std::string kOneTensor = with_header(
    R"({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}})", std::string(4, '\0'));

// A FIFO in place of a checkpoint file hung forever in open(), and SIGTERM did not end it.
TEST_F(CheckpointTest, FifoAsModelSafetensorsIsRefusedWithoutBlocking) {
  const std::string why = refusal_of_fifo(dir_ / "model.safetensors", [&] { Checkpoint c(dir_); });
  EXPECT_NE(why.find((dir_ / "model.safetensors").string() + ": not a regular file"),
            std::string::npos)
      << why;
}

TEST_F(CheckpointTest, FifoAsAShardListedInTheIndexIsRefusedWithoutBlocking) {
  write("s1.safetensors", kOneTensor);
  write("model.safetensors.index.json",
        R"({"weight_map": {"x": "s1.safetensors", "y": "pipe.safetensors"}})");
  const std::string why = refusal_of_fifo(dir_ / "pipe.safetensors", [&] { Checkpoint c(dir_); });
  EXPECT_NE(why.find("pipe.safetensors: not a regular file"), std::string::npos) << why;
}

TEST_F(CheckpointTest, FifoAsTheIndexIsRefusedWithoutBlocking) {
  const std::string why =
      refusal_of_fifo(dir_ / "model.safetensors.index.json", [&] { Checkpoint c(dir_); });
  EXPECT_NE(why.find("model.safetensors.index.json: not a regular file"), std::string::npos) << why;
}

TEST_F(CheckpointTest, OversizedIndexIsRefusedUnread) {
  write("model.safetensors.index.json", "{}");
  fs::resize_file(dir_ / "model.safetensors.index.json", kMaxJsonFileBytes + 1);  // sparse
  const std::string why = refusal();
  EXPECT_NE(why.find("model.safetensors.index.json: " + std::to_string(kMaxJsonFileBytes + 1) +
                     " bytes, over the limit"),
            std::string::npos)
      << why;
}

TEST_F(CheckpointTest, SymlinkToARegularFileIsRead) {
  write("weights.bin.real", kOneTensor);
  fs::create_symlink(dir_ / "weights.bin.real", dir_ / "model.safetensors");
  EXPECT_TRUE(Checkpoint(dir_).contains("x"));
}

// Shards are kept once each, in the order the index (sorted by tensor name) first names them.
TEST_F(CheckpointTest, EachShardOnceInFirstListedOrder) {
  write("s1.safetensors",
        with_header(R"({"b": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                        "d": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
                    std::string(8, '\0')));
  write("s2.safetensors",
        with_header(R"({"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},
                        "c": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}})",
                    std::string(8, '\0')));
  write("model.safetensors.index.json", R"({"weight_map": {"d": "s1.safetensors",
      "c": "s2.safetensors", "b": "s1.safetensors", "a": "s2.safetensors"}})");
  Checkpoint c(dir_);
  EXPECT_EQ(c.files(), (std::vector<fs::path>{dir_ / "s2.safetensors", dir_ / "s1.safetensors"}));
  EXPECT_EQ(c.get("d").file->path().filename(), "s1.safetensors");
}

// An index naming tens of thousands of distinct shards took quadratic time (35 s for 40k) to
// list them; the first missing one is still the one reported.
TEST_F(CheckpointTest, ManyDistinctShardsInTheIndex) {
  Json index;
  for (int i = 0; i < 5000; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "t%05d", i);
    index["weight_map"][name] = "shard" + std::to_string(4999 - i) + ".safetensors";
  }
  write("model.safetensors.index.json", index.dump());
  const std::string why = refusal();
  EXPECT_NE(why.find("shard4999.safetensors: shard listed in the index is missing"),
            std::string::npos)
      << why;
}

}  // namespace
}  // namespace mmlu
