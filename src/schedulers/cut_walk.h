// `cut walk`: the paper objective solved exactly on graphs whose lattice of downsets is too
// large to enumerate, by walking only the downsets a better schedule can use as boundaries.
//
// The paper objective of a K-stage schedule, a chain {} = D_0 ⊂ D_1 ⊂ ... ⊂ D_K = V, is
//   lambda x max_k P(D_k \ D_{k-1}) / MiB + sum_{0<j<K} E(D_j),
// E(D) the operator edges leaving D (exact_lattice.h). Every term of the sum is at least e_min,
// the fewest edges a boundary (a downset neither empty nor everything) crosses, and the bytes
// term at least a proven bound B (lower_bounds.h, PaperLargestStageLowerBound). A schedule
// better than an incumbent U therefore crosses fewer than U - B edges in all, and each of its
// boundaries at most b = that budget - (K - 2) e_min. Those downsets are few even where the
// lattice has tens of millions (the authors' NASNet: 172,524 downsets cross at most 6 edges),
// and they are enumerated without the lattice: a branch and bound over operators, in or out of
// the downset (with their ancestors or descendants), pruned by a minimum cut, the fewest edges
// any downset consistent with the choices so far crosses (unit-capacity max-flow, at most b + 1
// augmenting paths). Every branch that survives holds a solution, so the work is about n max-
// flows per downset found.
//
// A dynamic program over chains of those downsets (each state the Pareto front of (largest
// stage bytes, crossings so far); a predecessor must be a strict subset, and the crossings
// still allowed decide which predecessors are tried) then finds the best chain. A chain better
// than U uses only enumerated boundaries, so when both steps finish the answer is optimal over
// every valid schedule (the paper objective does not depend on the order inside a stage): the
// chain's schedule where it beats U, else the incumbent.
//
// Limits: a wall-clock limit and a cap on the downsets kept (memory: n / 8 bytes each).
#pragma once

#include <atomic>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "core/status.h"
#include "cost/cost_model.h"
#include "schedulers/schedule.h"
#include "schedulers/scheduler.h"

namespace respect {

struct CutWalkOptions {
  int stages = 4;
  double paper_lambda = 1.0;
  bool align_children = false;  // boundaries split no node's children
  // The incumbent's value: only schedules strictly better are searched for. Must be finite.
  double incumbent = std::numeric_limits<double>::infinity();
  // A proven lower bound on lambda x the largest stage's bytes / MiB (0: none).
  double bytes_term_bound = 0;
  double time_limit_s = 30;
  int64_t max_downsets = 4'000'000;
  // Past this edge budget, on graphs of more operators than it, nearly every downset
  // qualifies (the ICML'24 setting's 100 per byte leaves budgets of 10^5 edges): the walk
  // returns at once, unfinished, and leaves the time to the caller.
  int max_edge_budget = 64;
  std::shared_ptr<const std::atomic<bool>> cancel;  // stops it early when it becomes true
};

struct CutWalkResult {
  bool complete = false;  // both steps finished: nothing better than `schedule` (or than the
                          // incumbent, when !found) exists
  bool found = false;     // a schedule strictly better than the incumbent is in `schedule`
  Schedule schedule;
  double value = 0;                     // the paper objective of `schedule`
  int edge_budget = 0;                  // b: the most edges a boundary of a better schedule crosses
  int fewest_edges = 0;                 // e_min
  int64_t downsets = 0;                 // boundaries enumerated
  int64_t max_flows = 0;                // minimum cuts computed by the enumeration
  int64_t pairs = 0;                    // (D', D) transitions the chain DP tried
  double enumerate_s = 0, chain_s = 0;  // seconds in each step
  std::string reason;                   // why it stopped early
  int walks = 1;                        // walks made (SolvePaperByDeepeningCuts)
  double floor = 0;    // proven: no schedule's value is below it (the deepening's finished walks)
  double ceiling = 0;  // the value the walk searched below (its incumbent)
};

// Errors: a request it does not cover (K < 2 or more stages than operators, no finite
// incumbent).
Result<CutWalkResult> SolvePaperByCuts(const CostModel& m, const CutWalkOptions& o);

// The walk from below, for a weak incumbent (a learned schedule three crossings above the
// optimum asks each boundary for as many more edges, and the downsets multiply): walks with
// the ceilings B + M + 1 (and first, where that is likely to pay, B + M + 0.5) for M = 0, 1, ...
// crossings in all (skipping to M = (K - 1) x the fewest edges a boundary was proved to
// cross), up to o.incumbent. The first walk that finds a schedule
// below its ceiling has found the optimum; every finished walk that does not proves the
// optimum is at least its ceiling (`floor`). The downsets grow several-fold with each step, so
// the walks before the last cost a fraction of it. Counters and seconds are summed over the
// walks; `downsets`, `edge_budget` and `ceiling` are the last walk's.
Result<CutWalkResult> SolvePaperByDeepeningCuts(const CostModel& m, const CutWalkOptions& o);

// Where the cut walk may certify instead (the paper objective), callers first try the lattice
// with at most 100,000 downsets (0.05 s where it overflows, where the default cap of 500,000
// costs the authors' NASNet 0.27 s) and the request's cap after a walk that did not finish:
// the first cap for a request (its own where the walk does not apply).
int64_t FirstLatticeCap(const ScheduleRequest& r);

// The options for a paper-objective request from an incumbent value, with `seconds` of its
// time: the bytes term's head-tail bound, and as many downsets as fit in 512 MB.
CutWalkOptions CutWalkOptionsFor(const CostModel& m, const ScheduleRequest& r, double incumbent,
                                 double seconds);
// One line on how a finished or stopped walk went, for a method's note.
std::string CutWalkNote(const CutWalkResult& w);

}  // namespace respect
