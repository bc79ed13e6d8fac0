// The lattice DP (`exact`) against brute force over every valid assignment, its stage costs
// against the evaluator, and its limits.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <limits>

#include "core/analysis.h"
#include "core/downset_lattice.h"
#include "models/model_source.h"
#include "schedulers/dp_cuts.h"
#include "schedulers/exact_lattice.h"
#include "schedulers/lower_bounds.h"
#include "schedulers/scheduler.h"
#include "test_util.h"

namespace respect {
namespace {

// T(D \ D') of the fast path against the evaluator for every pair y ⊂ d (up to `limit` pairs).
void CheckStageCosts(const CostModel& m, const DownsetLattice& L, int64_t limit,
                     const std::string& what) {
  LatticeStageCost cost(m, L);
  const int n = m.graph().num_ops();
  int64_t checked = 0;
  const int step = std::max(1, L.size() / 60);
  for (int d = 1; d < L.size() && checked < limit; d += (d % step == 0 ? 1 : step)) {
    for (int y = 0; y < d; ++y) {
      bool subset = true;
      for (int w = 0; w < L.words() && subset; ++w) subset = (L.bits(y)[w] & ~L.bits(d)[w]) == 0;
      if (!subset || L.cardinality(y) == L.cardinality(d)) continue;
      std::vector<int> stage(n, 2);
      for (int v = 0; v < n; ++v) stage[v] = L.Contains(y, v) ? 0 : L.Contains(d, v) ? 1 : 2;
      const StageCost want = m.Evaluate(stage, 3).stages[1];
      ASSERT_NEAR(cost.Seconds(y, d), want.latency_s, 1e-12 * std::max(1.0, want.latency_s))
          << what << ": downsets " << y << " within " << d;
      ASSERT_LE(cost.MinSecondsBase() + cost.MinOpSeconds(d) - cost.MinOpSeconds(y),
                want.latency_s + 1e-12);
      ++checked;
    }
  }
  EXPECT_GT(checked, 0) << what;
}

TEST(Exact, StageCostsEqualTheEvaluator) {
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    for (bool fallback : {false, true}) {
      Graph g = RandomNet(11, seed, fallback);
      DeviceProfile p = SmallCacheUsb();
      if (seed % 3 == 0) p.param_cache_bytes = 1'500'000;  // most stages stream
      CostModel m(g, p);
      DownsetLattice L = DownsetLattice::Enumerate(g);
      ASSERT_TRUE(L.complete());
      CheckStageCosts(m, L, 1'000'000, "random " + std::to_string(seed));
    }
  }
}

TEST(Exact, StageCostsEqualTheEvaluatorOnEverySharedModel) {
  auto device = LoadDeviceProfile("usb");
  ASSERT_TRUE(device.ok());
  DeviceProfile tiny = *device;
  tiny.param_cache_bytes = 200'000;  // make the small models stream too
  int models = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(testing::SharedPath("models"))) {
    const std::string ext = entry.path().extension().string();
    if (ext != ".tflite" && ext != ".onnx") continue;
    auto g = LoadModel(entry.path().string());
    ASSERT_TRUE(g.ok()) << g.error().message;
    LatticeOptions lo;
    lo.max_downsets = 20'000;
    DownsetLattice L = DownsetLattice::Enumerate(*g, lo);
    if (!L.complete() || g->num_ops() < 2) continue;
    ++models;
    for (const DeviceProfile* p : {&*device, &tiny}) {
      CostModel m(*g, *p);
      CheckStageCosts(m, L, 3000, entry.path().filename().string());
    }
  }
  EXPECT_GE(models, 10);
}

struct Brute {
  double value[3];  // per objective
};

// The best value of each objective over every valid assignment with K non-empty stages (each
// stage running in the execution order).
Brute BruteForce(const CostModel& m, int K, bool align, double lambda) {
  Brute best;
  for (double& v : best.value) v = std::numeric_limits<double>::infinity();
  ForEachValidSchedule(m.graph(), K, align, [&](const Schedule& s) {
    const PipelineCost pc = EvaluateSchedule(m, s);
    best.value[0] = std::min(best.value[0], pc.period_s);
    best.value[1] = std::min(best.value[1], pc.latency_s);
    best.value[2] = std::min(best.value[2], ObjectiveValue(m, s, Objective::kPaper, lambda));
  });
  return best;
}

