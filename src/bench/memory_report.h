// The memory bench's report: its JSON, Markdown table and reduction chart.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "bench/memory_suite.h"

namespace respect {

// `respect bench --suite memory`: JSON, Markdown (one table per convention) and a chart of each
// method's peak relative to the stored order, per model.
nlohmann::json MemorySuiteJson(const MemorySuiteResult& r);
std::string MemorySuiteMarkdown(const MemorySuiteResult& r, const std::string& command,
                                const std::string& chart);
std::string MemoryReductionChartSvg(const MemorySuiteResult& r);

}  // namespace respect
