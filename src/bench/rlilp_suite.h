// `respect bench --suite rl-ilp`: the second seed's claim measured. Per instance, under the same
// objective, cost model and wall-clock limit: the cold ilp (CBC on the full model with no
// incumbent) against rl-ilp (rl's schedule narrows a window solve, then certification): value,
// proven or not, time to return, and the speed-up where both prove the optimum.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "schedulers/scheduler.h"

namespace respect {

struct RlIlpInstance {
  std::string name;  // e.g. "NASNet (authors' graph)"
  std::string spec;  // model spec LoadModel understands
  Objective objective = Objective::kThroughput;
  int stages = 4;
  double paper_lambda = 1.0;
};

struct RlIlpRun {
  bool ok = false;
  double value = 0, bound = 0, seconds = 0;
  bool proven = false;
  std::string note;
  std::vector<PhaseReport> phases;  // rl-ilp only
};

struct RlIlpRow {
  RlIlpInstance instance;
  int nodes = 0;
  RlIlpRun cold, rl_ilp;
};

struct RlIlpSuiteOptions {
  std::vector<RlIlpInstance> instances;  // empty: DefaultRlIlpInstances(dirs below)
  std::string graphs_dir = "../shared/data/respect_paper_graphs";
  std::string dag_dir = "../shared/data/dag_benchmarks";
  std::string device = "usb";
  double time_limit_s = 60;
  int window = -1;  // -1: rl-ilp's default
  std::function<void(const std::string&)> progress;
};

struct RlIlpSuiteResult {
  RlIlpSuiteOptions options;
  std::vector<RlIlpRow> rows;
};

// The authors' NASNet and Inception-ResNet-v2 graphs (paper objective, lambda 1, K = 4, 5, 6),
// the zoo's widest models (throughput, K = 4), and rand_graph_1000_{1,2,3} with the sparse ones
// (the ICML'24 paper setting, K = 10, and throughput at K = 4).
std::vector<RlIlpInstance> DefaultRlIlpInstances(const std::string& graphs_dir,
                                                 const std::string& dag_dir);

Result<RlIlpSuiteResult> RunRlIlpSuite(const RlIlpSuiteOptions& o);

}  // namespace respect
