// The MPI implementation of the TP collectives, under mpirun on one host with ranks in order, over
// the TP groups of the grid: each result is checked against values computed from the world ranks
// of the group's block.
#include <gtest/gtest.h>

#include <torch/cuda.h>

#include "mmlu/parallel/collectives.hpp"
#include "mmlu/parallel/mapping.hpp"
#include "mmlu/parallel/topology.hpp"
#include "mpi_test_args.hpp"

namespace mmlu {
namespace {

class CollectivesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tp_ = test::tp_argument();
    world_ = std::make_unique<WorldPlaces>(discover_places());
    rank_ = world_->world_rank;
    mapping_ = Mapping::build(world_->places, tp_, rank_);
    comms_ = split_grid(mapping_);
    group_ = make_mpi_collectives(comms_.tp.get());
    first_ = (rank_ / tp_) * tp_;  // one host: the TP block starts here
  }

  int tp_ = 1, rank_ = 0, first_ = 0;
  std::unique_ptr<WorldPlaces> world_;
  Mapping mapping_;
  GridComms comms_;
  std::unique_ptr<Collectives> group_;
};

TEST_F(CollectivesTest, AllReduceSumOverTheGroup) {
  double expected = 0;
  for (int r = first_; r < first_ + tp_; ++r) expected += r + 1;
  torch::Tensor t = torch::full({3, 5}, rank_ + 1, torch::kFloat32);
  group_->all_reduce_sum(t);
  EXPECT_TRUE(torch::equal(t, torch::full({3, 5}, expected, torch::kFloat32)));

  torch::Tensor half = torch::full({7}, rank_ + 1, torch::kBFloat16);
  group_->all_reduce_sum(half);
  EXPECT_TRUE(torch::equal(half, torch::full({7}, expected, torch::kBFloat16)));

  torch::Tensor ints = torch::full({2}, (rank_ + 1) * (1ll << 40), torch::kInt64);
  group_->all_reduce_sum(ints);
  EXPECT_EQ(ints[0].item<std::int64_t>(), static_cast<std::int64_t>(expected) * (1ll << 40));
}

TEST_F(CollectivesTest, AllReduceMaxOverTheGroup) {
  torch::Tensor t = torch::tensor({static_cast<float>(rank_), -static_cast<float>(rank_)});
  group_->all_reduce_max(t);
  EXPECT_EQ(t[0].item<float>(), static_cast<float>(first_ + tp_ - 1));
  EXPECT_EQ(t[1].item<float>(), -static_cast<float>(first_));
}

TEST_F(CollectivesTest, BroadcastFromTheLastGroupMember) {
  torch::Tensor t = torch::full({4}, rank_, torch::kInt32);
  group_->broadcast(t, tp_ - 1);
  EXPECT_TRUE(torch::equal(t, torch::full({4}, first_ + tp_ - 1, torch::kInt32)));
}

TEST_F(CollectivesTest, AllGatherConcatenatesInRankOrder) {
  torch::Tensor t = torch::full({2, 3}, rank_, torch::kFloat32);
  torch::Tensor columns = group_->all_gather(t, 1);
  ASSERT_EQ(columns.sizes(), (std::vector<std::int64_t>{2, 3 * tp_}));
  torch::Tensor rows = group_->all_gather(t, 0);
  ASSERT_EQ(rows.sizes(), (std::vector<std::int64_t>{2 * tp_, 3}));
  for (int i = 0; i < tp_; ++i) {
    EXPECT_EQ(columns[1][3 * i + 2].item<float>(), static_cast<float>(first_ + i));
    EXPECT_EQ(rows[2 * i + 1][0].item<float>(), static_cast<float>(first_ + i));
  }
}

TEST_F(CollectivesTest, RefusesCudaOnlyAndMisplacedOperands) {
  torch::Tensor strided = torch::zeros({4, 4}).t();
  EXPECT_THROW(group_->all_reduce_sum(strided), Error);
#ifdef MMLU_WITH_CUDA
  // Built with CUDA, the NCCL path exists; without a GPU it must fail cleanly, not crash.
  if (!torch::cuda::is_available()) {
    EXPECT_THROW(make_nccl_collectives(comms_.tp.get()), Error);
  }
#endif
}

}  // namespace
}  // namespace mmlu
