// `exact`: the stage-assignment problem solved exactly by dynamic programming over the lattice
// of downsets (core/downset_lattice.h).
//
// A valid K-stage schedule with non-empty stages is a strict chain of downsets
// {} = D_0 ⊂ D_1 ⊂ ... ⊂ D_K = V, stage k being D_k \ D_{k-1}. With T(S) the evaluator's cost
// of a stage holding the operators S (run in the model's execution order, as Coral's tools
// write a segment):
//   throughput  f_k(D) = min over downsets D' ⊂ D of max(f_{k-1}(D'), T(D \ D'))
//   latency     f_k(D) = min over downsets D' ⊂ D of f_{k-1}(D') + T(D \ D')
//   paper       lambda x max_k P(D_k \ D_{k-1}) / MiB + sum_{k<K} E(D_k), E(D) = the edges
//               leaving D (each edge u -> v crosses stage(v) - stage(u) boundaries, one per
//               downset of the chain that holds u but not v). The sum is additive over the
//               chain, the maximum is not: the state keeps the Pareto front of
//               (largest stage bytes, crossings so far), which is exact.
// f_K(V) is the optimum over every valid schedule (with --align-children, over the chains of
// downsets that split no node's children).
//
// T(D \ D') is computed in O(live tensors) from per-downset sums (compute time, parameter
// bytes, the tensors live at the boundary). Caching is the one term that depends on the order
// inside a stage: each stage runs its best caching order (the largest sub-downset whose
// parameters fit the cache first), found on the same walk through the lattice, so the optimum
// is over every order inside each stage too. Stages holding operators that fall back to the
// host CPU, or graphs whose constants are shared, are charged in the model's execution order
// (the evaluator itself where needed), and the claim is over such schedules, as the ilp's is.
// Tests check the fast path against the evaluator on random graphs and every shared model.
//
// Pruning, all exact: an incumbent value U (the best heuristic's). Throughput and latency walk
// up the lattice from each D' (ascending cardinality, so f_{k-1}(D') is final), stopping where
// the stage's work, which only grows with D, reaches U. Paper pairs only boundaries whose
// crossings can still beat U, and stages whose bytes can.
// Cost: O(sum over D' of its super-downsets inside that window x width) time; O(N K) memory
// (N downsets; times the Pareto front for paper).
//
// Known limit: wide graphs have too many downsets (the caller checks the lattice first and
// hands over to the ilp).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "core/downset_lattice.h"
#include "cost/cost_model.h"
#include "schedulers/objective.h"
#include "schedulers/schedule.h"

namespace respect {

struct ExactOptions {
  int stages = 4;
  Objective objective = Objective::kThroughput;
  double paper_lambda = 1.0;
  bool align_children = false;
  double time_limit_s = 30;  // wall clock for the DP (the lattice is enumerated by the caller)
  // Only schedules strictly better than this are searched for (the incumbent's value, in the
  // objective's unit); +inf searches everything.
  double incumbent = std::numeric_limits<double>::infinity();
  // Throughput: the incumbent's slowest stage (its latency). Where the shared host's floor (its
  // invokes over the cores, the parameters K caches cannot hold over the controllers) is at
  // least this, no chain's slowest stage can set the period, and the DP goes straight to the
  // hybrid DP, which carries the host's sums (the authors' Inception v3 at K = 4: proven in
  // 28 s, where the lattice DP and then the hybrid DP took 80 s). Only a matter of speed: the
  // answer is exact either way.
  double incumbent_slowest_stage = std::numeric_limits<double>::infinity();
  // Charge every stage in the model's execution order even where the cost model lets the order
  // inside a stage matter only through caching (for tests against brute force over assignments).
  bool execution_order_only = false;
};

struct ExactResult {
  bool complete = false;  // the DP ran to the end: nothing better than `schedule` (or than
                          // the incumbent, when !found) exists
  bool found = false;     // a schedule strictly better than the incumbent is in `schedule`
  Schedule schedule;      // execution order: the model's (order left empty)
  double value = 0;       // the DP's value of `schedule`
  int64_t pairs = 0;      // (D', D) stage costs evaluated
  // The optimum is over every order inside each stage too (no host fallback, no shared
  // constants: only caching depends on the order, and each stage runs its best caching order,
  // given in schedule.order); else over stages run in the execution order.
  bool order_free = false;
  std::string reason;  // why the DP stopped early
};

// Preconditions: `lattice` is complete and enumerated from m.graph(). Throughput: where the
// shared host (PipelineCost) sets the DP's optimum's period, the hybrid DP with one TPU per
// stage (schedulers/hybrid.h) finishes the search, so the answer is exact with host costs too.
Result<ExactResult> SolveExact(const CostModel& m, const DownsetLattice& lattice,
                               const ExactOptions& o);

// What a stage costs: its latency, and its share of the host (StageCost's host_cpu_s and
// controller_s), which the hybrid DP (schedulers/hybrid.h) sums over the stages.
struct LatticeStageTerms {
  double seconds = 0, host_cpu_s = 0, controller_s = 0;
};

// The cost model's T(D \ D') for downsets d_outer ⊃ d_inner, the fast path SolveExact uses
// (exposed for the test against the evaluator, and for the hybrid DP).
class LatticeStageCost {
 public:
  LatticeStageCost(const CostModel& m, const DownsetLattice& lattice);
  ~LatticeStageCost();
  double Seconds(int d_inner, int d_outer) const;
  // The stage run in the model's execution order.
  LatticeStageTerms Terms(int d_inner, int d_outer) const;
  // With OrderFree(): the stage run in an order that caches `cached` parameter bytes
  // (<= StageParams), as the best caching order does.
  LatticeStageTerms TermsCaching(int d_inner, int d_outer, int64_t cached) const;
  // Only caching depends on the order inside a stage (no host fallback, no shared constants).
  bool OrderFree() const;
  int64_t StageParams(int d_inner, int d_outer) const;
  // A lower bound on Seconds(d_inner, d_outer) that only grows as d_inner shrinks:
  // MinSecondsBase() + MinOpSeconds(d_outer) - MinOpSeconds(d_inner).
  double MinOpSeconds(int d) const;
  double MinSecondsBase() const;

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Each operator's parameter bytes as the lattice's stage costs (and the evaluator) charge them:
// the constants it alone reads (or its param_bytes, for formats without constant tensors);
// constants several operators share are charged per stage instead, and left out here.
std::vector<int64_t> OwnParamBytes(const Graph& g);

// Does a downset (in(v): v belongs to it) split no node's children (--align-children)?
template <class In>
bool KeepsChildrenTogether(const Graph& g, In in) {
  for (int u = 0; u < g.num_ops(); ++u) {
    const auto& ch = g.succs(u);
    if (ch.size() < 2) continue;
    const bool first = in(ch[0]);
    for (int c : ch)
      if (in(c) != first) return false;
  }
  return true;
}
// Downsets whose boundary splits no node's children (all when !align).
std::vector<char> AlignedDownsets(const Graph& g, const DownsetLattice& L, bool align);
// The K-stage schedule of a chain of downsets chain[0] = {} ⊂ ... ⊂ chain[K] = V; with
// best_caching_order (OrderFree() cost models), each stage in its best caching order.
Schedule ScheduleOfChain(const CostModel& m, const DownsetLattice& L, const LatticeStageCost& c,
                         const std::vector<int>& chain, bool best_caching_order);

}  // namespace respect
