#include "mmlu/parallel/mapping.hpp"

#include <gtest/gtest.h>

#include <set>

#include "mmlu/util/error.hpp"

namespace mmlu {
namespace {

// Ranks as Open MPI's --map-by node hands them out: round-robin over the nodes.
std::vector<RankPlace> interleaved(int nodes, int per_node) {
  std::vector<RankPlace> places(nodes * per_node);
  for (int r = 0; r < nodes * per_node; ++r)
    places[r] = {"node" + std::to_string(r % nodes), r % nodes, r / nodes};
  return places;
}

// Ranks as --map-by slot hands them out: a block per node.
std::vector<RankPlace> blocked(int nodes, int per_node) {
  std::vector<RankPlace> places(nodes * per_node);
  for (int r = 0; r < nodes * per_node; ++r)
    places[r] = {"node" + std::to_string(r / per_node), r / per_node, r % per_node};
  return places;
}

TEST(Mapping, SingleHostGroupsAreContiguousBlocks) {
  const Mapping m = Mapping::build(single_host_places(8), 2, 5);
  EXPECT_EQ(m.tp(), 2);
  EXPECT_EQ(m.dp(), 4);
  EXPECT_EQ(m.self().tp_rank, 1);
  EXPECT_EQ(m.self().dp_rank, 2);
  EXPECT_EQ(m.tp_group_of(5), (std::vector<int>{4, 5}));
  EXPECT_EQ(m.dp_group_of(5), (std::vector<int>{1, 3, 5, 7}));
  EXPECT_EQ(m.dp_group_of(0), (std::vector<int>{0, 2, 4, 6}));
}

TEST(Mapping, TpOneMakesEveryRankItsOwnModelCopy) {
  const Mapping m = Mapping::build(single_host_places(4), 1, 0);
  EXPECT_EQ(m.dp(), 4);
  for (int r = 0; r < 4; ++r) {
    EXPECT_EQ(m.tp_group_of(r), std::vector<int>{r});
    EXPECT_EQ(m.at(r).dp_rank, r);
  }
}

TEST(Mapping, TpGroupsFollowNodesNotWorldRankOrder) {
  // --map-by node on 2 nodes: world ranks 0 and 2 share node0, so they form a TP group.
  const Mapping m = Mapping::build(interleaved(2, 4), 2, 0);
  EXPECT_EQ(m.nodes(), 2);
  EXPECT_EQ(m.tp_group_of(0), (std::vector<int>{0, 2}));
  EXPECT_EQ(m.tp_group_of(1), (std::vector<int>{1, 3}));
  EXPECT_EQ(m.tp_group_of(7), (std::vector<int>{5, 7}));
}

TEST(Mapping, EveryRankIsInExactlyOneGroupOfEachKindAndTpStaysOnItsNode) {
  int layouts = 0;
  for (auto places : {blocked(2, 4), interleaved(2, 4), interleaved(3, 4), blocked(3, 2)}) {
    const int world = static_cast<int>(places.size());
    for (int tp : {1, 2, 4}) {
      const int per_node = world / (places.back().node + 1);
      if (per_node % tp) continue;  // a tp the nodes cannot hold (refusals: tested above)
      ++layouts;
      const Mapping m = Mapping::build(places, tp, 0);
      std::multiset<int> in_tp, in_dp;
      std::set<std::vector<int>> tp_groups, dp_groups;
      for (int r = 0; r < world; ++r) {
        tp_groups.insert(m.tp_group_of(r));
        dp_groups.insert(m.dp_group_of(r));
      }
      for (const auto& g : tp_groups) {
        ASSERT_EQ(static_cast<int>(g.size()), tp);
        for (int r : g) {
          in_tp.insert(r);
          EXPECT_EQ(places[r].host, places[g[0]].host) << "TP group crosses nodes";
        }
      }
      for (const auto& g : dp_groups) {
        ASSERT_EQ(static_cast<int>(g.size()), world / tp);
        for (std::size_t i = 0; i < g.size(); ++i) {
          in_dp.insert(g[i]);
          EXPECT_EQ(m.at(g[i]).dp_rank, static_cast<int>(i));
        }
      }
      for (int r = 0; r < world; ++r) {
        EXPECT_EQ(in_tp.count(r), 1u);
        EXPECT_EQ(in_dp.count(r), 1u);
      }
      EXPECT_EQ(static_cast<int>(tp_groups.size()), world / tp);
      EXPECT_EQ(static_cast<int>(dp_groups.size()), tp);
    }
  }
  // tp 1, 2 and 4 on the three layouts of 4 ranks a node, tp 1 and 2 on the one of 2.
  EXPECT_EQ(layouts, 3 * 3 + 2);
}

TEST(Mapping, RefusesTpThatSplitsANode) {
  try {
    Mapping::build(blocked(2, 2), 4, 0);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("ranks per node"), std::string::npos) << e.what();
  }
}

TEST(Mapping, RefusesNodesWithDifferentRankCounts) {
  std::vector<RankPlace> places = {{"a", 0, 0}, {"a", 0, 1}, {"a", 0, 2}, {"b", 1, 0}};
  try {
    Mapping::build(places, 1, 0);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("a: 3"), std::string::npos) << what;
    EXPECT_NE(what.find("b: 1"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace mmlu