// SimpleLowerBound (the bound every method's gap is measured against) never exceeds the
// optimum, with and without host fallback, for every objective.
TEST(Exact, SimpleLowerBoundNeverExceedsTheOptimum) {
  const Objective objectives[3] = {Objective::kThroughput, Objective::kLatency, Objective::kPaper};
  for (uint32_t seed = 1; seed <= 8; ++seed) {
    Graph g = RandomNet(7 + seed % 5, seed + 40, /*with_fallback=*/seed % 2 == 0);
    DeviceProfile p = SmallCacheUsb();
    if (seed % 3 == 0) p.param_cache_bytes = 1'500'000;
    CostModel m(g, p);
    for (int K = 1; K <= 4; ++K) {
      const Brute brute = BruteForce(m, K, false, 2.0);
      for (int oi = 0; oi < 3; ++oi) {
        ScheduleRequest r(K, objectives[oi]);
        r.paper_lambda = 2.0;
        const double bound = SimpleLowerBound(m, r);
        EXPECT_GT(bound, 0);
        EXPECT_LE(bound, brute.value[oi] * (1 + 1e-12))
            << "seed " << seed << " K " << K << " " << oi;
      }
    }
  }
}

// On a graph without MACs (GML: only parameter bytes), the bound still charges each operator's
// fixed TPU cost and each stage's invoke: not a trivial zero against the period.
TEST(Exact, SimpleLowerBoundIsUsefulOnGraphsWithoutMacs) {
  auto loaded = LoadUsbModel(testing::SharedPath("data/dag_benchmarks/rand_graph_1000_1.gml"));
  ASSERT_TRUE(loaded);
  const CostModel& m = *loaded->cost;
  ScheduleRequest r(6);
  auto dp = RunScheduler("dp", m, r);
  ASSERT_TRUE(dp.ok());
  // (0.18 of dp's period with the calibrated usb profile, whose per-operator cost is small
  // against these graphs' streamed parameters)
  EXPECT_GT(SimpleLowerBound(m, r), 0.1 * dp->objective_value);
  EXPECT_LE(SimpleLowerBound(m, r), dp->objective_value);
}

TEST(Exact, EqualsBruteForceForEveryObjective) {
  const Objective objectives[3] = {Objective::kThroughput, Objective::kLatency, Objective::kPaper};
  int instances = 0, aligned_instances = 0;
  for (uint32_t seed = 1; seed <= 8; ++seed) {
    Graph g = RandomNet(8 + seed % 5, seed, /*with_fallback=*/seed % 2 == 0);
    DeviceProfile p = SmallCacheUsb();
    if (seed % 3 == 0) p.param_cache_bytes = 1'500'000;
    CostModel m(g, p);
    DownsetLattice L = DownsetLattice::Enumerate(g);
    ASSERT_TRUE(L.complete());
    const double lambda = 0.5 + seed % 3;
    for (int K = 1; K <= 4; ++K)
      for (bool align : {false, true}) {
        const Brute brute = BruteForce(m, K, align, lambda);
        for (int oi = 0; oi < 3; ++oi) {
          SCOPED_TRACE(::testing::Message() << "seed " << seed << " K " << K << " align " << align
                                            << " " << ObjectiveName(objectives[oi]));
          ExactOptions o;
          o.stages = K;
          o.objective = objectives[oi];
          o.paper_lambda = lambda;
          o.align_children = align;
          o.execution_order_only = true;  // as the brute force charges every stage
          auto r = SolveExact(m, L, o);
          ASSERT_TRUE(r.ok()) << r.error().message;
          EXPECT_TRUE(r->complete);
          const double expect = brute.value[oi];
          if (std::isinf(expect)) {  // no aligned K-stage schedule exists
            EXPECT_FALSE(r->found);
            continue;
          }
          ASSERT_TRUE(r->found);
          ASSERT_TRUE(ValidateSchedule(g, r->schedule, {align}).ok());
          EXPECT_TRUE(EmptyStages(r->schedule).empty());
          const double got = ObjectiveValue(m, r->schedule, objectives[oi], lambda);
          EXPECT_NEAR(got, expect, 1e-12 * std::max(1.0, expect));
          EXPECT_NEAR(r->value, got, 1e-12 * std::max(1.0, got));
          // With the optimum as the incumbent nothing better exists; just above it, it is found.
          o.incumbent = expect;
          auto none = SolveExact(m, L, o);
          ASSERT_TRUE(none.ok());
          EXPECT_TRUE(none->complete);
          EXPECT_FALSE(none->found);
          o.incumbent = expect * (1 + 1e-6) + 1e-9;
          auto again = SolveExact(m, L, o);
          ASSERT_TRUE(again.ok());
          ASSERT_TRUE(again->found);
          EXPECT_NEAR(ObjectiveValue(m, again->schedule, objectives[oi], lambda), expect,
                      1e-12 * std::max(1.0, expect));
          ++instances;
          aligned_instances += align;
        }
      }
  }
  EXPECT_GE(instances, 150);
  EXPECT_GE(aligned_instances, 40);
}

