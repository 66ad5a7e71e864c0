#pragma once
// Mapping: the rank layout of a job as one small value object. Every world rank has a place
// (node, local rank) given by the launcher; the mapping cuts each node's local ranks into
// tensor-parallel groups of `tp` consecutive local ranks, and joins the i-th member of every TP
// group into data-parallel group i. It never assumes that world ranks come in blocks per node.
#include <string>
#include <vector>

namespace mmlu {

// Where the launcher put one world rank, as MPI reports it.
struct RankPlace {
  std::string host;
  int node = 0;        // index of the node (shared-memory domain), numbered by lowest world rank
  int local_rank = 0;  // rank inside the node
};

struct RankLayout {
  int rank = 0;
  std::string host;
  int node = 0;
  int local_rank = 0;
  int tp_rank = 0;  // position inside its tensor-parallel group
  int dp_rank = 0;  // index of its tensor-parallel group = position inside its data-parallel group
};

class Mapping {
 public:
  // Places are indexed by world rank. Throws InputError when the layout cannot be honoured: tp
  // not dividing a node's rank count, or nodes holding different numbers of ranks.
  static Mapping build(const std::vector<RankPlace>& places, int tp, int self_rank);

  int world_size() const { return static_cast<int>(ranks_.size()); }
  int tp() const { return tp_; }
  int dp() const { return world_size() / tp_; }
  int nodes() const { return nodes_; }
  int ranks_per_node() const { return world_size() / nodes_; }

  const RankLayout& self() const { return ranks_[self_]; }
  const RankLayout& at(int rank) const { return ranks_.at(rank); }
  const std::vector<RankLayout>& ranks() const { return ranks_; }

  // World ranks of a group, ordered by tp_rank (resp. dp_rank).
  std::vector<int> tp_group_of(int rank) const;
  std::vector<int> dp_group_of(int rank) const;

 private:
  std::vector<RankLayout> ranks_;
  int tp_ = 1;
  int nodes_ = 1;
  int self_ = 0;
};

// Places for a single host with world ranks in order: what `mpirun -np N` on one machine gives.
std::vector<RankPlace> single_host_places(int world_size, const std::string& host = "localhost");

// Rank counts per node, indexed by node; throws InputError when they are not all equal.
int uniform_ranks_per_node(const std::vector<RankPlace>& places);

}  // namespace mmlu
