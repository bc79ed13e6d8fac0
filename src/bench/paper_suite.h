// `respect bench --suite paper`: the RESPECT paper's ten ImageNet models (zoo, fused
// granularity, their input sizes) on K = 4, 5, 6 Edge TPUs under the throughput objective,
// every method against Coral's compiler partition and the best proven bound; and the RESPECT
// authors' own graphs under the paper objective, this project's methods against the authors'
// published partitions. Plain data in, plain data out; bench_report renders it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace respect {

struct BenchRun {
  std::string method;
  double value = 0;        // objective value (seconds for throughput, score for paper)
  double lower_bound = 0;  // the method's own proven bound
  bool proven_optimal = false;
  double solve_s = 0;
  int64_t max_stage_bytes = 0, crossings = 0;  // paper objective terms
  bool valid = true;                           // published partitions may break precedence
  bool handed_over = false;  // exact: the lattice exceeded the cap and the ilp ran
  std::string engine;        // what produced the answer (ScheduleResult::engine)
  std::string note;
};

struct BenchInstance {
  std::string model;  // zoo name or graph file stem
  int stages = 0;
  std::vector<BenchRun> runs;
  double best_bound = 0;  // the best proven bound over all methods
  double compiler = 0;    // the compiler method's value
  int64_t downsets = 0;   // the graph's downset lattice (exact's state space); -1: over the cap
  int width = 0;          // the graph's width (largest antichain)
  const BenchRun* Find(const std::string& method) const;
};

struct PaperSuiteOptions {
  std::string device = "usb";
  double time_limit_s = 20;  // per ilp solve
  std::vector<int> stages = {4, 5, 6};
  std::vector<std::string> models;  // empty: the paper's ten
  std::string graphs_dir;           // the authors' dumps; empty: skip that part
  std::vector<std::string> graphs;  // stems to use from graphs_dir; empty: every *.json there
  double paper_lambda = 1.0;
  std::function<void(const std::string&)> progress;
};

struct PaperSuiteResult {
  std::string device;
  double time_limit_s = 0, paper_lambda = 1;
  std::vector<std::string> methods;  // throughput part, in column order
  std::vector<BenchInstance> throughput;
  std::vector<BenchInstance> paper;  // runs: this project's methods, then "published:<variant>"
};

// The paper's ten models, as Table 1 lists them.
const std::vector<std::string>& PaperModels();

Result<PaperSuiteResult> RunPaperSuite(const PaperSuiteOptions& o);

}  // namespace respect
