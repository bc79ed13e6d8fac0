// Satellite orders: topological orders for graphs where every balanced boundary is expensive
// (random DAGs, densely wired cells), whose best pipelines keep one main stage and give the
// other stages the operators that leave it cheaply.
//
// Moving a downset D in front of the main stage saves the main stage D's work (under the paper
// objective, its bytes) and costs what crosses D's boundary. Grown one operator at a time, the
// operator added to a downset brings its outputs across and takes its inputs off it, so a
// priority Kahn walk (cheapest net cost first: link time or crossings of that change, less
// the saving) lists greedy downsets of every size as its prefixes; a walk back from the sinks
// lists greedy upsets as suffixes. Each order is the front walk up to a share of the savings,
// then the back walk over the rest; dp cuts it optimally, keeping as many satellites in front
// and behind as pay. The classic orders' cuts are exact for those orders and these only add
// orders worth cutting (docs/scheduling.md, "Satellite orders").
#pragma once

#include <vector>

#include "cost/cost_model.h"
#include "schedulers/objective.h"

namespace respect {

// Distinct orders for the front shares 1/2, 1/4 and 3/4 of the savings (none for K < 2).
std::vector<std::vector<int>> SatelliteOrders(const CostModel& m, int K, Objective o,
                                              double paper_lambda);

}  // namespace respect
