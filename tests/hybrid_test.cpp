// Hybrid pipelines (cuts and replica counts together, with the shared host): the hybrid DP
// against brute force over every valid (assignment, replica vector), the evaluator's host terms,
// the simulator's steady state, greedy replicas, and `exact --tpus` through RunScheduler.
#include "schedulers/hybrid.h"

#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <random>

#include "core/downset_lattice.h"
#include "cost/pipeline_sim.h"
#include "models/model_source.h"
#include "schedulers/exact_lattice.h"
#include "schedulers/lower_bounds.h"
#include "schedulers/scheduler.h"
#include "test_util.h"

namespace respect {
namespace {

// Every replica vector of K stages (each >= 1) using at most T TPUs.
void ForEachReplicas(int K, int T, const std::function<void(const std::vector<int>&)>& visit) {
  std::vector<int> r(K, 1);
  std::function<void(int, int)> rec = [&](int k, int left) {
    if (k == K) {
      visit(r);
      return;
    }
    for (int x = 1; x <= left - (K - 1 - k); ++x) {
      r[k] = x;
      rec(k + 1, left - x);
    }
  };
  if (K <= T) rec(0, T);
}

struct BruteHybrid {
  double period = std::numeric_limits<double>::infinity();
  int tpus = 0;  // of the best (fewest among equal periods)
};

// The best period over every valid assignment to 1..kmax non-empty stages (each in the
// execution order) and every replica vector on at most T TPUs, by enumeration.
BruteHybrid BruteForceHybrid(const CostModel& m, int T, int kmax, bool align = false) {
  BruteHybrid best;
  for (int K = 1; K <= std::min({kmax, T, m.graph().num_ops()}); ++K)
    ForEachValidSchedule(m.graph(), K, align, [&](const Schedule& s) {
      const PipelineCost base = EvaluateSchedule(m, s);
      ForEachReplicas(K, T, [&](const std::vector<int>& r) {
        PipelineCost c = base;
        FinishPipelineCost(c, m.profile(), r);
        if (c.period_s < best.period * (1 - 1e-12) ||
            (c.period_s <= best.period * (1 + 1e-12) && c.tpus < best.tpus)) {
          best.period = std::min(best.period, c.period_s);
          best.tpus = c.tpus;
        }
      });
    });
  return best;
}

// Profiles where the host binds: one core and a slow controller, or controllers of two TPUs.
std::vector<DeviceProfile> Profiles() {
  DeviceProfile a = SmallCacheUsb();
  DeviceProfile b = a;
  b.host_cores = 1;
  b.host_invoke_s = 3 * a.invoke_overhead_s;
  b.controller_in_bytes_per_s = a.link_in_bytes_per_s / 3;
  b.controller_out_bytes_per_s = a.link_out_bytes_per_s / 3;
  DeviceProfile c = b;
  c.host_cores = 2;
  c.tpus_per_controller = 2;
  return {a, b, c};
}

TEST(Hybrid, EvaluatorChargesReplicasAndTheHost) {
  PipelineCost c;
  c.stages.resize(2);
  c.stages[0].latency_s = 4e-3;
  c.stages[1].latency_s = 1e-3;
  c.stages[0].host_cpu_s = c.stages[1].host_cpu_s = 0.5e-3;
  c.stages[0].controller_s = 0.2e-3;
  c.stages[1].controller_s = 0.1e-3;
  DeviceProfile p = SmallCacheUsb();
  p.host_cores = 4;
  p.tpus_per_controller = 0;
  FinishPipelineCost(c, p, {});
  EXPECT_DOUBLE_EQ(c.period_s, 4e-3);
  EXPECT_EQ(c.limit, PipelineLimit::kStage);
  EXPECT_EQ(c.tpus, 2);
  FinishPipelineCost(c, p, {4, 1});
  EXPECT_DOUBLE_EQ(c.period_s, 1e-3);
  EXPECT_EQ(c.bottleneck, 0);           // 4 ms / 4 ties 1 ms / 1: the first
  EXPECT_DOUBLE_EQ(c.latency_s, 5e-3);  // replicas do not shorten one inference's path
  FinishPipelineCost(c, p, {8, 2});
  EXPECT_DOUBLE_EQ(c.period_s, 0.5e-3);
  // One core: the host's 1 ms of CPU per inference is the limit.
  p.host_cores = 1;
  FinishPipelineCost(c, p, {8, 2});
  EXPECT_DOUBLE_EQ(c.period_s, 1e-3);
  EXPECT_EQ(c.limit, PipelineLimit::kHostCpu);
  // A controller 10x slower: 3 ms of controller time per inference; two TPUs per controller
  // over 10 TPUs gives five controllers.
  p.host_cores = 8;
  p.controller_in_bytes_per_s /= 10;
  p.controller_out_bytes_per_s /= 10;
  c.stages[0].controller_s = 2e-3;
  c.stages[1].controller_s = 1e-3;
  FinishPipelineCost(c, p, {8, 2});
  EXPECT_DOUBLE_EQ(c.period_s, 3e-3);
  EXPECT_EQ(c.limit, PipelineLimit::kController);
  p.tpus_per_controller = 2;
  FinishPipelineCost(c, p, {8, 2});
  EXPECT_DOUBLE_EQ(c.period_s, 0.6e-3);
}

TEST(Hybrid, StageTermsOfTheLatticeMatchTheEvaluator) {
  for (uint32_t seed = 1; seed <= 6; ++seed)
    for (const DeviceProfile& p : Profiles()) {
      Graph g = RandomNet(9, seed, /*with_fallback=*/seed % 2 == 0);
      CostModel m(g, p);
      DownsetLattice L = DownsetLattice::Enumerate(g);
      LatticeStageCost cost(m, L);
      for (int y = 0; y < L.size(); ++y)
        for (int d = y + 1; d < L.size(); ++d) {
          bool subset = true;
          for (int v = 0; v < g.num_ops() && subset; ++v)
            subset = !L.Contains(y, v) || L.Contains(d, v);
          if (!subset) continue;
          std::vector<int> stage_of(g.num_ops(), 2);
          for (int v = 0; v < g.num_ops(); ++v)
            stage_of[v] = L.Contains(y, v) ? 0 : L.Contains(d, v) ? 1 : 2;
          const StageCost st = m.Evaluate(stage_of, 3).stages[1];
          const LatticeStageTerms t = cost.Terms(y, d);
          EXPECT_NEAR(t.seconds, st.latency_s, 1e-12);
          EXPECT_NEAR(t.host_cpu_s, st.host_cpu_s, 1e-12);
          EXPECT_NEAR(t.controller_s, st.controller_s, 1e-12);
        }
    }
}

TEST(Hybrid, DpEqualsBruteForceOverEveryAssignmentAndReplicaVector) {
  int instances = 0, host_bound = 0, replicated = 0;
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    Graph g = RandomNet(6 + seed % 3, seed + 10, /*with_fallback=*/seed % 2 == 0);
    DownsetLattice L = DownsetLattice::Enumerate(g);
    ASSERT_TRUE(L.complete());
    for (const DeviceProfile& p : Profiles()) {
      CostModel m(g, p);
      for (int T = 1; T <= 5; ++T)
        for (int kmax : {T, 2}) {
          if (kmax > T) continue;
          SCOPED_TRACE(::testing::Message()
                       << "seed " << seed << " T " << T << " kmax " << kmax << " cores "
                       << p.host_cores << " per controller " << p.tpus_per_controller);
          const BruteHybrid brute = BruteForceHybrid(m, T, kmax);
          HybridOptions o;
          o.tpus = T;
          o.max_stages = kmax;
          o.execution_order_only = true;  // as the brute force charges every stage
          auto r = SolveHybrid(m, L, o);
          ASSERT_TRUE(r.ok()) << r.error().message;
          ASSERT_TRUE(r->complete);
          ASSERT_TRUE(r->found);
          ASSERT_TRUE(ValidateSchedule(g, r->schedule).ok());
          EXPECT_LE(r->schedule.Tpus(), T);
          EXPECT_LE(r->schedule.num_stages, kmax);
          const PipelineCost c = EvaluateSchedule(m, r->schedule);
          EXPECT_NEAR(c.period_s, brute.period, 1e-12 * brute.period);
          EXPECT_NEAR(r->value, c.period_s, 1e-12 * c.period_s);
          EXPECT_EQ(c.tpus, brute.tpus);  // the fewest TPUs that reach the optimum
          // The bound every hybrid result's gap is measured against never exceeds the optimum.
          ScheduleRequest req(kmax);
          req.tpus = T;
          EXPECT_LE(SimpleLowerBound(m, req), brute.period * (1 + 1e-12));
          host_bound += c.limit != PipelineLimit::kStage;
          replicated += !r->schedule.replicas.empty();
          // With the optimum as the incumbent nothing better exists; just above it, it is found.
          o.incumbent = brute.period;
          auto none = SolveHybrid(m, L, o);
          ASSERT_TRUE(none.ok());
          EXPECT_TRUE(none->complete);
          EXPECT_FALSE(none->found);
          o.incumbent = brute.period * (1 + 1e-6);
          auto again = SolveHybrid(m, L, o);
          ASSERT_TRUE(again.ok());
          ASSERT_TRUE(again->found);
          ++instances;
        }
    }
  }
  EXPECT_GE(instances, 100);
  EXPECT_GT(host_bound, 10);  // the host's terms are exercised, not just the stages'
  EXPECT_GT(replicated, 10);
}

// Plain pipelines (one TPU per stage) where the host binds: exact stays exact, with or without
// the lattice DP before the hybrid one.
TEST(Hybrid, PlainExactIsExactWhenTheHostBinds) {
  int host_bound = 0;
  for (uint32_t seed = 1; seed <= 6; ++seed) {
    Graph g = RandomNet(7 + seed % 3, seed + 20, /*with_fallback=*/seed % 2 == 1);
    DownsetLattice L = DownsetLattice::Enumerate(g);
    for (const DeviceProfile& p : Profiles()) {
      CostModel m(g, p);
      for (int K = 1; K <= 4; ++K) {
        const double brute = BruteForceBest(m, K, Objective::kThroughput);
        ExactOptions o;
        o.stages = K;
        o.execution_order_only = true;
        auto r = SolveExact(m, L, o);
        ASSERT_TRUE(r.ok());
        ASSERT_TRUE(r->found);
        const PipelineCost c = EvaluateSchedule(m, r->schedule);
        EXPECT_NEAR(c.period_s, brute, 1e-12 * brute) << "seed " << seed << " K " << K;
        EXPECT_TRUE(r->schedule.replicas.empty());
        // Straight to the hybrid DP (as where the host's floor reaches the incumbent's slowest
        // stage): the same optimum.
        o.incumbent_slowest_stage = 0;
        auto direct = SolveExact(m, L, o);
        ASSERT_TRUE(direct.ok());
        ASSERT_TRUE(direct->found && direct->complete);
        EXPECT_NEAR(EvaluateSchedule(m, direct->schedule).period_s, brute, 1e-12 * brute)
            << "seed " << seed << " K " << K;
        // And from an incumbent just above the optimum (every prune at work): still found.
        o.incumbent = brute * (1 + 1e-9);
        direct = SolveExact(m, L, o);
        ASSERT_TRUE(direct.ok());
        ASSERT_TRUE(direct->found) << "seed " << seed << " K " << K;
        EXPECT_NEAR(EvaluateSchedule(m, direct->schedule).period_s, brute, 1e-12 * brute);
        EXPECT_LE(SimpleLowerBound(m, ScheduleRequest(K)), brute * (1 + 1e-12));
        host_bound += c.limit != PipelineLimit::kStage;
      }
    }
  }
  EXPECT_GT(host_bound, 5);
}

TEST(Hybrid, SimulatorSteadyStateIsTheEvaluatorsPeriod) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> t(0.1e-3, 5e-3);
  std::uniform_int_distribution<int> rep(1, 4), stages(1, 6);
  for (int trial = 0; trial < 200; ++trial) {
    const int K = stages(rng);
    std::vector<double> T(K);
    std::vector<int> r(K);
    double expect = 0;
    for (int k = 0; k < K; ++k) {
      T[k] = t(rng);
      r[k] = rep(rng);
      expect = std::max(expect, T[k] / r[k]);
    }
    const double host = trial % 3 == 0 ? t(rng) / 2 : 0;
    expect = std::max(expect, host);
    const PipelineSimulation sim = SimulatePipeline(T, 4000, r, host);
    EXPECT_NEAR(sim.period_s, expect, 1e-9 * expect) << "trial " << trial;
    // The first inference meets an empty pipeline: its latency is the sum of the stages.
    double sum = 0;
    for (double x : T) sum += x;
    EXPECT_NEAR(sim.first_latency_s, sum, 1e-12);
    for (int i = 1; i < sim.inferences; ++i)  // results leave in order
      ASSERT_GE(sim.completion_s[i], sim.completion_s[i - 1]);
  }
}

