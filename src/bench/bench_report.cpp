#include "bench/bench_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace respect {
namespace {

double Gap(double value, double bound) {
  return value > 0 ? std::max(0.0, (value - bound) / value) : 0;
}

nlohmann::json RunJson(const BenchRun& r, const BenchInstance& inst, bool seconds) {
  nlohmann::json j = {{"method", r.method},
                      {"objective_value", r.value},
                      {"lower_bound", r.lower_bound},
                      {"proven_optimal", r.proven_optimal},
                      {"solve_seconds", r.solve_s},
                      {"gap_to_best_bound", Gap(r.value, inst.best_bound)},
                      {"max_stage_bytes", r.max_stage_bytes},
                      {"crossings", r.crossings},
                      {"valid", r.valid},
                      {"engine", r.engine},
                      {"note", r.note}};
  if (seconds) {
    j["period_ms"] = r.value * 1e3;
    j["speedup_vs_compiler"] = r.value > 0 ? inst.compiler / r.value : 0;
  }
  return j;
}

}  // namespace

double GeoMean(const std::vector<double>& v) {
  if (v.empty()) return 0;
  double s = 0;
  for (double x : v) s += std::log(x);
  return std::exp(s / static_cast<double>(v.size()));
}

nlohmann::json PaperSuiteJson(const PaperSuiteResult& r) {
  nlohmann::json j = {{"suite", "paper"},
                      {"device", r.device},
                      {"time_limit_s", r.time_limit_s},
                      {"paper_lambda", r.paper_lambda}};
  for (const auto& [key, list, seconds] : {std::tuple{"throughput", &r.throughput, true},
                                           std::tuple{"paper_objective", &r.paper, false}}) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& inst : *list) {
      nlohmann::json runs = nlohmann::json::array();
      for (const auto& run : inst.runs) runs.push_back(RunJson(run, inst, seconds));
      rows.push_back({{"model", inst.model},
                      {"stages", inst.stages},
                      {"best_bound", inst.best_bound},
                      {"downsets", inst.downsets},
                      {"width", inst.width},
                      {"runs", runs}});
    }
    j[key] = rows;
  }
  return j;
}

