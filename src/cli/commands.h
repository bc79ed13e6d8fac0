// Subcommands of the respect CLI. Each registers its options on a CLI11 subcommand and returns a
// runner; runners return the process exit code (0 ok, 2 bad input or failure).
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace respect::cli {

using Runner = std::function<int()>;

Runner AddInspect(CLI::App& app);
Runner AddZoo(CLI::App& app);
Runner AddSimulate(CLI::App& app);
Runner AddCalibrate(CLI::App& app);
Runner AddSchedule(CLI::App& app);

// Prints "respect: error: <message>" on stderr and returns 2.
int Fail(const std::string& message);

}  // namespace respect::cli
