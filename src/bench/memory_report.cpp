#include "bench/memory_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "memory/memory_model.h"

namespace respect {

namespace {

std::string ModelName(const std::string& spec) {
  if (spec.rfind("zoo:", 0) == 0) return spec;
  return std::filesystem::path(spec).filename().string();
}

const MemoryRun* Given(const MemoryRow& row) {
  for (const auto& run : row.runs)
    if (run.method == "given" && run.ok) return &run;
  return nullptr;
}

std::string Kib(int64_t b) { return fmt::format("{:.1f}", b / 1024.0); }

}  // namespace

nlohmann::json MemorySuiteJson(const MemorySuiteResult& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : r.rows) {
    nlohmann::json runs = nlohmann::json::array();
    const MemoryRun* given = Given(row);
    for (const auto& run : row.runs)
      runs.push_back({{"method", run.method},
                      {"ok", run.ok},
                      {"peak_bytes", run.peak},
                      {"lower_bound_bytes", run.lower_bound},
                      {"proven_optimal", run.proven},
                      {"seconds", run.seconds},
                      {"reduction_vs_given", given && run.ok && given->peak > 0
                                                 ? 1.0 - static_cast<double>(run.peak) / given->peak
                                                 : 0.0},
                      {"note", run.note}});
    rows.push_back(
        {{"model", row.model}, {"operators", row.ops}, {"inplace", row.inplace}, {"runs", runs}});
  }
  return {{"suite", "memory"},
          {"conventions", ConventionsText({false})},
          {"time_limit_s", r.options.time_limit_s},
          {"rows", rows}};
}

std::string MemorySuiteMarkdown(const MemorySuiteResult& r, const std::string& command,
                                const std::string& chart) {
  const auto& methods = r.options.methods;
  std::string md = fmt::format(
      "# respect bench --suite memory\n\nProduced by `{}` (`--time-limit {}` s per method). Peak "
      "live activation "
      "memory of each method's operator order, in KiB, under the conventions: {}. `--inplace` "
      "adds: an "
      "element-wise or reshape-like operator may write its output over a same-size activation "
      "input that dies "
      "at it (not a graph input or output). **bold**: proven optimal. The reduction is against the "
      "order stored "
      "in the file (`given`).\n\n",
      command, r.options.time_limit_s, ConventionsText({false}));
  if (!chart.empty()) md += fmt::format("![peak against the stored order]({})\n\n", chart);
  // The exact methods get a time column, in the order the methods ran.
  auto timed = [](const std::string& m) { return m == "dp" || m == "fusion-ilp"; };
  const auto n_timed = std::count_if(methods.begin(), methods.end(), timed);
  for (bool inplace : {false, true}) {
    md += fmt::format("## {}\n\n| model | ops |",
                      inplace ? "In place (--inplace)" : "No in-place reuse");
    for (const auto& m : methods) md += " " + m + " |";
    md += " lower bound | best reduction |";
    for (const auto& m : methods)
      if (timed(m)) md += fmt::format(" {} s |", m);
    md += "\n|---|---|";
    for (size_t i = 0; i < methods.size() + 2 + static_cast<size_t>(n_timed); ++i) md += "---|";
    md += "\n";
    for (const auto& row : r.rows) {
      if (row.inplace != inplace) continue;
      const MemoryRun* given = Given(row);
      md += fmt::format("| {} | {} |", ModelName(row.model), row.ops);
      int64_t best = 0, bound = 0;
      std::string times;
      for (const auto& run : row.runs) {
        if (timed(run.method)) times += fmt::format(" {:.3f} |", run.seconds);
        if (!run.ok) {
          md += " error |";
          continue;
        }
        md += run.proven ? fmt::format(" **{}** |", Kib(run.peak))
                         : fmt::format(" {} |", Kib(run.peak));
        if (best == 0 || run.peak < best) best = run.peak;
        bound = std::max(bound, run.lower_bound);
      }
      md += fmt::format(
          " {} | {} |{}\n", Kib(bound),
          given && given->peak > 0
              ? fmt::format("{:.1f}%", 100.0 * (1.0 - static_cast<double>(best) / given->peak))
              : std::string("-"),
          times);
    }
    md += "\n";
  }
  md += "## Summary\n\n";
  for (const char* m : {"dp", "fusion-ilp"}) {
    int proven = 0, total = 0, improved = 0;
    double seconds = 0;
    for (const auto& row : r.rows)
      for (const auto& run : row.runs)
        if (run.method == m) {
          ++total;
          proven += run.proven;
          seconds += run.seconds;
          const MemoryRun* given = Given(row);
          improved += given && run.ok && run.peak < given->peak;
        }
    if (total > 0)
      md += fmt::format(
          "- {} proves the optimal peak on {} of {} (model, convention) pairs in {:.1f} s in all; "
          "it "
          "beats the stored order on {}.\n",
          m, proven, total, seconds, improved);
  }
  // Where both exact methods prove an optimum, they must agree.
  int both = 0, disagree = 0;
  for (const auto& row : r.rows) {
    const MemoryRun *dp = nullptr, *fi = nullptr;
    for (const auto& run : row.runs) {
      if (run.method == "dp") dp = &run;
      if (run.method == "fusion-ilp") fi = &run;
    }
    if (dp && fi && dp->proven && fi->proven) {
      ++both;
      disagree += dp->peak != fi->peak;
    }
  }
  if (both > 0)
    md += fmt::format("- dp and fusion-ilp both prove {} pairs and disagree on {}.\n", both,
                      disagree);
  return md;
}

