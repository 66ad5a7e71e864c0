#include "mmlu/parallel/device.hpp"

#include <gtest/gtest.h>

#include "mmlu/util/error.hpp"

namespace mmlu {
namespace {

std::vector<DeviceView> same_view(int ranks, std::optional<std::string> visible, int count) {
  return std::vector<DeviceView>(ranks, DeviceView{visible, count});
}

std::string refusal(const std::vector<DeviceView>& views, int local_rank,
                    const std::optional<std::vector<int>>& devices = {}) {
  try {
    choose_device(views, local_rank, devices, "gpu-node-7");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Device, WithoutCudaDevicesTheRankRunsOnTheCpu) {
  const DeviceChoice c = choose_device(same_view(4, std::nullopt, 0), 3, {}, "h");
  EXPECT_FALSE(c.cuda);
  EXPECT_EQ(c.name(), "cpu");
}

TEST(Device, AnUnusableDriverIsAnErrorNotTheCpu) {
  std::vector<DeviceView> views = same_view(2, std::nullopt, 0);
  views[1].cuda_failure = "cudaGetDeviceCount failed: cudaErrorInsufficientDriver";
  // Every rank of the node gives the failing rank's reason, not a layout error of its own.
  for (int rank : {0, 1}) {
    try {
      choose_device(views, rank, {}, "gpu-node-7");
      ADD_FAILURE() << "a node whose driver fails ran on the CPU";
    } catch (const InputError&) {
      ADD_FAILURE() << "an environment failure, not the user's input";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("CUDA on gpu-node-7 (local rank 1): cudaGetDeviceCount "
                                           "failed: cudaErrorInsufficientDriver"),
                std::string::npos)
          << e.what();
    }
  }
}

TEST(Device, LocalRankIndexesTheVisibleDevices) {
  const DeviceChoice c = choose_device(same_view(8, std::nullopt, 8), 6, {}, "h");
  EXPECT_TRUE(c.cuda);
  EXPECT_EQ(c.ordinal, 6);
  EXPECT_EQ(c.name(), "cuda:6");
}

TEST(Device, CudaVisibleDevicesMapsOrdinalsToPhysicalGpus) {
  const DeviceChoice c = choose_device(same_view(4, "4,5,6,7", 4), 1, {}, "h");
  EXPECT_EQ(c.ordinal, 1);
  EXPECT_EQ(c.physical, "5");
  EXPECT_EQ(c.describe(), "cuda:1 (GPU 5)");
}

TEST(Device, SlurmGpusPerTaskGivesEachRankItsOwnDevice) {
  std::vector<DeviceView> views = {{"0", 1}, {"1", 1}, {"2", 1}, {"3", 1}};
  for (int r = 0; r < 4; ++r) {
    const DeviceChoice c = choose_device(views, r, {}, "h");
    EXPECT_EQ(c.ordinal, 0);
    EXPECT_EQ(c.physical, std::to_string(r));
  }
}

TEST(Device, MoreRanksThanDevicesNamesTheNodeAndCounts) {
  // Every rank sees the same single GPU: not a per-task binding.
  const std::string one = refusal(same_view(4, "0", 1), 0);
  EXPECT_NE(one.find("gpu-node-7 runs 4 ranks but has 1 visible devices"), std::string::npos)
      << one;
  const std::string eight = refusal(same_view(8, std::nullopt, 4), 5);
  EXPECT_NE(eight.find("8 ranks"), std::string::npos) << eight;
  EXPECT_NE(eight.find("4 visible"), std::string::npos) << eight;
}

TEST(Device, DevicesOptionPicksByLocalRank) {
  const auto views = same_view(2, std::nullopt, 4);
  EXPECT_EQ(choose_device(views, 0, std::vector<int>{3, 2}, "h").ordinal, 3);
  EXPECT_EQ(choose_device(views, 1, std::vector<int>{3, 2}, "h").ordinal, 2);
  EXPECT_NE(refusal(same_view(4, std::nullopt, 4), 0, std::vector<int>{0, 1})
                .find("--devices lists 2 devices"),
            std::string::npos);
  EXPECT_NE(refusal(views, 0, std::vector<int>{9, 1}).find("device 9 does not exist"),
            std::string::npos);
  EXPECT_NE(
      refusal(same_view(2, std::nullopt, 0), 0, std::vector<int>{0, 1}).find("no CUDA device"),
      std::string::npos);
}

}  // namespace
}  // namespace mmlu
