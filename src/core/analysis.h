// Structural analyses of a Graph's operator DAG. Each is one function of the graph; none caches.
//
// Levels are 0-based: an operator with no predecessors has ASAP level 0; depth = number of
// levels = 1 + the longest path counted in edges. ALAP levels are aligned to the same depth
// (a sink has ALAP level depth-1). All ties are broken by operator id, so results are
// deterministic.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/graph.h"

namespace respect {

enum class TopoOrderKind {
  kKahnFifo,    // Kahn's algorithm, ready operators taken smallest id first
  kKahnLifo,    // Kahn's algorithm with a LIFO stack, as Coral's partitioner walks the model
  kDepthFirst,  // reverse post-order of a depth-first search from the sources
  kAsap,        // by ASAP level, then id
  kAlap,        // by ALAP level, then id
};
const char* TopoOrderName(TopoOrderKind k);
const std::vector<TopoOrderKind>& AllTopoOrders();

std::vector<int> TopologicalOrder(const Graph& g, TopoOrderKind kind);
bool IsTopologicalOrder(const Graph& g, const std::vector<int>& order);

std::vector<int> AsapLevels(const Graph& g);
std::vector<int> AlapLevels(const Graph& g);
int Depth(const Graph& g);
int MaxInDegree(const Graph& g);
int MaxOutDegree(const Graph& g);
// Visits every operator v with the bitset (ceil(n / 64) words) of the operators it reaches
// along preds (up) or succs (down), v itself excluded. All n sets are kept while they are
// built (n^2 / 64 words), each operator's after those of its neighbours. O(n * e / 64).
void ForEachReachSet(const Graph& g, bool up,
                     const std::function<void(int v, const uint64_t* bits)>& visit);
// Number of distinct strict ancestors / descendants of each operator. O(n * e / 64) with bitsets.
std::vector<int> AncestorCounts(const Graph& g);
std::vector<int> DescendantCounts(const Graph& g);
// Number of weakly connected components of the operator DAG.
int WeaklyConnectedComponents(const Graph& g);
// Each operator's weakly connected component, numbered 0.. in order of its smallest operator.
std::vector<int> WeakComponentOf(const Graph& g);

}  // namespace respect
