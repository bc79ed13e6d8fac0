// What `respect inspect` prints: a JSON object a script can parse and a short human summary.
#pragma once

#include <string>

#include "core/graph.h"

namespace respect {

// One JSON object: name, num_nodes, num_edges, depth, max_in_degree, param_bytes, macs,
// activation/input/output summaries and ops[] (name, type, class, param_bytes, macs,
// output_bytes, inputs = producer op names, asap, alap).
std::string InspectJson(const Graph& g);
// Totals, op-type histogram and the largest layers by parameters and by MACs.
std::string InspectText(const Graph& g);

}  // namespace respect
