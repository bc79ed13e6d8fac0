// `rl`: RESPECT's learned scheduler as a scheduling method. The policy emits an operator order
// (greedy, plus optional samples); the order becomes K stages either by optimal cuts under the
// cost model and the request's objective (default) or by the RESPECT authors' procedure
// (RlOptions::stages = "paper"); with samples, the cost model keeps the best candidate.
#pragma once

#include <string>
#include <vector>

#include "core/graph.h"
#include "schedulers/scheduler.h"

namespace respect {

// Adds `rl` to the scheduler registry (idempotent). Call once before RunScheduler("rl", ...).
void RegisterRlScheduler();

// The topological order closest to `order`: Kahn's algorithm taking, among ready operators,
// the one `order` emits first. Returns `order` itself when it is already topological.
std::vector<int> NearestTopologicalOrder(const Graph& g, const std::vector<int>& order);

}  // namespace respect
