#include "core/min_closure.h"

#include <algorithm>
#include <tuple>

namespace respect {
namespace {
constexpr double kInf = 1e300;
}  // namespace

std::vector<int> CrossingTensors(const Graph& g) {
  std::vector<int> out;
  for (int t = 0; t < static_cast<int>(g.tensors.size()); ++t) {
    const Tensor& x = g.tensors[t];
    if (x.is_constant || x.producer < 0 || x.bytes <= 0) continue;
    if (std::any_of(x.consumers.begin(), x.consumers.end(), [&](int c) { return c != x.producer; }))
      out.push_back(t);
  }
  return out;
}

MinClosure::MinClosure(const Graph& g, double edge_cost, bool tensor_cut)
    : n_(g.num_ops()), nodes_(g.num_ops()) {
  if (tensor_cut)
    for (int t : CrossingTensors(g))
      tensors_.push_back(
          {t, g.tensors[t].producer, nodes_++, static_cast<double>(g.tensors[t].bytes)});
  head_.assign(nodes_ + 2, -1);
  for (int v = 0; v < n_; ++v)
    for (int u : g.preds(v)) AddEdge(v, u, kInf);  // v in D => u in D
  if (edge_cost > 0)
    for (int u = 0; u < n_; ++u)
      for (int v : g.succs(u)) AddEdge(u, v, edge_cost);  // u in D, v not: cut
  for (const CutTensor& c : tensors_)
    for (int v : g.tensors[c.tensor].consumers)
      if (v != c.producer) AddEdge(c.node, v, kInf);  // "all consumers in D" => each is
  fixed_edges_ = static_cast<int>(to_.size());
  fixed_cap_ = cap_;
  fixed_head_ = head_;
  fixed_next_ = next_;
}

double MinClosure::Solve(const std::vector<double>& y, int in, int out, double cut_scale) {
  // Back to the fixed edges at full capacity (dropping the previous call's terminal edges,
  // appended after them), then this call's.
  to_.resize(fixed_edges_);
  cap_ = fixed_cap_;
  head_ = fixed_head_;
  next_ = fixed_next_;
  const int s = nodes_, t = nodes_ + 1;
  double negative = 0;
  for (int v = 0; v < n_; ++v) {
    if (y[v] < 0) {
      negative += y[v];
      AddEdge(s, v, -y[v]);
    } else if (y[v] > 0) {
      AddEdge(v, t, y[v]);
    }
  }
  if (cut_scale > 0)
    for (const CutTensor& c : tensors_)
      AddEdge(c.producer, c.node, cut_scale * c.bytes);  // producer in D, a consumer not
  if (in >= 0) AddEdge(s, in, kInf);
  if (out >= 0) AddEdge(out, t, kInf);
  return negative + MaxFlow(s, t);
}

void MinClosure::AddEdge(int a, int b, double c) {
  for (auto [x, y, cc] : {std::tuple{a, b, c}, std::tuple{b, a, 0.0}}) {
    to_.push_back(y);
    cap_.push_back(cc);
    next_.push_back(head_[x]);
    head_[x] = static_cast<int>(to_.size()) - 1;
  }
}

bool MinClosure::Levels(int s, int t) {
  level_.assign(nodes_ + 2, -1);
  std::vector<int> queue = {s};
  level_[s] = 0;
  for (size_t q = 0; q < queue.size(); ++q)
    for (int e = head_[queue[q]]; e >= 0; e = next_[e])
      if (cap_[e] > 1e-15 && level_[to_[e]] < 0) {
        level_[to_[e]] = level_[queue[q]] + 1;
        queue.push_back(to_[e]);
      }
  return level_[t] >= 0;
}

double MinClosure::Push(int v, int t, double f) {
  if (v == t) return f;
  for (int& e = it_[v]; e >= 0; e = next_[e]) {
    const int w = to_[e];
    if (cap_[e] <= 1e-15 || level_[w] != level_[v] + 1) continue;
    const double d = Push(w, t, std::min(f, cap_[e]));
    if (d > 0) {
      cap_[e] -= d;
      cap_[e ^ 1] += d;
      return d;
    }
  }
  return 0;
}

double MinClosure::MaxFlow(int s, int t) {
  double flow = 0;
  while (Levels(s, t)) {
    it_ = head_;
    for (double f; (f = Push(s, t, kInf)) > 0;) flow += f;
  }
  return flow;
}

}  // namespace respect
