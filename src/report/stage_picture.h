// Pictures of a pipeline a person can take in at a glance (issue: stage pictures):
//   - StageClusterDot / RenderSvg: the graph with one Graphviz cluster per stage, coloured by
//     stage, each labelled with its predicted time and cached/streamed MiB, the bottleneck
//     outlined in red; chains inside a stage collapse into one box (first and last operator and
//     the count); the only edges between clusters are the tensors that cross stages, labelled
//     with their size.
//   - StageBalanceSvg: one stacked bar per stage (compute, link transfer, streamed parameters,
//     host CPU), the period as a line, the bottleneck marked; optionally a second schedule side
//     by side (e.g. Coral's compiler partition).
#pragma once

#include <string>
#include <vector>

#include "core/graph.h"
#include "core/status.h"
#include "cost/cost_model.h"
#include "schedulers/schedule.h"

namespace respect {

// A stage's time by cause: compute (with the invoke overhead), link transfer of activations,
// streamed parameters, host CPU (seconds; they sum to latency_s).
struct StageTimeParts {
  double compute, link, streamed, cpu;
};
StageTimeParts SplitStageTime(const StageCost& st, const DeviceProfile& p);

struct StagePictureOptions {
  bool collapse_chains = true;  // false: one box per operator
};

std::string StageClusterDot(const Graph& g, const Schedule& s, const PipelineCost& cost,
                            const DeviceProfile& p, const StagePictureOptions& o = {});
// Lays DOT out with Graphviz's dot and returns the SVG (errors: too large, layout failure).
Result<std::string> RenderDotSvg(const std::string& dot, int nodes, int max_nodes = 3000);

struct BalanceSeries {
  std::string label;  // e.g. "exact" or "compiler"
  PipelineCost cost;
};
std::string StageBalanceSvg(const std::vector<BalanceSeries>& series, const DeviceProfile& p);

}  // namespace respect
