// Coral's parameter-count partitioner (google-coral/libcoral,
// coral/tools/partitioner/parameter_count_based_partitioner.cc), which is what
// `edgetpu_compiler --num_segments=K` does: the baseline every report compares against.
//
// Algorithm: take one topological order (Kahn's algorithm with a LIFO stack, graph outputs
// deferred: TopoOrderKind::kKahnLifo); target = total parameter bytes / K + 1. Walk the order
// and grow segment 0 while adding the next operator keeps it <= target, then segment 1, and so
// on; segment k must end early enough that every later segment still gets an operator before
// the first graph output in the order. The last segment takes the rest.
// Difference from Coral: where an operator alone exceeds the target at the start of a segment,
// Coral's tool aborts on its empty-segment check; here the operator is taken anyway.
// Cost: O(n + e). Precondition: 1 <= K <= number of operators before the first output + 1.
#pragma once

#include "core/graph.h"
#include "core/status.h"
#include "schedulers/schedule.h"

namespace respect {

Result<Schedule> CompilerPartition(const Graph& g, int num_stages);
// The same walk over a given topological order (for tests and for other orders).
Result<Schedule> CompilerPartitionOrder(const Graph& g, const std::vector<int>& order,
                                        int num_stages);

}  // namespace respect
