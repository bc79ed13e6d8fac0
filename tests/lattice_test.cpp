// The downset lattice and the width against brute force over every subset of small graphs.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/analysis.h"
#include "core/downset_lattice.h"
#include "models/model_source.h"
#include "test_util.h"
#include "zoo/zoo.h"

namespace respect {
namespace {

bool IsDownset(const Graph& g, uint32_t mask) {
  for (int v = 0; v < g.num_ops(); ++v)
    if (mask >> v & 1)
      for (int u : g.preds(v))
        if (!(mask >> u & 1)) return false;
  return true;
}

uint32_t MaskOf(const DownsetLattice& L, int d) {
  uint32_t m = 0;
  for (int v : L.Members(d)) m |= 1u << v;
  return m;
}

// u <= v in the DAG (u reaches v).
std::vector<uint32_t> Reach(const Graph& g) {
  std::vector<uint32_t> r(g.num_ops(), 0);
  std::vector<int> order = TopologicalOrder(g, TopoOrderKind::kKahnFifo);
  for (auto it = order.rbegin(); it != order.rend(); ++it)
    for (int s : g.succs(*it)) r[*it] |= r[s] | (1u << s);
  return r;
}

TEST(DownsetLattice, HandDrawnGraphs) {
  // A chain of 5: 6 downsets, width 1.
  auto chain = testing::MakeDag(5, {{0, 1}, {1, 2}, {2, 3}, {3, 4}});
  ASSERT_TRUE(chain.ok());
  DownsetLattice c = DownsetLattice::Enumerate(*chain);
  EXPECT_TRUE(c.complete());
  EXPECT_EQ(c.size(), 6);
  EXPECT_EQ(c.max_ready(), 1);
  EXPECT_EQ(GraphWidth(*chain).upper, 1);
  //   0
  //  / \      downsets: {}, {0}, {0,1}, {0,2}, {0,1,2}, {0,1,2,3}
  // 1   2
  //  \ /
  //   3
  auto diamond = testing::MakeDag(4, {{0, 1}, {0, 2}, {1, 3}, {2, 3}});
  ASSERT_TRUE(diamond.ok());
  DownsetLattice d = DownsetLattice::Enumerate(*diamond);
  EXPECT_EQ(d.size(), 6);
  EXPECT_EQ(d.max_ready(), 2);
  EXPECT_EQ(MaskOf(d, 0), 0u);
  EXPECT_EQ(MaskOf(d, d.full()), 15u);
  const WidthBounds w = GraphWidth(*diamond);
  EXPECT_TRUE(w.exact());
  EXPECT_EQ(w.upper, 2);
  // Four independent operators: every subset is a downset.
  auto flat = testing::MakeDag(4, {});
  ASSERT_TRUE(flat.ok());
  EXPECT_EQ(DownsetLattice::Enumerate(*flat).size(), 16);
  EXPECT_EQ(GraphWidth(*flat).upper, 4);
}

TEST(DownsetLattice, EqualsBruteForceOnRandomGraphs) {
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    const int n = 5 + seed % 10;
    Graph g = RandomNet(n, seed, false);
    DownsetLattice L = DownsetLattice::Enumerate(g);
    ASSERT_TRUE(L.complete());
    int expect = 0;
    for (uint32_t mask = 0; mask < (1u << n); ++mask) expect += IsDownset(g, mask);
    ASSERT_EQ(L.size(), expect) << "seed " << seed;
    std::vector<uint32_t> seen;
    for (int d = 0; d < L.size(); ++d) {
      const uint32_t mask = MaskOf(L, d);
      EXPECT_TRUE(IsDownset(g, mask));
      EXPECT_EQ(L.cardinality(d), __builtin_popcount(mask));
      if (d > 0) {
        EXPECT_GE(L.cardinality(d), L.cardinality(d - 1));  // ascending cardinality
      }
      EXPECT_EQ(L.Find(L.bits(d)), d);
      seen.push_back(mask);
      for (auto* s = L.up_begin(d); s != L.up_end(d); ++s)
        EXPECT_EQ(MaskOf(L, s->to), mask | 1u << s->op);
      for (auto* s = L.down_begin(d); s != L.down_end(d); ++s)
        EXPECT_EQ(MaskOf(L, s->to), mask & ~(1u << s->op));
      // Every ready operator has an up step, every maximal one a down step.
      int ready = 0, maximal = 0;
      for (int v = 0; v < n; ++v) {
        if (!(mask >> v & 1) && IsDownset(g, mask | 1u << v)) ++ready;
        if ((mask >> v & 1) && IsDownset(g, mask & ~(1u << v))) ++maximal;
      }
      EXPECT_EQ(L.up_end(d) - L.up_begin(d), ready);
      EXPECT_EQ(L.down_end(d) - L.down_begin(d), maximal);
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());
    EXPECT_EQ(MaskOf(L, L.full()), (1u << n) - 1);

    // Width: the largest set of pairwise unreachable operators.
    const std::vector<uint32_t> reach = Reach(g);
    int width = 0;
    for (uint32_t mask = 1; mask < (1u << n); ++mask) {
      bool antichain = true;
      for (int v = 0; v < n && antichain; ++v)
        if (mask >> v & 1) antichain = (reach[v] & mask) == 0;
      if (antichain) width = std::max(width, __builtin_popcount(mask));
    }
    const WidthBounds w = GraphWidth(g);
    EXPECT_TRUE(w.exact());
    EXPECT_EQ(w.upper, width) << "seed " << seed;
    EXPECT_EQ(L.max_ready(), width) << "seed " << seed;  // ready sets are the antichains
  }
}

// Three parallel chains of `len` operators: (len + 1)^3 downsets, width 3.
Graph ThreeChains(int len) {
  std::vector<std::pair<int, int>> edges;
  for (int c = 0; c < 3; ++c)
    for (int i = 1; i < len; ++i) edges.push_back({c * len + i - 1, c * len + i});
  auto g = testing::MakeDag(3 * len, edges);
  EXPECT_TRUE(g.ok());
  return std::move(*g);
}

TEST(DownsetLattice, CapAndCount) {
  Graph g = ThreeChains(10);  // 1331 downsets
  LatticeOptions o;
  o.max_downsets = 100;
  DownsetLattice L = DownsetLattice::Enumerate(g, o);
  EXPECT_FALSE(L.complete());
  EXPECT_EQ(L.size(), 100);
  EXPECT_NE(L.incomplete_reason().find("more than 100 downsets"), std::string::npos);
  EXPECT_EQ(CountDownsets(g, 100), 101);
  EXPECT_EQ(CountDownsets(g, 5000), 1331);
  // The steps that were recorded stay inside the enumerated part.
  for (int d = 0; d < L.size(); ++d)
    for (auto* s = L.up_begin(d); s != L.up_end(d); ++s) EXPECT_LT(s->to, L.size());
  // Too wide to try: refused at once, by the width.
  auto flat = testing::MakeDag(40, {});
  ASSERT_TRUE(flat.ok());
  DownsetLattice W = DownsetLattice::Enumerate(*flat, o);
  EXPECT_FALSE(W.complete());
  EXPECT_EQ(W.size(), 0);
  EXPECT_NE(W.incomplete_reason().find("at least 2^40 downsets (width 40)"), std::string::npos)
      << W.incomplete_reason();
  // Out of time.
  o.max_downsets = 100'000'000;
  o.time_limit_s = 0;
  DownsetLattice T = DownsetLattice::Enumerate(ThreeChains(200), o);
  EXPECT_FALSE(T.complete());
  EXPECT_NE(T.incomplete_reason().find("time limit"), std::string::npos);
}

// The width's work budget holds inside one augmenting search too: with a small budget the
// bounds still bracket the exact width (the 1k random DAG: 298), and are not claimed exact.
TEST(DownsetLattice, WidthBudgetBracketsTheWidth) {
  auto g = LoadModel(testing::SharedPath("data/dag_benchmarks/rand_graph_1000_1.gml"));
  ASSERT_TRUE(g.ok()) << g.error().message;
  const WidthBounds exact = GraphWidth(*g);
  ASSERT_TRUE(exact.exact());
  EXPECT_EQ(exact.upper, 298);
  for (int64_t budget : {100, 10'000, 200'000}) {
    const WidthBounds w = GraphWidth(*g, budget);
    EXPECT_LE(w.lower, 298) << budget;
    EXPECT_GE(w.upper, 298) << budget;
    EXPECT_FALSE(w.exact() && w.upper != 298) << budget;
  }
  EXPECT_FALSE(GraphWidth(*g, 100).exact());
}

// Counts the issue quotes for the zoo's fused graphs.
TEST(DownsetLattice, ZooModels) {
  auto resnet = BuildZooModel("resnet50");
  ASSERT_TRUE(resnet.ok());
  EXPECT_EQ(CountDownsets(*resnet, 1'000'000), 88);
  auto densenet = BuildZooModel("densenet121");
  ASSERT_TRUE(densenet.ok());
  EXPECT_EQ(CountDownsets(*densenet, 1'000'000), densenet->num_ops() + 1);  // a chain
  EXPECT_EQ(GraphWidth(*densenet).upper, 1);
}

}  // namespace
}  // namespace respect
