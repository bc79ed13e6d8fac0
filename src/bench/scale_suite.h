// `respect bench --suite scale`: every method on the large random DAGs of the differentiable-
// scheduling work (../shared/data/dag_benchmarks/*.gml, 1k-10k operators) at several pipeline
// sizes, under a wall-clock limit: objective, gap to the best bound, wall time and peak resident
// memory. Each run happens in a child process (fork), so its peak memory is its own
// (wait4's ru_maxrss) and a run that dies costs only its row. Plain data in, plain data out.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "cost/device_profile.h"
#include "schedulers/scheduler.h"

namespace respect {

struct ScaleRun {
  std::string method, objective;
  int stages = 0;
  bool ok = false;         // the run returned a schedule
  double value = 0;        // seconds (throughput) or the paper score
  double lower_bound = 0;  // the method's proven bound
  std::string bound_from;  // which bound (ScheduleResult::bound_name)
  bool proven_optimal = false;
  double wall_s = 0;        // the child's wall time: loading the graph + the method
  int64_t peak_rss_kb = 0;  // the child's peak resident memory
  std::string note;         // the method's note, or why it failed
};

struct ScaleGraph {
  std::string name;
  int nodes = 0, edges = 0;
  std::vector<ScaleRun> runs;
};

struct ScaleSuiteOptions {
  std::string dir = "../shared/data/dag_benchmarks";
  std::vector<std::string> graphs;  // file stems; empty: one of each size and kind
  std::vector<int> stages = {4, 6, 10};
  std::vector<std::string> methods = {"compiler", "dp", "rl", "exact"};
  double time_limit_s = 10;
  std::string device = "usb";
  // The ICML'24 setting: D = 10 stages, memory weighted 100 per byte against one crossing.
  int paper_stages = 10;
  double paper_lambda = 100.0 * 1048576.0;
  std::function<void(const std::string&)> progress;
};

struct ScaleSuiteResult {
  ScaleSuiteOptions options;
  std::vector<ScaleGraph> graphs;
};

// The default graphs: rand_graph_{1000,5000,10000}_1 and their sparse variants.
std::vector<std::string> DefaultScaleGraphs();

Result<ScaleSuiteResult> RunScaleSuite(const ScaleSuiteOptions& o);

// Runs `method` on the graph file in a child process, which loads the graph itself, so the
// peak memory is that of `respect schedule GRAPH --method M` alone (shared with the certify
// suite).
ScaleRun RunMethodInChild(const std::string& path, const DeviceProfile& device,
                          const std::string& method, const ScheduleRequest& req);

}  // namespace respect
