// Minimum-weight closure: the least weight of a downset (a set of operators closed under
// predecessors), weights of either sign, optionally charged for what crosses out of it. The
// classic reduction to a minimum s-t cut (Picard 1976): an operator with negative weight hangs
// from the source, one with positive weight drains to the sink, and every edge u -> v forbids
// taking v without u; Dinic's algorithm on doubles. One graph is built once and solved for many
// weight vectors (the lower bounds' Lagrangian directions and pinned pairs).
#pragma once

#include <vector>

#include "core/graph.h"

namespace respect {

// The tensors that can cross a stage boundary: activations (not constants) of some bytes, made
// by an operator and read by another.
std::vector<int> CrossingTensors(const Graph& g);

class MinClosure {
 public:
  // edge_cost > 0: each edge u -> v leaving the downset also costs that much (a cut).
  // tensor_cut: Solve's cut_scale x the bytes of each tensor leaving the downset, once per
  // tensor (one node per tensor, in D only with all its consumers: the hyperedge's cut, as the
  // evaluator charges it).
  explicit MinClosure(const Graph& g, double edge_cost = 0, bool tensor_cut = false);

  // min over downsets D of sum_{v in D} y[v] (+ cut_scale x the bytes of the tensors leaving
  // D), over those holding `in` (and so its ancestors) and not `out` (nor its descendants)
  // where these are >= 0.
  double Solve(const std::vector<double>& y, int in = -1, int out = -1, double cut_scale = 0);

  bool has_tensors() const { return !tensors_.empty(); }

 private:
  struct CutTensor {
    int tensor, producer, node;
    double bytes;
  };
  std::vector<CutTensor> tensors_;
  int n_, nodes_, fixed_edges_ = 0;
  std::vector<int> head_, to_, next_, level_, it_;
  std::vector<int> fixed_head_, fixed_next_;
  std::vector<double> cap_, fixed_cap_;

  void AddEdge(int a, int b, double c);
  bool Levels(int s, int t);
  double Push(int v, int t, double f);
  double MaxFlow(int s, int t);
};

}  // namespace respect
