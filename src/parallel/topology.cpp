#include "mmlu/parallel/topology.hpp"

#include <algorithm>

namespace mmlu {

WorldPlaces discover_places() {
  WorldPlaces w;
  int world_size = 0;
  check_mpi(MPI_Comm_rank(MPI_COMM_WORLD, &w.world_rank), "MPI_Comm_rank");
  check_mpi(MPI_Comm_size(MPI_COMM_WORLD, &world_size), "MPI_Comm_size");

  MPI_Comm node = MPI_COMM_NULL;
  check_mpi(
      MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, w.world_rank, MPI_INFO_NULL, &node),
      "MPI_Comm_split_type");
  w.node = Communicator(node);
  const int local_rank = w.node.rank();

  // A node is named by its lowest world rank, which every rank of it can compute.
  int leader = 0;
  check_mpi(MPI_Allreduce(&w.world_rank, &leader, 1, MPI_INT, MPI_MIN, node), "MPI_Allreduce");

  char name[MPI_MAX_PROCESSOR_NAME];
  int name_length = 0;
  check_mpi(MPI_Get_processor_name(name, &name_length), "MPI_Get_processor_name");

  int mine[2] = {leader, local_rank};
  std::vector<int> all(2 * world_size);
  check_mpi(MPI_Allgather(mine, 2, MPI_INT, all.data(), 2, MPI_INT, MPI_COMM_WORLD),
            "MPI_Allgather");
  const std::vector<std::string> hosts =
      allgather_strings(MPI_COMM_WORLD, std::string(name, name_length));

  std::vector<int> leaders;
  for (int r = 0; r < world_size; ++r) leaders.push_back(all[2 * r]);
  std::sort(leaders.begin(), leaders.end());
  leaders.erase(std::unique(leaders.begin(), leaders.end()), leaders.end());

  w.places.resize(world_size);
  for (int r = 0; r < world_size; ++r) {
    const int node_index = static_cast<int>(
        std::lower_bound(leaders.begin(), leaders.end(), all[2 * r]) - leaders.begin());
    w.places[r] = RankPlace{hosts[r], node_index, all[2 * r + 1]};
  }
  return w;
}

GridComms split_grid(const Mapping& mapping) {
  const RankLayout& me = mapping.self();
  MPI_Comm tp = MPI_COMM_NULL, dp = MPI_COMM_NULL;
  check_mpi(MPI_Comm_split(MPI_COMM_WORLD, me.dp_rank, me.tp_rank, &tp), "MPI_Comm_split");
  GridComms comms;
  comms.tp = Communicator(tp);
  check_mpi(MPI_Comm_split(MPI_COMM_WORLD, me.tp_rank, me.dp_rank, &dp), "MPI_Comm_split");
  comms.dp = Communicator(dp);
  return comms;
}

}  // namespace mmlu
