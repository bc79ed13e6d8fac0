// The cost model, term by term, on graphs small enough to compute by hand; its monotonicity;
// the discrete-event pipeline against the analytical period; device profiles.
#include "cost/cost_model.h"

#include <gtest/gtest.h>

#include <random>

#include "cost/device_profile.h"
#include "cost/pipeline_sim.h"
#include "schedulers/compiler_partitioner.h"
#include "test_util.h"
#include "zoo/zoo.h"

namespace respect {
namespace {

// Round numbers: 1 MHz clock, so one cycle is 1 us.
DeviceProfile HandProfile() {
  DeviceProfile p;
  p.name = "hand";
  p.mac_array = 4096;
  p.clock_hz = 1e6;
  p.util_conv = 0.5;
  p.util_depthwise = 0.25;
  p.util_fully_connected = 0.5;
  p.vector_elems_per_cycle = 100;
  p.op_overhead_cycles = 10;
  p.param_cache_bytes = 4000;
  p.link_in_bytes_per_s = 1e6;
  p.link_out_bytes_per_s = 5e5;
  p.invoke_overhead_s = 1e-3;
  p.cpu_macs_per_s = 1e6;
  p.cpu_op_overhead_s = 0;
  p.cpu_op_types = {"DIV"};
  return p;
}

struct OpSpec {
  std::string name, type;
  OpClass cls;
  int64_t macs, params, out_bytes;
  std::vector<int> inputs;  // operator ids; -1 = the graph input
};

// x (1000 B int8) -> ops as listed; the last op's output is the graph output.
Graph Chain(const std::vector<OpSpec>& specs) {
  GraphBuilder b("hand");
  const int x = b.AddTensor(testing::Int8Tensor("x", {1000}));
  b.AddInput(x);
  std::vector<int> out;
  for (const auto& s : specs) {
    const int t = b.AddTensor(testing::Int8Tensor(s.name + "/out", {s.out_bytes}));
    Operator op;
    op.name = s.name;
    op.type = s.type;
    op.op_class = s.cls;
    op.macs = s.macs;
    op.param_bytes = s.params;
    for (int i : s.inputs) op.inputs.push_back(i < 0 ? x : out[i]);
    if (s.params > 0) {
      Tensor w = testing::Int8Tensor(s.name + "/w", {s.params});
      w.is_constant = true;
      op.inputs.push_back(b.AddTensor(w));
    }
    op.outputs = {t};
    out.push_back(t);
    b.AddOp(op);
  }
  b.AddOutput(out.back());
  auto g = std::move(b).Build(/*keep_costs=*/true);
  EXPECT_TRUE(g.ok()) << g.error().message;
  return std::move(*g);
}

// A: conv, 4096*1000 MACs, 3000 B of weights, 500 B out; B: depthwise, 4096*100 MACs, 2000 B,
// 200 B out; C: element-wise ADD, 200 MACs, 200 B out (graph output).
std::vector<OpSpec> AbcSpecs(const std::string& c_type = "ADD") {
  return {{"A", "CONV_2D", OpClass::kConv, 4096 * 1000, 3000, 500, {-1}},
          {"B", "DEPTHWISE_CONV_2D", OpClass::kDepthwiseConv, 4096 * 100, 2000, 200, {0}},
          {"C", c_type, OpClass::kElementwise, 200, 0, 200, {1}}};
}

TEST(CostModel, EveryTermOfOneTpuByHand) {
  Graph g = Chain(AbcSpecs());
  CostModel m(g, HandProfile());
  // Compute, in cycles at 1 MHz: A 10 + 4096000/(4096*0.5) = 2010; B 10 + 409600/(4096*0.25)
  // = 410; C 10 + 200/100 = 12.
  EXPECT_NEAR(m.TpuSeconds(0), 2010e-6, 1e-12);
  EXPECT_NEAR(m.TpuSeconds(1), 410e-6, 1e-12);
  EXPECT_NEAR(m.TpuSeconds(2), 12e-6, 1e-12);
  const StageCost s = m.EvaluateSingle().stages[0];
  EXPECT_NEAR(s.compute_s, 2432e-6, 1e-12);
  // Caching in execution order: A's 3000 B fit in 4000, B's 2000 B do not: streamed.
  EXPECT_EQ(s.param_bytes, 5000);
  EXPECT_EQ(s.cached_bytes, 3000);
  EXPECT_EQ(s.streamed_bytes, 2000);
  // Link: in 1000 B + streamed 2000 B at 1 MB/s = 3 ms; out 200 B at 0.5 MB/s = 0.4 ms.
  EXPECT_EQ(s.in_bytes, 1000);
  EXPECT_EQ(s.out_bytes, 200);
  EXPECT_NEAR(s.transfer_s, 3.4e-3, 1e-12);
  EXPECT_NEAR(s.overhead_s, 1e-3, 1e-12);
  EXPECT_NEAR(s.latency_s, 1e-3 + 2.432e-3 + 3.4e-3, 1e-12);
}

TEST(CostModel, TwoStagePipelineByHand) {
  Graph g = Chain(AbcSpecs());
  CostModel m(g, HandProfile());
  const PipelineCost c = m.Evaluate({0, 1, 1}, 2);
  // Stage 0 = {A}: 1 ms invoke + 2.010 ms compute + 1000 B in (1 ms) + 500 B out (1 ms).
  EXPECT_EQ(c.stages[0].out_bytes, 500);
  EXPECT_EQ(c.stages[0].streamed_bytes, 0);
  EXPECT_NEAR(c.stages[0].latency_s, 5.010e-3, 1e-12);
  // Stage 1 = {B, C}: B's 2000 B now fit its own TPU's cache; in 500 B (0.5 ms), out 200 B
  // (0.4 ms), compute 0.422 ms, invoke 1 ms.
  EXPECT_EQ(c.stages[1].cached_bytes, 2000);
  EXPECT_EQ(c.stages[1].in_bytes, 500);
  EXPECT_NEAR(c.stages[1].latency_s, 2.322e-3, 1e-12);
  EXPECT_NEAR(c.period_s, 5.010e-3, 1e-12);
  EXPECT_NEAR(c.latency_s, 7.332e-3, 1e-12);
  EXPECT_NEAR(c.throughput_ips, 1 / 5.010e-3, 1e-9);
  EXPECT_EQ(c.bottleneck, 0);
}

TEST(CostModel, CpuFallbackTakesTheRestOfTheSegment) {
  // C is a DIV (not an Edge TPU op); D, a RELU after it, is supported but runs on the CPU too
  // (the compiler partitions a model once).
  auto specs = AbcSpecs("DIV");
  specs.push_back({"D", "RELU", OpClass::kElementwise, 200, 0, 200, {2}});
  Graph g = Chain(specs);
  CostModel m(g, HandProfile());
  const StageCost s = m.EvaluateSingle().stages[0];
  EXPECT_EQ(s.tpu_ops, 2);
  EXPECT_EQ(s.cpu_ops, 2);
  EXPECT_NEAR(s.cpu_s, 2 * 200 / 1e6, 1e-12);  // 200 elements each at 1e6 per second
  // B's output leaves the TPU for the CPU part; the graph output is produced on the host.
  EXPECT_EQ(s.out_bytes, 200);
  EXPECT_NEAR(s.compute_s, 2420e-6, 1e-12);
  // In another stage the same D runs on its TPU again.
  const PipelineCost c = m.Evaluate({0, 0, 0, 1}, 2);
  EXPECT_EQ(c.stages[1].cpu_ops, 0);
  EXPECT_EQ(c.stages[1].in_bytes, 200);
}

TEST(CostModel, ATensorIsReceivedOncePerStage) {
  // x feeds A (stage 0) and both B and C (stage 1): stage 1 receives x once.
  Graph g = Chain({{"A", "ADD", OpClass::kElementwise, 100, 0, 100, {-1}},
                   {"B", "ADD", OpClass::kElementwise, 100, 0, 100, {-1, 0}},
                   {"C", "ADD", OpClass::kElementwise, 100, 0, 100, {-1, 1}}});
  CostModel m(g, HandProfile());
  const PipelineCost c = m.Evaluate({0, 1, 1}, 2);
  EXPECT_EQ(c.stages[0].in_bytes, 1000);
  EXPECT_EQ(c.stages[1].in_bytes, 1000 + 100);
  const PipelineCost three = m.Evaluate({0, 1, 2}, 3);
  // Three stages: C (stage 2) reads x and B's output; A's output goes to B only.
  EXPECT_EQ(three.stages[2].in_bytes, 1000 + 100);
  EXPECT_EQ(three.stages[0].out_bytes, 100);
}

TEST(CostModel, EmptyStagesCostNothing) {
  Graph g = Chain(AbcSpecs());
  CostModel m(g, HandProfile());
  const PipelineCost c = m.Evaluate({0, 0, 2}, 3);
  EXPECT_EQ(c.stages[1].ops, 0);
  EXPECT_EQ(c.stages[1].latency_s, 0);
}

Graph Zoo(const std::string& spec) {
  auto g = BuildZooModel(spec);
  EXPECT_TRUE(g.ok());
  return std::move(*g);
}

TEST(CostModel, MoreCacheBandwidthOrClockNeverMakesAStageSlower) {
  Graph g = Zoo("resnet50");
  auto usb = LoadDeviceProfile("usb");
  ASSERT_TRUE(usb.ok());
  for (int K : {1, 2, 3, 4}) {
    auto s = CompilerPartition(g, K);
    ASSERT_TRUE(s.ok());
    DeviceProfile p = *usb;
    PipelineCost prev = CostModel(g, p).Evaluate(s->stage_of, K, &s->order);
    for (int step = 0; step < 9; ++step) {
      if (step % 3 == 1)
        p.param_cache_bytes += 3 << 20;
      else if (step % 3 == 2)
        p.clock_hz *= 1.5;
      else
        p.link_in_bytes_per_s *= 1.5, p.link_out_bytes_per_s *= 1.5;
      PipelineCost next = CostModel(g, p).Evaluate(s->stage_of, K, &s->order);
      for (int k = 0; k < K; ++k)
        EXPECT_LE(next.stages[k].latency_s, prev.stages[k].latency_s + 1e-15);
      EXPECT_LE(next.period_s, prev.period_s + 1e-15);
      prev = next;
    }
  }
}

// The std runtime's profile is the calibrated chip at half the clock: on-chip time (per-op
// cycles, MACs at the fitted utilisations) doubles; the invoke overhead and the link, which are
// the host's and the USB's, do not change.
TEST(CostModel, TheStdClockProfileIsTheMaxProfileAtHalfTheClock) {
  auto usb = LoadDeviceProfile("usb");
  auto max = LoadDeviceProfile("usb-max");
  ASSERT_TRUE(usb.ok() && max.ok());
  EXPECT_EQ(usb->clock_hz, 250e6);
  EXPECT_EQ(max->clock_hz, 500e6);
  for (const char* spec : {"mobilenet_v2", "inception_v4:input=299", "efficientnet_edgetpu_s"}) {
    SCOPED_TRACE(spec);
    Graph g = Zoo(spec);
    const StageCost a = CostModel(g, *usb).EvaluateSingle().stages[0];
    const StageCost b = CostModel(g, *max).EvaluateSingle().stages[0];
    EXPECT_NEAR(a.compute_s, 2 * b.compute_s, 1e-12);
    EXPECT_GT(a.compute_s, 0);
    EXPECT_EQ(a.transfer_s, b.transfer_s);
    EXPECT_EQ(a.overhead_s, b.overhead_s);
  }
}

TEST(CostModel, FewerOperatorsNeverMakeAStageSlower) {
  // A chain of equal layers with equal tensors: dropping trailing layers can only help.
  std::vector<OpSpec> specs;
  for (int i = 0; i < 12; ++i)
    specs.push_back(
        {"L" + std::to_string(i), "CONV_2D", OpClass::kConv, 4096 * 50, 700, 1000, {i - 1}});
  double prev = 1e9;
  for (int n = 12; n >= 1; --n) {
    Graph g = Chain(std::vector<OpSpec>(specs.begin(), specs.begin() + n));
    const double t = CostModel(g, HandProfile()).EvaluateSingle().period_s;
    EXPECT_LE(t, prev);
    prev = t;
  }
}

TEST(CostModel, AModelThatFitsTheCacheNeverStreams) {
  Graph g = Zoo("mobilenet");  // 4.1 MiB of int8 parameters
  for (const std::string& dev : BuiltinDeviceNames()) {
    auto p = LoadDeviceProfile(dev);
    ASSERT_TRUE(p.ok()) << dev;
    ASSERT_LT(g.TotalParamBytes(), p->param_cache_bytes);
    CostModel m(g, *p);
    EXPECT_EQ(m.EvaluateSingle().stages[0].streamed_bytes, 0) << dev;
    for (int K = 2; K <= 5; ++K) {
      auto s = CompilerPartition(g, K);
      ASSERT_TRUE(s.ok());
      for (const auto& st : m.Evaluate(s->stage_of, K).stages) EXPECT_EQ(st.streamed_bytes, 0);
    }
  }
}

TEST(PipelineSim, SteadyStatePeriodEqualsTheSlowestStage) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> T(0.1, 5.0);
  for (int trial = 0; trial < 50; ++trial) {
    const int K = 1 + trial % 6;
    std::vector<double> stages(K);
    double sum = 0, worst = 0;
    for (double& t : stages) {
      t = T(rng);
      sum += t;
      worst = std::max(worst, t);
    }
    const PipelineSimulation sim = SimulatePipeline(stages, 400);
    EXPECT_NEAR(sim.period_s, worst, 1e-9);
    EXPECT_NEAR(sim.first_latency_s, sum, 1e-12);  // an empty pipeline: no queueing
    EXPECT_GE(sim.mean_latency_s, sum - 1e-12);
    // N inferences take at least the fill time plus (N-1) periods.
    EXPECT_GE(sim.makespan_s, sum + 399 * worst - 1e-9);
  }
}

TEST(PipelineSim, BlockingByHand) {
  // Stages 1, 3, 1: the fast first stage fills its one-slot queue and then waits.
  const PipelineSimulation sim = SimulatePipeline({1, 3, 1}, 3);
  // Completions: 5, 8, 11.
  EXPECT_DOUBLE_EQ(sim.completion_s[0], 5);
  EXPECT_DOUBLE_EQ(sim.completion_s[1], 8);
  EXPECT_DOUBLE_EQ(sim.completion_s[2], 11);
}

TEST(DeviceProfile, BuiltinsLoadAndInherit) {
  auto usb = LoadDeviceProfile("usb"), max = LoadDeviceProfile("usb-max");
  auto pcie = LoadDeviceProfile("pcie"), usb2 = LoadDeviceProfile("usb2");
  ASSERT_TRUE(usb.ok() && max.ok() && pcie.ok() && usb2.ok());
  EXPECT_EQ(usb->clock_hz, 250e6);
  EXPECT_EQ(max->clock_hz, 500e6);
  EXPECT_EQ(usb->util_conv, max->util_conv);  // per-cycle constants carry over
  EXPECT_EQ(usb->link_in_bytes_per_s, max->link_in_bytes_per_s);
  EXPECT_LT(usb2->link_in_bytes_per_s, usb->link_in_bytes_per_s);
  EXPECT_EQ(usb2->clock_hz, 250e6);
  EXPECT_EQ(pcie->name, "pcie");
  EXPECT_FALSE(max->sources.at("mac_array").empty());
  // Round trip through JSON.
  auto back = DeviceProfileFromJson(DeviceProfileToJson(*max), "roundtrip");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->util_depthwise, max->util_depthwise);
  EXPECT_EQ(back->cpu_op_types, max->cpu_op_types);
}

TEST(DeviceProfile, BadProfilesAreRejected) {
  auto e = LoadDeviceProfile("tpu9000");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().message.find("usb-max"), std::string::npos);
  auto j = DeviceProfileToJson(*LoadDeviceProfile("usb-max"));
  j["util_conv"] = 1.5;
  EXPECT_FALSE(DeviceProfileFromJson(j, "x").ok());
  j["util_conv"] = "fast";
  EXPECT_FALSE(DeviceProfileFromJson(j, "x").ok());
  j.erase("util_conv");
  auto missing = DeviceProfileFromJson(j, "x");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("util_conv"), std::string::npos);
  EXPECT_FALSE(LoadDeviceProfile("/nonexistent/profile.json").ok());
}

}  // namespace
}  // namespace respect
