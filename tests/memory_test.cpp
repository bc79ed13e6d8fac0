// Memory-aware ordering: the evaluator's conventions on hand-computed graphs, the exact DP against
// brute force over every topological order (with and without in-place reuse), the seed's
// counter-example to naive chain fusion, and the CLI.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "core/analysis.h"
#include "exporters/reorder.h"
#include "memory/fusion.h"
#include "memory/fusion_ilp.h"
#include "memory/memory_model.h"
#include "memory/orderers.h"
#include "models/model_source.h"
#include "test_util.h"

namespace respect {
namespace {

using testing::Int8Tensor;

Operator Op(const std::string& name, const std::string& type, OpClass cls, std::vector<int> in,
            std::vector<int> out) {
  Operator op;
  op.name = name;
  op.type = type;
  op.op_class = cls;
  op.inputs = std::move(in);
  op.outputs = std::move(out);
  return op;
}

// A random DAG whose tensor sizes come from a small set (so same-size in-place reuse happens),
// with element-wise, reshape and conv operators, one or two graph inputs, tensors nobody reads
// and graph outputs that are also read.
Graph RandomMemoryNet(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  GraphBuilder b("mem");
  const int64_t sizes[] = {16, 32, 32, 64, 96};
  std::vector<int> inputs = {b.AddTensor(Int8Tensor("in0", {sizes[rng() % 5]}))};
  if (rng() % 2) inputs.push_back(b.AddTensor(Int8Tensor("in1", {sizes[rng() % 5]})));
  for (int t : inputs) b.AddInput(t);
  std::vector<int> out(n);
  for (int v = 0; v < n; ++v)
    out[v] = b.AddTensor(Int8Tensor("t" + std::to_string(v), {sizes[rng() % 5]}));
  std::vector<int> read(n, 0);
  for (int v = 0; v < n; ++v) {
    Operator op;
    op.name = "v" + std::to_string(v);
    const int kind = rng() % 3;
    op.type = kind == 0 ? "ADD" : kind == 1 ? "RESHAPE" : "CONV_2D";
    op.op_class = kind == 0   ? OpClass::kElementwise
                  : kind == 1 ? OpClass::kDataMovement
                              : OpClass::kConv;
    // Some operators read only a constant (a dequantised weight, a constant fill): sources.
    const int fan = rng() % 5 == 0 ? 0 : 1 + static_cast<int>(rng() % 2);
    if (fan == 0) {
      const int c = b.AddTensor(Int8Tensor(op.name + "/c", {500}));
      b.tensor(c).is_constant = true;
      op.inputs.push_back(c);
    }
    for (int k = 0; k < fan; ++k) {
      if (v == 0 || rng() % 4 == 0) {
        op.inputs.push_back(inputs[rng() % inputs.size()]);
      } else {
        const int u = static_cast<int>(rng() % v);
        op.inputs.push_back(out[u]);
        read[u] = 1;
      }
    }
    if (kind == 2) {
      const int w = b.AddTensor(Int8Tensor(op.name + "/w", {1000}));
      b.tensor(w).is_constant = true;
      op.inputs.push_back(w);
    }
    op.outputs = {out[v]};
    b.AddOp(op);
  }
  for (int v = 0; v < n; ++v)
    if (!read[v] ? rng() % 3 != 0 : rng() % 5 == 0) b.AddOutput(out[v]);
  auto g = std::move(b).Build();
  EXPECT_TRUE(g.ok()) << g.error().message;
  return std::move(*g);
}

// The smallest peak over every topological order, and how many orders there are.
int64_t BruteForcePeak(const MemoryModel& mm, int64_t* orders) {
  const Graph& g = mm.graph();
  const int n = g.num_ops();
  std::vector<int> pending(n), order;
  for (int v = 0; v < n; ++v) pending[v] = static_cast<int>(g.preds(v).size());
  std::vector<char> used(n, 0);
  int64_t best = std::numeric_limits<int64_t>::max();
  *orders = 0;
  std::function<void()> rec = [&] {
    if (static_cast<int>(order.size()) == n) {
      ++*orders;
      auto p = mm.Profile(order);
      EXPECT_TRUE(p.ok());
      best = std::min(best, p->peak);
      return;
    }
    for (int v = 0; v < n; ++v) {
      if (used[v] || pending[v] != 0) continue;
      used[v] = 1;
      order.push_back(v);
      for (int s : g.succs(v)) --pending[s];
      rec();
      for (int s : g.succs(v)) ++pending[s];
      order.pop_back();
      used[v] = 0;
    }
  };
  rec();
  return best;
}

TEST(Memory, ProfileFollowsTheConventions) {
  // in (10) -> a (out 20) -> b (out 20, element-wise) -> out; a also -> c (out 5, read by nobody).
  GraphBuilder bld("conv");
  const int in = bld.AddTensor(Int8Tensor("in", {10}));
  const int ta = bld.AddTensor(Int8Tensor("ta", {20}));
  const int tb = bld.AddTensor(Int8Tensor("tb", {20}));
  const int tc = bld.AddTensor(Int8Tensor("tc", {5}));
  const int w = bld.AddTensor(Int8Tensor("w", {1000}));
  bld.tensor(w).is_constant = true;
  bld.AddInput(in);
  Operator a = Op("a", "CONV_2D", OpClass::kConv, {in, w}, {ta});
  Operator b = Op("b", "RELU", OpClass::kElementwise, {ta}, {tb});
  Operator c = Op("c", "CONV_2D", OpClass::kConv, {ta}, {tc});
  bld.AddOp(a);
  bld.AddOp(b);
  bld.AddOp(c);
  bld.AddOutput(tb);
  auto g = std::move(bld).Build();
  ASSERT_TRUE(g.ok()) << g.error().message;
  MemoryModel plain(*g);
  // Order a, c, b: a: in + ta = 30 (w excluded); in freed. c: ta + tc = 25; tc freed at once.
  // b: ta + tb = 40; ta freed, tb lives to the end.
  auto p = plain.Profile({0, 2, 1});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->initial, 10);
  EXPECT_EQ(p->footprint, (std::vector<int64_t>{30, 25, 40}));
  EXPECT_EQ(p->peak, 40);
  EXPECT_EQ(p->peak_step, 2);
  EXPECT_EQ(p->live_at_peak, (std::vector<int>{ta, tb}));
  // In place, b writes over ta (same size, dies at b): 20 instead of 40. In order a, b, c ta
  // does not die at b, so no reuse there.
  MemoryModel inplace(*g, {true});
  auto q = inplace.Profile({0, 2, 1});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->footprint, (std::vector<int64_t>{30, 25, 20}));
  EXPECT_EQ(q->reused[2], ta);
  auto r = inplace.Profile({0, 1, 2});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->footprint, (std::vector<int64_t>{30, 40, 45}));
  EXPECT_EQ(r->reused[1], -1);
  // Orders that break precedence or are not permutations are errors.
  EXPECT_FALSE(plain.Profile({1, 0, 2}).ok());
  EXPECT_FALSE(plain.Profile({0, 0, 1}).ok());
  EXPECT_FALSE(plain.Profile({0, 1}).ok());
}

