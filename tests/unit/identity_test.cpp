// What identifies a checkpoint: its fingerprint follows config.json and the safetensors headers,
// and the weights identity adds where the files are and their sizes and modification times.
#include <gtest/gtest.h>

#include <fstream>

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

}  // namespace
}  // namespace mmlu
