// `respect bench --suite hybrid`: how best to use T Edge TPUs. For the RESPECT paper's ten
// models (zoo) at T = 2..8: Coral's compiler with T segments, the best plain T-stage pipeline
// (`exact -k T`) and the best hybrid pipeline (`exact --tpus T`: cuts and replicas together),
// each from the one evaluator with the shared host's costs, with speed-ups over the compiler
// and over one TPU and the time to solve; and small models on up to 16 TPUs, to show where the
// host stops the scaling. Plain data in and out; hybrid_suite.cpp also renders it.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"

namespace respect {

struct HybridPoint {
  int tpus = 0;
  double compiler_ms = 0, pure_ms = 0, hybrid_ms = 0;
  bool pure_proven = false, hybrid_proven = false;
  double pure_s = 0, hybrid_s = 0;  // time to solve
  int stages = 0;                   // of the hybrid schedule
  std::vector<int> replicas;
  std::string limit;  // what sets the hybrid period: stage, host-cpu or controller
};

struct HybridModel {
  std::string model;
  int64_t param_bytes = 0, cache_bytes = 0;
  double one_tpu_ms = 0;
  std::vector<HybridPoint> points;
};

struct HybridSuiteOptions {
  std::string device = "usb";
  double time_limit_s = 20;  // per solve
  std::vector<int> tpus = {2, 3, 4, 5, 6, 7, 8};
  std::vector<std::string> models;  // empty: the paper's ten
  std::vector<std::string> small_models = {"mobilenet_v2", "squeezenet", "efficientnet_edgetpu_s"};
  int small_max_tpus = 16;  // the small models: hybrid only, T = 1..this
  std::function<void(const std::string&)> progress;
};

struct HybridSuiteResult {
  std::string device;
  double time_limit_s = 0;
  std::vector<HybridModel> models, small;
};

Result<HybridSuiteResult> RunHybridSuite(const HybridSuiteOptions& o);
nlohmann::json HybridSuiteJson(const HybridSuiteResult& r);
std::string HybridSuiteMarkdown(const HybridSuiteResult& r, const std::string& command,
                                const std::string& chart_file);
// Geometric-mean speed-up over the compiler against T: hybrid and plain pipeline.
std::string HybridChartSvg(const HybridSuiteResult& r);

}  // namespace respect