TEST(Memory, DpEqualsBruteForceOverEveryTopologicalOrder) {
  int checked = 0, reuse_mattered = 0;
  for (uint32_t seed = 1; seed <= 150; ++seed) {
    Graph g = RandomMemoryNet(4 + static_cast<int>(seed % 6), seed);
    int64_t plain_best = 0;
    for (bool inplace : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "seed " << seed << " inplace " << inplace);
      MemoryModel mm(g, {inplace});
      int64_t orders = 0;
      const int64_t brute = BruteForcePeak(mm, &orders);
      if (!inplace)
        plain_best = brute;
      else
        reuse_mattered += brute < plain_best;
      OrderRequest r;
      r.memory.inplace = inplace;
      r.method = "dp";
      auto dp = RunOrderer(g, r);
      ASSERT_TRUE(dp.ok()) << dp.error().message;
      EXPECT_EQ(dp->profile.peak, brute);
      EXPECT_TRUE(dp->proven_optimal);
      EXPECT_LE(mm.LowerBound(), brute);
      for (const char* m : {"given", "rpo", "greedy", "auto"}) {
        r.method = m;
        auto h = RunOrderer(g, r);
        ASSERT_TRUE(h.ok()) << m << ": " << h.error().message;
        EXPECT_GE(h->profile.peak, brute) << m;
        EXPECT_TRUE(IsTopologicalOrder(g, h->order)) << m;
        if (h->proven_optimal) {
          EXPECT_EQ(h->profile.peak, brute) << m;
        }
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 300);
  EXPECT_GT(reuse_mattered, 5)
      << "in-place reuse never changed the optimum: the test does not exercise it";
}

// The counter-example to naive chain fusion (operators u, v, c, d, z = 0..4).
Result<Graph> CounterExample() {
  GraphBuilder bld("chain");
  const int I = bld.AddTensor(Int8Tensor("I", {100}));
  const int tu = bld.AddTensor(Int8Tensor("tu", {1}));
  const int tv = bld.AddTensor(Int8Tensor("tv", {100}));
  const int tc = bld.AddTensor(Int8Tensor("tc", {50}));
  const int td = bld.AddTensor(Int8Tensor("td", {1}));
  const int tz = bld.AddTensor(Int8Tensor("tz", {1}));
  bld.AddInput(I);
  bld.AddOp(Op("u", "CONV_2D", OpClass::kConv, {I}, {tu}));
  bld.AddOp(Op("v", "CONV_2D", OpClass::kConv, {tu}, {tv}));
  bld.AddOp(Op("c", "CONV_2D", OpClass::kConv, {}, {tc}));
  bld.AddOp(Op("d", "CONV_2D", OpClass::kConv, {tc}, {td}));
  bld.AddOp(Op("z", "ADD", OpClass::kElementwise, {tv, td}, {tz}));
  bld.AddOutput(tz);
  return std::move(bld).Build();
}

// The seed paper's warning, as the issue states it: fusing every single-input/single-output
// chain is not safe. I (100) -> u (1) -> v (100) -> z, and c (50) -> d (1) -> z: the optimum
// runs u, c, d, v, z at 102, while any order keeping u and v adjacent peaks at 150 or more.
TEST(Memory, ChainFusionCounterExample) {
  auto g = CounterExample();
  ASSERT_TRUE(g.ok()) << g.error().message;
  OrderRequest r;
  r.method = "dp";
  auto dp = RunOrderer(*g, r);
  ASSERT_TRUE(dp.ok()) << dp.error().message;
  EXPECT_EQ(dp->profile.peak, 102);
  EXPECT_EQ(dp->order, (std::vector<int>{0, 2, 3, 1, 4}));
  MemoryModel mm(*g);
  for (const auto& order :
       std::vector<std::vector<int>>{{0, 1, 2, 3, 4}, {2, 0, 1, 3, 4}, {2, 3, 0, 1, 4}})
    EXPECT_GE(mm.Profile(order)->peak, 150);
}

// The smallest peak over every order that runs each fused group's operators together.
int64_t BruteForceFusedPeak(const MemoryModel& mm, const MemoryFusion& f) {
  const int n = f.num_groups();
  std::vector<int> pending(n), order;
  for (int x = 0; x < n; ++x) pending[x] = static_cast<int>(f.preds[x].size());
  std::vector<char> used(n, 0);
  int64_t best = std::numeric_limits<int64_t>::max();
  std::function<void()> rec = [&] {
    if (static_cast<int>(order.size()) == n) {
      auto p = mm.Profile(ExpandGroupOrder(f, order));
      EXPECT_TRUE(p.ok()) << p.error().message;
      if (p.ok()) best = std::min(best, p->peak);
      return;
    }
    for (int x = 0; x < n; ++x) {
      if (used[x] || pending[x] != 0) continue;
      used[x] = 1;
      order.push_back(x);
      for (int s : f.succs[x]) --pending[s];
      rec();
      for (int s : f.succs[x]) ++pending[s];
      order.pop_back();
      used[x] = 0;
    }
  };
  rec();
  return best;
}

// A chain-heavy random DAG: each operator reads its predecessor's output most of the time, so
// the fusion rules have pairs to look at; sizes vary widely so that hills and valleys occur.
Graph RandomChainyNet(int n, uint32_t seed) {
  std::mt19937 rng(seed);
  GraphBuilder b("chainy");
  const int64_t sizes[] = {1, 8, 16, 16, 40, 100};
  const int in = b.AddTensor(Int8Tensor("in", {sizes[rng() % 6]}));
  b.AddInput(in);
  std::vector<int> out(n);
  for (int v = 0; v < n; ++v)
    out[v] = b.AddTensor(Int8Tensor("t" + std::to_string(v), {sizes[rng() % 6]}));
  std::vector<int> read(n, 0);
  for (int v = 0; v < n; ++v) {
    Operator op;
    op.name = "v" + std::to_string(v);
    const bool elementwise = rng() % 3 == 0;
    op.type = elementwise ? "ADD" : "CONV_2D";
    op.op_class = elementwise ? OpClass::kElementwise : OpClass::kConv;
    const int r = static_cast<int>(rng() % 10);
    if (v == 0 || r == 0)
      op.inputs.push_back(in);
    else if (r <= 6)
      op.inputs.push_back(out[v - 1]);
    else if (r <= 8)
      op.inputs.push_back(out[rng() % v]);
    else {
      op.inputs.push_back(out[rng() % v]);
      op.inputs.push_back(out[rng() % v]);
    }
    for (int t : op.inputs)
      for (int u = 0; u < v; ++u)
        if (t == out[u]) read[u] = 1;
    if (rng() % 6 == 0) {  // sometimes a source: reads only a constant
      op.inputs.clear();
      const int c = b.AddTensor(Int8Tensor(op.name + "/c", {64}));
      b.tensor(c).is_constant = true;
      op.inputs.push_back(c);
    }
    op.outputs = {out[v]};
    b.AddOp(op);
  }
  for (int v = 0; v < n; ++v)
    if (!read[v] || rng() % 8 == 0) b.AddOutput(out[v]);
  auto g = std::move(b).Build();
  EXPECT_TRUE(g.ok()) << g.error().message;
  return std::move(*g);
}

// Each fusion rule, alone and together, keeps the optimum: brute force over every order of the
// fused graph equals brute force over every order of the original.
TEST(Memory, FusionRulesPreserveTheOptimum) {
  std::array<int, 3> merges{};
  int fused_graphs = 0;
  for (uint32_t seed = 1; seed <= 120; ++seed) {
    Graph g = seed % 2 ? RandomChainyNet(5 + static_cast<int>(seed % 5), seed)
                       : RandomMemoryNet(4 + static_cast<int>(seed % 6), seed);
    for (bool inplace : {false, true}) {
      MemoryModel mm(g, {inplace});
      int64_t orders = 0;
      const int64_t brute = BruteForcePeak(mm, &orders);
      for (unsigned rules : {unsigned{kFuseHillValley}, unsigned{kFuseRunAfter},
                             unsigned{kFuseRunBefore}, unsigned{kFuseAll}}) {
        SCOPED_TRACE(::testing::Message()
                     << "seed " << seed << " inplace " << inplace << " rules " << rules);
        const MemoryFusion f = FuseForMemory(mm, rules);
        ASSERT_EQ(static_cast<int>(f.group_of.size()), g.num_ops());
        if (rules != kFuseAll)
          for (int k = 0; k < 3; ++k) merges[k] += f.merges[k];
        fused_graphs += f.num_groups() < g.num_ops();
        EXPECT_EQ(BruteForceFusedPeak(mm, f), brute);
      }
    }
  }
  // Every rule fired on its own often enough for the check to mean something.
  for (int k = 0; k < 3; ++k) EXPECT_GT(merges[k], 20) << "rule " << k;
  EXPECT_GT(fused_graphs, 200);
}

// The counter-example stays unfused where it matters: u (a valley) and v (a hill) are never
// merged, while c -> d (a hill, then a valley) is.
TEST(Memory, FusionLeavesTheCounterExamplesValleyAlone) {
  auto g = CounterExample();
  ASSERT_TRUE(g.ok()) << g.error().message;
  MemoryModel mm(*g);
  const MemoryFusion f = FuseForMemory(mm);
  EXPECT_NE(f.group_of[0], f.group_of[1]);
  EXPECT_EQ(f.group_of[2], f.group_of[3]);
  EXPECT_EQ(BruteForceFusedPeak(mm, f), 102);
  OrderRequest r;
  r.method = "fusion-ilp";
  auto res = RunOrderer(*g, r);
  ASSERT_TRUE(res.ok()) << res.error().message;
  EXPECT_EQ(res->profile.peak, 102);
  EXPECT_TRUE(res->proven_optimal) << res->note;
}

// fusion-ilp equals dp (and brute force) wherever both finish, with and without in-place reuse;
// its bound never exceeds the optimum.
TEST(Memory, FusionIlpEqualsDp) {
  int proven = 0;
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    Graph g = seed % 2 ? RandomChainyNet(6 + static_cast<int>(seed % 5), seed)
                       : RandomMemoryNet(5 + static_cast<int>(seed % 5), seed);
    for (bool inplace : {false, true}) {
      SCOPED_TRACE(::testing::Message() << "seed " << seed << " inplace " << inplace);
      OrderRequest r;
      r.memory.inplace = inplace;
      r.method = "dp";
      auto dp = RunOrderer(g, r);
      ASSERT_TRUE(dp.ok() && dp->proven_optimal);
      r.method = "fusion-ilp";
      auto ilp = RunOrderer(g, r);
      ASSERT_TRUE(ilp.ok()) << ilp.error().message;
      EXPECT_TRUE(IsTopologicalOrder(g, ilp->order));
      EXPECT_LE(ilp->lower_bound, dp->profile.peak);
      if (ilp->proven_optimal) {
        ++proven;
        EXPECT_EQ(ilp->profile.peak, dp->profile.peak) << ilp->note;
      }
    }
  }
  EXPECT_EQ(proven, 80);
}

