#include "mmlu/parallel/topology.hpp"

#include <algorithm>

namespace mmlu {

WorldPlaces discover_places() {
  WorldPlaces w;
  w.world_rank = rank_of(MPI_COMM_WORLD);
  const int world_size = size_of(MPI_COMM_WORLD);
  w.node = split_by_node(MPI_COMM_WORLD, w.world_rank);
  const int local_rank = w.node.rank();

  // A node is named by its lowest world rank, which every rank of it can compute.
  const int leader = min_over(w.node.get(), w.world_rank);
  const std::vector<int> all = allgather_ints(MPI_COMM_WORLD, {leader, local_rank});
  const std::vector<std::string> hosts = allgather_strings(MPI_COMM_WORLD, processor_name());

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
  GridComms comms;
  comms.tp = split(MPI_COMM_WORLD, me.dp_rank, me.tp_rank);
  comms.dp = split(MPI_COMM_WORLD, me.tp_rank, me.dp_rank);
  return comms;
}

}  // namespace mmlu
