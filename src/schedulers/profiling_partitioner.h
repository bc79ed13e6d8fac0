// Coral's profiling partitioner (google-coral/libcoral, coral/tools/partitioner/
// partition_with_profiling), with the cost model standing in for measurements on real TPUs.
//
// Algorithm (ANCHORS.md): one fixed order, Coral's Kahn/LIFO order. Binary search on a target
// latency T between 0 and the period of the parameter-count partition: for a given T, grow
// segment 1 from the front while its latency stays <= T, then segment 2, ..., segment K-1 (each
// takes at least one operator and leaves one for every later segment); the last segment takes
// the rest, and T is feasible when that last segment's latency is <= T. The search stops when
// the bounds are within threshold_s (Coral: 1 ms) and returns the partition of the upper bound.
// Faithful to Coral's known flaw: only the last segment is compared to T (the greedy growth
// guarantees the others), so an operator alone slower than T still makes its segment exceed it.
// Cost: O(log(range / threshold) x (n + e)) with the incremental segment scanner.
#pragma once

#include "cost/cost_model.h"
#include "schedulers/schedule.h"

namespace respect {

struct ProfilingResult {
  Schedule schedule;   // with schedule.order = Coral's order
  int iterations = 0;  // binary-search steps ("measurements" of a full candidate)
};

Result<ProfilingResult> ProfilingPartition(const CostModel& m, int num_stages,
                                           double threshold_s = 1e-3);

}  // namespace respect