TEST(Exact, MethodIsProvenAndNeverWorseThanTheOthers) {
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    Graph g = RandomNet(14, seed, seed % 2 == 0);
    CostModel m(g, SmallCacheUsb());
    for (Objective o : {Objective::kThroughput, Objective::kLatency, Objective::kPaper})
      for (int K = 2; K <= 4; ++K) {
        ScheduleRequest r(K, o);
        r.time_limit_s = 5;
        auto exact = RunScheduler("exact", m, r);
        ASSERT_TRUE(exact.ok()) << exact.error().message;
        EXPECT_TRUE(exact->proven_optimal) << exact->note;
        EXPECT_EQ(exact->engine, "lattice");
        EXPECT_FALSE(exact->handed_over);
        for (const char* other : {"compiler", "profiling", "list", "dp"}) {
          auto h = RunScheduler(other, m, r);
          if (!h.ok()) continue;
          EXPECT_LE(exact->objective_value, h->objective_value * (1 + 1e-12)) << other;
        }
        auto a = RunScheduler("auto", m, r);
        ASSERT_TRUE(a.ok());
        EXPECT_EQ(a->engine, "lattice") << a->note;
        EXPECT_FALSE(a->handed_over) << a->note;
        EXPECT_NEAR(a->objective_value, exact->objective_value, 1e-12 * exact->objective_value);
      }
  }
}

TEST(Exact, NeverWorseThanDpOrIlpOnSharedModels) {
  auto device = LoadDeviceProfile("usb");
  ASSERT_TRUE(device.ok());
  int models = 0, proven_by_lattice = 0;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(testing::SharedPath("models"))) {
    const std::string ext = entry.path().extension().string();
    if (ext != ".tflite" && ext != ".onnx") continue;
    auto g = LoadModel(entry.path().string());
    ASSERT_TRUE(g.ok()) << g.error().message;
    if (g->num_ops() < 4) continue;
    // Models already compiled for the Edge TPU cannot be split (the scheduler says so).
    bool compiled = false;
    for (const Operator& op : g->ops) compiled |= op.type == "edgetpu-custom-op";
    if (compiled) continue;
    CostModel m(*g, *device);
    ++models;
    const bool narrow = CountDownsets(*g, 500'000) <= 500'000;
    for (int K = 2; K <= 4; ++K) {
      ScheduleRequest r(K);
      r.time_limit_s = narrow ? 60 : 1.5;
      auto exact = RunScheduler("exact", m, r);
      ASSERT_TRUE(exact.ok()) << entry.path() << ": " << exact.error().message;
      auto dp = RunScheduler("dp", m, r);
      ASSERT_TRUE(dp.ok());
      EXPECT_LE(exact->objective_value, dp->objective_value * (1 + 1e-12))
          << entry.path() << " K=" << K;
      // Narrow graphs are proven by the lattice DP; wide ones (many independent weight
      // dequantisations, for example) go to the ilp, with the same time limit.
      // (the ilp, given 1.5 s, may also refuse to build a model it cannot solve in time)
      EXPECT_EQ(exact->engine == "lattice", narrow) << exact->note;
      EXPECT_EQ(exact->handed_over, !narrow) << exact->note;
      if (!narrow) break;
      EXPECT_TRUE(exact->proven_optimal) << entry.path() << " K=" << K << ": " << exact->note;
      proven_by_lattice += K == 2;
      if (K != 3) continue;
      r.time_limit_s = 1;
      auto ilp = RunScheduler("ilp", m, r);
      if (!ilp.ok()) {  // too large to solve in 1 s (light_densenet121: 668 operators): refused
        EXPECT_NE(ilp.error().message.find("not built"), std::string::npos) << ilp.error().message;
        continue;
      }
      EXPECT_LE(exact->objective_value, ilp->objective_value * (1 + 1e-12)) << entry.path();
    }
  }
  EXPECT_GE(models, 10);
  EXPECT_GE(proven_by_lattice, 10);
}

