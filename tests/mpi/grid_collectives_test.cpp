// Under mpirun on one host: the grid's communicators hold exactly the peers the layout promises.
// Each rank contributes the bit 1 << rank, so a sum names exactly the ranks that took part.
#include <gtest/gtest.h>

#include <cstdint>

#include "mmlu/mapping.hpp"
#include "mmlu/topology.hpp"
#include "mpi_test_args.hpp"

namespace mmlu {
namespace {

std::uint64_t reduce_bits(MPI_Comm comm, int world_rank) {
  std::uint64_t mine = 1ull << world_rank, sum = 0;
  check_mpi(MPI_Allreduce(&mine, &sum, 1, MPI_UINT64_T, MPI_SUM, comm), "MPI_Allreduce");
  return sum;
}

TEST(GridCollectives, TpAndDpReductionsSumExactlyTheirPeers) {
  const int tp = test::tp_argument();
  WorldPlaces world = discover_places();
  const int rank = world.world_rank;
  const int size = static_cast<int>(world.places.size());
  ASSERT_LE(size, 64);
  ASSERT_EQ(size % tp, 0);

  const Mapping mapping = Mapping::build(world.places, tp, rank);
  GridComms comms = split_grid(mapping);

  // One host, ranks in order: TP peers are the aligned block of tp consecutive ranks,
  // DP peers the ranks with the same position in their block.
  std::uint64_t tp_peers = 0, dp_peers = 0;
  for (int r = 0; r < size; ++r) {
    if (r / tp == rank / tp) tp_peers |= 1ull << r;
    if (r % tp == rank % tp) dp_peers |= 1ull << r;
  }
  EXPECT_EQ(comms.tp.size(), tp);
  EXPECT_EQ(comms.tp.rank(), rank % tp);
  EXPECT_EQ(comms.dp.size(), size / tp);
  EXPECT_EQ(comms.dp.rank(), rank / tp);
  EXPECT_EQ(reduce_bits(comms.tp.get(), rank), tp_peers);
  EXPECT_EQ(reduce_bits(comms.dp.get(), rank), dp_peers);

  EXPECT_EQ(world.node.size(), size) << "one host: every rank shares the node";
  EXPECT_EQ(world.places[rank].local_rank, rank);
}

TEST(GridCollectives, AgreedErrorsReachEveryRank) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  try {
    agreed(MPI_COMM_WORLD, [&] {
      if (rank == 1 || rank == 0) throw InputError("bad input on rank " + std::to_string(rank));
    });
    FAIL() << "every rank must see the failure";
  } catch (const AgreedError& e) {
    EXPECT_EQ(std::string(e.what()), "bad input on rank 0");
    EXPECT_EQ(e.exit_code(), kExitBadInput);
  }
  EXPECT_EQ(agreed(MPI_COMM_WORLD, [] { return 7; }), 7);
}

}  // namespace
}  // namespace mmlu
