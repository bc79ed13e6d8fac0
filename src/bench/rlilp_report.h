// Renders `respect bench --suite rl-ilp`: Markdown, JSON for scripts, and a chart of the time to
// return (log scale) of the cold ilp and of rl-ilp per instance.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "bench/rlilp_suite.h"

namespace respect {

nlohmann::json RlIlpSuiteJson(const RlIlpSuiteResult& r);
std::string RlIlpSuiteMarkdown(const RlIlpSuiteResult& r, const std::string& command,
                               const std::string& chart);
std::string RlIlpTimeChartSvg(const RlIlpSuiteResult& r);

}  // namespace respect
