#include "bench/hybrid_suite.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "bench/bench_report.h"
#include "bench/paper_suite.h"
#include "cost/cost_model.h"
#include "models/model_source.h"
#include "report/tpu_chart.h"
#include "schedulers/compiler_partitioner.h"
#include "schedulers/objective.h"
#include "schedulers/scheduler.h"

namespace respect {
namespace {

Result<ScheduleResult> Solve(const CostModel& m, int stages, int tpus, double limit) {
  ScheduleRequest r(stages);
  r.tpus = tpus;
  r.time_limit_s = limit;
  return RunScheduler("exact", m, r);
}

// A model's row header: its size against the cache and its period on one TPU.
HybridModel ModelHeader(const std::string& name, const Graph& g, const CostModel& m) {
  HybridModel hm;
  hm.model = name;
  hm.param_bytes = g.TotalParamBytes();
  hm.cache_bytes = m.profile().param_cache_bytes;
  hm.one_tpu_ms = m.EvaluateSingle().period_s * 1e3;
  return hm;
}

// The best hybrid pipeline on T TPUs (`exact --tpus T`) into pt.
Status SolveHybridPoint(const CostModel& m, const std::string& name, int T, double limit,
                        HybridPoint& pt) {
  auto h = Solve(m, T, T, limit);
  if (!h) return Error{fmt::format("{} T {}: {}", name, T, h.error().message)};
  const PipelineCost hc = EvaluateSchedule(m, h->schedule);
  pt.tpus = T;
  pt.hybrid_ms = hc.period_s * 1e3;
  pt.hybrid_proven = h->proven_optimal;
  pt.hybrid_s = h->solve_seconds;
  pt.stages = h->schedule.num_stages;
  pt.replicas = hc.replicas;
  pt.limit = PipelineLimitName(hc.limit);
  return Status::Ok();
}

}  // namespace

Result<HybridSuiteResult> RunHybridSuite(const HybridSuiteOptions& o) {
  auto device = LoadDeviceProfile(o.device);
  if (!device) return device.error();
  HybridSuiteResult out;
  out.device = device->name;
  out.time_limit_s = o.time_limit_s;
  const auto& names = o.models.empty() ? PaperModels() : o.models;
  for (const std::string& name : names) {
    auto g = LoadModel(name.find(':') == std::string::npos ? "zoo:" + name : name);
    if (!g) return Error{fmt::format("{}: {}", name, g.error().message)};
    CostModel m(*g, *device);
    HybridModel hm = ModelHeader(name, *g, m);
    for (int T : o.tpus) {
      if (T > g->num_ops()) continue;
      HybridPoint pt;
      auto c = CompilerPartition(*g, T);
      if (!c) return Error{fmt::format("{} T {}: {}", name, T, c.error().message)};
      pt.compiler_ms = EvaluateSchedule(m, *c).period_s * 1e3;
      auto pure = Solve(m, T, 0, o.time_limit_s);
      if (!pure) return Error{fmt::format("{} T {}: {}", name, T, pure.error().message)};
      pt.pure_ms = pure->objective_value * 1e3;
      pt.pure_proven = pure->proven_optimal;
      pt.pure_s = pure->solve_seconds;
      if (auto st = SolveHybridPoint(m, name, T, o.time_limit_s, pt); !st) return st.error();
      if (o.progress)
        o.progress(
            fmt::format("{} T = {}: compiler {:.3f} ms, plain {:.3f} ms, hybrid {:.3f} ms "
                        "[{}] ({:.2f} s)",
                        name, T, pt.compiler_ms, pt.pure_ms, pt.hybrid_ms,
                        fmt::join(pt.replicas, ","), pt.hybrid_s));
      hm.points.push_back(pt);
    }
    out.models.push_back(std::move(hm));
  }
  for (const std::string& name : o.small_models) {
    auto g = LoadModel("zoo:" + name);
    if (!g) return Error{fmt::format("{}: {}", name, g.error().message)};
    CostModel m(*g, *device);
    HybridModel hm = ModelHeader(name, *g, m);
    for (int T = 1; T <= o.small_max_tpus; ++T) {
      HybridPoint pt;
      if (auto st = SolveHybridPoint(m, name, T, o.time_limit_s, pt); !st) return st.error();
      hm.points.push_back(pt);
    }
    if (o.progress) o.progress(fmt::format("{}: T = 1..{} done", name, o.small_max_tpus));
    out.small.push_back(std::move(hm));
  }
  return out;
}

nlohmann::json HybridSuiteJson(const HybridSuiteResult& r) {
  auto models = [](const std::vector<HybridModel>& ms) {
    nlohmann::json a = nlohmann::json::array();
    for (const HybridModel& m : ms) {
      nlohmann::json pts = nlohmann::json::array();
      for (const HybridPoint& p : m.points)
        pts.push_back({{"tpus", p.tpus},
                       {"compiler_ms", p.compiler_ms},
                       {"pure_ms", p.pure_ms},
                       {"pure_proven", p.pure_proven},
                       {"pure_seconds", p.pure_s},
                       {"hybrid_ms", p.hybrid_ms},
                       {"hybrid_proven", p.hybrid_proven},
                       {"hybrid_seconds", p.hybrid_s},
                       {"stages", p.stages},
                       {"replicas", p.replicas},
                       {"limit", p.limit}});
      a.push_back({{"model", m.model},
                   {"param_bytes", m.param_bytes},
                   {"cache_bytes", m.cache_bytes},
                   {"one_tpu_ms", m.one_tpu_ms},
                   {"points", pts}});
    }
    return a;
  };
  return {{"suite", "hybrid"},
          {"device", r.device},
          {"time_limit_s", r.time_limit_s},
          {"models", models(r.models)},
          {"small_models", models(r.small)}};
}

namespace {

// Per T: geometric means over the models of hybrid / compiler, plain / compiler, hybrid / plain.
struct Means {
  int tpus = 0, models = 0, proven = 0;
  double hybrid_vs_compiler = 0, pure_vs_compiler = 0, hybrid_vs_pure = 0, max_s = 0;
  double worst_vs_pure = 0;  // the smallest hybrid / plain speed-up
};

std::vector<Means> MeansByT(const HybridSuiteResult& r) {
  std::vector<int> ts;
  for (const HybridModel& m : r.models)
    for (const HybridPoint& p : m.points)
      if (std::find(ts.begin(), ts.end(), p.tpus) == ts.end()) ts.push_back(p.tpus);
  std::sort(ts.begin(), ts.end());
  std::vector<Means> out;
  for (int T : ts) {
    std::vector<double> hc, pc, hp;
    Means mn;
    mn.tpus = T;
    mn.worst_vs_pure = INFINITY;
    for (const HybridModel& m : r.models)
      for (const HybridPoint& p : m.points) {
        if (p.tpus != T) continue;
        hc.push_back(p.compiler_ms / p.hybrid_ms);
        pc.push_back(p.compiler_ms / p.pure_ms);
        hp.push_back(p.pure_ms / p.hybrid_ms);
        mn.worst_vs_pure = std::min(mn.worst_vs_pure, p.pure_ms / p.hybrid_ms);
        mn.proven += p.hybrid_proven;
        mn.max_s = std::max(mn.max_s, p.hybrid_s);
        ++mn.models;
      }
    mn.hybrid_vs_compiler = GeoMean(hc);
    mn.pure_vs_compiler = GeoMean(pc);
    mn.hybrid_vs_pure = GeoMean(hp);
    out.push_back(mn);
  }
  return out;
}

}  // namespace

std::string HybridSuiteMarkdown(const HybridSuiteResult& r, const std::string& command,
                                const std::string& chart_file) {
  std::string md = "# respect bench --suite hybrid\n\n";
  md += fmt::format(
      "Produced by `{}` (device profile `{}`, host defaults of that profile, time limit {:g} s "
      "per solve). For each model and T TPUs: Coral's compiler with T segments, the best plain "
      "T-stage pipeline (`exact -k T`) and the best hybrid pipeline (`exact --tpus T`: stage cuts "
      "and replica counts chosen together, replicas taking inferences round-robin). Every period "
      "comes from the one evaluator, which charges the shared host: its CPU (an invoke per stage "
      "per inference) and its one USB controller (every byte any TPU moves). `limit` says what "
      "sets the hybrid period: a stage, the host CPU or the controller. `proven`: optimal over "
      "every (cuts, replicas) choice (each stage in its best caching order).\n\n",
      command, r.device, r.time_limit_s);
  if (!chart_file.empty()) md += fmt::format("![speed-up over the compiler]({})\n\n", chart_file);
  md += "## Summary: geometric means over the models\n\n";
  md +=
      "| T | models | hybrid vs compiler | plain vs compiler | hybrid vs plain | smallest hybrid "
      "vs plain | hybrid proven | slowest hybrid solve s |\n|---|---|---|---|---|---|---|---|\n";
  for (const Means& m : MeansByT(r))
    md += fmt::format("| {} | {} | {:.2f}x | {:.2f}x | {:.2f}x | {:.2f}x | {}/{} | {:.3f} |\n",
                      m.tpus, m.models, m.hybrid_vs_compiler, m.pure_vs_compiler, m.hybrid_vs_pure,
                      m.worst_vs_pure, m.proven, m.models, m.max_s);
  md +=
      "\n## Per model\n\nperiod ms (speed-up over the compiler); hybrid: stages [replicas], "
      "limit, speed-up over one TPU, solve seconds\n\n";
  for (const HybridModel& m : r.models) {
    md += fmt::format(
        "### {} ({:.1f} MiB of parameters, {:.1f}x one TPU's cache; one TPU {:.3f} ms)\n\n",
        m.model, m.param_bytes / 1048576.0,
        static_cast<double>(m.param_bytes) /
            static_cast<double>(std::max<int64_t>(m.cache_bytes, 1)),
        m.one_tpu_ms);
    md +=
        "| T | compiler | plain | hybrid | stages [replicas] | limit | vs one TPU | plain s | "
        "hybrid s | proven |\n|---|---|---|---|---|---|---|---|---|---|\n";
    for (const HybridPoint& p : m.points)
      md += fmt::format(
          "| {} | {:.3f} | {:.3f} ({:.2f}x) | {:.3f} ({:.2f}x) | {} [{}] | {} | {:.2f}x | {:.3f} | "
          "{:.3f} | {} |\n",
          p.tpus, p.compiler_ms, p.pure_ms, p.compiler_ms / p.pure_ms, p.hybrid_ms,
          p.compiler_ms / p.hybrid_ms, p.stages, fmt::join(p.replicas, ","), p.limit,
          m.one_tpu_ms / p.hybrid_ms, p.pure_s, p.hybrid_s,
          p.hybrid_proven && p.pure_proven ? "both" : (p.hybrid_proven ? "hybrid" : "no"));
    md += "\n";
  }
  if (!r.small.empty()) {
    md +=
        "## Where the host stops the scaling: small models, hybrid on T = 1..N\n\n"
        "inferences/s (speed-up over one TPU) and what limits the period\n\n";
    md += "| T |";
    for (const HybridModel& m : r.small) md += " " + m.model + " |";
    md += "\n|---|";
    for (size_t i = 0; i < r.small.size(); ++i) md += "---|";
    md += "\n";
    size_t rows = 0;
    for (const HybridModel& m : r.small) rows = std::max(rows, m.points.size());
    for (size_t i = 0; i < rows; ++i) {
      md += fmt::format("| {} |", i + 1);
      for (const HybridModel& m : r.small) {
        if (i >= m.points.size()) {
          md += " |";
          continue;
        }
        const HybridPoint& p = m.points[i];
        md += fmt::format(" {:.0f} ({:.2f}x) {} |", 1e3 / p.hybrid_ms, m.one_tpu_ms / p.hybrid_ms,
                          p.limit);
      }
      md += "\n";
    }
    md += "\n";
  }
  return md;
}

std::string HybridChartSvg(const HybridSuiteResult& r) {
  std::vector<TpuSeries> series(3);
  series[0].label = "hybrid (exact --tpus T)";
  series[1].label = "plain pipeline (exact -k T)";
  series[2].label = "compiler, T segments";
  for (const Means& m : MeansByT(r)) {
    series[0].points.push_back({m.tpus, m.hybrid_vs_compiler});
    series[1].points.push_back({m.tpus, m.pure_vs_compiler});
    series[2].points.push_back({m.tpus, 1.0});
  }
  TpuChartOptions o;
  o.title = fmt::format("The paper's models on {}: speed-up over Coral's compiler", r.device);
  o.y_label = "geometric-mean speed-up over the compiler";
  return TpuChartSvg(series, o);
}

}  // namespace respect
