#include "bench/certify_suite.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "bench/bench_report.h"
#include "models/model_source.h"

namespace respect {

std::vector<std::string> DefaultCertifyGraphs(const std::string& dag_dir,
                                              const std::string& graphs_dir) {
  std::vector<std::string> out;
  for (const char* stem : {"rand_graph_1000_1", "rand_graph_5000_1", "rand_graph_10000_1"})
    out.push_back(dag_dir + "/" + stem + ".gml");
  for (const char* stem : {"NASNet", "inception_v3", "inception_resnet_v2"})
    out.push_back(graphs_dir + "/" + stem + ".json");
  // Real wide models with their activations (the authors' dumps carry parameters only): the
  // zoo's NASNet-A Mobile and RandWire.
  for (const char* name : {"zoo:nasnet_mobile", "zoo:randwire"}) out.push_back(name);
  return out;
}

Result<CertifySuiteResult> RunCertifySuite(const CertifySuiteOptions& o) {
  auto device = LoadDeviceProfile(o.device);
  if (!device) return device.error();
  if (o.graphs.empty()) return Error{"certify: no graphs"};
  CertifySuiteResult out;
  out.options = o;
  for (size_t gi = 0; gi < o.graphs.size(); ++gi) {
    const std::string& path = o.graphs[gi];
    const bool zoo = path.rfind("zoo:", 0) == 0;
    if (!zoo && !std::filesystem::exists(path))
      return Error{fmt::format("{}: no such graph", path)};
    auto g = LoadModel(path);
    if (!g) return g.error();
    for (int K : o.stages) {
      CertifyInstance inst;
      inst.graph = zoo ? path : std::filesystem::path(path).stem().string();
      inst.nodes = g->num_ops();
      inst.edges = g->num_edges();
      inst.stages = K;
      if (K > inst.nodes) continue;
      for (const auto& method : o.methods) {
        if (o.progress)
          o.progress(fmt::format("[{}/{}] {} ({} operators) K={} {}", gi + 1, o.graphs.size(),
                                 inst.graph, inst.nodes, K, method));
        ScheduleRequest req(K);
        req.time_limit_s = o.time_limit_s;
        ScaleRun run = RunMethodInChild(path, *device, method, req);
        if (run.ok) {
          if (inst.best_value == 0 || run.value < inst.best_value) inst.best_value = run.value;
          if (run.lower_bound > inst.best_bound) {
            inst.best_bound = run.lower_bound;
            inst.bound_from = run.bound_from;
          }
          inst.proven |= run.proven_optimal;
        }
        inst.runs.push_back(std::move(run));
      }
      // A bound proven by one method holds for every schedule: the best bound can meet
      // another method's value.
      inst.best_bound = std::min(inst.best_bound, inst.best_value);
      if (inst.best_value > 0 && inst.best_bound >= inst.best_value * (1 - 1e-9))
        inst.proven = true;
      out.instances.push_back(std::move(inst));
    }
  }
  return out;
}

nlohmann::json CertifySuiteJson(const CertifySuiteResult& r) {
  nlohmann::json j;
  j["suite"] = "certify";
  j["device"] = r.options.device;
  j["time_limit_s"] = r.options.time_limit_s;
  j["methods"] = r.options.methods;
  nlohmann::json insts = nlohmann::json::array();
  for (const auto& in : r.instances) {
    nlohmann::json runs = nlohmann::json::array();
    for (const auto& run : in.runs)
      runs.push_back({{"method", run.method},
                      {"ok", run.ok},
                      {"period_ms", run.value * 1e3},
                      {"lower_bound_ms", run.lower_bound * 1e3},
                      {"lower_bound_from", run.bound_from},
                      {"proven_optimal", run.proven_optimal},
                      {"wall_s", run.wall_s},
                      {"peak_rss_kb", run.peak_rss_kb},
                      {"note", run.note}});
    insts.push_back({{"graph", in.graph},
                     {"operators", in.nodes},
                     {"edges", in.edges},
                     {"stages", in.stages},
                     {"best_period_ms", in.best_value * 1e3},
                     {"best_bound_ms", in.best_bound * 1e3},
                     {"bound_from", in.bound_from},
                     {"bound_over_best", in.ratio()},
                     {"proven_optimal", in.proven},
                     {"runs", runs}});
  }
  j["instances"] = insts;
  return j;
}

std::string CertifySuiteMarkdown(const CertifySuiteResult& r, const std::string& command,
                                 const std::string& chart) {
  const auto& o = r.options;
  std::string md = "# Certify bench: how close to optimal each answer is proven\n\n";
  md += fmt::format("Produced by `{}` (device `{}`, throughput, {} s per run, methods {}).\n\n",
                    command, o.device, o.time_limit_s, fmt::join(o.methods, ", "));
  md +=
      "Each row: the best period any method found, the best lower bound any method proved (a "
      "bound holds for every schedule) and where it comes from: `simple` (work over K, "
      "uncached parameters, the host), `head-tail` (operators' ancestors and descendants must "
      "fit the stages before and after them; whole operators), `host-cut` (the fewest bytes a "
      "boundary moves, over the host's controllers), `boundary` (no stage boundary leaves both "
      "sides able to fit, with the activations crossing it), `lattice` or `bound` (proven "
      "optimal), `ilp` (CBC's bound). bound/best = 1 is a certified optimum "
      "(docs/scheduling.md, \"Certificates\").\n\n";
  int proven = 0;
  std::vector<double> ratios;
  for (const auto& in : r.instances) {
    proven += in.proven;
    if (in.best_value > 0) ratios.push_back(in.ratio());
  }
  md +=
      fmt::format("**{} of {} instances proven optimal; geometric mean of bound/best {:.3f}.**\n\n",
                  proven, r.instances.size(), GeoMean(ratios));
  if (!chart.empty()) md += fmt::format("![bound over best period]({})\n\n", chart);
  md += "| graph | ops | K | best period ms | bound ms | from | bound/best | proven |";
  for (const auto& m : o.methods) md += fmt::format(" {} ms | {} bound | {} s |", m, m, m);
  md += "\n|---|---|---|---|---|---|---|---|";
  for (size_t i = 0; i < o.methods.size(); ++i) md += "---|---|---|";
  md += "\n";
  for (const auto& in : r.instances) {
    md += fmt::format("| {} | {} | {} | {:.4f} | {:.4f} | {} | {:.3f} | {} |", in.graph, in.nodes,
                      in.stages, in.best_value * 1e3, in.best_bound * 1e3, in.bound_from,
                      in.ratio(), in.proven ? "yes" : "no");
    for (const auto& run : in.runs) {
      if (!run.ok) {
        md += fmt::format(" failed | | {:.1f} |", run.wall_s);
        continue;
      }
      md += fmt::format(" {:.4f}{} | {:.4f} ({}) | {:.2f} |", run.value * 1e3,
                        run.proven_optimal ? "*" : "", run.lower_bound * 1e3, run.bound_from,
                        run.wall_s);
    }
    md += "\n";
  }
  md +=
      "\n`*`: the method proved its answer optimal. Wall time includes loading the graph (and "
      "decoding with the learned policy where a method seeds from it).\n";
  md += "\n## Notes per run\n\n";
  for (const auto& in : r.instances)
    for (const auto& run : in.runs)
      md += fmt::format("- {} K={} {}: {}\n", in.graph, in.stages, run.method, run.note);
  return md;
}

std::string CertifyChartSvg(const CertifySuiteResult& r) {
  const int n = static_cast<int>(r.instances.size());
  const int bar = 16, gap = 4, left = 60, top = 40, h = 220, bottom = top + h;
  const int w = left + n * (bar + gap) + 140;  // room for the last rotated labels
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" "
      "font-family=\"sans-serif\" font-size=\"10\">\n<rect width=\"100%\" height=\"100%\" "
      "fill=\"white\"/>\n<text x=\"{}\" y=\"20\" font-size=\"13\">Lower bound / best period "
      "(1 = proven optimal; {} s per run, {})</text>\n",
      w, bottom + 110, left, r.options.time_limit_s, r.options.device);
  auto Y = [&](double v) { return bottom - std::clamp(v, 0.0, 1.0) * h; };
  for (double v = 0; v <= 1.0001; v += 0.25)
    svg += fmt::format(
        "<line x1=\"{}\" x2=\"{}\" y1=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#ddd\"/><text x=\"{}\" "
        "y=\"{:.1f}\" text-anchor=\"end\">{:.2f}</text>\n",
        left, w - 20, Y(v), Y(v), left - 4, Y(v) + 3, v);
  for (int i = 0; i < n; ++i) {
    const auto& in = r.instances[i];
    const double x = left + i * (bar + gap) + gap;
    const double v = in.ratio();
    svg += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{}\" height=\"{:.1f}\" fill=\"{}\"><title>{} "
        "K={}: bound {:.4f} ms / best {:.4f} ms = {:.3f} ({})</title></rect>\n",
        x, Y(v), bar, bottom - Y(v), in.proven ? "#2a7" : "#d84", in.graph, in.stages,
        in.best_bound * 1e3, in.best_value * 1e3, v, in.bound_from);
    svg += fmt::format(
        "<text x=\"{:.1f}\" y=\"{}\" transform=\"rotate(60 {:.1f} {})\">{} K={}</text>\n",
        x + bar / 2.0, bottom + 8, x + bar / 2.0, bottom + 8, in.graph, in.stages);
  }
  svg += fmt::format(
      "<rect x=\"{}\" y=\"28\" width=\"10\" height=\"10\" fill=\"#2a7\"/><text x=\"{}\" "
      "y=\"37\">proven</text><rect x=\"{}\" y=\"28\" width=\"10\" height=\"10\" "
      "fill=\"#d84\"/><text x=\"{}\" y=\"37\">not proven</text>\n",
      w - 170, w - 156, w - 100, w - 86);
  svg += "</svg>\n";
  return svg;
}

}  // namespace respect
