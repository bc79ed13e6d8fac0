// The incremental segment scanner against the evaluator, and dp against brute force over all
// cuts of a fixed order.
#include "schedulers/dp_cuts.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "core/analysis.h"
#include "cost/segment_scan.h"
#include "learn/rl_scheduler.h"
#include "schedulers/compiler_partitioner.h"
#include "schedulers/scheduler.h"
#include "synth/synthetic_dag.h"
#include "test_util.h"
#include "zoo/zoo.h"

namespace respect {

TEST(SegmentScanner, EqualsTheEvaluatorOnEverySegment) {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    Graph g = RandomNet(14, seed);
    CostModel m(g, SmallCacheUsb());
    for (TopoOrderKind kind : AllTopoOrders()) {
      const std::vector<int> order = TopologicalOrder(g, kind);
      SegmentScanner scan(m, order);
      for (int i = 0; i < g.num_ops(); ++i) {
        scan.Start(i);
        for (int j = i; j < g.num_ops(); ++j) {
          const StageCost& got = scan.Extend();
          // The same operators as stage 1 of 3 (before: stage 0, after: stage 2).
          std::vector<int> stage(g.num_ops());
          for (int p = 0; p < g.num_ops(); ++p) stage[order[p]] = p < i ? 0 : p <= j ? 1 : 2;
          const StageCost want = m.Evaluate(stage, 3, &order).stages[1];
          ASSERT_EQ(got.in_bytes, want.in_bytes) << seed << " " << i << " " << j;
          ASSERT_EQ(got.out_bytes, want.out_bytes) << seed << " " << i << " " << j;
          ASSERT_EQ(got.cached_bytes, want.cached_bytes);
          ASSERT_EQ(got.streamed_bytes, want.streamed_bytes);
          ASSERT_EQ(got.cpu_ops, want.cpu_ops);
          ASSERT_NEAR(got.latency_s, want.latency_s, 1e-12);
        }
      }
    }
  }
}

// All ways to cut an order of n into K non-empty segments.
void ForEachCut(int n, int K, std::vector<int>& cuts, int from, const std::function<void()>& f) {
  if (static_cast<int>(cuts.size()) == K - 1) return f();
  for (int c = from; c <= n - (K - 1 - static_cast<int>(cuts.size())); ++c) {
    cuts.push_back(c);
    ForEachCut(n, K, cuts, c + 1, f);
    cuts.pop_back();
  }
}

// Every cut of `order` into K non-empty segments, as a schedule running in that order.
void ForEachCutOf(const std::vector<int>& order, int K,
                  const std::function<void(const Schedule&)>& visit) {
  const int n = static_cast<int>(order.size());
  std::vector<int> cuts;
  ForEachCut(n, K, cuts, 1, [&] {
    std::vector<int> stage(n);
    for (int p = 0, k = 0; p < n; ++p) {
      while (k < K - 1 && p >= cuts[k]) ++k;
      stage[order[p]] = k;
    }
    visit(Schedule(K, stage, order));
  });
}

TEST(DpCuts, EqualsBruteForceOverCutsOfAFixedOrder) {
  for (uint32_t seed = 1; seed <= 15; ++seed) {
    Graph g = RandomNet(10, seed);
    CostModel m(g, SmallCacheUsb());
    const std::vector<int> order = TopologicalOrder(g, TopoOrderKind::kDepthFirst);
    for (Objective o : {Objective::kThroughput, Objective::kLatency, Objective::kPaper})
      for (int K = 1; K <= 4; ++K) {
        // The paper objective's weight of one MiB: crossings dominate, or (even seeds) bytes.
        const double lambda = seed % 2 ? 0.5 + seed % 3 : 5000.0 * seed;
        double brute = 1e300;
        ForEachCutOf(order, K, [&](const Schedule& s) {
          brute = std::min(brute, ObjectiveValue(m, s, o, lambda));
        });
        auto r = BestCutsOfOrder(m, order, K, o, lambda);
        ASSERT_TRUE(r.ok()) << r.error().message;
        EXPECT_NEAR(r->value, brute, 1e-12 * std::max(1.0, brute))
            << seed << " K=" << K << " " << ObjectiveName(o);
        EXPECT_NEAR(ObjectiveValue(m, r->schedule, o, lambda), r->value,
                    1e-12 * std::max(1.0, brute));
        EXPECT_TRUE(ValidateSchedule(g, r->schedule).ok());
        EXPECT_TRUE(EmptyStages(r->schedule).empty());
        if (o == Objective::kPaper) continue;
        // Pruned by an achievable value: still exact when the bound is at or above the optimum
        // (every segment scan stops early); below it, nothing or a valid cut's value.
        for (double upper : {brute, brute * 1.01, brute * 3}) {
          auto p = TimeCutsOfOrder(m, order, K, o, upper);
          ASSERT_TRUE(p.ok());
          EXPECT_NEAR(p->value, brute, 1e-12 * std::max(1.0, brute))
              << seed << " K=" << K << " upper " << upper;
        }
        auto below = TimeCutsOfOrder(m, order, K, o, brute * 0.99);
        ASSERT_TRUE(below.ok());
        EXPECT_TRUE(std::isinf(below->value) || below->value >= brute * (1 - 1e-12));
      }
  }
}

