// Lower bounds on the optimum of a scheduling request: what every method's gap is measured
// against, and what lets a heuristic's answer be called optimal without a search.
//
// Each bound is valid over every valid schedule with `stages` non-empty stages (any order inside
// each stage), or with `tpus` over every hybrid schedule on at most that many TPUs; brute-force
// tests on small graphs check that none exceeds the optimum (tests/lower_bounds_test.cpp).
//
// - simple: the total work over K, the slowest operator, the parameters K caches cannot hold,
//   and the shared host's share (SimpleLowerBound).
// - head-tail (throughput, plain pipelines): the assembly-line-balancing bound of Scholl &
//   Becker's SALBP surveys, with the Edge TPU's costs. In a schedule of period P, operator v's
//   ancestors (with v) all run in stages 1..stage(v), and its descendants (with v) in
//   stage(v)..K. A set X of operators held by j stages needs
//       j x P >= work(X) + j x invoke + link time of (X's parameters beyond j caches, X's graph
//                 inputs and outputs)
//   and, its operators being indivisible, ceil(count(X) / j) x the cheapest operator <= P -
//   invoke in some stage. So stage(v) >= e_v(P), the fewest stages that can hold v's ancestors,
//   and K + 1 - stage(v) >= t_v(P), the fewest that can hold its descendants: P is infeasible
//   when e_v(P) + t_v(P) - 1 > K for some v. The bound is the smallest feasible P (bisection;
//   feasibility only grows with P). It sees what the simple bound cannot: that the operators
//   behind a heavy tail (or in front of a heavy head) cannot be spread, and that operators are
//   whole (it proves the authors' NASNet at K = 5 and 6 in milliseconds, where the simple
//   bound leaves 0.1-0.6% and the lattice cannot start). O(n^2 / 64) time and memory for the
//   closures; skipped past kHeadTailMaxOps operators.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "schedulers/scheduler.h"

namespace respect {

// Parameter bytes per operator, each constant (each stored buffer, where converters share one)
// counted once, at its first reader: a stage holding any reader stores it, so a set's sum never
// exceeds what its stages store. Operators whose constants are not tensors carry param_bytes
// (as the cost model charges them).
std::vector<double> ParamsAtFirstReader(const Graph& g);

// A bound on the request's optimum, in the objective's unit, and which bound it is.
struct LowerBound {
  double value = 0;
  // "simple", "head-tail", "host-cut", "boundary", "head-tail+cut" (paper)
  std::string name = "simple";
};

// A bound valid for every K-stage schedule (non-empty stages), or with tpus every hybrid
// schedule on at most that many TPUs. Paper: lambda x the larger of an
// equal share of the bytes and the largest operator, plus K - 1 crossings in a connected graph.
// Throughput or latency: no operator can cost
// less than its cheaper placement (TPU or host), so the period is at least the total over K
// and at least the slowest single operator; the latency at least the total. Without host
// fallback, the total also includes one invoke, the graph's inputs and outputs, and the
// parameters that K caches cannot hold (streamed over the link).
// The host's CPU is charged K invokes (every stage non-empty); all_stages_used = false: one, a
// bound over schedules that leave stages empty too.
double SimpleLowerBound(const CostModel& m, const ScheduleRequest& r, bool all_stages_used = true);

// The head-tail bound (see above); 0 where it does not apply (latency, paper, --tpus, graphs
// over kHeadTailMaxOps operators).
inline constexpr int kHeadTailMaxOps = 20'000;
double HeadTailLowerBound(const CostModel& m, const ScheduleRequest& r);

// The boundary bound (throughput, plain pipelines, no host fallback): some boundary between
// stage K - j and K - j + 1 is a downset D whose operators fit the first K - j stages and whose
// complement fits the last j, for work, parameters beyond the caches and whole operators alike;
// Lagrangian weights on those sums turn "no such D" into minimum-weight closure problems (one
// max-flow each), which certify infeasible periods; bisection finds the largest certified one.
// Where the head-tail bound asks that of each operator's closures only, this asks it of every
// downset. 0 where it does not apply; stops at the deadline with what it has certified.
inline constexpr int kBoundaryMaxOps = 3'000;
// known: a bound already proven (the search starts above it); incumbent: a period some schedule
// reaches (the search stays below it).
double BoundaryLowerBound(const CostModel& m, const ScheduleRequest& r, Deadline deadline = {},
                          double known = 0,
                          double incumbent = std::numeric_limits<double>::infinity());

// The host-cut bound (throughput, plain pipelines, no host fallback, a shared controller
// bandwidth): every byte a TPU's link moves also crosses the host's controllers, and some
// stage boundary (it holds a source and misses a sink) sends at least the fewest bytes any
// such downset can: a minimum cut over the tensors, one max-flow per (source, sink) pair (16
// pairs at most, else 0). Those bytes leave one stage and reach another, on top of the
// simple bound's graph inputs, outputs and uncached parameters.
double HostCutLowerBound(const CostModel& m, const ScheduleRequest& r);

// The paper objective (lambda x the largest stage's MiB + crossings): lambda x the head-tail
// bound with parameter bytes as the work, plus K - 1 times the fewest edges any boundary (a
// downset neither empty nor everything) can cross, a minimum cut. 0 for other objectives.
double PaperLowerBound(const CostModel& m, const ScheduleRequest& r);
// Its first term alone: lambda x the head-tail bound on the largest stage's MiB.
double PaperBytesTermLowerBound(const CostModel& m, const ScheduleRequest& r);

// The floor and target an ilp solve may take from a thorough bound (the boundary bound's
// seconds; IlpOptions::target): the bound where it lies within 1% of the incumbent, where it
// is likely the optimum itself (the authors' NASNet at K = 4: 3.5608 against an incumbent of
// 3.5771, and CBC, its period pinned to the bound, finds a schedule there in 2.6 s); else 0
// (the cheap bounds only, IlpOptionsFor). A floor further below, above CBC's own root bound,
// flattens every node's bound to it, so CBC cannot tell its nodes apart: on zoo:nasnet_mobile
// at K = 4 CBC did not prove the optimum in 60 s from the boundary bound's 4.82 ms (incumbent
// 5.117, 6% above), and does in 40-46 s from the cheap bounds' 4.75.
inline double IlpFloorFrom(double thorough_bound, double incumbent) {
  return thorough_bound >= incumbent * 0.99 ? thorough_bound : 0;
}

// The largest of the bounds that apply. thorough: also the boundary bound (seconds: for the
// methods that certify, not for every heuristic), between the others and `incumbent`.
LowerBound BestLowerBound(const CostModel& m, const ScheduleRequest& r,
                          double incumbent = std::numeric_limits<double>::infinity(),
                          bool thorough = false);
// The thorough part alone, from the cheap bounds' best (BestLowerBound's, computed once): the
// boundary bound with its budget, nothing once the request's deadline has passed.
LowerBound ThoroughLowerBound(const CostModel& m, const ScheduleRequest& r, LowerBound cheap,
                              double incumbent);

}  // namespace respect
