// `ilp`: the stage-assignment problem as a mixed-integer program, solved with COIN-OR CBC.
//
// Variables (K stages, operators v, activation tensors t):
//   y[v][k] in {0,1}   "v sits in stage <= k" (k < K-1; stage(v) <= K-1 always). Cumulative
//                      variables make precedence two-term rows, y[v][k] <= y[u][k] for u -> v,
//                      and x[v][k] = y[v][k] - y[v][k-1] is "v in stage k".
//   in[t][k], out[t][k] in [0,1]   tensor t enters / leaves stage k over the link.
//   st[v][k] in {0,1}  v's parameters are streamed in stage k (the cache is full by then).
//   T                  the period (throughput) or per-stage latencies (latency).
// Stage latency, as the evaluator computes it (cost_model.h), in milliseconds:
//   invoke + sum_v tpu(v) x[v][k] + (bytes of in[.][k] and st[.][k]) / link_in
//          + (bytes of out[.][k] and graph outputs) / link_out.
// Caching is exact for stages that run their operators in the model's execution order (how
// Coral's tools write a segment): with prefix_k(v) = the parameter bytes of the operators of
// stage k up to v, v streams iff prefix_k(v) > cache, enforced by the big-M row
//   prefix_k(v) - cache <= M_v (1 - x[v][k]) + M_v st[v][k],
// plus the valid aggregate sum_v L_v st[v][k] >= P_k - cache that tightens the relaxation.
// Objectives: throughput min T >= T_k, T >= the host's CPU time (K invokes) over its cores and
// T >= the controller time of every stage's link bytes over its controllers; latency min sum_k T_k;
// paper min lambda x max_k P_k (MiB) + sum over edges of stage(v) - stage(u). Every stage is
// non-empty.
//
// Where the model is not the evaluator (operators that fall back to the host CPU: the CPU
// rule depends on the order inside a stage; constants shared by several operators), it is a
// heuristic: the result carries model_exact = false and no optimality is claimed. Whatever the
// solver believes, callers score the returned schedule with the evaluator.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "cost/cost_model.h"
#include "schedulers/objective.h"
#include "schedulers/schedule.h"

namespace respect {

struct IlpOptions {
  int stages = 4;
  Objective objective = Objective::kThroughput;
  double paper_lambda = 1.0;
  bool align_children = false;
  double time_limit_s = 30;  // wall clock (CBC -timeMode elapsed)
  // The incumbent CBC starts from (any valid K-stage schedule; its own order is ignored: the
  // model runs stages in the execution order). Optional.
  const Schedule* warm_start = nullptr;
  // A proven lower bound on the optimum over every schedule (throughput: seconds;
  // schedulers/lower_bounds.h), given to CBC as the period's floor: the root bound starts there
  // and the search stops as soon as an incumbent meets it. 0: none.
  double lower_bound = 0;
  // A proven lower bound over every schedule (throughput, seconds) that the incumbent nearly
  // meets, where it is likely the optimum itself (lower_bounds.h, IlpFloorFrom). CBC first
  // spends a third of the time on a schedule at it, with the period pinned to it: a
  // feasibility search, which CBC's propagation handles far better than the optimisation (the
  // authors' NASNet at K = 4: 2.6 s, where the optimisation did not find that schedule in 50
  // s). Then the optimisation with the rest, which stops as soon as its incumbent meets the
  // target. Either way a schedule at the target is optimal over every schedule. It is the
  // period's floor too (with lower_bound, the larger). 0: none.
  double target = 0;
  // Optional window per operator: stage(v) in [lo[v], hi[v]] (RL-to-ILP narrows with these).
  std::vector<int> window_lo, window_hi;
  // Called about once a second with (incumbent or +inf, best bound, elapsed seconds).
  std::function<void(double, double, double)> progress;
  // Stops the solve early when it becomes true (ScheduleRequest::cancel).
  std::shared_ptr<const std::atomic<bool>> cancel;
};

struct IlpResult {
  Schedule schedule;            // the best solution found (empty stage_of if none)
  bool found = false;           // a feasible solution exists in stage_of
  bool proven_optimal = false;  // CBC proved the model optimal (or, with windows, the window)
  bool proven_infeasible = false;
  bool model_exact = true;  // the model's objective is the evaluator's (see header comment)
  double objective = 0;     // the model's value of the solution (seconds or paper score)
  double bound = 0;         // CBC's best bound, in the same unit
  int rows = 0, cols = 0, integers = 0;
  std::string status;       // a short human description of how CBC ended
  bool met_target = false;  // the schedule meets IlpOptions::target (hence proven optimal)
};

// Builds and solves the model. Errors: an infeasible request (windows or child alignment that
// admit no K non-empty stages) or a solver failure.
Result<IlpResult> SolveIlp(const CostModel& m, const IlpOptions& o);

}  // namespace respect