TEST(Hybrid, GreedyReplicasNeverHurtAndStopAtTheHost) {
  auto g = LoadModel("zoo:mobilenet_v2");
  ASSERT_TRUE(g.ok()) << g.error().message;
  auto p = LoadDeviceProfile("usb");
  ASSERT_TRUE(p.ok());
  CostModel m(*g, *p);
  Schedule one(1, std::vector<int>(g->num_ops(), 0));
  double last = EvaluateSchedule(m, one).period_s;
  for (int T = 2; T <= 24; ++T) {
    const Schedule s = GreedyReplicas(m, one, T);
    const PipelineCost c = EvaluateSchedule(m, s);
    EXPECT_LE(s.Tpus(), T);
    EXPECT_LE(c.period_s, last * (1 + 1e-12));
    last = c.period_s;
  }
  // With the usb defaults (every TPU behind one controller), data parallelism on a small model
  // stops where the controller saturates: the TPUs past that point are not taken.
  const Schedule s = GreedyReplicas(m, one, 24);
  const PipelineCost c = EvaluateSchedule(m, s);
  EXPECT_EQ(c.limit, PipelineLimit::kController);
  EXPECT_LT(s.Tpus(), 24);
  EXPECT_NEAR(c.period_s, c.controller_s, 1e-15);
  EXPECT_GT(c.stages[0].latency_s / s.Tpus(), c.controller_s * 0.9);
}

