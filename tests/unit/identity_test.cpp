// What identifies a checkpoint: its fingerprint follows config.json and the safetensors headers,
// and the weights identity adds where the files are and their sizes and modification times.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "mmlu/checkpoint/identity.hpp"
#include "temp_dir.hpp"

namespace mmlu {
namespace {

namespace fs = std::filesystem;

class CheckpointIdentity : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = dir_ / "model";
    fs::copy(fs::path(MMLU_TEST_FIXTURES) / "models" / "llama_gqa", model_);
    fs::remove(model_ / "reference.safetensors");
  }
  test::TempDir dir_;
  fs::path model_;
};

TEST_F(CheckpointIdentity, FingerprintFollowsConfigAndHeadersNotPlace) {
  const std::string fingerprint = checkpoint_fingerprint(model_);
  EXPECT_EQ(fingerprint.size(), 64u);
  fs::copy(model_, dir_ / "copy", fs::copy_options::recursive);
  EXPECT_EQ(checkpoint_fingerprint(dir_ / "copy"), fingerprint);
  std::ofstream(model_ / "config.json", std::ios::app) << " ";
  EXPECT_NE(checkpoint_fingerprint(model_), fingerprint);
}

TEST_F(CheckpointIdentity, WeightsIdentityAddsPlaceSizeAndTime) {
  const std::string fingerprint = checkpoint_fingerprint(model_);
  const std::string id = weights_identity(model_, fingerprint);
  EXPECT_EQ(id.rfind(fingerprint + " at " + fs::weakly_canonical(model_).string(), 0), 0u) << id;
  EXPECT_NE(id.find(" model.safetensors:" +
                    std::to_string(fs::file_size(model_ / "model.safetensors")) + ":"),
            std::string::npos)
      << id;
  EXPECT_EQ(weights_identity(model_, fingerprint), id);
  // Another place with the same files is another identity.
  fs::copy(model_, dir_ / "copy", fs::copy_options::recursive);
  EXPECT_NE(weights_identity(dir_ / "copy", fingerprint), id);
  // Rewritten weights, same size and header: the modification time tells.
  const fs::path weights = model_ / "model.safetensors";
  fs::last_write_time(weights, fs::last_write_time(weights) + std::chrono::seconds(5));
  EXPECT_NE(weights_identity(model_, fingerprint), id);
}

TEST_F(CheckpointIdentity, WeightsRewrittenInPlaceWithTheSameSizeAndTimeAreToldApart) {
  const std::string fingerprint = checkpoint_fingerprint(model_);
  const std::string id = weights_identity(model_, fingerprint);
  const fs::path weights = model_ / "model.safetensors";
  const auto time = fs::last_write_time(weights);
  // Another training step: every weight changes, the header and size do not.
  std::string bytes;
  {
    std::ifstream in(weights, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::uint64_t header = 0;
  std::memcpy(&header, bytes.data(), 8);
  for (std::size_t i = 8 + header; i < bytes.size(); ++i)
    bytes[i] = static_cast<char>(bytes[i] ^ 0x5a);
  std::ofstream(weights, std::ios::binary | std::ios::trunc) << bytes;
  fs::last_write_time(weights, time);
  EXPECT_EQ(checkpoint_fingerprint(model_), fingerprint) << "headers unchanged";
  EXPECT_NE(weights_identity(model_, fingerprint), id);
}

// A file of 100 MiB of tensor bytes: 64 windows of 4 KiB, evenly spaced from its first byte to
// its last. A change in a sampled window is seen; one between windows is not (README).
TEST_F(CheckpointIdentity, TheContentSampleReadsEvenlySpacedWindows) {
  const fs::path file = dir_ / "big.safetensors";
  const std::string header =
      R"({"w":{"dtype":"U8","shape":[104857600],"data_offsets":[0,104857600]}})";
  const std::uint64_t length = header.size(), data = 100ull << 20;
  {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(&length), 8);
    out << header;
  }
  fs::resize_file(file, 8 + length + data);  // zeros, without writing them
  const std::string before = content_sample(file);
  EXPECT_EQ(before.size(), 16u);
  auto poke = [&](std::uint64_t offset) {
    std::fstream io(file, std::ios::binary | std::ios::in | std::ios::out);
    io.seekp(static_cast<std::streamoff>(8 + length + offset));
    io.put('\x01');
  };
  poke(data - 1);  // the last byte, in the last window
  const std::string after_last = content_sample(file);
  EXPECT_NE(after_last, before);
  poke(data / 2 + 12345);  // between two windows (63 gaps of about 1.6 MiB)
  EXPECT_EQ(content_sample(file), after_last);
  EXPECT_EQ(content_sample(dir_ / "missing.safetensors"), "");
}

}  // namespace
}  // namespace mmlu
