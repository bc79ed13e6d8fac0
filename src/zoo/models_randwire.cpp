// RandWire (Xie et al. 2019, "Exploring Randomly Wired Neural Networks"), small regime, WS
// generator: the complex-wired networks memory-aware ordering is evaluated on.
//
//   conv1  3x3 conv, C/2, stride 2, BN, ReLU
//   conv2  3x3 conv, C, stride 2, BN
//   conv3  random stage: N/2 nodes, C channels      (each stage halves the resolution)
//   conv4  random stage: N nodes, 2C channels
//   conv5  random stage: N nodes, 4C channels
//   head   ReLU, 1x1 conv 1280, BN, ReLU, global average pool, dense (classes)
// with C = 78 and N = 32 by default (the paper's small regime). A stage's graph is a
// Watts-Strogatz WS(N, k = 4, p = 0.75) graph drawn with the seed, made a DAG by orienting each
// edge from the lower to the higher node index. Each node aggregates its inputs (a sum; the
// paper's learned positive weights are one scalar per edge, left out), then ReLU, a 3x3
// separable conv and BN; nodes without inputs read the stage input with stride 2, and the
// stage output is the sum of the nodes without outputs (the paper averages them).
#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>
#include <utility>

#include "zoo/models.h"

namespace respect::zoo {

namespace {

// WS(n, k, p): a ring lattice where each node links to its k/2 neighbours on each side, then
// each edge (i, i + j) rewired with probability p to (i, w), w uniform, no self-loops or
// duplicates (as networkx's watts_strogatz_graph). Returns edges as (low, high) pairs.
std::vector<std::pair<int, int>> WattsStrogatz(int n, int k, double p, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  std::set<std::pair<int, int>> edges;
  auto key = [](int a, int b) { return std::make_pair(std::min(a, b), std::max(a, b)); };
  for (int j = 1; j <= k / 2; ++j)
    for (int i = 0; i < n; ++i) edges.insert(key(i, (i + j) % n));
  for (int j = 1; j <= k / 2; ++j)
    for (int i = 0; i < n; ++i) {
      const auto e = key(i, (i + j) % n);
      if (!edges.count(e) || coin(rng) >= p) continue;
      int w = static_cast<int>(rng() % n);
      int tries = 0;
      while ((w == i || edges.count(key(i, w))) && tries++ < 4 * n) w = static_cast<int>(rng() % n);
      if (w == i || edges.count(key(i, w))) continue;  // node i is linked to every other
      edges.erase(e);
      edges.insert(key(i, w));
    }
  return {edges.begin(), edges.end()};
}

KTensor Stage(KerasBuilder& b, const KTensor& in, int nodes, int channels, uint64_t seed,
              const std::string& name) {
  const auto edges = WattsStrogatz(nodes, 4, 0.75, seed);
  std::vector<std::vector<int>> preds(nodes);
  std::vector<int> out_degree(nodes, 0);
  for (auto [u, v] : edges) {
    preds[v].push_back(u);
    ++out_degree[u];
  }
  std::vector<KTensor> out(nodes);
  std::vector<KTensor> sinks;
  for (int v = 0; v < nodes; ++v) {
    const std::string node = fmt::format("{}_node{}", name, v);
    KTensor x;
    int stride = 1;
    if (preds[v].empty()) {
      x = in;
      stride = 2;
    } else if (preds[v].size() == 1) {
      x = out[preds[v][0]];
    } else {
      std::vector<KTensor> xs;
      for (int u : preds[v]) xs.push_back(out[u]);
      x = b.Add(xs, node + "_sum");
    }
    x = b.Activation(x, "relu", node + "_relu");
    x = b.SeparableConv(x, channels, 3, stride, Padding::kSame, false, node + "_sepconv");
    out[v] = b.BatchNorm(x, node + "_bn");
    if (out_degree[v] == 0) sinks.push_back(out[v]);
  }
  return sinks.size() == 1 ? sinks[0] : b.Add(sinks, name + "_out");
}

}  // namespace

Result<Graph> RandWire(const std::string& model, const ZooOptions& o) {
  const int N = o.nodes > 0 ? o.nodes : 32, C = 78;
  if (N < 4 || N > 1000) return Error{"randwire: nodes must be in [4, 1000]"};
  KerasBuilder b(model, o.keras);
  KTensor x = b.Input(o.input, o.input, 3);
  x = b.Conv(x, C / 2, 3, 3, 2, Padding::kSame, false, "conv1");
  x = b.Activation(b.BatchNorm(x, "conv1_bn"), "relu", "conv1_relu");
  x = b.Conv(x, C, 3, 3, 2, Padding::kSame, false, "conv2");
  x = b.BatchNorm(x, "conv2_bn");
  // One seed per stage, derived from the model's.
  x = Stage(b, x, std::max(2, N / 2), C, o.seed * 3 + 0, "conv3");
  x = Stage(b, x, N, 2 * C, o.seed * 3 + 1, "conv4");
  x = Stage(b, x, N, 4 * C, o.seed * 3 + 2, "conv5");
  if (o.include_top) {
    x = b.Activation(x, "relu", "head_relu");
    x = b.Conv(x, 1280, 1, 1, 1, Padding::kValid, false, "head_conv");
    x = b.Activation(b.BatchNorm(x, "head_bn"), "relu", "head_bn_relu");
    x = b.GlobalAvgPool(x, "avg_pool");
    x = b.Dense(x, o.classes, "predictions", "softmax");
  }
  return std::move(b).Finish(x);
}

}  // namespace respect::zoo
