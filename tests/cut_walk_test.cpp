// The cut walk (schedulers/cut_walk.h) against brute force over every valid assignment and
// against the lattice DP on a real model, with its limits and errors.
#include "schedulers/cut_walk.h"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>

#include "core/downset_lattice.h"
#include "schedulers/exact_lattice.h"
#include "schedulers/lower_bounds.h"
#include "schedulers/scheduler.h"
#include "test_util.h"

namespace respect {
namespace {

CutWalkOptions WalkFor(const CostModel& m, int K, double lambda, double incumbent,
                       bool align = false) {
  ScheduleRequest r(K, Objective::kPaper);
  r.paper_lambda = lambda;
  CutWalkOptions o;
  o.stages = K;
  o.paper_lambda = lambda;
  o.align_children = align;
  o.incumbent = incumbent;
  o.bytes_term_bound = PaperBytesTermLowerBound(m, r);
  return o;
}

// From an incumbent above the optimum the walk finds the optimum; from the optimum itself it
// proves that nothing is better. Both for several lambdas (the weight moves the optimum
// between few crossings and balanced bytes) and with child alignment.
TEST(CutWalk, EqualsBruteForceOnRandomNets) {
  int found = 0;
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    Graph g = RandomNet(9 + seed % 3, seed, false, false);
    CostModel m(g, SmallCacheUsb());
    for (double lambda : {1.0, 8.0})
      for (int K = 2; K <= 4; ++K)
        for (bool align : {false, true}) {
          SCOPED_TRACE(::testing::Message() << "seed " << seed << " K " << K << " lambda " << lambda
                                            << " align " << align);
          const double best = BruteForceBest(m, K, Objective::kPaper, lambda, align);
          if (!(best < std::numeric_limits<double>::infinity())) continue;
          auto above = SolvePaperByCuts(m, WalkFor(m, K, lambda, best + 2.5, align));
          ASSERT_TRUE(above.ok()) << above.error().message;
          ASSERT_TRUE(above->complete) << above->reason;
          ASSERT_TRUE(above->found);
          EXPECT_NEAR(above->value, best, 1e-9 * std::max(1.0, best));
          EXPECT_NEAR(ObjectiveValue(m, above->schedule, Objective::kPaper, lambda), best,
                      1e-9 * std::max(1.0, best));
          ++found;
          auto at = SolvePaperByCuts(m, WalkFor(m, K, lambda, best, align));
          ASSERT_TRUE(at.ok());
          EXPECT_TRUE(at->complete) << at->reason;
          EXPECT_FALSE(at->found) << "value " << at->value << " below the optimum " << best;
        }
  }
  EXPECT_GE(found, 50);
}

// The walks from below find the optimum from an incumbent far above it, and from the optimum
// itself prove that nothing is better; what they prove on the way (`floor`) never passes it.
TEST(CutWalk, WalksFromBelowEqualBruteForce) {
  int found = 0, deepened = 0;
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    Graph g = RandomNet(9 + seed % 3, seed, false, false);
    CostModel m(g, SmallCacheUsb());
    for (double lambda : {1.0, 8.0})
      for (int K = 2; K <= 4; ++K) {
        SCOPED_TRACE(::testing::Message() << "seed " << seed << " K " << K << " lambda " << lambda);
        const double best = BruteForceBest(m, K, Objective::kPaper, lambda, false);
        if (!(best < std::numeric_limits<double>::infinity())) continue;
        auto below = SolvePaperByDeepeningCuts(m, WalkFor(m, K, lambda, best + 6));
        ASSERT_TRUE(below.ok()) << below.error().message;
        ASSERT_TRUE(below->complete) << below->reason;
        ASSERT_TRUE(below->found);
        EXPECT_NEAR(below->value, best, 1e-9 * std::max(1.0, best));
        EXPECT_NEAR(ObjectiveValue(m, below->schedule, Objective::kPaper, lambda), best,
                    1e-9 * std::max(1.0, best));
        EXPECT_LE(below->floor, best * (1 + 1e-12));
        EXPECT_LE(below->ceiling, best + 6);
        deepened += below->walks > 1;
        ++found;
        auto at = SolvePaperByDeepeningCuts(m, WalkFor(m, K, lambda, best));
        ASSERT_TRUE(at.ok());
        EXPECT_TRUE(at->complete && !at->found) << at->reason;
        EXPECT_LE(at->floor, best * (1 + 1e-12));
      }
  }
  EXPECT_GE(found, 25);
  EXPECT_GE(deepened, found / 2);  // most started below the optimum
}

// On the authors' NASNet the learned schedule lies three crossings above the optimum; the
// walks from below reach the optimum, which the walk from it confirms, and stopped early they
// still prove a floor under it.
TEST(CutWalk, WalksFromBelowProveTheAuthorsNasnetAndAFloorWhenStopped) {
  auto loaded = LoadUsbModel(testing::SharedPath("data/respect_paper_graphs/NASNet.json"));
  ASSERT_TRUE(loaded);
  const CostModel& m = *loaded->cost;
  CutWalkOptions o = WalkFor(m, 5, 1.0, 40.0);
  auto below = SolvePaperByDeepeningCuts(m, o);
  ASSERT_TRUE(below.ok());
  ASSERT_TRUE(below->complete && below->found) << below->reason;
  EXPECT_GT(below->walks, 5);
  EXPECT_LT(below->ceiling, below->value + 1);  // it stopped at the first ceiling above
  auto at = SolvePaperByCuts(m, WalkFor(m, 5, 1.0, below->value));
  ASSERT_TRUE(at.ok());
  EXPECT_TRUE(at->complete && !at->found) << at->reason;
  o.time_limit_s = 0.2;
  auto stopped = SolvePaperByDeepeningCuts(m, o);
  ASSERT_TRUE(stopped.ok());
  EXPECT_FALSE(stopped->complete);
  EXPECT_GT(stopped->floor, o.bytes_term_bound);
  EXPECT_LE(stopped->floor, below->value);
  EXPECT_NE(CutWalkNote(*stopped).find("no schedule is below"), std::string::npos);
}