// Every assignment with every order inside its stages is a topological order cut into K
// contiguous segments: brute force over both, against exact's order-free optimum.
TEST(Exact, OrderFreeOptimumEqualsBruteForceOverOrders) {
  int streamed = 0;
  for (uint32_t seed = 21; seed <= 30; ++seed) {
    Graph g = RandomNet(7, seed, /*with_fallback=*/false, /*share_constants=*/false);
    DeviceProfile p = SmallCacheUsb();
    p.param_cache_bytes = 1'000'000 + 500'000 * (seed % 3);  // stages overflow the cache
    CostModel m(g, p);
    DownsetLattice L = DownsetLattice::Enumerate(g);
    std::vector<int> order(g.num_ops());
    for (int i = 0; i < g.num_ops(); ++i) order[i] = i;
    for (Objective obj : {Objective::kThroughput, Objective::kLatency})
      for (int K = 1; K <= 3; ++K) {
        double brute = std::numeric_limits<double>::infinity();
        std::sort(order.begin(), order.end());
        do {
          if (!IsTopologicalOrder(g, order)) continue;
          std::vector<int> cuts;
          std::function<void(int)> rec = [&](int from) {
            if (static_cast<int>(cuts.size()) == K - 1) {
              Schedule s(K, std::vector<int>(g.num_ops()), order);
              for (int q = 0, k = 0; q < g.num_ops(); ++q) {
                while (k < K - 1 && q >= cuts[k]) ++k;
                s.stage_of[order[q]] = k;
              }
              brute = std::min(brute, ObjectiveValue(m, s, obj, 1.0));
              return;
            }
            for (int c = from; c <= g.num_ops() - (K - 1 - static_cast<int>(cuts.size())); ++c) {
              cuts.push_back(c);
              rec(c + 1);
              cuts.pop_back();
            }
          };
          rec(1);
        } while (std::next_permutation(order.begin(), order.end()));
        ExactOptions o;
        o.stages = K;
        o.objective = obj;
        auto r = SolveExact(m, L, o);
        ASSERT_TRUE(r.ok());
        ASSERT_TRUE(r->found);
        EXPECT_TRUE(r->order_free);
        const double got = ObjectiveValue(m, r->schedule, obj, 1.0);
        EXPECT_NEAR(got, brute, 1e-12 * brute) << "seed " << seed << " K " << K;
        EXPECT_NEAR(r->value, got, 1e-12 * got);
        ASSERT_TRUE(ValidateSchedule(g, r->schedule).ok());
        if (!r->schedule.order.empty()) {
          EXPECT_TRUE(IsTopologicalOrder(g, r->schedule.order));
          ++streamed;
        }
        o.execution_order_only = true;
        auto fixed = SolveExact(m, L, o);
        ASSERT_TRUE(fixed.ok());
        EXPECT_LE(r->value, fixed->value * (1 + 1e-12));
      }
  }
  EXPECT_GT(streamed, 0);  // some optimum needed an order of its own
}

