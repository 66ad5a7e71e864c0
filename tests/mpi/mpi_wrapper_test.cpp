// Under mpirun (np 1, 2, 4): the typed MPI calls every stage uses, each checked against what
// every rank can compute on its own, the ring of heartbeats, and the steps of a run that only
// MPI reaches: gathering the results on rank 0 and sharing the resume state.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

#include "mmlu/parallel/heartbeat.hpp"
#include "mmlu/parallel/mpi.hpp"
#include "mmlu/results/results.hpp"
#include "mmlu/results/resume.hpp"

namespace mmlu {
namespace {

class MpiWrapper : public ::testing::Test {
 protected:
  const int rank_ = rank_of(MPI_COMM_WORLD);
  const int size_ = size_of(MPI_COMM_WORLD);
};

TEST_F(MpiWrapper, ReductionsOverEveryRank) {
  EXPECT_EQ(min_over(MPI_COMM_WORLD, 10 + rank_), 10);
  EXPECT_EQ(min_over(MPI_COMM_WORLD, std::uint64_t{1} << 40 | std::uint64_t(rank_)),
            std::uint64_t{1} << 40);
  EXPECT_EQ(max_over(MPI_COMM_WORLD, std::uint64_t(rank_)), std::uint64_t(size_ - 1));
  EXPECT_FALSE(any_rank(MPI_COMM_WORLD, false));
  EXPECT_TRUE(any_rank(MPI_COMM_WORLD, rank_ == size_ - 1));
  const std::int64_t sum = sum_to_root(MPI_COMM_WORLD, std::int64_t{1} << (33 + rank_), 0);
  std::int64_t expected = 0;
  for (int r = 0; r < size_; ++r) expected += std::int64_t{1} << (33 + r);
  EXPECT_EQ(sum, rank_ == 0 ? expected : 0);
}

TEST_F(MpiWrapper, PollingWaitsUntilEveryRankHasArrived) {
  int waited = 0;
  // The last rank arrives late and with the flag: the others keep waiting until it does.
  if (rank_ == size_ - 1) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const bool any = any_rank_polling(MPI_COMM_WORLD, rank_ == size_ - 1, [&] { ++waited; });
  EXPECT_TRUE(any);
  EXPECT_GE(waited, 1);
  if (size_ > 1 && rank_ == 0) EXPECT_GT(waited, 5) << "did not poll while waiting";
  EXPECT_FALSE(any_rank_polling(MPI_COMM_WORLD, false, nullptr));
}

TEST_F(MpiWrapper, BroadcastAndGatherCarryValuesAndVectors) {
  std::vector<std::int64_t> values;
  if (rank_ == 0) values = {5, -7, std::int64_t{1} << 50};
  broadcast(MPI_COMM_WORLD, values, 0);
  EXPECT_EQ(values, (std::vector<std::int64_t>{5, -7, std::int64_t{1} << 50}));
  double number = rank_ == size_ - 1 ? 2.5 : 0.0;
  broadcast(MPI_COMM_WORLD, number, size_ - 1);
  EXPECT_EQ(number, 2.5);

  // Rank r sends r values of r: the root gets them in rank order.
  const std::vector<int> mine(static_cast<std::size_t>(rank_), rank_);
  const std::vector<int> all = gather_to_root(MPI_COMM_WORLD, mine, 0);
  std::vector<int> expected;
  for (int r = 0; r < size_; ++r) expected.insert(expected.end(), static_cast<std::size_t>(r), r);
  EXPECT_EQ(all, rank_ == 0 ? expected : std::vector<int>{});

  const std::vector<int> pairs = allgather_ints(MPI_COMM_WORLD, {rank_, 10 * rank_});
  ASSERT_EQ(pairs.size(), 2u * static_cast<std::size_t>(size_));
  for (int r = 0; r < size_; ++r) {
    EXPECT_EQ(pairs[2 * r], r);
    EXPECT_EQ(pairs[2 * r + 1], 10 * r);
  }
  const std::vector<std::string> names = allgather_strings(MPI_COMM_WORLD, std::string(rank_, 'x'));
  for (int r = 0; r < size_; ++r) EXPECT_EQ(names[r], std::string(r, 'x'));
}

TEST_F(MpiWrapper, SplitsByColourAndNode) {
  const Communicator halves = split(MPI_COMM_WORLD, rank_ % 2, rank_);
  EXPECT_EQ(halves.size(), (size_ + 1 - rank_ % 2) / 2);
  EXPECT_EQ(halves.rank(), rank_ / 2);
  const Communicator node = split_by_node(MPI_COMM_WORLD, rank_);
  EXPECT_EQ(node.size(), size_);  // one host
  EXPECT_FALSE(processor_name().empty());
}

TEST_F(MpiWrapper, AgreedStepsFailTogetherWithTheLowestFailingRanksMessage) {
  try {
    agreed(MPI_COMM_WORLD, [&] {
      if (rank_ == size_ - 1) throw InputError("bad on the last rank");
    });
    FAIL() << "no rank saw the failure";
  } catch (const AgreedError& e) {
    EXPECT_STREQ(e.what(), "bad on the last rank");
    EXPECT_EQ(e.exit_code(), kExitBadInput);
  }
}

// Every rank beats for a while: nobody is silent for long, and stop() takes every heartbeat.
TEST_F(MpiWrapper, HeartbeatsOfLiveRanksNeverFire) {
  using namespace std::chrono_literals;
  RingHeartbeat ring(MPI_COMM_WORLD, 10ms, 200ms, "the successor", "");
  const auto until = std::chrono::steady_clock::now() + 400ms;
  while (std::chrono::steady_clock::now() < until) {
    EXPECT_NO_THROW(ring.beat());
    std::this_thread::sleep_for(5ms);
  }
  ring.stop();
  ring.stop();  // once is enough
  ring.beat();  // and beats after it do nothing
}

// The last rank falls silent for 1.5 s: its predecessor, and only it, ends the job (exit 4),
// naming it, once 600 ms have passed without a heartbeat. (In a job the first such error ends
// every rank; here the others beat on, so none of them falls silent in turn.)
TEST_F(MpiWrapper, ASilentRankIsNamedByItsPredecessor) {
  using namespace std::chrono_literals;
  const int silent = size_ - 1, watcher = (silent + size_ - 1) % size_;
  RingHeartbeat ring(MPI_COMM_WORLD, 10ms, 600ms, "rank " + std::to_string(silent), "advice");
  const auto start = std::chrono::steady_clock::now();
  std::string caught;
  if (rank_ == silent && size_ > 1) {
    std::this_thread::sleep_for(1500ms);
  } else {
    while (std::chrono::steady_clock::now() < start + 1500ms) {
      try {
        ring.beat();
      } catch (const Error& e) {
        if (caught.empty()) {
          caught = e.what();
          EXPECT_EQ(e.exit_code(), kExitStalled);
          EXPECT_GE(std::chrono::steady_clock::now() - start, 600ms) << "fired early";
        }
      }
      std::this_thread::sleep_for(5ms);
    }
  }
  if (size_ > 1 && rank_ == watcher) {
    EXPECT_EQ(caught.rfind("rank " + std::to_string(silent) + " has not been heard from for", 0),
              0u)
        << caught;
    EXPECT_NE(caught.find("advice"), std::string::npos) << caught;
  } else {
    EXPECT_EQ(caught, "") << "rank " << rank_ << " is not the silent rank's predecessor";
  }
  // Everyone again (the silent rank too): the ring closes cleanly.
  ring.stop();
}

QuestionResult result(std::int32_t subject, std::int64_t index) {
  QuestionResult q;
  q.subject = subject;
  q.index = index;
  q.gold = static_cast<std::int32_t>(index % 4);
  q.logprobs = {static_cast<float>(subject), static_cast<float>(index), -1.0f, -2.0f};
  return q;
}

TEST_F(MpiWrapper, GatherResultsCollectsContributorsSortedOnRankZero) {
  // Rank r holds the rows r, r + size, ... below 13 of two subjects, last first; odd ranks do
  // not contribute (as tensor-parallel peers, which hold their leader's results, do not).
  std::vector<QuestionResult> mine;
  for (std::int64_t row = 12; row >= 0; --row)
    if (row % size_ == rank_) {
      mine.push_back(result(1, row));
      mine.push_back(result(0, row));
    }
  const bool contribute = rank_ % 2 == 0;
  const std::vector<QuestionResult> all = gather_results(MPI_COMM_WORLD, mine, contribute);
  if (rank_ != 0) {
    EXPECT_TRUE(all.empty());
    return;
  }
  std::vector<QuestionResult> expected;
  for (std::int32_t subject : {0, 1})
    for (std::int64_t row = 0; row <= 12; ++row)
      if (row % size_ % 2 == 0) expected.push_back(result(subject, row));
  ASSERT_EQ(all.size(), expected.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].subject, expected[i].subject) << i;
    EXPECT_EQ(all[i].index, expected[i].index) << i;
    EXPECT_EQ(std::memcmp(&all[i], &expected[i], sizeof(QuestionResult)), 0) << i;
  }
}

TEST_F(MpiWrapper, ResumeStateReachesEveryRankResultsStayOnTheRoot) {
  ResumeState state;
  if (rank_ == 0) {
    state.done = {1, 0, 0, 1, 1};
    state.attempt = 3;
    state.results = {result(0, 0), result(0, 3), result(0, 4)};
  }
  share_resume_state(MPI_COMM_WORLD, state, 0);
  EXPECT_EQ(state.done, (std::vector<char>{1, 0, 0, 1, 1}));
  EXPECT_EQ(state.attempt, 3);
  EXPECT_EQ(state.results.size(), rank_ == 0 ? 3u : 0u);
}

}  // namespace
}  // namespace mmlu
