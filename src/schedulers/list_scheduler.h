// RESPECT's list scheduler: the label generator of its training data, and the first step of the
// `list` method (schedulers/order_to_stages.h turns its steps into K stages).
#pragma once

#include <vector>

#include "core/graph.h"

namespace respect {

// RESPECT's label generator: a greedy reverse list scheduler. Priority = ASAP level. Each step
// takes the nodes whose successors are all scheduled, deepest first (ties: smaller id), and drops
// the lowest-priority ones until the step's weight is <= capacity (a node heavier than the
// capacity is scheduled alone so the schedule always progresses). Returns each node's 1-based
// step; step 1 holds the sinks.
std::vector<int> ListScheduleLabels(const Graph& g, const std::vector<double>& weight,
                                    double capacity);

}  // namespace respect
