// Subcommands of the respect CLI. Each registers its options on a CLI11 subcommand and returns a
// runner; runners return the process exit code (0 ok, 2 bad input or failure).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "core/graph.h"
#include "cost/device_profile.h"
#include "schedulers/schedule.h"

namespace respect::cli {

using Runner = std::function<int()>;

Runner AddInspect(CLI::App& app);
Runner AddZoo(CLI::App& app);
Runner AddSimulate(CLI::App& app);
Runner AddCalibrate(CLI::App& app);
Runner AddSchedule(CLI::App& app);
Runner AddPlan(CLI::App& app);
Runner AddOrder(CLI::App& app);
Runner AddExport(CLI::App& app);
Runner AddBench(CLI::App& app);
Runner AddTrain(CLI::App& app);
Runner AddEval(CLI::App& app);

// The command line as typed (program name "respect"; arguments with spaces quoted), for reports.
const std::string& CommandLine();

// Prints "respect: error: <message>" on stderr and returns 2.
int Fail(const std::string& message);

// What simulate and schedule both start from: a non-empty graph and a device profile.
struct ModelOnDevice {
  Graph graph;
  DeviceProfile device;
};
Result<ModelOnDevice> LoadModelOnDevice(const std::string& model, const std::string& device);

// --check: after writing, run the pipeline in TensorFlow Lite against the whole model.
struct ExportCheckOptions {
  bool enabled = false;
  std::string runtime_dir;  // --runtime: the tools/litert folder; empty: searched
  int seed = 1;             // the random inputs
  int repeat = 3;           // invokes per model, best time reported
  bool to_stderr = false;   // the report goes to stderr (schedule keeps stdout for its own output)
};
// Adds --check, --runtime and --check-seed to a command that exports.
void AddExportCheckOptions(CLI::App& app, ExportCheckOptions& c);
// Fails early (before any solving or writing) when --check is asked for and cannot run; returns
// the exit code, 0 when fine.
int PrepareExportCheck(const std::string& model_path, const ExportCheckOptions& c);

// Runs an exported pipeline (dir) against the whole model in TensorFlow Lite and prints per-segment
// invoke times and whether the outputs are bit-identical; returns the exit code (1: it failed or
// differs).
int CheckExportedPipeline(const std::string& model_path, const std::string& dir,
                          const ExportCheckOptions& c);

// Writes the segment files of schedule s into dir (cmd_export.cpp), then checks them when asked;
// returns the exit code (1: the check ran and the pipeline failed or differs).
int ExportSegments(const std::string& model_path, const Graph& g, const DeviceProfile& device,
                   const Schedule& s, const std::string& dir, bool quiet,
                   const ExportCheckOptions& check = {});

}  // namespace respect::cli
