#include "bench/rlilp_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace respect {

namespace {

bool Paper(const RlIlpRow& row) { return row.instance.objective == Objective::kPaper; }

std::string Value(const RlIlpRow& row, double v) {
  return Paper(row) ? fmt::format("{:.4f}", v) : fmt::format("{:.4f} ms", v * 1e3);
}

// Equal values (the same optimum) up to the solvers' tolerance.
bool Same(double a, double b) { return std::abs(a - b) <= 1e-6 * std::max(1.0, std::abs(a)); }

// The speed-up of rl-ilp over the cold ilp where both proved the same optimum; 0 otherwise.
double Speedup(const RlIlpRow& row) {
  if (!row.cold.proven || !row.rl_ilp.proven || !Same(row.cold.value, row.rl_ilp.value)) return 0;
  return row.cold.seconds / std::max(1e-3, row.rl_ilp.seconds);
}

double PhaseSeconds(const RlIlpRun& run, const char* name) {
  for (const auto& p : run.phases)
    if (p.name == name) return p.seconds;
  return 0;
}

double PhaseValue(const RlIlpRun& run, const char* name) {
  for (const auto& p : run.phases)
    if (p.name == name) return p.value;
  return 0;
}

std::string Run(const RlIlpRow& row, const RlIlpRun& run) {
  if (!run.ok) return "none: " + run.note;
  return fmt::format("{} {} {:.1f} s", Value(row, run.value),
                     run.proven ? "**proven**" : "unproven", run.seconds);
}

}  // namespace

nlohmann::json RlIlpSuiteJson(const RlIlpSuiteResult& r) {
  nlohmann::json rows = nlohmann::json::array();
  auto run_json = [](const RlIlpRun& run) {
    nlohmann::json j = {{"ok", run.ok},         {"value", run.value},     {"bound", run.bound},
                        {"proven", run.proven}, {"seconds", run.seconds}, {"note", run.note}};
    nlohmann::json phases = nlohmann::json::array();
    for (const auto& p : run.phases)
      phases.push_back({{"name", p.name},
                        {"seconds", p.seconds},
                        {"value", p.value},
                        {"bound", p.bound},
                        {"status", p.status}});
    if (!run.phases.empty()) j["phases"] = phases;
    return j;
  };
  for (const auto& row : r.rows)
    rows.push_back({{"instance", row.instance.name},
                    {"spec", row.instance.spec},
                    {"objective", ObjectiveName(row.instance.objective)},
                    {"stages", row.instance.stages},
                    {"paper_lambda", row.instance.paper_lambda},
                    {"nodes", row.nodes},
                    {"cold_ilp", run_json(row.cold)},
                    {"rl_ilp", run_json(row.rl_ilp)},
                    {"speedup", Speedup(row)}});
  return {{"suite", "rl-ilp"},
          {"device", r.options.device},
          {"time_limit_s", r.options.time_limit_s},
          {"window", r.options.window},
          {"rows", rows}};
}

