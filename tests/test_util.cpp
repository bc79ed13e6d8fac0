// Helpers shared by the tests (declared in test_util.h).
#include "test_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>

#include "core/analysis.h"
#include "importers/importers.h"
#include "models/model_source.h"
#include "schedulers/objective.h"
#include "synth/synthetic_dag.h"

namespace respect {

// A random small DNN-like graph: the synthetic generator's DAG with real tensors, MACs and a
// few CPU-fallback operators, so every term of the cost model is exercised.
void ForEachValidSchedule(const Graph& g, int K, bool align_children,
                          const std::function<void(const Schedule&)>& visit) {
  const int n = g.num_ops();
  std::vector<int> stage(n, 0);
  std::function<void(int)> rec = [&](int v) {
    if (v == n) {
      std::vector<int> count(K, 0);
      for (int s : stage) ++count[s];
      for (int c : count)
        if (c == 0) return;
      Schedule s(K, stage);
      if (!ValidateSchedule(g, s, {align_children}).ok()) return;
      visit(s);
      return;
    }
    // Precedence prunes early: a stage below a predecessor's is never valid.
    int lo = 0;
    for (int u : g.preds(v))
      if (u < v) lo = std::max(lo, stage[u]);
    for (int k = lo; k < K; ++k) {
      stage[v] = k;
      rec(v + 1);
    }
  };
  rec(0);
}

double BruteForceBest(const CostModel& m, int K, Objective o, double lambda, bool align_children) {
  double best = std::numeric_limits<double>::infinity();
  ForEachValidSchedule(m.graph(), K, align_children, [&](const Schedule& s) {
    best = std::min(best, ObjectiveValue(m, s, o, lambda));
  });
  return best;
}

Graph ParallelChains(int chains, int length) {
  std::string gml = "graph [\n  directed 1\n";
  const int n = 2 + chains * length;
  for (int v = 0; v < n; ++v)
    gml += "  node [ id " + std::to_string(v) + " parameter " + std::to_string(1000 * (1 + v % 7)) +
           " ]\n";
  auto edge = [&](int a, int b) {
    gml += "  edge [ source " + std::to_string(a) + " target " + std::to_string(b) + " ]\n";
  };
  for (int c = 0; c < chains; ++c)
    for (int i = 0; i < length; ++i) {
      const int v = 1 + c * length + i;
      edge(i == 0 ? 0 : v - 1, v);
      if (i == length - 1) edge(v, n - 1);
    }
  auto g = ImportGmlText("chains", gml + "]\n");
  EXPECT_TRUE(g.ok()) << g.error().message;
  return g.ok() ? std::move(*g) : Graph{};
}

Graph RandomNet(int n, uint32_t seed, bool with_fallback, bool share_constants) {
  SyntheticDagOptions o;
  o.num_nodes = n;
  o.min_levels = std::max(2, n / 3);
  o.max_levels = std::max(2, n / 2);
  o.in_degree = 3;
  o.seed = seed;
  auto dag = GenerateSyntheticDag(o);
  EXPECT_TRUE(dag.ok()) << dag.error().message;
  const Graph& s = dag->graph;
  std::mt19937 rng(seed);
  GraphBuilder b("random");
  const int x = b.AddTensor(testing::Int8Tensor("x", {1 + static_cast<int64_t>(rng() % 5000)}));
  b.AddInput(x);
  std::vector<int> out(n), weights;
  std::mt19937 share_rng(seed * 7919u + 17u);
  for (int v = 0; v < n; ++v)
    out[v] = b.AddTensor(
        testing::Int8Tensor("t" + std::to_string(v), {1 + static_cast<int64_t>(rng() % 20000)}));
  for (int v = 0; v < n; ++v) {
    Operator op;
    op.name = "v" + std::to_string(v);
    const int kind = rng() % 10;
    op.type = kind < 6                     ? "CONV_2D"
              : kind < 8                   ? "DEPTHWISE_CONV_2D"
              : kind < 9 || !with_fallback ? "ADD"
                                           : "DIV";
    op.op_class = kind < 6   ? OpClass::kConv
                  : kind < 8 ? OpClass::kDepthwiseConv
                             : OpClass::kElementwise;
    op.macs = static_cast<int64_t>(rng() % 50'000'000);
    for (int u : s.preds(v)) op.inputs.push_back(out[u]);
    if (s.preds(v).empty()) op.inputs.push_back(x);
    if (rng() % 4 == 0 && v > 0) op.inputs.push_back(x);  // a tensor with many consumers
    if (kind < 8) {
      int64_t size = static_cast<int64_t>(rng() % 3'000'000);
      // Now and then a weight stored once for two tensors (a converter's de-duplicated constant):
      // the evaluator, the scanner, the lattice and the ilp must all charge that storage once.
      const bool share = share_constants && !weights.empty() && share_rng() % 4 == 0;
      const int like = share ? weights[share_rng() % weights.size()] : -1;
      if (share) size = b.tensor(like).shape[0];
      const int w = b.AddTensor(testing::Int8Tensor(op.name + "/w", {size}));
      b.tensor(w).is_constant = true;
      b.tensor(w).storage = share ? b.tensor(like).storage : w;
      weights.push_back(w);
      op.inputs.push_back(w);
    }
    op.outputs = {out[v]};
    b.AddOp(op);
  }
  for (int v = 0; v < n; ++v)
    if (s.succs(v).empty()) b.AddOutput(out[v]);
  auto g = std::move(b).Build(/*keep_costs=*/true);
  EXPECT_TRUE(g.ok()) << g.error().message;
  // keep_costs: param_bytes were left 0; recompute them the usual way.
  for (auto& op : g->ops) {
    op.param_bytes = 0;
    for (int t : op.inputs)
      if (g->tensors[t].is_constant) op.param_bytes += g->tensors[t].bytes;
  }
  return std::move(*g);
}

DeviceProfile SmallCacheUsb() {
  auto p = LoadDeviceProfile("usb");
  EXPECT_TRUE(p.ok());
  p->param_cache_bytes = 6'000'000;  // so that random graphs stream
  return *p;
}

std::unique_ptr<UsbModel> LoadUsbModel(const std::string& spec) {
  auto g = LoadModel(spec);
  auto usb = LoadDeviceProfile("usb");
  if (!g.ok() || !usb.ok()) {
    ADD_FAILURE() << spec << ": " << (g.ok() ? usb.error().message : g.error().message);
    return nullptr;
  }
  auto loaded = std::make_unique<UsbModel>();
  loaded->graph = std::move(*g);
  loaded->cost = std::make_unique<CostModel>(loaded->graph, *usb);
  return loaded;
}

}  // namespace respect
