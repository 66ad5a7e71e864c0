#pragma once
// Topology: what MPI tells a rank about where it runs, and the communicators of the 2D grid once
// the planner has chosen tp.
#include <vector>

#include "mmlu/parallel/mapping.hpp"
#include "mmlu/parallel/mpi.hpp"

namespace mmlu {

// Where every world rank runs: node from MPI_Comm_split_type(MPI_COMM_TYPE_SHARED), host from
// MPI_Get_processor_name. Collective over MPI_COMM_WORLD.
struct WorldPlaces {
  std::vector<RankPlace> places;  // indexed by world rank
  int world_rank = 0;
  Communicator node;  // the ranks sharing this rank's node
};
WorldPlaces discover_places();

// The communicators of one rank in the grid: its tensor-parallel group (ranked by tp_rank) and
// its data-parallel group (ranked by dp_rank). Collective over MPI_COMM_WORLD.
struct GridComms {
  Communicator tp;
  Communicator dp;
};
GridComms split_grid(const Mapping& mapping);

}  // namespace mmlu