std::string PaperSuiteMarkdown(const PaperSuiteResult& r, const std::string& command,
                               const std::vector<std::string>& charts) {
  std::string md = fmt::format(
      "# respect bench --suite paper\n\nProduced by `{}` (device profile `{}`, time limit {} s "
      "per ilp or exact solve). Every period comes from the cost model's one evaluator; `gap` is "
      "to "
      "the best bound proved for that instance. `exact` is the dynamic program over the graph's "
      "lattice of downsets: when it finishes, its answer is optimal over every valid schedule "
      "and every order inside each stage (each stage runs its best caching order; with host "
      "fallback or shared constants, over stages run in the model's execution order, as the ilp's "
      "bound is); where the lattice exceeds the cap it hands over to the cut walk (paper "
      "objective) and the "
      "ilp. Both start from the "
      "best heuristic, which may run "
      "in an order of its own and is kept when nothing beats it. `downsets` is the size of the "
      "lattice (`>cap` when over `--lattice-cap`), `w` the graph's width.\n\n",
      command, r.device, r.time_limit_s);
  md += "## Throughput: the RESPECT paper's ten models (zoo, fused int8 granularity)\n\n";
  for (const auto& chart : charts)
    md += fmt::format("![speed-up over the compiler]({})\n\n", chart);
  std::vector<int> stages;
  for (const auto& inst : r.throughput)
    if (std::find(stages.begin(), stages.end(), inst.stages) == stages.end())
      stages.push_back(inst.stages);
  auto lattice = [](const BenchInstance& inst) {
    return inst.downsets < 0 ? std::string(">cap") : fmt::format("{}", inst.downsets);
  };
  for (int K : stages) {
    md += fmt::format(
        "### K = {}\n\nperiod ms (speed-up over compiler) [gap to best bound]\n\n| model | "
        "downsets (w) |",
        K);
    for (const auto& m : r.methods) md += " " + m + " |";
    md += " ilp proven | ilp s | exact proven | exact s |\n|---|---|";
    for (size_t i = 0; i < r.methods.size() + 4; ++i) md += "---|";
    md += "\n";
    for (const auto& inst : r.throughput) {
      if (inst.stages != K) continue;
      md += fmt::format("| {} | {} ({}) |", inst.model, lattice(inst), inst.width);
      for (const auto& m : r.methods) {
        const BenchRun* run = inst.Find(m);
        md += run ? fmt::format(" {:.3f} ({:.2f}x) [{:.1f}%] |", run->value * 1e3,
                                inst.compiler / run->value, 100 * Gap(run->value, inst.best_bound))
                  : " - |";
      }
      for (const char* m : {"ilp", "exact"}) {
        const BenchRun* run = inst.Find(m);
        md += run ? fmt::format(" {} | {:.2f} |", run->proven_optimal ? "yes" : "no", run->solve_s)
                  : " - | - |";
      }
      md += "\n";
    }
    md += "| geometric mean speed-up | |";
    for (const auto& m : r.methods) {
      std::vector<double> s;
      for (const auto& inst : r.throughput)
        if (const BenchRun* run = inst.stages == K ? inst.Find(m) : nullptr)
          s.push_back(inst.compiler / run->value);
      md += fmt::format(" {:.2f}x |", GeoMean(s));
    }
    md += " | | | |\n\n";
  }
  for (const char* method : {"ilp", "exact"}) {
    int proven = 0, count = 0;
    double proven_time = 0, max_time = 0;
    for (const auto& inst : r.throughput)
      if (const BenchRun* run = inst.Find(method)) {
        ++count;
        if (run->proven_optimal) {
          ++proven;
          proven_time += run->solve_s;
          max_time = std::max(max_time, run->solve_s);
        }
      }
    md +=
        fmt::format("{} proved {} of {} instances optimal{}.\n\n", method, proven, count,
                    proven ? fmt::format(" (mean {:.2f} s, at most {:.2f} s, per proven instance)",
                                         proven_time / proven, max_time)
                           : "");
  }
  // exact against the ilp where both proved the optimum, and where exact found a faster pipeline.
  std::vector<double> speedups;
  std::string better;
  for (const auto& inst : r.throughput) {
    const BenchRun *ilp = inst.Find("ilp"), *exact = inst.Find("exact"), *dp = inst.Find("dp");
    if (!ilp || !exact) continue;
    if (ilp->proven_optimal && exact->proven_optimal && exact->solve_s > 0)
      speedups.push_back(ilp->solve_s / exact->solve_s);
    const double before = std::min(ilp->value, dp ? dp->value : ilp->value);
    if (exact->value < before * (1 - 1e-9))
      better += fmt::format("- {} K={}: {:.3f} ms against {:.3f} ms ({:.2f}% faster)\n", inst.model,
                            inst.stages, exact->value * 1e3, before * 1e3,
                            100 * (before - exact->value) / before);
  }
  if (!speedups.empty())
    md += fmt::format(
        "On the {} instances both proved, exact reached the proof {:.0f}x faster than the ilp "
        "(geometric mean; from {:.0f}x to {:.0f}x).\n\n",
        speedups.size(), GeoMean(speedups), *std::min_element(speedups.begin(), speedups.end()),
        *std::max_element(speedups.begin(), speedups.end()));
  md += better.empty() ? "exact found no faster pipeline than dp and the ilp: their schedules were "
                         "already optimal.\n\n"
                       : "Instances where exact found a faster pipeline than dp and the ilp:\n\n" +
                             better + "\n";
  if (r.paper.empty()) return md;
  md += fmt::format(
      "## Paper objective on the RESPECT authors' graphs\n\nlambda x (largest stage's parameter "
      "MiB) + boundary crossings, lambda = {}; the authors' bytes are float32 (4 x parameters). "
      "Each cell: score = max stage MiB + crossings. `published` is the best of the authors' "
      "partitions (their encoder/decoder variants) for that K; invalid ones (an edge pointing "
      "backwards) are marked. `proven by`: lattice (exact's DP finished), cut walk (the lattice is "
      "over the cap and the cut walk finished), ilp (the ilp proved it) or no.\n\n| graph | "
      "downsets (w) | K | published | compiler "
      "| list | dp | rl | ilp | exact | ilp proven | ilp s | proven by | exact s |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
      r.paper_lambda);
  auto cell = [](const BenchRun* run) {
    if (!run) return std::string("-");
    return fmt::format("{:.2f} = {:.2f} + {}{}", run->value, run->max_stage_bytes / 1048576.0,
                       run->crossings, run->valid ? "" : " (invalid)");
  };
  int best_better = 0, compared = 0, by_lattice = 0, by_walk = 0, by_ilp = 0;
  for (const auto& inst : r.paper) {
    const BenchRun* pub = nullptr;
    for (const auto& run : inst.runs)
      if (run.method.rfind("published:", 0) == 0 && (!pub || run.value < pub->value)) pub = &run;
    const BenchRun *ilp = inst.Find("ilp"), *exact = inst.Find("exact");
    const BenchRun* best = exact ? exact : ilp;
    if (pub && best) {
      ++compared;
      best_better += best->value < pub->value - 1e-9;
    }
    std::string proven_by = "no";
    if (exact && exact->proven_optimal) {
      if (!exact->handed_over) {
        proven_by = "lattice";
        ++by_lattice;
      } else if (exact->engine == "cut-walk") {
        proven_by = "cut walk";
        ++by_walk;
      } else {
        proven_by = "ilp";
        ++by_ilp;
      }
    }
    md += fmt::format(
        "| {} | {} ({}) | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1f} | {} | {:.2f} |\n",
        inst.model, lattice(inst), inst.width, inst.stages, cell(pub), cell(inst.Find("compiler")),
        cell(inst.Find("list")), cell(inst.Find("dp")), cell(inst.Find("rl")), cell(ilp),
        cell(exact), ilp && ilp->proven_optimal ? "yes" : "no", ilp ? ilp->solve_s : 0.0, proven_by,
        exact ? exact->solve_s : 0.0);
  }
  md += fmt::format(
      "\nexact proved {} of {} instances optimal: {} by the lattice DP, {} by the cut walk, {} by "
      "the ilp it hands over to. Its score is better than the authors' best published partition "
      "on {} of {} instances.\n",
      by_lattice + by_walk + by_ilp, r.paper.size(), by_lattice, by_walk, by_ilp, best_better,
      compared);
  return md;
}

