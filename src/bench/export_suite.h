// `respect bench --suite export`: do exported pipelines run? For every uncompiled .tflite model
// (the shared models by default) that TensorFlow Lite's interpreter runs whole, cut it at
// K = 2..6 (as many stages as it has operators) by several methods and by random valid
// schedules, export each pipeline, run the whole model and the segments in order on the same
// seeded inputs (runtime/litert_runner.h), and require bit-identical outputs. Models the
// interpreter cannot run whole are listed with the reason.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"

namespace respect {

struct ExportCheckRow {
  int stages = 0;
  std::string method;  // a scheduler's name, or "random-<i>": a random valid schedule
  std::string error;   // scheduling or export failed (the pipeline was not run)
  bool ok = false;     // ran, bit-identical
  int64_t elements = 0, mismatches = 0;
  double max_abs_diff = 0;
  double predicted_period_ms = 0;  // the cost model's period for this schedule
  std::vector<double> segment_ms;  // the interpreter's invoke time of each segment (CPU)
};

struct ExportCheckModel {
  std::string model;  // file path
  int ops = 0;
  bool runs_whole = false;
  std::string skipped;  // why the model is not checked (compiled for the Edge TPU, runtime error)
  double whole_ms = 0;
  std::vector<ExportCheckRow> rows;
};

struct ExportSuiteOptions {
  std::vector<std::string> models;  // .tflite files; empty: every .tflite under models_dir
  std::string models_dir = "../shared/models";
  std::vector<int> stages = {2, 3, 4, 5, 6};
  std::vector<std::string> methods = {"auto", "compiler", "profiling", "dp"};
  int random_schedules = 3;  // per K
  // Unit-test size: per K only one of the methods (and random schedules), in turn.
  bool one_method_per_k = false;
  uint64_t seed = 1;
  int repeat = 3;            // invokes per model and segment; the best time is reported
  double time_limit_s = 10;  // per scheduling run
  std::string device = "usb";
  std::string runner_dir;  // empty: FindLiteRtRunner's search
  std::string work_dir;  // where pipelines are written; empty: a temporary directory, removed after
  std::function<void(const std::string&)> progress;
};

struct ExportSuiteResult {
  ExportSuiteOptions options;
  std::vector<ExportCheckModel> models;
  int pipelines = 0, identical = 0;  // pipelines run, and bit-identical
};

// Every .tflite file under dir (recursively), sorted.
std::vector<std::string> TfliteModelsUnder(const std::string& dir);

Result<ExportSuiteResult> RunExportSuite(const ExportSuiteOptions& o);

nlohmann::json ExportSuiteJson(const ExportSuiteResult& r);
std::string ExportSuiteMarkdown(const ExportSuiteResult& r, const std::string& command);

}  // namespace respect
