// What RESPECT's policy learns, with no neural network in sight: the node embedding it reads,
// the labels it imitates and the measures of how well an emitted order matches them
// (PROBLEM.md section 4; paper equations 3 and 7).
//
// Label direction. RESPECT's label generator is a *reverse* list scheduler (step 1 holds the
// sinks). Here labels are turned around (label = last step + 1 - step), so label 1 holds
// sources and every order sorted by label is topological. That makes "imitate the labels" and
// "only ready nodes may be picked" (precedence-masked decoding) agree: masking never excludes
// the perfect answer.
#pragma once

#include <cstdint>
#include <vector>

#include "core/graph.h"

namespace respect {

struct EmbeddingOptions {
  int max_parents = 6;       // d: parent slots per node; the row has 2d+3 numbers
  bool normalize = false;    // false: the paper's raw numbers; true: scale-free (see below)
  bool alap = false;         // append the ALAP level (one more number; not in the paper)
  bool first_child = false;  // append the earliest child's ASAP level (one hop of descendants)
};

inline int EmbeddingWidth(const EmbeddingOptions& o) {
  return 2 * o.max_parents + 3 + (o.alap ? 1 : 0) + (o.first_child ? 1 : 0);
}

// One row per operator (row v = operator v), each
//   [ASAP level, d parent levels, d parent ids, node id, weight]
// Levels are 1-based ASAP levels (sources 1); an empty parent slot has level 0 and id -1.
// Node ids are operator indices (the synthetic generator already deals random ids).
// Parents fill the slots deepest level first, ties by smaller id. A node with more than d
// parents keeps the d deepest: they are the ones that bound how early it can run (its level is
// one more than the deepest), so the slots keep what constrains the schedule and drop only
// parents already implied to be earlier.
// alap = true appends the node's ALAP level (1-based, scaled like the other levels). Why: the
// paper's row describes a node's ancestors only, but the list labels are set by its
// descendants (the reverse scheduler places a node by its longest path to a sink, which is
// what the ALAP level measures); without it the network must rediscover descendants by
// matching ids across shuffled rows.
// first_child = true appends the ASAP level (1-based, scaled likewise) of the node's earliest
// child, 0 for a sink: exactly one hop of descendants, what HeightEstimateOrder(g, 1, ...) reads
// (an experiment's switch: does a policy given one hop reach the one-hop reference?).
// normalize = true divides levels by the graph's deepest level and ids (+1) by the node count,
// so a 782-node graph looks like the 30-node training graphs (raw levels and ids grow with the
// graph, far outside what the network saw in training). Weights stay in MiB either way.
std::vector<float> EmbedGraph(const Graph& g, const std::vector<double>& weight_mib,
                              const EmbeddingOptions& options);

// Operator weights as the embedding and the labels use them: parameter bytes in MiB.
std::vector<double> ParamWeightsMiB(const Graph& g);

// RESPECT's labels (ListScheduleLabels) turned forward: 1-based, label 1 = the first step.
std::vector<int> ForwardListLabels(const Graph& g, const std::vector<double>& weight,
                                   double capacity);

// Paper equation 3: S'(i) = label of the i-th emitted node, S = the labels sorted ascending;
// R = cosine similarity = S.S' / max(|S| |S'|, eps) (as torch's cosine_similarity computes it;
// the paper's printed denominator drops a norm). In (0, 1] for positive labels, 1 iff S' == S.
double LabelReward(const std::vector<int>& labels, const std::vector<int>& order);
// Paper equation 7: positions where S' differs from S.
int LabelMismatch(const std::vector<int>& labels, const std::vector<int>& order);
// Of the node pairs with different labels, the fraction the order puts in label order
// (1 when the order is sorted by label). 1 when no pair has different labels.
double PairRecall(const std::vector<int>& labels, const std::vector<int>& order);

// Reference orders: what a scheduler that sees a fixed part of the graph emits, to read a
// policy's mismatch against (respect eval prints them beside the policy). The list labels follow
// a node's height (longest path to a sink: the reverse scheduler places it there), so each
// reference estimates the height from the node's descendants up to `hops` edges down:
//   hops = 0: the ASAP level alone, all the paper's row states about a node: height ~ D - level,
//             D the deepest level (exact when every node has a child on the next level);
//   hops = k: 0 for a sink, else 1 + the largest hops-(k-1) estimate among its children (so a
//             node's k-hop estimate reads only the rows of its descendants up to k edges away);
//   hops >= the graph's depth: the exact height.
// The order is tallest first (forward labels) or, with sinks_first, shortest first (the authors'
// orientation); ties by ASAP level (earlier first, or later first with sinks_first), then id.
std::vector<int> HeightEstimateOrder(const Graph& g, int hops, bool sinks_first);

}  // namespace respect
