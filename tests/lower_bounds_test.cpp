// The lower bounds (schedulers/lower_bounds.h) against brute force, and what they prove on
// the authors' NASNet, where the lattice cannot start.
#include "schedulers/lower_bounds.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "models/model_source.h"
#include "schedulers/ilp.h"
#include "schedulers/order_search.h"
#include "schedulers/scheduler.h"
#include "test_util.h"

namespace respect {
namespace {

// No bound may exceed the optimum over every valid schedule: random graphs with and without
// host fallback and shared constants, caches that make stages stream, K = 1..4. The
// brute-force optimum is over stages run in the execution order, which is at least the
// optimum over any order, so the check is if anything looser than the bound's claim.
TEST(LowerBounds, NeverExceedTheBruteForceOptimum) {
  int instances = 0, head_tail_wins = 0, boundary_wins = 0;
  for (uint32_t seed = 1; seed <= 16; ++seed) {
    Graph g = RandomNet(6 + seed % 5, seed + 300, /*with_fallback=*/seed % 4 == 0,
                        /*share_constants=*/seed % 3 == 0);
    DeviceProfile p = SmallCacheUsb();
    if (seed % 2 == 0) p.param_cache_bytes = 400'000 + 100'000 * (seed % 5);
    CostModel m(g, p);
    for (int K = 1; K <= 4 && K <= g.num_ops(); ++K) {
      const double brute = BruteForceBest(m, K, Objective::kThroughput);
      ScheduleRequest r(K);
      const double ht = HeadTailLowerBound(m, r), simple = SimpleLowerBound(m, r);
      EXPECT_GT(ht, 0) << "seed " << seed << " K " << K;
      EXPECT_LE(ht, brute * (1 + 1e-12)) << "seed " << seed << " K " << K;
      const LowerBound best = BestLowerBound(m, r);
      EXPECT_LE(best.value, brute * (1 + 1e-12));
      const double host_cut = HostCutLowerBound(m, r);
      EXPECT_LE(host_cut, brute * (1 + 1e-12)) << "seed " << seed << " K " << K;
      EXPECT_DOUBLE_EQ(best.value, std::max({ht, simple, host_cut}));
      const double boundary = BoundaryLowerBound(m, r);
      EXPECT_LE(boundary, brute * (1 + 1e-12)) << "seed " << seed << " K " << K;
      const LowerBound thorough = BestLowerBound(m, r, brute, /*thorough=*/true);
      EXPECT_LE(thorough.value, brute * (1 + 1e-12));
      EXPECT_GE(thorough.value, best.value);
      boundary_wins += boundary > std::max(ht, simple) * (1 + 1e-9);
      head_tail_wins += ht > simple * (1 + 1e-9);
      ++instances;
    }
  }
  EXPECT_GE(instances, 50);
  // The head-tail bound must be doing something: stronger than the simple one somewhere.
  EXPECT_GE(head_tail_wins, 5) << "of " << instances;
  std::printf("head-tail above simple on %d of %d instances, boundary above both on %d\n",
              head_tail_wins, instances, boundary_wins);
}

// The paper objective's bound (head-tail on parameter bytes plus K - 1 minimum cuts) never
// exceeds the brute-force optimum, and beats the simple one somewhere.
TEST(LowerBounds, PaperBoundNeverExceedsTheBruteForceOptimum) {
  int instances = 0, wins = 0;
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    Graph g = RandomNet(6 + seed % 5, seed + 700, /*with_fallback=*/seed % 4 == 0,
                        /*share_constants=*/seed % 3 == 0);
    CostModel m(g, SmallCacheUsb());
    for (int K = 1; K <= 4 && K <= g.num_ops(); ++K) {
      for (double lambda : {0.5, 4.0}) {
        const double brute = BruteForceBest(m, K, Objective::kPaper, lambda);
        ScheduleRequest r(K, Objective::kPaper);
        r.paper_lambda = lambda;
        const double pb = PaperLowerBound(m, r);
        EXPECT_LE(pb, brute * (1 + 1e-12)) << "seed " << seed << " K " << K;
        EXPECT_LE(BestLowerBound(m, r).value, brute * (1 + 1e-12));
        wins += pb > SimpleLowerBound(m, r) * (1 + 1e-9);
        ++instances;
      }
    }
  }
  EXPECT_GE(instances, 60);
  std::printf("paper bound above simple on %d of %d random instances\n", wins, instances);
  // On the authors' VGG-16, whose parameters sit in its last layers, it sees what an equal
  // share of the bytes cannot.
  auto vgg = LoadModel(testing::SharedPath("data/respect_paper_graphs/vgg16.json"));
  ASSERT_TRUE(vgg.ok()) << vgg.error().message;
  CostModel mv(*vgg, SmallCacheUsb());
  ScheduleRequest r(4, Objective::kPaper);
  auto dp = RunScheduler("dp", mv, r);
  ASSERT_TRUE(dp.ok());
  EXPECT_GT(PaperLowerBound(mv, r), 1.05 * SimpleLowerBound(mv, r));
  EXPECT_LE(PaperLowerBound(mv, r), dp->objective_value);
  EXPECT_EQ(dp->bound_name, "head-tail+cut");
}

// A chain of seven equal operators on two stages: some stage holds four, which only the
// head-tail bound's whole-operator count sees (the simple bound says three and a half).
TEST(LowerBounds, OperatorsAreWhole) {
  auto g = testing::MakeDag(7, {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}});
  ASSERT_TRUE(g.ok()) << g.error().message;
  auto usb = LoadDeviceProfile("usb");
  ASSERT_TRUE(usb.ok());
  CostModel m(*g, *usb);
  ScheduleRequest r(2);
  const double brute = BruteForceBest(m, 2, Objective::kThroughput);
  // (all but the 4-byte tensors crossing between the stages, which no bound here charges)
  EXPECT_LE(HeadTailLowerBound(m, r), brute);
  EXPECT_GE(HeadTailLowerBound(m, r), brute * (1 - 1e-4));
  EXPECT_LT(SimpleLowerBound(m, r), 0.99 * brute);
  // It applies to the throughput of plain pipelines only.
  EXPECT_EQ(HeadTailLowerBound(m, ScheduleRequest(2, Objective::kLatency)), 0);
  ScheduleRequest hybrid(2);
  hybrid.tpus = 3;
  EXPECT_EQ(HeadTailLowerBound(m, hybrid), 0);
}