TEST(Memory, RealModelsAndErrors) {
  // A shared TFLite model: dp proves its peak; every heuristic is valid and no better.
  auto g = LoadModel(testing::SharedPath(
      "models/tflite/ssd_mobilenet_v1_coco_quant_postprocess_segment_2_of_3_edgetpu.tflite"));
  ASSERT_TRUE(g.ok()) << g.error().message;
  OrderRequest r;
  r.method = "dp";
  auto dp = RunOrderer(*g, r);
  ASSERT_TRUE(dp.ok()) << dp.error().message;
  EXPECT_TRUE(dp->proven_optimal);
  r.method = "greedy";
  auto gr = RunOrderer(*g, r);
  ASSERT_TRUE(gr.ok());
  EXPECT_GE(gr->profile.peak, dp->profile.peak);
  // Graphs without activation sizes, and unknown methods: one-line errors.
  auto nas = LoadModel(testing::SharedPath("data/respect_paper_graphs/NASNet.json"));
  ASSERT_TRUE(nas.ok());
  auto none = RunOrderer(*nas, r);
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("no activation tensor sizes"), std::string::npos);
  r.method = "nope";
  auto bad = RunOrderer(*g, r);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.find('\n'), std::string::npos);
  // A wide graph whose lattice exceeds the cap: the best heuristic, unproven, and why.
  r.method = "dp";
  r.lattice_cap = 2;
  auto capped = RunOrderer(*g, r);
  ASSERT_TRUE(capped.ok());
  EXPECT_TRUE(capped->search_stopped) << capped->note;
  EXPECT_FALSE(capped->proven_optimal);
}

