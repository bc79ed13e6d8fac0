// `respect bench --suite memory`: memory-aware ordering on real models. Per model and
// convention (plain, --inplace): each method's peak, solve time, whether it is proven optimal,
// and its reduction against the order stored in the file (given).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace respect {

struct MemoryRun {
  std::string method;
  bool ok = false;
  int64_t peak = 0, lower_bound = 0;
  bool proven = false;
  double seconds = 0;
  std::string note;
};

struct MemoryRow {
  std::string model;  // spec
  int ops = 0;
  bool inplace = false;
  std::vector<MemoryRun> runs;
};

struct MemorySuiteOptions {
  // Model specs; empty: DefaultMemoryModels(models_dir).
  std::vector<std::string> models;
  std::string models_dir = "../shared/models";
  std::vector<std::string> methods = {"given", "rpo", "greedy", "dp", "fusion-ilp"};
  double time_limit_s = 10;
  std::function<void(const std::string&)> progress;
};

struct MemorySuiteResult {
  MemorySuiteOptions options;
  std::vector<MemoryRow> rows;
};

// The zoo's NASNet-Mobile, Inception v3, Inception-ResNet v2 and RandWire (seeds 0-3), and every
// .tflite and .onnx under models_dir.
std::vector<std::string> DefaultMemoryModels(const std::string& models_dir);

Result<MemorySuiteResult> RunMemorySuite(const MemorySuiteOptions& o);

}  // namespace respect