// On a real model whose lattice the DP can enumerate, both exact methods agree.
TEST(CutWalk, AgreesWithTheLatticeOnInceptionV4) {
  auto loaded = LoadUsbModel("zoo:inception_v4");
  ASSERT_TRUE(loaded);
  const CostModel& m = *loaded->cost;
  DownsetLattice L = DownsetLattice::Enumerate(loaded->graph, {});
  ASSERT_TRUE(L.complete());
  for (int K : {4, 6}) {
    ExactOptions eo;
    eo.stages = K;
    eo.objective = Objective::kPaper;
    auto ex = SolveExact(m, L, eo);
    ASSERT_TRUE(ex.ok() && ex->complete && ex->found);
    auto walk = SolvePaperByCuts(m, WalkFor(m, K, 1.0, ex->value + 3));
    ASSERT_TRUE(walk.ok()) << walk.error().message;
    ASSERT_TRUE(walk->complete) << walk->reason;
    EXPECT_NEAR(walk->value, ex->value, 1e-9 * ex->value) << "K " << K;
    auto at = SolvePaperByCuts(m, WalkFor(m, K, 1.0, ex->value));
    ASSERT_TRUE(at.ok());
    EXPECT_TRUE(at->complete && !at->found) << "K " << K << ": " << at->reason;
  }
}

// Where the lattice cannot start (the authors' NASNet: more than 20 million downsets), exact
// proves the paper objective by the walk, at or below every heuristic's value; rl-ilp
// certifies with it too.
TEST(CutWalk, ExactAndRlIlpProveTheAuthorsNasnet) {
  auto loaded = LoadUsbModel(testing::SharedPath("data/respect_paper_graphs/NASNet.json"));
  ASSERT_TRUE(loaded);
  const CostModel& m = *loaded->cost;
  ScheduleRequest r(4, Objective::kPaper);
  r.time_limit_s = 60;
  auto dp = RunScheduler("dp", m, r);
  ASSERT_TRUE(dp.ok());
  for (const char* method : {"exact", "rl-ilp"}) {
    auto res = RunScheduler(method, m, r);
    ASSERT_TRUE(res.ok()) << res.error().message;
    EXPECT_EQ(res->engine, "cut-walk") << res->note;
    EXPECT_TRUE(res->proven_optimal) << res->note;
    EXPECT_EQ(res->bound_name, "cut-walk");
    EXPECT_DOUBLE_EQ(res->lower_bound, res->objective_value);
    EXPECT_LE(res->objective_value, dp->objective_value);
    EXPECT_DOUBLE_EQ(ObjectiveValue(m, res->schedule, Objective::kPaper, 1.0),
                     res->objective_value);
  }
  // rl-ilp walks from below, before any window.
  auto rl = RunScheduler("rl-ilp", m, r);
  ASSERT_TRUE(rl.ok());
  ASSERT_GE(rl->phases.size(), 2u);
  EXPECT_NE(rl->phases[1].status.find("cut walk from below"), std::string::npos)
      << rl->phases[1].status;
}

TEST(CutWalk, HonoursItsTimeLimitAndRefusesWhatItDoesNotCover) {
  auto loaded = LoadUsbModel(testing::SharedPath("data/respect_paper_graphs/NASNet.json"));
  ASSERT_TRUE(loaded);
  const CostModel& m = *loaded->cost;
  CutWalkOptions o = WalkFor(m, 6, 1.0, 40.0);  // a loose incumbent: millions of downsets
  o.time_limit_s = 0.3;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = SolvePaperByCuts(m, o);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->complete);
  EXPECT_FALSE(r->found);
  EXPECT_NE(r->reason.find("time limit"), std::string::npos) << r->reason;
  EXPECT_LT(s, 1.5);
  o.time_limit_s = 30;
  o.max_downsets = 1000;
  r = SolvePaperByCuts(m, o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->complete);
  EXPECT_NE(r->reason.find("more than 1000 downsets"), std::string::npos) << r->reason;
  o.max_downsets = 4'000'000;
  o.max_edge_budget = 5;  // the budget here is 9 edges
  r = SolvePaperByCuts(m, o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->complete);
  EXPECT_NE(r->reason.find("not walked"), std::string::npos) << r->reason;
  EXPECT_EQ(r->downsets, 0);  // nothing enumerated
  o.stages = 1;
  EXPECT_FALSE(SolvePaperByCuts(m, o).ok());
  o.stages = 4;
  o.incumbent = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(SolvePaperByCuts(m, o).ok());
}

}  // namespace
}  // namespace respect