TEST(Hybrid, ExactWithTpusIsProvenAndBeatsPlainPipelines) {
  auto g = LoadModel("zoo:resnet50");
  ASSERT_TRUE(g.ok()) << g.error().message;
  auto p = LoadDeviceProfile("usb");
  ASSERT_TRUE(p.ok());
  CostModel m(*g, *p);
  ScheduleRequest plain(6);
  plain.time_limit_s = 20;
  auto pure = RunScheduler("exact", m, plain);
  ASSERT_TRUE(pure.ok()) << pure.error().message;
  ScheduleRequest hybrid(6);
  hybrid.tpus = 6;
  hybrid.time_limit_s = 20;
  auto h = RunScheduler("exact", m, hybrid);
  ASSERT_TRUE(h.ok()) << h.error().message;
  EXPECT_TRUE(h->proven_optimal);
  EXPECT_EQ(h->engine, "lattice");
  EXPECT_LE(h->objective_value, pure->objective_value * (1 + 1e-12));
  EXPECT_LE(h->schedule.Tpus(), 6);
  auto a = RunScheduler("auto", m, hybrid);
  ASSERT_TRUE(a.ok());
  EXPECT_NEAR(a->objective_value, h->objective_value, 1e-12);
  // Other methods cut plain stages and get the spare TPUs greedily; never better than exact.
  ScheduleRequest three(3);
  three.tpus = 6;
  auto c = RunScheduler("compiler", m, three);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->schedule.num_stages, 3);
  EXPECT_LE(c->schedule.Tpus(), 6);
  EXPECT_GE(c->objective_value, h->objective_value * (1 - 1e-12));
  EXPECT_LE(h->lower_bound, h->objective_value);
  // Requests that cannot work say why.
  ScheduleRequest bad(8);
  bad.tpus = 6;
  EXPECT_FALSE(RunScheduler("exact", m, bad).ok());
  ScheduleRequest lat(4, Objective::kLatency);
  lat.tpus = 6;
  EXPECT_FALSE(RunScheduler("exact", m, lat).ok());
}

}  // namespace
}  // namespace respect
