// Satellite orders (schedulers/satellites.h): valid, distinct orders, and what they add to dp on
// graphs whose best pipelines keep one main stage: a real random DAG, and small components.
#include "schedulers/satellites.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "core/analysis.h"
#include "schedulers/dp_cuts.h"
#include "schedulers/scheduler.h"
#include "test_util.h"

namespace respect {

TEST(Satellites, OrdersAreTopologicalAndDistinct) {
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    Graph g = RandomNet(30, seed);
    CostModel m(g, SmallCacheUsb());
    for (Objective o : {Objective::kThroughput, Objective::kPaper}) {
      const auto orders = SatelliteOrders(m, 4, o, 1.0);
      ASSERT_FALSE(orders.empty()) << seed;
      for (size_t i = 0; i < orders.size(); ++i) {
        EXPECT_EQ(orders[i].size(), static_cast<size_t>(g.num_ops()));
        EXPECT_TRUE(IsTopologicalOrder(g, orders[i])) << seed << " " << i;
        for (size_t j = 0; j < i; ++j) EXPECT_NE(orders[i], orders[j]);
      }
    }
    EXPECT_TRUE(SatelliteOrders(m, 1, Objective::kThroughput, 1.0).empty());
  }
}

// rand_graph_1000_1: every balanced boundary moves megabytes, so the best pipelines keep most
// operators in one stage; the satellite orders let dp move the cheap ones off it. Before them
// dp's best of the classic orders was 15.64 ms at K = 4.
TEST(Satellites, DpKeepsAMainStageOnTheRandomDag) {
  auto um = LoadUsbModel(testing::SharedPath("data/dag_benchmarks/rand_graph_1000_1.gml"));
  ASSERT_TRUE(um);
  const CostModel& m = *um->cost;
  const Graph& g = um->graph;
  const int K = 4;
  double classic = std::numeric_limits<double>::infinity();
  for (TopoOrderKind kind : AllTopoOrders()) {
    auto c = BestCutsOfOrder(m, TopologicalOrder(g, kind), K, Objective::kThroughput);
    ASSERT_TRUE(c) << c.error().message;
    classic = std::min(classic, c->value);
  }
  auto best = BestCutsOverOrders(m, K, Objective::kThroughput);
  ASSERT_TRUE(best) << best.error().message;
  EXPECT_LT(best->value, 0.95 * classic);
  EXPECT_NE(best->note.find("(satellites)"), std::string::npos) << best->note;
  // The value is the evaluator's, and one stage holds most operators.
  EXPECT_NEAR(best->value, EvaluateSchedule(m, best->schedule).period_s, 1e-12);
  std::vector<int> ops(K, 0);
  for (int v = 0; v < g.num_ops(); ++v) ++ops[best->schedule.stage_of[v]];
  EXPECT_GT(*std::max_element(ops.begin(), ops.end()), g.num_ops() / 2);
}

// A chain of six 1 MiB operators with three two-operator components interleaved by id. At
// lambda = 0.1 the chain is cheapest whole (0.6 against 0.3 + 1 crossing when halved), so the
// optimum gives the other three stages one component each: 0.6, no crossing. The classic
// orders interleave the components with the chain; the satellite order keeps each whole.
TEST(Satellites, WholeComponentsBecomeSatellitesUnderThePaperObjective) {
  const int64_t mib = 1 << 20;
  auto g = testing::MakeDag(12, {{0, 2}, {2, 4}, {4, 6}, {6, 8}, {8, 10}, {1, 3}, {5, 7}, {9, 11}},
                            {mib, 1000, mib, 1000, mib, 1000, mib, 1000, mib, 1000, mib, 1000});
  ASSERT_TRUE(g) << g.error().message;
  CostModel m(*g, LoadDeviceProfile("usb").value());
  const int K = 4;
  const double lambda = 0.1;
  auto best = BestCutsOverOrders(m, K, Objective::kPaper, lambda);
  ASSERT_TRUE(best) << best.error().message;
  const double want = lambda * 6;
  EXPECT_NEAR(best->value, want, 1e-9) << best->note;
  EXPECT_EQ(BoundaryCrossings(*g, best->schedule), 0);
  // The exact optimum over every schedule agrees.
  ScheduleRequest r;
  r.stages = K;
  r.objective = Objective::kPaper;
  r.paper_lambda = lambda;
  auto exact = RunScheduler("exact", m, r);
  ASSERT_TRUE(exact) << exact.error().message;
  EXPECT_TRUE(exact->proven_optimal);
  EXPECT_NEAR(exact->objective_value, best->value, 1e-9);
}

// rand_graph_5000_1 has one large weakly connected component and two of two operators. At
// K = 3 those two are the other stages, crossing nothing: the score is lambda x the large
// component's MiB (7.42 when the components are not kept whole in the order; 21.42 at K = 6
// before the satellite orders, 8.42 with them).
TEST(Satellites, SmallComponentsAreTheOtherStagesOfTheRandomDag) {
  auto um = LoadUsbModel(testing::SharedPath("data/dag_benchmarks/rand_graph_5000_1.gml"));
  ASSERT_TRUE(um);
  const Graph& g = um->graph;
  auto best = BestCutsOverOrders(*um->cost, 3, Objective::kPaper, 1.0);
  ASSERT_TRUE(best) << best.error().message;
  EXPECT_EQ(BoundaryCrossings(g, best->schedule), 0);
  int64_t largest_stage = 0;
  std::vector<int64_t> bytes(3, 0);
  for (int v = 0; v < g.num_ops(); ++v) bytes[best->schedule.stage_of[v]] += g.ops[v].param_bytes;
  largest_stage = *std::max_element(bytes.begin(), bytes.end());
  EXPECT_EQ(largest_stage, 5692380);  // the large component's bytes (4,709 operators)
  EXPECT_NEAR(best->value, 5692380 / 1048576.0, 1e-9);
}

}  // namespace respect
