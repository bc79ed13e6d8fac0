// Deployable pipelines, format-independent part: which operators, inputs and outputs each
// segment of a K-stage schedule has, such that Coral's PipelinedModelRunner accepts the chain.
//
// The runner's rules (from its sources, see ANCHORS.md): segments run in order, one Edge TPU
// each; tensors pass between segments by name; every output of a non-final segment must be an
// input of some later segment; a tensor may skip segments; the pipeline's inputs are exactly
// segment 0's inputs, by name and in order; the pipeline returns only the last segment's outputs.
//
// So:
//   - a segment's inputs are the activation tensors it reads that are produced outside it (by an
//     earlier segment, or model inputs); its outputs are the tensors it produces that a later
//     segment reads or that are model outputs;
//   - segment 0's inputs are the model's inputs, all of them, in the model's order; a later
//     segment sees only what earlier segments output, so a model input read by a later segment
//     is also an output of segment 0 (passed through when segment 0 does not read it) and skips
//     to its readers;
//   - a model output produced before the last segment passes through every later segment, so
//     the last segment's outputs are exactly the model's outputs, in the model's order.
// Constants (and variable tensors, which no operator produces) are not inputs: each segment
// carries those it reads.
#pragma once

#include <string>
#include <vector>

#include "core/graph.h"
#include "core/status.h"
#include "schedulers/schedule.h"

namespace respect {

struct SegmentPlan {
  std::vector<int> ops;          // in execution order
  std::vector<int> inputs;       // activation tensor ids, in order
  std::vector<int> outputs;      // tensor ids, in order
  std::vector<int> passthrough;  // inputs that are also outputs (routed through, no operator)
};

struct PipelinePlan {
  std::vector<SegmentPlan> segments;
  std::vector<int> producer;  // per tensor: the segment producing it, -1 model input, -2 neither
};

// Errors: a schedule that does not fit the graph, an empty stage, a stage read before it is
// produced (a backward edge).
Result<PipelinePlan> PlanPipeline(const Graph& g, const Schedule& s);

// The runner's rules and the plan's own invariants, checked on any plan (also on one rebuilt from
// the written files): the union of the segments' operators is the graph's, each once; every
// tensor crossing a boundary is produced by exactly one segment (or is a model input) and read
// only by later ones; segment 0's inputs are the model's inputs in order; every non-final
// output is read later; the last segment's outputs are the model's outputs in order.
Status CheckPipelinePlan(const Graph& g, const PipelinePlan& p);

}  // namespace respect