// The host-aware bisection (where the Pareto labels outgrow their memory, as on the big
// random DAGs at K = 10) against brute force over every cut of a fixed order, where a small
// cache and a slow controller make the host set the period of many cuts.
TEST(DpCuts, HostBisectionEqualsBruteForceOverCutsOfAFixedOrder) {
  int host_bound = 0;
  for (uint32_t seed = 1; seed <= 15; ++seed) {
    Graph g = RandomNet(10, seed, /*with_fallback=*/false);
    DeviceProfile p = SmallCacheUsb();
    p.controller_in_bytes_per_s /= 4;  // a slower host controller sets more periods
    p.controller_out_bytes_per_s /= 4;
    CostModel m(g, p);
    const std::vector<int> order = TopologicalOrder(g, TopoOrderKind::kKahnLifo);
    for (int K = 1; K <= 4; ++K) {
      double brute = 1e300;
      bool host = false;
      ForEachCutOf(order, K, [&](const Schedule& s) {
        const PipelineCost c = EvaluateSchedule(m, s);
        if (c.period_s < brute) {
          brute = c.period_s;
          host = c.limit != PipelineLimit::kStage;
        }
      });
      host_bound += host;
      const double inf = std::numeric_limits<double>::infinity();
      for (double upper : {inf, brute * 3, brute * 1.001}) {
        const CutResult r = HostBisectionCutsOfOrder(m, order, K, 0, upper);
        EXPECT_NEAR(r.value, brute, 1e-9 * brute) << seed << " K=" << K << " upper " << upper;
        EXPECT_NEAR(EvaluateSchedule(m, r.schedule).period_s, r.value, 1e-15);
        EXPECT_TRUE(ValidateSchedule(g, r.schedule).ok());
        EXPECT_TRUE(EmptyStages(r.schedule).empty());
      }
      // Nothing beats the optimum itself.
      EXPECT_TRUE(std::isinf(HostBisectionCutsOfOrder(m, order, K, 0, brute).value));
    }
  }
  EXPECT_GT(host_bound, 15);  // the host sets the optimum's period often enough to matter
}

TEST(DpCuts, NeverWorseThanCoralsPartitionOnRealModels) {
  for (const char* spec : {"resnet50", "mobilenet_v2", "inception_v3"}) {
    auto g = BuildZooModel(spec);
    ASSERT_TRUE(g.ok());
    auto usb = LoadDeviceProfile("usb");
    CostModel m(*g, *usb);
    for (int K = 2; K <= 6; K += 2) {
      auto dp = BestCutsOverOrders(m, K, Objective::kThroughput);
      ASSERT_TRUE(dp.ok());
      // dp tries Coral's order, and Coral's partition is one cut of it.
      auto coral = CompilerPartition(*g, K);
      ASSERT_TRUE(coral.ok());
      EXPECT_LE(dp->value, EvaluateSchedule(m, *coral).period_s + 1e-15) << spec << " K=" << K;
    }
  }
}

TEST(DpCuts, ImpossibleRequests) {
  Graph g = RandomNet(6, 3);
  CostModel m(g, SmallCacheUsb());
  EXPECT_FALSE(BestCutsOverOrders(m, 0, Objective::kThroughput).ok());
  EXPECT_FALSE(BestCutsOverOrders(m, 7, Objective::kThroughput).ok());
  EXPECT_TRUE(
      BestCutsOverOrders(m, 2, Objective::kPaper).ok());  // the paper objective has its own DP
}

}  // namespace respect

namespace respect {
namespace {

TEST(Schedulers, EveryMethodReturnsAValidScheduleOnRandomGraphs) {
  for (uint32_t seed = 1; seed <= 10; ++seed) {
    Graph g = RandomNet(12 + seed, seed);
    CostModel m(g, SmallCacheUsb());
    for (const auto& info : Schedulers())
      for (int K = 1; K <= 4; ++K) {
        ScheduleRequest req(K);
        req.time_limit_s =
            0.3;  // ilp: the random graphs with host fallback are heuristic instances
        auto r = RunScheduler(info.name, m, req);
        ASSERT_TRUE(r.ok()) << info.name << ": " << r.error().message;
        EXPECT_TRUE(ValidateSchedule(g, r->schedule).ok());
        EXPECT_EQ(r->schedule.num_stages, K);
        EXPECT_NEAR(r->objective_value, EvaluateSchedule(m, r->schedule).period_s, 1e-15);
        EXPECT_LE(r->lower_bound, r->objective_value + 1e-15);
      }
  }
}

TEST(Schedulers, ImpossibleRequestsAreClearErrors) {
  Graph g = RandomNet(5, 2);
  CostModel m(g, SmallCacheUsb());
  auto zero = RunScheduler("dp", m, {0, Objective::kThroughput});
  ASSERT_FALSE(zero.ok());
  EXPECT_NE(zero.error().message.find("at least 1"), std::string::npos);
  auto many = RunScheduler("compiler", m, {6, Objective::kThroughput});
  ASSERT_FALSE(many.ok());
  EXPECT_NE(many.error().message.find("6 stages for 5 operators"), std::string::npos);
  auto unknown = RunScheduler("magic", m, {2, Objective::kThroughput});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("available"), std::string::npos);
}

}  // namespace
}  // namespace respect