// Activations that cross a boundary leave one stage over the link and reach another (a chain
// whose tensors are 2 MB: every split moves one of them), where the simple and head-tail bounds
// see only the work. With the host's controller unlimited, the stages' links set the period and
// the boundary bound charges the crossing tensors on both sides of each boundary; with the usb
// profile's one controller, every byte crosses it too, and the host-cut bound charges the
// fewest bytes any boundary can move.
TEST(LowerBounds, TheActivationsThatCrossAreCharged) {
  auto g = testing::MakeDag(6, {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}});
  ASSERT_TRUE(g.ok()) << g.error().message;
  for (Tensor& t : g->tensors)
    if (!t.is_constant && t.producer >= 0 && !t.consumers.empty()) t.bytes = 2'000'000;
  auto usb = LoadDeviceProfile("usb");
  ASSERT_TRUE(usb.ok());
  DeviceProfile free_host = *usb;
  free_host.controller_in_bytes_per_s = free_host.controller_out_bytes_per_s = 0;
  for (const DeviceProfile& p : {free_host, *usb}) {
    const bool host_bound = p.controller_in_bytes_per_s > 0;
    CostModel m(*g, p);
    for (int K = 2; K <= 3; ++K) {
      ScheduleRequest r(K);
      const double brute = BruteForceBest(m, K, Objective::kThroughput);
      const double boundary = BoundaryLowerBound(
          m, r, std::chrono::steady_clock::now() + std::chrono::seconds(20), 0, brute * (1 + 1e-9));
      const double host_cut = HostCutLowerBound(m, r);
      EXPECT_LE(boundary, brute * (1 + 1e-12)) << "K " << K;
      EXPECT_LE(host_cut, brute * (1 + 1e-12)) << "K " << K;
      EXPECT_LT(std::max(SimpleLowerBound(m, r), HeadTailLowerBound(m, r)), 0.5 * brute);
      const LowerBound best = BestLowerBound(m, r);
      if (host_bound) {
        // K = 2: one boundary, its one tensor; K = 3 moves two, the bound counts one.
        EXPECT_GE(host_cut, (K == 2 ? 0.99 : 0.49) * brute) << "K " << K;
        EXPECT_EQ(best.name, "host-cut");
      } else {
        EXPECT_EQ(host_cut, 0);
        // K = 3: the middle stage receives one tensor and sends another; a boundary's sides
        // see one of them.
        EXPECT_GE(boundary, (K == 2 ? 0.99 : 0.49) * brute) << "K " << K;
      }
    }
  }
}

