// Several models on one set of TPUs: the deployment search against brute force over its whole
// family (every allocation of dedicated TPUs, every partition of the rest into shared TPUs,
// every compile order), the shared TPU's cache and time-slicing, the host, and the simulator.
#include "schedulers/deployment.h"

#include <gtest/gtest.h>

#include <functional>
#include <memory>

#include "models/model_source.h"
#include "test_util.h"

namespace respect {
namespace {

// Every choice of the family: dedicated counts t_m >= 0 with the rest (t_m = 0) split into
// blocks of two or more sharing one TPU each, in every compile order; the best ratio.
double BruteForceRatio(const DeploymentProblem& p) {
  const int M = p.num_models(), T = p.tpus();
  double best = -1;
  DeploymentChoice c;
  c.dedicated.assign(M, 0);
  std::function<void(int)> dedicate = [&](int m) {
    if (m < M) {
      for (int t = 0; t <= T; ++t) {
        c.dedicated[m] = t;
        dedicate(m + 1);
      }
      return;
    }
    std::vector<int> rest;
    for (int i = 0; i < M; ++i)
      if (c.dedicated[i] == 0) rest.push_back(i);
    // Partitions of `rest` into blocks (each kept as an ordered list: every order is visited
    // by inserting each model at every position of its block).
    std::vector<std::vector<int>> blocks;
    std::function<void(size_t)> place = [&](size_t i) {
      if (i == rest.size()) {
        for (const auto& b : blocks)
          if (b.size() < 2) return;
        c.shared = blocks;
        const Deployment d = p.Score(c);
        best = std::max(best, d.ratio);
        return;
      }
      for (size_t b = 0; b < blocks.size(); ++b)
        for (size_t at = 0; at <= blocks[b].size(); ++at) {
          blocks[b].insert(blocks[b].begin() + static_cast<long>(at), rest[i]);
          place(i + 1);
          blocks[b].erase(blocks[b].begin() + static_cast<long>(at));
        }
      blocks.push_back({rest[i]});
      place(i + 1);
      blocks.pop_back();
    };
    place(0);
  };
  dedicate(0);
  return best;
}

std::vector<DeviceProfile> Profiles() {
  DeviceProfile a = SmallCacheUsb();
  DeviceProfile b = a;
  b.host_cores = 1;
  b.host_invoke_s = 5 * a.invoke_overhead_s;
  b.controller_in_bytes_per_s = a.link_in_bytes_per_s / 4;
  b.controller_out_bytes_per_s = a.link_out_bytes_per_s / 4;
  return {a, b};
}

TEST(Deployment, SearchEqualsBruteForceOverTheFamily) {
  int instances = 0, shared = 0, host_limited = 0;
  for (uint32_t seed = 1; seed <= 3; ++seed)
    for (const DeviceProfile& prof : Profiles()) {
      std::vector<Graph> graphs;
      for (int m = 0; m < 3; ++m)
        graphs.push_back(RandomNet(5 + (seed + m) % 3, seed * 10 + m, false));
      std::vector<std::unique_ptr<CostModel>> costs;
      std::vector<DeploymentModelSpec> specs;
      for (int m = 0; m < 3; ++m) {
        costs.push_back(std::make_unique<CostModel>(graphs[m], prof));
        specs.push_back({"m" + std::to_string(m), costs.back().get(), 1.0 + m * seed % 4});
      }
      for (int T = 1; T <= 5; ++T) {
        SCOPED_TRACE(::testing::Message()
                     << "seed " << seed << " T " << T << " cores " << prof.host_cores);
        DeploymentOptions o;
        o.tpus = T;
        o.request.time_limit_s = 10;
        auto problem = DeploymentProblem::Build(specs, o);
        ASSERT_TRUE(problem.ok()) << problem.error().message;
        const double brute = BruteForceRatio(*problem);
        auto d = problem->Solve();
        ASSERT_TRUE(d.ok()) << d.error().message;
        EXPECT_NEAR(d->ratio, brute, 1e-9 * brute);
        EXPECT_TRUE(d->proven);
        EXPECT_LE(static_cast<int>(d->tpus.size()), T);
        // At the planned rates nothing is over capacity, and the limit is at capacity.
        double most = 0;
        for (const DeployedTpu& tpu : d->tpus) {
          EXPECT_LE(tpu.busy, 1 + 1e-9);
          EXPECT_LE(tpu.cached_bytes, prof.param_cache_bytes);
          most = std::max(most, tpu.busy);
        }
        EXPECT_LE(d->host_cpu_load, 1 + 1e-9);
        EXPECT_LE(d->controller_load, 1 + 1e-9);
        if (d->limit == "host-cpu") EXPECT_NEAR(d->host_cpu_load, 1, 1e-9);
        if (d->limit == "controller") EXPECT_NEAR(d->controller_load, 1, 1e-9);
        if (d->limit == "shared-tpu") EXPECT_NEAR(most, 1, 1e-9);
        for (const DeployedModel& m : d->models) EXPECT_NEAR(m.rate_ips, d->ratio * m.fps, 1e-9);
        shared += std::any_of(d->models.begin(), d->models.end(),
                              [](const DeployedModel& m) { return m.shared; });
        host_limited += d->limit == "host-cpu" || d->limit == "controller";
        // Without sharing, every model needs a TPU of its own.
        o.share = false;
        auto alone = PlanDeployment(specs, o);
        if (T < 3) {
          EXPECT_FALSE(alone.ok());
        } else {
          ASSERT_TRUE(alone.ok());
          EXPECT_LE(alone->ratio, d->ratio * (1 + 1e-12));
        }
        ++instances;
      }
    }
  EXPECT_EQ(instances, 30);
  EXPECT_GT(shared, 5);
  EXPECT_GT(host_limited, 3);
}

// A shared TPU: the models' parameters share its cache in the compile order, so the second
// streams what the first left no room for; it time-slices, so its busy time is the sum.
TEST(Deployment, SharedTpuChargesTheCacheInCompileOrder) {
  auto a = LoadModel("zoo:mobilenet_v2");
  auto b = LoadModel("zoo:squeezenet");
  ASSERT_TRUE(a.ok() && b.ok());
  auto usb = LoadDeviceProfile("usb");
  ASSERT_TRUE(usb.ok());
  CostModel ma(*a, *usb), mb(*b, *usb);
  DeploymentOptions o;
  o.tpus = 1;
  auto problem = DeploymentProblem::Build({{"mnv2", &ma, 30}, {"squeeze", &mb, 10}}, o);
  ASSERT_TRUE(problem.ok());
  const Deployment ab = problem->Score({{0, 0}, {{0, 1}}}), ba = problem->Score({{0, 0}, {{1, 0}}});
  ASSERT_EQ(ab.tpus.size(), 1u);
  const int64_t cache = usb->param_cache_bytes;
  EXPECT_LE(ab.tpus[0].cached_bytes, cache);
  // MobileNet v2 (3.4 MiB) and SqueezeNet (1.2 MiB) both fit: nothing streams, either order.
  EXPECT_EQ(ab.tpus[0].streamed_bytes, 0);
  EXPECT_NEAR(ab.ratio, ba.ratio, 1e-12 * ab.ratio);
  const double busy = 30 * ab.models[0].cost.latency_s + 10 * ab.models[1].cost.latency_s;
  EXPECT_NEAR(ab.ratio, 1 / busy, 1e-9 / busy);
  // ResNet-50 (24 MiB) first fills the cache up to its first layer that does not fit: SqueezeNet
  // gets what is left and streams the rest; in the other order nothing of SqueezeNet streams.
  auto r = LoadModel("zoo:resnet50");
  ASSERT_TRUE(r.ok());
  CostModel mr(*r, *usb);
  auto p2 = DeploymentProblem::Build({{"resnet50", &mr, 1}, {"squeeze", &mb, 10}}, o);
  ASSERT_TRUE(p2.ok());
  const Deployment rs = p2->Score({{0, 0}, {{0, 1}}}), sr = p2->Score({{0, 0}, {{1, 0}}});
  EXPECT_EQ(rs.models[1].cost.stages[0].cached_bytes + rs.models[0].cost.stages[0].cached_bytes,
            rs.tpus[0].cached_bytes);
  EXPECT_LE(rs.models[1].cost.stages[0].cached_bytes,
            cache - rs.models[0].cost.stages[0].cached_bytes);
  EXPECT_GT(rs.models[1].cost.stages[0].streamed_bytes, 0);
  EXPECT_EQ(sr.models[1].cost.stages[0].streamed_bytes, 0);
  EXPECT_GT(sr.ratio, rs.ratio);  // the small model first is better
  auto best = p2->Solve();
  ASSERT_TRUE(best.ok());
  EXPECT_NEAR(best->ratio, sr.ratio, 1e-12 * sr.ratio);
}

TEST(Deployment, SimulationAgreesWithThePlan) {
  auto a = LoadModel("zoo:mobilenet_v2");
  auto b = LoadModel("zoo:squeezenet");
  auto c = LoadModel("zoo:resnet50");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto usb = LoadDeviceProfile("usb");
  ASSERT_TRUE(usb.ok());
  CostModel ma(*a, *usb), mb(*b, *usb), mc(*c, *usb);
  for (int T : {2, 5}) {
    DeploymentOptions o;
    o.tpus = T;
    auto d = PlanDeployment({{"mnv2", &ma, 30}, {"squeeze", &mb, 20}, {"resnet50", &mc, 5}}, o);
    ASSERT_TRUE(d.ok()) << d.error().message;
    if (T == 2)
      EXPECT_TRUE(std::any_of(d->models.begin(), d->models.end(),
                              [](const DeployedModel& m) { return m.shared; }));
    // Run at 97% of the plan: every TPU below capacity, so each model keeps its rate.
    const DeploymentSimulation sim = SimulateDeployment(*d, 0.97, 400);
    ASSERT_EQ(sim.model_ips.size(), d->models.size());
    for (size_t m = 0; m < d->models.size(); ++m)
      EXPECT_NEAR(sim.model_ips[m], 0.97 * d->models[m].rate_ips, 0.01 * d->models[m].rate_ips)
          << d->models[m].name;
    for (size_t t = 0; t < d->tpus.size(); ++t)
      EXPECT_NEAR(sim.tpu_busy[t], 0.97 * d->tpus[t].busy, 0.02) << "TPU " << t;
  }
}

}  // namespace
}  // namespace respect
