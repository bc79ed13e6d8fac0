// `respect bench --suite deploy`: several models on one set of TPUs (schedulers/deployment.h).
// Realistic mixes (a detector on every frame, a classifier on some, a big model now and then),
// at T = 2..8 TPUs: the common ratio of achieved to required rate that each kind of plan reaches
// (every model on TPUs of its own cut by Coral's compiler; the best dedicated plan; the best plan
// with shared, co-compiled TPUs), and the fewest TPUs that meet every rate with each.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"

namespace respect {

struct DeployMix {
  std::string name;
  std::vector<std::string> models;  // specs (zoo:..., files)
  std::vector<double> fps;
};

struct DeployRow {
  int tpus = 0;
  // Per kind (compiler, dedicated, shared): the ratio reached (-1: does not fit), its limit,
  // whether proven, the plan's time in seconds.
  double ratio[3] = {-1, -1, -1};
  std::string limit[3];
  bool proven[3] = {false, false, false};
  double seconds[3] = {0, 0, 0};
  int shared_tpus = 0;  // TPUs the sharing plan co-compiles several models on
};

struct DeployMixResult {
  DeployMix mix;
  std::vector<DeployRow> rows;
  int fewest[3] = {-1, -1, -1};  // the fewest TPUs meeting every rate, per kind (-1: > max)
};

struct DeploySuiteOptions {
  std::string device = "usb";
  double time_limit_s = 10;
  std::vector<int> tpus = {2, 3, 4, 5, 6, 7, 8};
  std::vector<DeployMix> mixes;  // empty: the built-in mixes
  std::string models_dir = "../shared/models";
  std::function<void(const std::string&)> progress;
};

struct DeploySuiteResult {
  std::string device;
  std::vector<DeployMixResult> mixes;
};

const char* DeployKindName(int kind);  // "compiler", "dedicated", "shared"
Result<DeploySuiteResult> RunDeploySuite(const DeploySuiteOptions& o);
nlohmann::json DeploySuiteJson(const DeploySuiteResult& r);
std::string DeploySuiteMarkdown(const DeploySuiteResult& r, const std::string& command);

}  // namespace respect
