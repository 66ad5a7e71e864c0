#include "mmlu/parallel/mapping.hpp"

#include <algorithm>
#include <map>

#include "mmlu/util/error.hpp"

namespace mmlu {

int uniform_ranks_per_node(const std::vector<RankPlace>& places) {
  std::map<int, int> count;  // node -> ranks
  std::map<int, std::string> host;
  for (const auto& p : places) {
    ++count[p.node];
    host[p.node] = p.host;
  }
  if (count.empty()) throw Error("empty rank layout");
  int first = count.begin()->second;
  for (const auto& [node, n] : count) {
    if (n != first) {
      const auto& first_node = *count.begin();
      throw InputError("nodes hold different numbers of ranks (" + host[first_node.first] + ": " +
                       std::to_string(first) + ", " + host[node] + ": " + std::to_string(n) +
                       "); launch the same number of ranks on every node");
    }
  }
  return first;
}

Mapping Mapping::build(const std::vector<RankPlace>& places, int tp, int self_rank) {
  if (tp < 1) throw InputError("--tp must be at least 1");
  const int per_node = uniform_ranks_per_node(places);
  if (per_node % tp != 0)
    throw InputError("--tp " + std::to_string(tp) + " does not divide the " +
                     std::to_string(per_node) + " ranks per node (" + places.front().host +
                     "); a tensor-parallel group must lie inside one node");

  Mapping m;
  m.tp_ = tp;
  m.self_ = self_rank;
  m.ranks_.resize(places.size());
  int max_node = 0;
  for (std::size_t r = 0; r < places.size(); ++r) {
    const RankPlace& p = places[r];
    if (p.local_rank < 0 || p.local_rank >= per_node)
      throw Error("rank " + std::to_string(r) + " reports local rank " +
                  std::to_string(p.local_rank) + " on a node of " + std::to_string(per_node));
    RankLayout& l = m.ranks_[r];
    l.rank = static_cast<int>(r);
    l.host = p.host;
    l.node = p.node;
    l.local_rank = p.local_rank;
    l.tp_rank = p.local_rank % tp;
    // TP groups are numbered node by node, so DP ranks follow the node order.
    const int groups_per_node = per_node / tp;
    l.dp_rank = p.node * groups_per_node + p.local_rank / tp;
    max_node = std::max(max_node, p.node);
  }
  m.nodes_ = max_node + 1;
  if (m.nodes_ * per_node != static_cast<int>(places.size()))
    throw Error("node numbering is not dense: " + std::to_string(m.nodes_) + " nodes of " +
                std::to_string(per_node) + " ranks for " + std::to_string(places.size()) +
                " ranks");
  return m;
}

std::vector<int> Mapping::tp_group_of(int rank) const {
  const RankLayout& me = ranks_.at(rank);
  std::vector<int> group(tp_, -1);
  for (const auto& l : ranks_)
    if (l.dp_rank == me.dp_rank) group[l.tp_rank] = l.rank;
  return group;
}

std::vector<int> Mapping::dp_group_of(int rank) const {
  const RankLayout& me = ranks_.at(rank);
  std::vector<int> group(dp(), -1);
  for (const auto& l : ranks_)
    if (l.tp_rank == me.tp_rank) group[l.dp_rank] = l.rank;
  return group;
}

std::vector<RankPlace> single_host_places(int world_size, const std::string& host) {
  std::vector<RankPlace> places(world_size);
  for (int r = 0; r < world_size; ++r) places[r] = {host, 0, r};
  return places;
}

}  // namespace mmlu
