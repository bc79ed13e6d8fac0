// Labels from an exact solver, the upgrade over RESPECT's greedy list scheduler (PROBLEM.md 4):
// the same step problem, solved to optimality by CBC on small graphs.
#pragma once

#include <vector>

#include "core/graph.h"
#include "core/status.h"

namespace respect {

// The fewest steps that hold every node, with each step's weight <= capacity and every node in
// a later step than all its predecessors; among those, the one with the largest sum of steps
// (every node as late as it can be, like the reverse list scheduler), then CBC's choice. Forward
// labels (1-based, label 1 = the first step), like ForwardListLabels. Errors when CBC proves
// nothing within the time limit, or when a node alone outweighs the capacity (the list scheduler's
// rule for that case, "schedule it alone", is not part of this problem).
Result<std::vector<int>> ExactStepLabels(const Graph& g, const std::vector<double>& weight,
                                         double capacity, double time_limit_s);

}  // namespace respect
