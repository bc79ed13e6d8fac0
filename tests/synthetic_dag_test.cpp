#include "synth/synthetic_dag.h"

#include <gtest/gtest.h>

#include "core/analysis.h"
#include "importers/importers.h"
#include "schedulers/list_scheduler.h"

namespace respect {
namespace {

TEST(SyntheticDag, PaperSettingsProduceValidGraphs) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    for (auto [n, lo, hi] : {std::tuple{30, 10, 25}, std::tuple{50, 16, 40}}) {
      SyntheticDagOptions o;
      o.num_nodes = n;
      o.in_degree = 6;
      o.min_levels = lo;
      o.max_levels = hi;
      o.seed = seed;
      auto dag = GenerateSyntheticDag(o);
      ASSERT_TRUE(dag.ok()) << dag.error().message;
      const Graph& g = dag->graph;
      EXPECT_EQ(g.num_ops(), n);
      EXPECT_EQ(WeaklyConnectedComponents(g), 1);
      EXPECT_LE(MaxInDegree(g), 6);
      const int depth = Depth(g);
      EXPECT_GE(depth, lo);
      EXPECT_LE(depth, hi);
      EXPECT_EQ(AsapLevels(g), dag->level);  // generator level == ASAP level
      for (int v = 0; v < n; ++v) {
        EXPECT_GE(dag->weight[v], 0.0);
        EXPECT_LT(dag->weight[v], 5.0);
        EXPECT_EQ(dag->parent_levels[v].size(), 6u);
        EXPECT_EQ(dag->parent_ids[v].size(), 6u);
        if (dag->level[v] > 0) {  // one parent from the level just above
          bool above = false;
          for (int p : g.preds(v)) above |= dag->level[p] == dag->level[v] - 1;
          EXPECT_TRUE(above);
        }
      }
    }
  }
}

TEST(SyntheticDag, DeterministicFromSeed) {
  auto a = GenerateSyntheticDag({50, 6, 16, 40, 0, 5, 7});
  auto b = GenerateSyntheticDag({50, 6, 16, 40, 0, 5, 7});
  auto c = GenerateSyntheticDag({50, 6, 16, 40, 0, 5, 8});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(GraphToJson(a->graph), GraphToJson(b->graph));
  EXPECT_EQ(a->weight, b->weight);
  EXPECT_NE(GraphToJson(a->graph), GraphToJson(c->graph));
}

TEST(SyntheticDag, SpecParsingAndErrors) {
  auto o = ParseSyntheticSpec("n=50,deg=4,levels=16-40,weights=1-2,seed=3");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->num_nodes, 50);
  EXPECT_EQ(o->in_degree, 4);
  EXPECT_EQ(o->min_levels, 16);
  EXPECT_EQ(o->max_levels, 40);
  EXPECT_EQ(o->min_weight, 1.0);
  EXPECT_EQ(o->seed, 3u);
  EXPECT_FALSE(ParseSyntheticSpec("n=abc").ok());
  EXPECT_FALSE(ParseSyntheticSpec("colour=blue").ok());
  EXPECT_FALSE(GenerateSyntheticDag({5, 6, 10, 25, 0, 5, 1}).ok());  // more levels than nodes
  EXPECT_FALSE(GenerateSyntheticDag({30, 0, 10, 25, 0, 5, 1}).ok());
}

TEST(ListScheduleLabels, HandWorkedExample) {
  // a(0) -> b(1) -> d(3);  a -> c(2) -> d.  Weights a=3 b=2 c=2 d=1, capacity 4.
  // Step 1: ready {d}        -> d.
  // Step 2: ready {b, c} (level 1, ties by id) weight 4 <= 4 -> both.
  // Step 3: ready {a}        -> a.
  GraphBuilder gb("g");
  for (int i = 0; i < 4; ++i) {
    Tensor t;
    t.name = std::to_string(i);
    gb.AddTensor(t);
    Operator op;
    op.name = std::string(1, static_cast<char>('a' + i));
    op.outputs = {i};
    gb.AddOp(op);
  }
  gb.op(1).inputs = {0};
  gb.op(2).inputs = {0};
  gb.op(3).inputs = {1, 2};
  auto g = std::move(gb).Build();
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(ListScheduleLabels(*g, {3, 2, 2, 1}, 4.0), (std::vector<int>{3, 2, 2, 1}));
  // Capacity 3: step 2 keeps only b (c dropped as the lower-priority tie), c moves to step 3.
  EXPECT_EQ(ListScheduleLabels(*g, {3, 2, 2, 1}, 3.0), (std::vector<int>{4, 2, 3, 1}));
}

TEST(ListScheduleLabels, RespectsPrecedenceAndCapacity) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    auto dag = GenerateSyntheticDag({30, 6, 10, 25, 0, 5, seed});
    ASSERT_TRUE(dag.ok());
    const Graph& g = dag->graph;
    auto label = ListScheduleLabels(g, dag->weight, 35.0);
    std::map<int, double> step_weight;
    for (int v = 0; v < g.num_ops(); ++v) {
      step_weight[label[v]] += dag->weight[v];
      for (int w : g.succs(v)) EXPECT_GT(label[v], label[w]);  // reverse schedule: sinks first
    }
    for (auto [step, w] : step_weight) EXPECT_LE(w, 35.0) << "step " << step;
  }
}

}  // namespace
}  // namespace respect