// A solve stopped before its root LP reports no bound (CBC's initial +max): the boundary bound
// must not read it as one. On the 1k random DAG at K = 10 with 3 s, CBC stops early on some
// positions; a false certificate would equal the incumbent (dp's 15.66 ms), where the real
// bounds are near 1.9 ms (head-tail 1.82).
TEST(LowerBounds, AnUnfinishedSolveCertifiesNothing) {
  auto loaded = LoadUsbModel(testing::SharedPath("data/dag_benchmarks/rand_graph_1000_1.gml"));
  ASSERT_TRUE(loaded);
  const CostModel& m = *loaded->cost;
  ScheduleRequest r(10);
  r.time_limit_s = 5;
  auto dp = RunScheduler("dp", m, r);
  ASSERT_TRUE(dp.ok());
  const double bound = BoundaryLowerBound(
      m, r, std::chrono::steady_clock::now() + std::chrono::seconds(3), 0, dp->objective_value);
  EXPECT_LT(bound, 0.5 * dp->objective_value);
}

// The authors' NASNet (771 operators, more than 20 million downsets): at K = 6 the best
// heuristic meets the head-tail bound, so exact and auto prove it without a search; the
// simple bound alone leaves a gap. The order search stops as soon as it reaches the bound.
TEST(LowerBounds, ProveTheAuthorsNasnetAtSixStages) {
  auto loaded = LoadUsbModel(testing::SharedPath("data/respect_paper_graphs/NASNet.json"));
  ASSERT_TRUE(loaded);
  const CostModel& m = *loaded->cost;
  ScheduleRequest r(6);
  r.time_limit_s = 60;
  r.portfolio = {"compiler", "dp"};
  auto res = RunScheduler("exact", m, r);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_TRUE(res->proven_optimal) << res->note;
  EXPECT_EQ(res->engine, "bound");
  EXPECT_EQ(res->bound_name, "head-tail");
  EXPECT_LT(SimpleLowerBound(m, r), res->objective_value * (1 - 1e-4));

  // At K = 16 every one of the 16 invokes costs the host's CPU: its 4 cores set the period,
  // which dp reaches; the simple bound counts the K invokes and proves it.
  auto k16 = RunScheduler("dp", m, ScheduleRequest(16));
  ASSERT_TRUE(k16.ok()) << k16.error().message;
  EXPECT_TRUE(k16->proven_optimal) << k16->note;
  EXPECT_EQ(k16->bound_name, "simple");
  EXPECT_NEAR(k16->objective_value, 16 * m.profile().host_invoke_s / m.profile().host_cores, 1e-9);

  OrderSearchOptions o;
  o.seeds = {m.exec_order()};
  o.target = BestLowerBound(m, r).value;
  o.max_generations = 100'000;  // without the target this would run for minutes
  auto found = SearchOrders(m, 6, Objective::kThroughput, o);
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_TRUE(found->reached_target);
  EXPECT_FALSE(found->stopped);
  EXPECT_LT(found->generations, 100'000);
}

// At K = 4 on NASNet the last stage holds the heavy-parameter tail: the boundary bound, which
// asks every downset (not only each operator's closures) to leave both sides able to fit,
// raises the head-tail bound (3.4472 against 3.4310 ms; dp's best is 3.6095).
TEST(LowerBounds, TheBoundaryBoundSeesTheParameterTailOfNasnet) {
  auto loaded = LoadUsbModel(testing::SharedPath("data/respect_paper_graphs/NASNet.json"));
  ASSERT_TRUE(loaded);
  const CostModel& m = *loaded->cost;
  ScheduleRequest r(4);
  auto dp = RunScheduler("dp", m, r);
  ASSERT_TRUE(dp.ok());
  const double ht = HeadTailLowerBound(m, r);
  const double boundary = BoundaryLowerBound(m, r, {}, ht, dp->objective_value);
  EXPECT_GT(boundary, ht * 1.003);
  EXPECT_LT(boundary, dp->objective_value);
}

// The ilp takes the bound as the period's floor: its own bound starts there, so a short solve
// that proves nothing still reports at least the floor, and CBC stops once an incumbent meets
// it.
TEST(LowerBounds, TheIlpStartsFromTheBound) {
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    Graph g = RandomNet(9, seed + 500, /*with_fallback=*/false, /*share_constants=*/false);
    CostModel m(g, SmallCacheUsb());
    const int K = 3;
    const double brute = BruteForceBest(m, K, Objective::kThroughput);
    IlpOptions o;
    o.stages = K;
    o.time_limit_s = 20;
    o.lower_bound = brute;  // the optimum itself: any incumbent at it is proven at once
    auto ilp = SolveIlp(m, o);
    ASSERT_TRUE(ilp.ok()) << ilp.error().message;
    ASSERT_TRUE(ilp->found);
    EXPECT_TRUE(ilp->proven_optimal);
    EXPECT_NEAR(ilp->objective, brute, 1e-6 * brute);
    EXPECT_GE(ilp->bound, brute * (1 - 1e-6));
  }
}

}  // namespace
}  // namespace respect
