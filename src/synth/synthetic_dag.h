// RESPECT's synthetic training graphs (PROBLEM.md section 4), generated as the authors' dataset
// generator does:
//   1. draw the level count L uniformly from [min_levels, max_levels]; every level gets one
//      node, then the remaining n - L nodes are dealt to levels round-robin in random chunks;
//   2. node ids are a random permutation, dealt to the levels in order;
//   3. each node of level i draws `in_degree` parent levels uniformly from {0..i} (0 = no
//      parent); if none is the level just above, one draw is forced to it; levels holding fewer
//      nodes than drawn are capped; then distinct parents are sampled from each drawn level;
//   4. weights are uniform in [min_weight, max_weight);
//   5. graphs that are not weakly connected or leave a node without edges are rejected and
//      redrawn.
// Consequence used by tests: every node's ASAP level equals its generator level, so the graph
// has exactly L levels. Reproducible from the seed (own integer sampling, no std::distributions).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/status.h"

namespace respect {

struct SyntheticDagOptions {
  int num_nodes = 30;
  int in_degree = 6;  // d: parent draws per node (max in-degree)
  int min_levels = 10;
  int max_levels = 25;
  double min_weight = 0.0;  // node weight (memory) ~ U[min_weight, max_weight)
  double max_weight = 5.0;
  uint64_t seed = 1;
};

struct SyntheticDag {
  Graph graph;                                  // op i is node i; param_bytes = weight in MiB
  std::vector<double> weight;                   // per node
  std::vector<int> level;                       // generator level, 0-based (= ASAP level)
  std::vector<std::vector<int>> parent_levels;  // per node: d drawn levels, 1-based, 0 = none
  std::vector<std::vector<int>> parent_ids;     // per node: d parent ids, -1 = none
};

// Parses "n=50,deg=6,levels=16-40,weights=0-5,seed=1" (any subset, any order).
Result<SyntheticDagOptions> ParseSyntheticSpec(const std::string& spec);
Result<SyntheticDag> GenerateSyntheticDag(const SyntheticDagOptions& options);

}  // namespace respect
