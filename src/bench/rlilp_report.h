// Renders `respect bench --suite rl-ilp`: Markdown, JSON for scripts, and a chart of the time to
// return (log scale) of the cold ilp and of rl-ilp per instance.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "bench/rlilp_suite.h"

namespace respect {

nlohmann::json RlIlpSuiteJson(const RlIlpSuiteResult& r);
std::string RlIlpSuiteMarkdown(const RlIlpSuiteResult& r, const std::string& command, const std::string& chart);
std::string RlIlpTimeChartSvg(const RlIlpSuiteResult& r);

}  // namespace respect
