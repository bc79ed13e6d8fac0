// Hybrid pipelines (PROBLEM.md section 7): a chain of K stages, each a contiguous downset
// difference as in exact_lattice.h, with a replica count r_k >= 1 per stage and sum r_k <= T
// TPUs. Replicas of a stage take inferences round-robin, so with the shared host (PipelineCost)
//   period = max( max_k T_k / r_k,  sum_k H_k / host_cores,  sum_k C_k / controllers(sum r) )
// where T_k is the stage's latency, H_k its host CPU seconds and C_k its controller seconds
// per inference. Latency is unchanged by replication.
//
// SolveHybrid: exact dynamic programming over the lattice of downsets. A state is (downset D,
// stages so far k, TPUs so far u); it keeps the Pareto front of labels (A = the largest
// T_k / r_k so far, H = sum H_k, C = sum C_k), since the objective is a maximum of one
// bottleneck term and two additive ones (a front is exact where a single value is not). Each
// downset y (ascending cardinality, so its labels are final) walks up the lattice to every
// superset d and extends each label with the stage d \ y on r = 1 .. T - u replicas. Labels
// that cannot beat the incumbent (max(A, H / cores, C / controllers(T)) >= U) are dropped, as is
// every label another of the same (D, k, u) (or of fewer stages and TPUs) dominates. Each stage
// runs its best caching order where the cost model is order-free (exact_lattice.h), so the
// optimum is over every (cuts, replicas) choice and every order inside each stage; else over
// stages run in the model's execution order.
//
// GreedyReplicas: given cuts, spare TPUs go one at a time to the stage with the largest time
// per replica while the period improves (optimal for fixed cuts without host terms: the
// classic greedy for min max t_k / r_k). It turns any K-stage method into a hybrid heuristic.
#pragma once

#include <limits>

#include "core/downset_lattice.h"
#include "cost/cost_model.h"
#include "schedulers/exact_lattice.h"
#include "schedulers/schedule.h"

namespace respect {

struct HybridOptions {
  int tpus = 4;               // T: at most this many TPUs
  int max_stages = 0;         // at most this many stages (0: up to T)
  bool exact_stages = false;  // exactly max_stages non-empty stages
  bool replicate = true;      // false: one TPU per stage (a plain pipeline, host costs exact)
  bool align_children = false;
  double time_limit_s = 30;
  // Only schedules whose period is strictly below this are searched for.
  double incumbent = std::numeric_limits<double>::infinity();
  bool execution_order_only = false;  // as ExactOptions
  int64_t max_labels = 20'000'000;    // memory guard: stop (incomplete) past this many labels
};

// As SolveExact (ExactResult: complete, found, schedule with replicas, value = its period).
// Preconditions: `lattice` is complete and enumerated from m.graph(); 1 <= tpus.
Result<ExactResult> SolveHybrid(const CostModel& m, const DownsetLattice& lattice,
                                const HybridOptions& o);

// The floor SolveHybrid keeps every label's bottleneck at: no schedule it searches has a host
// term below it (its invokes over the host's cores, the parameters its caches cannot hold over
// the controllers).
double HybridHostFloor(const CostModel& m, const HybridOptions& o);

// The schedule with replica counts for up to `tpus` TPUs given greedily (see above); a schedule
// with more stages than TPUs is returned unchanged. Uses the evaluator's stage costs.
Schedule GreedyReplicas(const CostModel& m, const Schedule& s, int tpus);

}  // namespace respect
