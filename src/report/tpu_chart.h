// Throughput against the number of TPUs, one line per series (`respect plan` and the hybrid
// bench): the best hybrid pipeline beside the plain pipeline and Coral's compiler, with an
// optional dashed ceiling (the host's floor on the period) and target rate. Standalone SVG.
#pragma once

#include <string>
#include <vector>

#include "schedulers/deployment.h"

namespace respect {

struct TpuSeries {
  std::string label;
  std::vector<std::pair<int, double>> points;  // (TPUs, inferences per second)
};

struct TpuChartOptions {
  std::string title;
  std::string y_label = "inferences / s";
  double ceiling = 0;  // > 0: the host's limit, drawn dashed
  double target = 0;   // > 0: the rate asked for, drawn dotted
};

std::string TpuChartSvg(const std::vector<TpuSeries>& series, const TpuChartOptions& o);

// A deployment of several models, one lane per TPU: a bar per segment it hosts, as long as the
// fraction of each second it computes that segment at the planned rates, coloured by model, with
// its cache use; then the host's CPU and controller loads.
std::string DeploymentSvg(const Deployment& d, const std::string& title);

}  // namespace respect
