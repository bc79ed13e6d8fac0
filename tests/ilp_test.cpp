// The CBC model against brute force over every assignment, for each objective; warm starts,
// windows, child alignment and impossible requests.
#include "schedulers/ilp.h"

#include <gtest/gtest.h>

#include <functional>
#include <limits>

#include "schedulers/scheduler.h"
#include "test_util.h"

namespace respect {
namespace {

// The best value over every valid assignment with K non-empty stages (each stage running in
// the execution order, as the model assumes).
double BruteForce(const CostModel& m, int K, Objective o, bool align_children = false) {
  return BruteForceBest(m, K, o, 1.0, align_children);
}

TEST(Ilp, EqualsBruteForceForEveryObjective) {
  int instances = 0;
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    Graph g = RandomNet(9 + seed % 3, seed, /*with_fallback=*/false, /*share_constants=*/false);
    CostModel m(g, SmallCacheUsb());
    for (Objective o : {Objective::kThroughput, Objective::kLatency, Objective::kPaper})
      for (int K = 1; K <= 3; ++K) {
        SCOPED_TRACE(::testing::Message()
                     << "seed " << seed << " K " << K << " " << ObjectiveName(o));
        const double expect = BruteForce(m, K, o);
        IlpOptions opt;
        opt.stages = K;
        opt.objective = o;
        opt.time_limit_s = 20;
        auto r = SolveIlp(m, opt);
        ASSERT_TRUE(r.ok()) << r.error().message;
        ASSERT_TRUE(r->found);
        EXPECT_TRUE(r->model_exact);
        EXPECT_TRUE(r->proven_optimal) << r->status;
        const double got = ObjectiveValue(m, r->schedule, o, 1.0);
        EXPECT_NEAR(got, expect, 1e-9 * std::max(1.0, expect));
        EXPECT_NEAR(r->objective, got, 1e-7 * std::max(1.0, got));  // the model is the evaluator
        EXPECT_LE(r->bound, got + 1e-9);
        ++instances;
      }
  }
  EXPECT_EQ(instances, 45);
}

// A target (a proven bound the incumbent nearly meets): where it is the optimum, the pinned
// search finds a schedule at it and stops; where no schedule reaches it, the optimisation
// still proves the optimum and nothing claims the target.
TEST(Ilp, ATargetIsFoundByThePinnedSearchOrLeftUnclaimed) {
  for (uint32_t seed = 21; seed <= 23; ++seed) {
    Graph g = RandomNet(10, seed, false, false);
    CostModel m(g, SmallCacheUsb());
    for (int K = 2; K <= 3; ++K) {
      SCOPED_TRACE(::testing::Message() << "seed " << seed << " K " << K);
      const double expect = BruteForce(m, K, Objective::kThroughput);
      for (double target : {expect, expect * 0.98}) {
        IlpOptions opt;
        opt.stages = K;
        opt.time_limit_s = 20;
        opt.target = target;
        auto r = SolveIlp(m, opt);
        ASSERT_TRUE(r.ok()) << r.error().message;
        ASSERT_TRUE(r->found);
        EXPECT_TRUE(r->proven_optimal) << r->status;
        const double got = ObjectiveValue(m, r->schedule, Objective::kThroughput, 1.0);
        EXPECT_NEAR(got, expect, 1e-9 * expect);
        const bool at_target = target == expect;
        EXPECT_EQ(r->met_target, at_target) << r->status;
        EXPECT_EQ(r->status.rfind("a schedule at the target", 0) == 0, at_target) << r->status;
        if (!at_target) EXPECT_NE(r->status.find("none at the target"), std::string::npos);
      }
    }
  }
}

// Caching must bind for the model's big-M rows to matter: with a tiny cache every stage
// streams and the optimum moves.
TEST(Ilp, CachingIsModelledExactly) {
  for (uint32_t seed = 11; seed <= 14; ++seed) {
    Graph g = RandomNet(10, seed, false, false);
    DeviceProfile p = SmallCacheUsb();
    p.param_cache_bytes = 1'500'000;
    CostModel m(g, p);
    CostModel big_cache(g, SmallCacheUsb());
    // The cache binds: the optimum differs from the one with a larger cache.
    EXPECT_GT(BruteForce(m, 3, Objective::kThroughput),
              BruteForce(big_cache, 3, Objective::kThroughput));
    IlpOptions opt;
    opt.stages = 3;
    auto r = SolveIlp(m, opt);
    ASSERT_TRUE(r.ok() && r->found);
    EXPECT_TRUE(r->proven_optimal);
    EXPECT_NEAR(ObjectiveValue(m, r->schedule, Objective::kThroughput, 1),
                BruteForce(m, 3, Objective::kThroughput), 1e-12);
  }
}

TEST(Ilp, ChildAlignmentAndWindows) {
  Graph g = RandomNet(9, 3, false);
  CostModel m(g, SmallCacheUsb());
  IlpOptions opt;
  opt.stages = 3;
  opt.align_children = true;
  auto r = SolveIlp(m, opt);
  const double expect = BruteForce(m, 3, Objective::kThroughput, true);
  const double unaligned = BruteForce(m, 3, Objective::kThroughput, false);
  ASSERT_FALSE(std::isinf(expect));
  EXPECT_GT(expect, unaligned);  // the rule binds on this graph
  ASSERT_TRUE(r.ok() && r->found);
  EXPECT_TRUE(ValidateSchedule(g, r->schedule, {true}).ok());
  EXPECT_NEAR(ObjectiveValue(m, r->schedule, Objective::kThroughput, 1), expect, 1e-12);
  // A window pinning every operator to stage 0 leaves stages 1 and 2 empty: infeasible.
  IlpOptions pinned;
  pinned.stages = 3;
  pinned.window_lo.assign(g.num_ops(), 0);
  pinned.window_hi.assign(g.num_ops(), 0);
  auto bad = SolveIlp(m, pinned);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("no schedule"), std::string::npos);
}

// The scheduler never returns worse than its warm start, and on a real model proves the
// optimum that dp found (ResNet-50, 3 stages).
TEST(Ilp, SchedulerOnResNet50) {
  auto loaded = LoadUsbModel("zoo:resnet50");
  ASSERT_TRUE(loaded);
  const CostModel& m = *loaded->cost;
  ScheduleRequest r(3);
  r.time_limit_s = 60;
  auto ilp = RunScheduler("ilp", m, r);
  auto dp = RunScheduler("dp", m, r);
  ASSERT_TRUE(ilp.ok() && dp.ok());
  EXPECT_TRUE(ilp->proven_optimal) << ilp->note;
  EXPECT_LE(ilp->objective_value, dp->objective_value * (1 + 1e-9));
  EXPECT_NEAR(ilp->lower_bound, ilp->objective_value, 1e-9);
}

TEST(Ilp, ImpossibleRequests) {
  Graph g = RandomNet(5, 1, false);
  CostModel m(g, SmallCacheUsb());
  IlpOptions opt;
  opt.stages = 6;
  EXPECT_FALSE(SolveIlp(m, opt).ok());
  opt.stages = 0;
  EXPECT_FALSE(SolveIlp(m, opt).ok());
}

}  // namespace
}  // namespace respect
