#include "core/analysis.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace respect {
namespace {

using testing::MakeDag;

//   v0   v1
//   | \  |
//   v2  v3
//    \  / \ .
//     v4   v5   (edges: 0-2 0-3 1-3 2-4 3-4 3-5)
Graph Diamond() {
  auto g = MakeDag(6, {{0, 2}, {0, 3}, {1, 3}, {2, 4}, {3, 4}, {3, 5}});
  EXPECT_TRUE(g.ok());
  return std::move(*g);
}

TEST(Analysis, LevelsDepthDegrees) {
  Graph g = Diamond();
  EXPECT_EQ(AsapLevels(g), (std::vector<int>{0, 0, 1, 1, 2, 2}));
  EXPECT_EQ(AlapLevels(g), (std::vector<int>{0, 0, 1, 1, 2, 2}));
  EXPECT_EQ(Depth(g), 3);
  EXPECT_EQ(MaxInDegree(g), 2);
  EXPECT_EQ(MaxOutDegree(g), 2);
  EXPECT_EQ(WeaklyConnectedComponents(g), 1);
}

TEST(Analysis, AlapPushesLateNodesDown) {
  // v0 -> v1 -> v2 -> v3, and v4 -> v3: v4 can run as late as level 2.
  auto g = MakeDag(5, {{0, 1}, {1, 2}, {2, 3}, {4, 3}});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(AsapLevels(*g)[4], 0);
  EXPECT_EQ(AlapLevels(*g)[4], 2);
}

TEST(Analysis, ExactTopologicalOrders) {
  Graph g = Diamond();
  EXPECT_EQ(TopologicalOrder(g, TopoOrderKind::kKahnFifo), (std::vector<int>{0, 1, 2, 3, 4, 5}));
  // LIFO: 0 first, its ready successor 2 next, then 1 (v3 waits for v1), 3, 4, 5.
  EXPECT_EQ(TopologicalOrder(g, TopoOrderKind::kKahnLifo), (std::vector<int>{0, 2, 1, 3, 4, 5}));
  for (TopoOrderKind k : AllTopoOrders())
    EXPECT_TRUE(IsTopologicalOrder(g, TopologicalOrder(g, k))) << TopoOrderName(k);
}

TEST(Analysis, IsTopologicalOrderRejectsBadOrders) {
  Graph g = Diamond();
  EXPECT_FALSE(IsTopologicalOrder(g, {2, 0, 1, 3, 4, 5}));  // 2 before its parent 0
  EXPECT_FALSE(IsTopologicalOrder(g, {0, 1, 2, 3, 4}));     // missing node
  EXPECT_FALSE(IsTopologicalOrder(g, {0, 0, 2, 3, 4, 5}));  // repeated node
}

TEST(Analysis, AncestorAndDescendantCounts) {
  Graph g = Diamond();
  EXPECT_EQ(AncestorCounts(g), (std::vector<int>{0, 0, 1, 2, 4, 3}));
  EXPECT_EQ(DescendantCounts(g), (std::vector<int>{4, 3, 1, 2, 0, 0}));
}

TEST(Analysis, ComponentsCountsIsolatedPieces) {
  auto g = MakeDag(4, {{0, 1}, {2, 3}});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(WeaklyConnectedComponents(*g), 2);
}

}  // namespace
}  // namespace respect
