// Subcommands of the respect CLI. Each registers its options on a CLI11 subcommand and returns a
// runner; runners return the process exit code (0 ok, 2 bad input or failure).
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

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

// Writes the segment files of schedule s into dir (cmd_export.cpp); returns the exit code.
int ExportSegments(const std::string& model_path, const Graph& g, const DeviceProfile& device, const Schedule& s,
                   const std::string& dir, bool quiet);

}  // namespace respect::cli