std::string MemoryReductionChartSvg(const MemorySuiteResult& r) {
  // Horizontal bars: each method's peak as a percentage of given's, plain convention.
  std::vector<const MemoryRow*> rows;
  for (const auto& row : r.rows)
    if (!row.inplace && Given(row)) rows.push_back(&row);
  const auto& methods = r.options.methods;
  const int bar = 6, gap = 8, left = 300, right = 60, top = 50;
  const int per = static_cast<int>(methods.size()) * bar + gap;
  const int w = 760, h = top + static_cast<int>(rows.size()) * per + 40;
  auto X = [&](double pct) { return left + pct / 100.0 * (w - left - right); };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" "
      "font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"10\" "
      "y=\"20\" "
      "font-size=\"14\">Peak activation memory as % of the stored order's (no in-place "
      "reuse)</text>\n",
      w, h);
  const char* colors[] = {"#999999", "#7570b3", "#d95f02", "#1b9e77", "#e7298a"};
  for (size_t m = 0; m < methods.size(); ++m)
    svg += fmt::format(
        "<rect x=\"{}\" y=\"28\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" "
        "y=\"37\">{}</text>\n",
        left + 80 * static_cast<int>(m), colors[m % 5], left + 14 + 80 * static_cast<int>(m),
        methods[m]);
  for (int pct : {0, 25, 50, 75, 100})
    svg += fmt::format(
        "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"#ddd\"/><text x=\"{:.1f}\" "
        "y=\"{}\" "
        "text-anchor=\"middle\">{}%</text>\n",
        X(pct), X(pct), top - 4, h - 30, X(pct), h - 16, pct);
  for (size_t i = 0; i < rows.size(); ++i) {
    const MemoryRow& row = *rows[i];
    const double given = static_cast<double>(Given(row)->peak);
    const int y = top + static_cast<int>(i) * per;
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n", left - 6,
                       y + static_cast<int>(methods.size()) * bar / 2 + 4, ModelName(row.model));
    for (size_t m = 0; m < row.runs.size(); ++m) {
      const MemoryRun& run = row.runs[m];
      if (!run.ok || given <= 0) continue;
      const double pct = std::min(150.0, 100.0 * run.peak / given);
      svg += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"><title>{} {}: "
          "{:.1f}% "
          "({} KiB)</title></rect>\n",
          left, y + static_cast<int>(m) * bar, X(pct) - left, bar - 1, colors[m % 5],
          ModelName(row.model), run.method, pct, Kib(run.peak));
    }
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace respect