std::string SpeedupChartSvg(const PaperSuiteResult& r, int K) {
  std::vector<const BenchInstance*> rows;
  for (const auto& inst : r.throughput)
    if (inst.stages == K) rows.push_back(&inst);
  std::vector<std::string> series;
  for (const auto& m : r.methods)
    if (m != "compiler") series.push_back(m);
  double top = 1;
  for (const auto* inst : rows)
    for (const auto& m : series)
      if (const BenchRun* run = inst->Find(m)) top = std::max(top, inst->compiler / run->value);
  top = std::ceil(top * 2) / 2;
  const int w = std::max(560, 120 + 90 * static_cast<int>(rows.size())), h = 360, left = 60,
            bottom = 300, plot_h = 260;
  const char* colors[] = {"#8da0cb", "#66c2a5", "#fc8d62", "#e78ac3", "#a6d854", "#ffd92f"};
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" "
      "font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{}\" y=\"18\" font-size=\"14\">Speed-up over Coral's compiler partition, K = {} "
      "({} profile)</text>\n",
      w, h, left, K, r.device);
  auto y_of = [&](double v) { return bottom - v / top * plot_h; };
  for (double v = 0; v <= top + 1e-9; v += 0.5) {
    svg += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"/>\n"
        "<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{:.1f}x</text>\n",
        left, w - 10, y_of(v), y_of(v), v == 1.0 ? "#333" : "#ddd", left - 4, y_of(v) + 4, v);
  }
  const double group = 90, bar = (group - 20) / static_cast<double>(series.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const double x0 = left + 10 + group * static_cast<double>(i);
    for (size_t s = 0; s < series.size(); ++s) {
      const BenchRun* run = rows[i]->Find(series[s]);
      if (!run) continue;
      const double v = rows[i]->compiler / run->value;
      svg += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\">"
          "<title>{} {}: {:.2f}x</title></rect>\n",
          x0 + bar * static_cast<double>(s), y_of(v), bar - 1, bottom - y_of(v), colors[s % 6],
          rows[i]->model, series[s], v);
    }
    svg += fmt::format(
        "<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"end\" transform=\"rotate(-30 {:.1f} "
        "{})\">{}</text>\n",
        x0 + group / 2, bottom + 14, x0 + group / 2, bottom + 14, rows[i]->model);
  }
  for (size_t s = 0; s < series.size(); ++s)
    svg += fmt::format(
        "<rect x=\"{}\" y=\"28\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" "
        "y=\"37\">{}</text>\n",
        left + 10 + 90 * static_cast<int>(s), colors[s % 6], left + 24 + 90 * static_cast<int>(s),
        series[s]);
  svg += "</svg>\n";
  return svg;
}