// The reordered files re-import to the same graph with the operators in the new order, and the
// stored order ("given") then peaks as the method reported.
TEST(Memory, ReorderedModelFilesReimportToTheSameGraph) {
  const std::string dir = ::testing::TempDir() + "/respect_reorder";
  std::filesystem::create_directories(dir);
  for (const char* rel :
       {"models/tflite/face_detection_short_range.tflite", "models/onnx/light_inception_v1.onnx",
        "models/onnx/version-slim-320.onnx"}) {
    SCOPED_TRACE(rel);
    const std::string path = testing::SharedPath(rel);
    auto g = LoadModel(path);
    ASSERT_TRUE(g.ok()) << g.error().message;
    OrderRequest r;
    r.method = "greedy";
    auto res = RunOrderer(*g, r);
    ASSERT_TRUE(res.ok());
    std::vector<int> identity(g->num_ops());
    for (int i = 0; i < g->num_ops(); ++i) identity[i] = i;
    ASSERT_NE(res->order, identity) << "the test needs an order that differs from the file's";
    const std::string out = dir + "/reordered" + std::filesystem::path(path).extension().string();
    ASSERT_TRUE(WriteReorderedModel(path, *g, res->order, out).ok());
    auto h = LoadModel(out);
    ASSERT_TRUE(h.ok()) << h.error().message;
    ASSERT_EQ(h->num_ops(), g->num_ops());
    ASSERT_EQ(h->tensors.size(), g->tensors.size());
    // The same tensors (ONNX numbers them in node order, so compare by name).
    std::map<std::string, int64_t> tg, th;
    for (const Tensor& t : g->tensors) tg[t.name] = t.bytes;
    for (const Tensor& t : h->tensors) th[t.name] = t.bytes;
    EXPECT_EQ(th, tg);
    auto names = [](const Graph& x, const std::vector<int>& ids) {
      std::vector<std::string> n;
      for (int t : ids) n.push_back(t < 0 ? "" : x.tensors[t].name);
      return n;
    };
    for (int i = 0; i < h->num_ops(); ++i) {  // the file's operator i is the order's i-th
      const Operator& a = h->ops[i];
      const Operator& b = g->ops[res->order[i]];
      EXPECT_EQ(a.type, b.type);
      EXPECT_EQ(names(*h, a.inputs), names(*g, b.inputs));
      EXPECT_EQ(names(*h, a.outputs), names(*g, b.outputs));
      EXPECT_EQ(a.param_bytes, b.param_bytes);
    }
    r.method = "given";
    auto given = RunOrderer(*h, r);
    ASSERT_TRUE(given.ok());
    EXPECT_EQ(given->profile.peak, res->profile.peak);
    // A .tflite keeps its size: only the operator offsets move.
    if (std::filesystem::path(path).extension() == ".tflite") {
      EXPECT_EQ(std::filesystem::file_size(out), std::filesystem::file_size(path));
    }
    // Wrong extensions and non-topological orders are refused, and nothing is written.
    std::vector<int> backwards(res->order.rbegin(), res->order.rend());
    EXPECT_FALSE(
        WriteReorderedModel(path, *g, backwards,
                            dir + "/bad" + std::filesystem::path(path).extension().string())
            .ok());
    EXPECT_FALSE(WriteReorderedModel(path, *g, res->order, dir + "/bad.pb").ok());
    EXPECT_FALSE(std::filesystem::exists(dir + "/bad.pb"));
  }
  std::filesystem::remove_all(dir);
}

// NASNet-Mobile, the complex-wired network the seed evaluates on: dp proves its optimal peak,
// more than 10% below the stored order's and below reverse post-order's.
TEST(Memory, NasNetMobileProvenBelowGivenAndRpo) {
  auto g = LoadModel("zoo:nasnet_mobile");
  ASSERT_TRUE(g.ok()) << g.error().message;
  OrderRequest r;
  r.method = "dp";
  auto dp = RunOrderer(*g, r);
  ASSERT_TRUE(dp.ok()) << dp.error().message;
  EXPECT_TRUE(dp->proven_optimal) << dp->note;
  r.method = "given";
  auto given = RunOrderer(*g, r);
  r.method = "rpo";
  auto rpo = RunOrderer(*g, r);
  ASSERT_TRUE(given.ok() && rpo.ok());
  EXPECT_LT(dp->profile.peak, 0.9 * given->profile.peak);
  EXPECT_LT(dp->profile.peak, rpo->profile.peak);
}

}  // namespace
}  // namespace respect