std::string RlIlpSuiteMarkdown(const RlIlpSuiteResult& r, const std::string& command,
                               const std::string& chart) {
  const auto& o = r.options;
  std::string md = fmt::format(
      "# respect bench --suite rl-ilp\n\nProduced by `{}` (device profile `{}`, `--time-limit {}` "
      "s for each "
      "method, window {}). **cold ilp**: CBC on the full model with no incumbent. **rl-ilp**: the "
      "learned schedule; where the graph's downsets fit the lattice cap, the lattice DP certifies "
      "it; for the paper objective, the cut walk from below (walks deepening from the fewest "
      "crossings up to the learned schedule's value) certifies before any window; otherwise the "
      "window solve around it (warm-started from it), then certification of the full problem (the "
      "lower bounds, the cut walk from the window's schedule, and the full ilp from the "
      "incumbent). The rl / window / certify columns give each phase's seconds (a window skipped: "
      "0; a cut walk from below that did not finish is in the JSON's `walk` phase). Times are wall "
      "seconds to return; speed-up = cold / rl-ilp where both prove the same optimum.\n\n",
      command, o.device, o.time_limit_s,
      o.window < 0 ? std::string("default") : fmt::format("+-{}", o.window));
  if (!chart.empty())
    md += fmt::format("![time to return, cold ilp against rl-ilp]({})\n\n", chart);
  md +=
      "| instance | objective | K | nodes | cold ilp | rl-ilp | rl value | window value | rl / "
      "window / certify s | "
      "speed-up |\n|---|---|---|---|---|---|---|---|---|---|\n";
  int both = 0, rl_only = 0, cold_only = 0, neither = 0, mismatch = 0;
  double log_sum = 0;
  int speedups = 0;
  for (const auto& row : r.rows) {
    const double s = Speedup(row);
    if (s > 0) {
      log_sum += std::log(s);
      ++speedups;
    }
    const bool cp = row.cold.proven, rp = row.rl_ilp.proven;
    both += cp && rp;
    rl_only += rp && !cp;
    cold_only += cp && !rp;
    neither += !cp && !rp;
    mismatch += cp && rp && !Same(row.cold.value, row.rl_ilp.value);
    md += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {:.1f} / {:.1f} / {:.1f} | {} |\n",
                      row.instance.name, ObjectiveName(row.instance.objective), row.instance.stages,
                      row.nodes, Run(row, row.cold), Run(row, row.rl_ilp),
                      row.rl_ilp.ok ? Value(row, PhaseValue(row.rl_ilp, "rl")) : "-",
                      row.rl_ilp.ok && PhaseValue(row.rl_ilp, "window") > 0
                          ? Value(row, PhaseValue(row.rl_ilp, "window"))
                          : "-",
                      PhaseSeconds(row.rl_ilp, "rl"), PhaseSeconds(row.rl_ilp, "window"),
                      PhaseSeconds(row.rl_ilp, "certify"),
                      s > 0 ? fmt::format("{:.2f}x", s) : std::string("-"));
  }
  md += fmt::format(
      "\n## Summary\n\n- both proved the optimum: {} of {} instances{}; geometric-mean speed-up "
      "{}\n"
      "- only rl-ilp proved it: {}; only the cold ilp: {}; neither: {}\n",
      both, r.rows.size(),
      mismatch ? fmt::format(" (**{} with different values**)", mismatch) : std::string(),
      speedups ? fmt::format("{:.2f}x", std::exp(log_sum / speedups)) : std::string("-"), rl_only,
      cold_only, neither);
  return md;
}

std::string RlIlpTimeChartSvg(const RlIlpSuiteResult& r) {
  const int rows = static_cast<int>(r.rows.size());
  const int bar = 9, gap = 8, left = 290, right = 40, top = 50;
  const int w = 760, h = top + rows * (2 * bar + gap) + 50;
  double tmax = r.options.time_limit_s * 1.1, tmin = 0.01;
  auto X = [&](double t) {
    const double f =
        (std::log10(std::max(t, tmin)) - std::log10(tmin)) / (std::log10(tmax) - std::log10(tmin));
    return left + f * (w - left - right);
  };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" "
      "font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"10\" "
      "y=\"20\" "
      "font-size=\"14\">Seconds to return (log scale; filled = proven optimal, hollow = not "
      "proven)</text>\n"
      "<rect x=\"{}\" y=\"28\" width=\"10\" height=\"10\" fill=\"#7570b3\"/><text x=\"{}\" "
      "y=\"37\">cold ilp</text>\n"
      "<rect x=\"{}\" y=\"28\" width=\"10\" height=\"10\" fill=\"#1b9e77\"/><text x=\"{}\" "
      "y=\"37\">rl-ilp</text>\n",
      w, h, left, left + 14, left + 90, left + 104);
  for (double e = std::log10(tmin); e <= std::log10(tmax) + 1e-9; e += 1) {
    const double x = X(std::pow(10, e));
    svg += fmt::format(
        "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"#ddd\"/><text x=\"{:.1f}\" "
        "y=\"{}\" text-anchor=\"middle\">{:g} s</text>\n",
        x, x, top - 4, h - 40, x, h - 26, std::pow(10, e));
  }
  const double lx = X(r.options.time_limit_s);
  svg += fmt::format(
      "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"#c00\" stroke-dasharray=\"4 "
      "3\"/>\n",
      lx, lx, top - 4, h - 40);
  for (int i = 0; i < rows; ++i) {
    const RlIlpRow& row = r.rows[i];
    const int y = top + i * (2 * bar + gap);
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{} {} K={}</text>\n", left - 6,
                       y + bar + 4, row.instance.name, ObjectiveName(row.instance.objective),
                       row.instance.stages);
    const RlIlpRun* runs[2] = {&row.cold, &row.rl_ilp};
    const char* colors[2] = {"#7570b3", "#1b9e77"};
    for (int k = 0; k < 2; ++k) {
      const RlIlpRun& run = *runs[k];
      if (run.seconds <= 0) continue;
      const double x1 = X(run.seconds);
      svg += fmt::format(
          "<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\" stroke=\"{}\" "
          "fill-opacity=\"{}\"><title>{:.2f} s{}</title></rect>\n",
          left, y + k * bar, std::max(1.0, x1 - left), bar - 1, colors[k], colors[k],
          run.proven ? 1.0 : 0.15, run.seconds, run.proven ? ", proven" : ", not proven");
    }
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace respect