namespace {

// The runs of one graph for one (objective, K), and their best bound.
std::vector<const ScaleRun*> RunsOf(const ScaleGraph& g, const std::string& objective, int K,
                                    double* best_bound) {
  std::vector<const ScaleRun*> runs;
  *best_bound = 0;
  for (const auto& run : g.runs)
    if (run.objective == objective && run.stages == K) {
      runs.push_back(&run);
      if (run.ok) *best_bound = std::max(*best_bound, run.lower_bound);
    }
  return runs;
}

std::vector<std::pair<std::string, int>> ScaleCases(const ScaleSuiteResult& r) {
  std::vector<std::pair<std::string, int>> cases;
  for (const auto& g : r.graphs)
    for (const auto& run : g.runs)
      if (std::find(cases.begin(), cases.end(), std::pair{run.objective, run.stages}) ==
          cases.end())
        cases.push_back({run.objective, run.stages});
  return cases;
}

}  // namespace

nlohmann::json ScaleSuiteJson(const ScaleSuiteResult& r) {
  nlohmann::json graphs = nlohmann::json::array();
  for (const auto& g : r.graphs) {
    nlohmann::json runs = nlohmann::json::array();
    for (const auto& run : g.runs) {
      double best_bound = 0;
      RunsOf(g, run.objective, run.stages, &best_bound);
      runs.push_back({{"method", run.method},
                      {"objective", run.objective},
                      {"stages", run.stages},
                      {"ok", run.ok},
                      {"objective_value", run.value},
                      {"lower_bound", run.lower_bound},
                      {"gap_to_best_bound", run.ok ? Gap(run.value, best_bound) : 1.0},
                      {"proven_optimal", run.proven_optimal},
                      {"wall_seconds", run.wall_s},
                      {"peak_rss_mib", run.peak_rss_kb / 1024.0},
                      {"note", run.note}});
    }
    graphs.push_back({{"graph", g.name}, {"nodes", g.nodes}, {"edges", g.edges}, {"runs", runs}});
  }
  return {{"suite", "scale"},
          {"device", r.options.device},
          {"time_limit_s", r.options.time_limit_s},
          {"stages", r.options.stages},
          {"paper_lambda", r.options.paper_lambda},
          {"graphs", graphs}};
}

std::string ScaleSuiteMarkdown(const ScaleSuiteResult& r, const std::string& command,
                               const std::string& chart) {
  const auto& o = r.options;
  std::string md = fmt::format(
      "# respect bench --suite scale\n\nProduced by `{}` (device profile `{}`, `--time-limit {}` "
      "for every "
      "method). Each run is `respect schedule GRAPH -k K --method M` in a child process: wall time "
      "includes reading the graph; peak memory is the child's resident maximum. The paper "
      "objective "
      "is the ICML'24 setting: {} stages, lambda = {} per MiB (100 per byte) against one crossing. "
      "`gap` is to the best bound any method proved for that row.\n\n",
      command, o.device, o.time_limit_s, o.paper_stages, o.paper_lambda);
  if (!chart.empty()) md += fmt::format("![wall time against graph size]({})\n\n", chart);
  for (const auto& [objective, K] : ScaleCases(r)) {
    md += fmt::format(
        "## {} objective, K = {}\n\nvalue{} [gap] / wall s / peak MiB\n\n| graph | nodes |",
        objective, K, objective == "paper" ? "" : " ms");
    for (const auto& m : o.methods) md += " " + m + " |";
    md += "\n|---|---|";
    for (size_t i = 0; i < o.methods.size(); ++i) md += "---|";
    md += "\n";
    for (const auto& g : r.graphs) {
      double best_bound = 0;
      const auto runs = RunsOf(g, objective, K, &best_bound);
      md += fmt::format("| {} | {} |", g.name, g.nodes);
      for (const auto& m : o.methods) {
        const ScaleRun* run = nullptr;
        for (const auto* x : runs)
          if (x->method == m) run = x;
        if (!run)
          md += " - |";
        else if (!run->ok)
          md += fmt::format(" failed ({:.1f} s) |", run->wall_s);
        else
          md += fmt::format(" {} [{:.1f}%] / {:.1f} / {:.0f} |",
                            objective == "paper" ? fmt::format("{:.0f}", run->value)
                                                 : fmt::format("{:.1f}", run->value * 1e3),
                            100 * Gap(run->value, best_bound), run->wall_s,
                            run->peak_rss_kb / 1024.0);
      }
      md += "\n";
    }
    md += "\n";
  }
  // Per method: the slowest run and the largest memory, against the promise.
  md +=
      "## Limits\n\n| method | slowest run s | largest peak MiB | runs | failed "
      "|\n|---|---|---|---|---|\n";
  for (const auto& m : o.methods) {
    double slow = 0, mem = 0;
    int runs = 0, failed = 0;
    for (const auto& g : r.graphs)
      for (const auto& run : g.runs)
        if (run.method == m) {
          ++runs;
          failed += !run.ok;
          slow = std::max(slow, run.wall_s);
          mem = std::max(mem, run.peak_rss_kb / 1024.0);
        }
    md += fmt::format("| {} | {:.1f} | {:.0f} | {} | {} |\n", m, slow, mem, runs, failed);
  }
  md += fmt::format(
      "\nThe promise: every run returns within the time limit ({} s) plus the time to read the "
      "graph and a small allowance (README: \"Time limits\").\n",
      o.time_limit_s);
  return md;
}

