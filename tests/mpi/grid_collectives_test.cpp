// Under mpirun: the grid's communicators hold exactly the peers the layout promises, on one host
// or on several simulated hosts, whatever order the launcher deals ranks in. Each rank contributes
// the bit 1 << rank, so a sum names exactly the ranks that took part. The expected peers come
// from the launcher's own account (host name, OMPI_COMM_WORLD_LOCAL_RANK), not from our code.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <cstdlib>

#include "mmlu/parallel/mapping.hpp"
#include "mmlu/parallel/topology.hpp"
#include "mpi_test_args.hpp"

namespace mmlu {
namespace {

std::uint64_t reduce_bits(MPI_Comm comm, int world_rank) {
  std::uint64_t mine = 1ull << world_rank, sum = 0;
  check_mpi(MPI_Allreduce(&mine, &sum, 1, MPI_UINT64_T, MPI_SUM, comm), "MPI_Allreduce");
  return sum;
}

// What the launcher says about this rank: "host local_rank".
std::string launcher_place() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_RANK");
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  // Without Open MPI's variable, assume one host with ranks in order.
  return std::string(host) + " " + (local ? local : std::to_string(rank));
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

  // TP peers: same host, same block of tp local ranks. DP peers: same position in the block.
  const std::vector<std::string> launcher = allgather_strings(MPI_COMM_WORLD, launcher_place());
  auto host_of = [&](int r) { return launcher[r].substr(0, launcher[r].find(' ')); };
  auto local_of = [&](int r) { return std::stoi(launcher[r].substr(launcher[r].find(' ') + 1)); };
  std::uint64_t tp_peers = 0, dp_peers = 0;
  for (int r = 0; r < size; ++r) {
    if (host_of(r) == host_of(rank) && local_of(r) / tp == local_of(rank) / tp)
      tp_peers |= 1ull << r;
    if (local_of(r) % tp == local_of(rank) % tp) dp_peers |= 1ull << r;
  }
  EXPECT_EQ(comms.tp.size(), tp);
  EXPECT_EQ(comms.tp.rank(), local_of(rank) % tp);
  EXPECT_EQ(comms.dp.size(), size / tp);
  EXPECT_EQ(reduce_bits(comms.tp.get(), rank), tp_peers);
  EXPECT_EQ(reduce_bits(comms.dp.get(), rank), dp_peers);

  EXPECT_EQ(world.places[rank].host, host_of(rank));
  EXPECT_EQ(world.places[rank].local_rank, local_of(rank));
  int on_my_host = 0;
  for (int r = 0; r < size; ++r) on_my_host += host_of(r) == host_of(rank);
  EXPECT_EQ(world.node.size(), on_my_host);
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
