// `dp`: the best cut of a fixed topological order into K contiguous, non-empty segments,
// exactly, under the cost model (PROBLEM.md section 3: for a fixed order this is solvable by
// dynamic programming). best[k][j] = min over i of combine(best[k-1][i], T(order[i..j))), with
// combine = max (throughput) or + (latency); T comes from SegmentScanner, so the value equals
// the evaluator's for the returned schedule. Each segment start is scanned once for every k,
// and a scan stops where the segment's monotone part alone exceeds an achievable value (an
// equal-count cut, or the best order so far): O(n w (deg + K)) time for segments of at most w
// operators worth scanning (O(n^2) in the worst case), O(K n) memory.
// The paper objective (lambda x max stage MiB + crossings) mixes a max and a sum: its DP adds
// the crossings so far to the state (see dp_cuts.cpp), exact for the order.
// Known weakness: only as good as the order; BestCutsOverOrders tries several.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "cost/cost_model.h"
#include "schedulers/objective.h"
#include "schedulers/schedule.h"

namespace respect {

using Deadline = std::chrono::steady_clock::time_point;  // Deadline{}: none

struct CutResult {
  Schedule schedule;  // with schedule.order = the order that was cut
  double value = 0;   // objective value (seconds)
  bool timed_out =
      false;         // the deadline stopped the search: value is a valid cut's, maybe not the best
  std::string note;  // which orders were cut, and what the deadline skipped
  // False where the shared host sets the period and its exact search outgrew its memory guard:
  // the cut is then the optimum by slowest stage, scored with the host.
  bool exact = true;
};

Result<CutResult> BestCutsOfOrder(const CostModel& m, const std::vector<int>& order, int K,
                                  Objective o, double paper_lambda = 1.0, Deadline deadline = {});
// The time objectives' DP with a known achievable value `upper` (+inf: none) that prunes
// segments; exact whenever the order's optimum is at most `upper`, else +inf or a valid cut's
// value. Past `deadline` it stops with value +inf and timed_out.
Result<CutResult> TimeCutsOfOrder(const CostModel& m, const std::vector<int>& order, int K,
                                  Objective o, double upper, Deadline deadline = {});
// The throughput cuts of an order where the shared host sets the period (no operator falling
// back to its CPU), by bisection on the period P. A probe finds, by a one-value DP over the
// segments within P, the cut of least controller time among those; its period v is reachable,
// and where v > P nothing up to P is. Probes alternate between just below the best period found
// (which proves it, ending the search, or finds a better one) and bisection, until the gap to
// `lower` (a period no cut goes below) is at most 1e-9 relative, within which a gap counts as
// closed: exact in that sense, O(K n w) per probe in O(K n) memory. TimeCutsOfOrder calls it
// where its Pareto labels (slowest stage, host CPU, controller sums) outgrow their memory. The
// first probe is just below `upper`: value +inf where nothing beats it. Past `deadline`: the
// best cut found (timed_out).
CutResult HostBisectionCutsOfOrder(const CostModel& m, const std::vector<int>& order, int K,
                                   double lower, double upper, Deadline deadline = {});
// The best over the first satellite order (schedulers/satellites.h), Coral's Kahn/LIFO order,
// Kahn/FIFO, depth-first, ASAP, ALAP, the graph's own execution order and the other satellite
// orders (ties: the first in that list; the note names the winner). Past `deadline` it returns
// the best cut found so far, or an equal-count cut of the first order when none finished
// (timed_out).
Result<CutResult> BestCutsOverOrders(const CostModel& m, int K, Objective o,
                                     double paper_lambda = 1.0, Deadline deadline = {});

}  // namespace respect