std::string ScaleTimeChartSvg(const ScaleSuiteResult& r) {
  // Mean wall time per (method, graph size) over the throughput rows, log-log.
  const auto& methods = r.options.methods;
  std::map<std::string, std::map<int, std::pair<double, int>>> acc;
  double tmin = 1e9, tmax = 0;
  int nmin = 1 << 30, nmax = 0;
  for (const auto& g : r.graphs)
    for (const auto& run : g.runs)
      if (run.ok && run.objective == "throughput") {
        auto& a = acc[run.method][g.nodes];
        a.first += run.wall_s;
        a.second += 1;
      }
  for (auto& [m, by_n] : acc)
    for (auto& [n, a] : by_n) {
      const double t = std::max(1e-3, a.first / a.second);
      tmin = std::min(tmin, t);
      tmax = std::max(tmax, t);
      nmin = std::min(nmin, n);
      nmax = std::max(nmax, n);
    }
  if (acc.empty())
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>\n";
  const double lt0 = std::floor(std::log10(tmin)), lt1 = std::ceil(std::log10(tmax) + 1e-9);
  const double ln0 = std::floor(std::log10(nmin)), ln1 = std::ceil(std::log10(nmax) + 1e-9);
  const int w = 620, h = 400, left = 70, right = 150, top = 40, bottom = 340;
  auto X = [&](double n) {
    return left + (std::log10(n) - ln0) / std::max(1e-9, ln1 - ln0) * (w - left - right);
  };
  auto Y = [&](double t) {
    return bottom - (std::log10(t) - lt0) / std::max(1e-9, lt1 - lt0) * (bottom - top);
  };
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" "
      "font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{}\" "
      "y=\"20\" "
      "font-size=\"14\">Wall time against graph size (throughput, mean over K; limit {} "
      "s)</text>\n",
      w, h, left, r.options.time_limit_s);
  for (double e = lt0; e <= lt1 + 1e-9; e += 1)
    svg += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/><text x=\"{}\" "
        "y=\"{:.1f}\" "
        "text-anchor=\"end\">{:g} s</text>\n",
        left, w - right, Y(std::pow(10, e)), Y(std::pow(10, e)), left - 4, Y(std::pow(10, e)) + 4,
        std::pow(10, e));
  for (double e = ln0; e <= ln1 + 1e-9; e += 1)
    svg += fmt::format(
        "<line x1=\"{:.1f}\" x2=\"{:.1f}\" y1=\"{}\" y2=\"{}\" stroke=\"#ddd\"/><text x=\"{:.1f}\" "
        "y=\"{}\" "
        "text-anchor=\"middle\">{:g}</text>\n",
        X(std::pow(10, e)), X(std::pow(10, e)), top, bottom, X(std::pow(10, e)), bottom + 16,
        std::pow(10, e));
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">operators</text>\n",
                     (left + w - right) / 2, bottom + 34);
  if (r.options.time_limit_s >= std::pow(10, lt0) && r.options.time_limit_s <= std::pow(10, lt1))
    svg += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#c00\" "
        "stroke-dasharray=\"4 3\"/>\n",
        left, w - right, Y(r.options.time_limit_s), Y(r.options.time_limit_s));
  const char* colors[] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"};
  for (size_t mi = 0; mi < methods.size(); ++mi) {
    auto it = acc.find(methods[mi]);
    if (it == acc.end()) continue;
    std::string points;
    for (const auto& [n, a] : it->second) {
      const double t = std::max(1e-3, a.first / a.second);
      points += fmt::format("{:.1f},{:.1f} ", X(n), Y(t));
      svg += fmt::format(
          "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"><title>{} {} ops: {:.2f} "
          "s</title></circle>\n",
          X(n), Y(t), colors[mi % 6], methods[mi], n, t);
    }
    svg += fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n",
                       points, colors[mi % 6]);
    svg += fmt::format(
        "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{}\" "
        "y=\"{}\">{}</text>\n",
        w - right + 15, top + 18 * static_cast<int>(mi), colors[mi % 6], w - right + 30,
        top + 9 + 18 * static_cast<int>(mi), methods[mi]);
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace respect