// A chain has one topological order, so the best cut of it is the optimum over all schedules.
TEST(Exact, EqualsDpOnAChain) {
  std::vector<std::pair<int, int>> edges;
  std::vector<int64_t> params;
  for (int i = 0; i < 30; ++i) {
    if (i) edges.push_back({i - 1, i});
    params.push_back(100'000 * (1 + (i * 7919) % 13));
  }
  auto g = testing::MakeDag(30, edges, params);
  ASSERT_TRUE(g.ok());
  CostModel m(*g, SmallCacheUsb());
  for (Objective o : {Objective::kThroughput, Objective::kLatency, Objective::kPaper})
    for (int K = 1; K <= 6; ++K) {
      ScheduleRequest r(K, o);
      auto exact = RunScheduler("exact", m, r);
      auto dp = RunScheduler("dp", m, r);
      ASSERT_TRUE(exact.ok() && dp.ok());
      EXPECT_TRUE(exact->proven_optimal);
      EXPECT_NEAR(exact->objective_value, dp->objective_value,
                  1e-12 * std::max(1.0, dp->objective_value));
    }
}

TEST(Exact, CapAndTimeLimitGiveValidUnprovenSchedules) {
  // Independent branches: 2^14 downsets.
  std::vector<std::pair<int, int>> edges;
  for (int i = 1; i <= 14; ++i) edges.push_back({0, i});
  auto g = testing::MakeDag(
      16,
      [&] {
        auto e = edges;
        for (int i = 1; i <= 14; ++i) e.push_back({i, 15});
        return e;
      }(),
      std::vector<int64_t>(16, 400'000));
  ASSERT_TRUE(g.ok());
  CostModel m(*g, SmallCacheUsb());
  ScheduleRequest r(4);
  r.lattice_cap = 1000;
  auto capped = RunScheduler("exact", m, r);
  ASSERT_TRUE(capped.ok()) << capped.error().message;
  EXPECT_TRUE(ValidateSchedule(*g, capped->schedule).ok());
  EXPECT_TRUE(capped->handed_over) << capped->note;
  EXPECT_EQ(capped->engine, "ilp") << capped->note;
  auto a = RunScheduler("auto", m, r);
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->handed_over) << a->note;
  EXPECT_EQ(a->engine, "ilp") << a->note;

  // The DP itself out of time.
  DownsetLattice L = DownsetLattice::Enumerate(*g);
  ASSERT_TRUE(L.complete());
  ExactOptions o;
  o.stages = 4;
  o.objective = Objective::kLatency;
  o.time_limit_s = 0;
  auto late = SolveExact(m, L, o);
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(late->complete);
  EXPECT_NE(late->reason.find("time limit"), std::string::npos);
  r.lattice_cap = 1'000'000;
  r.objective = Objective::kLatency;
  r.time_limit_s = 0.01;
  auto timed = RunScheduler("exact", m, r);
  ASSERT_TRUE(timed.ok()) << timed.error().message;
  EXPECT_TRUE(ValidateSchedule(*g, timed->schedule).ok());
  if (!timed->proven_optimal) {
    EXPECT_TRUE(timed->cut_short) << timed->note;
  }
}

TEST(Exact, ImpossibleAlignment) {
  // 0 -> {1, 2}, 1 -> 2: children of 0 must share a stage, so no 3 non-empty stages exist.
  auto g = testing::MakeDag(3, {{0, 1}, {0, 2}, {1, 2}});
  ASSERT_TRUE(g.ok());
  CostModel m(*g, SmallCacheUsb());
  DownsetLattice L = DownsetLattice::Enumerate(*g);
  ExactOptions o;
  o.stages = 3;
  o.align_children = true;
  auto none = SolveExact(m, L, o);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->complete);
  EXPECT_FALSE(none->found);
  o.stages = 2;
  auto two = SolveExact(m, L, o);
  ASSERT_TRUE(two.ok());
  EXPECT_TRUE(two->found);
  EXPECT_EQ(two->schedule.stage_of, (std::vector<int>{0, 1, 1}));
}

}  // namespace
}  // namespace respect
