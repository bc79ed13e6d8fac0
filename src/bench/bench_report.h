// Renders `respect bench` results: a Markdown report, a JSON object for scripts, and SVG bar
// charts of the speed-up over Coral's compiler partition.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "bench/paper_suite.h"
#include "bench/scale_suite.h"

namespace respect {

// The geometric mean of positive values (0 when there are none), for speed-up summaries.
double GeoMean(const std::vector<double>& v);

nlohmann::json PaperSuiteJson(const PaperSuiteResult& r);
// command: how the report was produced (quoted in it); charts: the chart files it links.
std::string PaperSuiteMarkdown(const PaperSuiteResult& r, const std::string& command,
                               const std::vector<std::string>& charts);
// Grouped bars, one group per model, one bar per method except compiler: its speed-up over the
// compiler partition at K stages.
std::string SpeedupChartSvg(const PaperSuiteResult& r, int stages);

// The scale suite: one table per objective and K (value, gap to the best bound, wall time, peak
// memory per method), and a log-log chart of wall time against graph size per method.
nlohmann::json ScaleSuiteJson(const ScaleSuiteResult& r);
std::string ScaleSuiteMarkdown(const ScaleSuiteResult& r, const std::string& command,
                               const std::string& chart);
std::string ScaleTimeChartSvg(const ScaleSuiteResult& r);

}  // namespace respect
