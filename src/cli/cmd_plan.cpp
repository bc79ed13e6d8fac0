#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "core/file_io.h"
#include "exporters/segments.h"
#include "models/model_source.h"
#include "report/html_report.h"
#include "report/schedule_json.h"
#include "report/tpu_chart.h"
#include "schedulers/deployment.h"
#include "schedulers/objective.h"
#include "schedulers/tpu_plan.h"

namespace respect::cli {
namespace {

// "stages [replicas]", e.g. "3 [2,1,1]".
std::string Shape(const Schedule& s) {
  return fmt::format("{} [{}]", s.num_stages, fmt::join(s.ReplicaCounts(), ","));
}

struct PlanArgs {
  std::vector<std::string> models;
  std::string device = "usb", svg, out, export_dir, report;
  std::vector<double> fps, weights;
  double time_limit = 10;
  int max_tpus = 0, tpus = 0;
  int64_t lattice_cap = 500'000;
  bool json = false, quiet = false, no_baselines = false, no_share = false;
};

// Several models on one set of TPUs (schedulers/deployment.h).
int PlanSeveral(const PlanArgs& o) {
  const size_t M = o.models.size();
  if (!o.weights.empty() && !o.fps.empty()) return Fail("give --fps or --weights, not both");
  const std::vector<double>& rates = o.weights.empty() ? o.fps : o.weights;
  if (rates.size() != M)
    return Fail(fmt::format("{} models need {} rates (--fps or --weights, comma-separated), got {}",
                            M, M, rates.size()));
  if (!o.weights.empty() && o.tpus <= 0)
    return Fail("--weights asks for the best use of a number of TPUs: add --tpus T");
  if (!o.export_dir.empty())
    for (const std::string& spec : o.models)
      if (spec.find(':') != std::string::npos && spec.find('/') == std::string::npos)
        return Fail(
            fmt::format("--export cuts model files (.tflite, .onnx); '{}' is built in", spec));
  std::vector<ModelOnDevice> loaded;
  for (const std::string& spec : o.models) {
    auto l = LoadModelOnDevice(spec, o.device);
    if (!l) return Fail(l.error().message);
    loaded.push_back(std::move(*l));
  }
  std::vector<std::unique_ptr<CostModel>> costs;
  std::vector<DeploymentModelSpec> specs;
  std::vector<const Graph*> graphs;
  for (size_t m = 0; m < M; ++m) {
    costs.push_back(std::make_unique<CostModel>(loaded[m].graph, loaded[m].device));
    specs.push_back({loaded[m].graph.name, costs.back().get(), rates[m]});
    graphs.push_back(&loaded[m].graph);
  }
  DeploymentOptions d;
  d.share = !o.no_share;
  if (!o.quiet) d.progress = [](const std::string& s) { fmt::print(stderr, "plan: {}\n", s); };
  d.request.time_limit_s = o.time_limit;
  d.request.lattice_cap = o.lattice_cap;
  Result<Deployment> plan = Error{""};
  if (o.tpus > 0) {
    d.tpus = o.tpus;
    plan = PlanDeployment(specs, d);
  } else {
    plan = FewestTpusDeployment(specs, d, o.max_tpus > 0 ? o.max_tpus : 16);
  }
  if (!plan) return Fail(plan.error().message);
  const DeviceProfile& device = loaded[0].device;
  nlohmann::json j = DeploymentJson(graphs, device, *plan);
  // The whole deployment in the discrete-event simulator, at the planned rates.
  const DeploymentSimulation sim = SimulateDeployment(*plan, 1.0, 400);
  std::vector<double> latency_ms;
  for (double x : sim.mean_latency_s) latency_ms.push_back(x * 1e3);
  j["simulation"] = {
      {"model_ips", sim.model_ips}, {"tpu_busy", sim.tpu_busy}, {"mean_latency_ms", latency_ms}};
  if (!o.report.empty())
    if (auto st =
            WriteFileAtomic(o.report, DeploymentHtmlReport(*plan, device.name, CommandLine()));
        !st)
      return Fail(st.error().message);
  if (!o.export_dir.empty()) {
    auto dir = ExportDeployment(o.models, graphs, *plan, o.export_dir);
    if (!dir) return Fail(fmt::format("--export: {}", dir.error().message));
    if (!o.quiet) fmt::print(stderr, "exported the deployment to {}/ (deployment.json)\n", *dir);
  }
  const bool targets = o.weights.empty();
  const bool met = !targets || plan->ratio >= 1 - 1e-12;
  j["targets_met"] = targets ? nlohmann::json(met) : nlohmann::json(nullptr);
  if (!o.out.empty())
    if (auto st = WriteFileAtomic(o.out, j.dump(2) + "\n"); !st) return Fail(st.error().message);
  if (!o.svg.empty()) {
    std::string title = fmt::format("{} models on {} {} TPUs", M, plan->tpus.size(), device.name);
    if (auto st = WriteFileAtomic(o.svg, DeploymentSvg(*plan, title)); !st)
      return Fail(st.error().message);
  }
  if (o.json) {
    std::printf("%s\n", j.dump(2).c_str());
    return met ? 0 : 1;
  }
  std::printf("%zu models on %zu TPU%s (%s): every model at %.3gx its %s; limited by %s%s\n", M,
              plan->tpus.size(), plan->tpus.size() == 1 ? "" : "s", device.name.c_str(),
              plan->ratio, targets ? "rate" : "weight", plan->limit.c_str(),
              plan->proven ? "; proven optimal" : "");
  std::printf("%-24s %8s %10s %10s %10s %-18s %s\n", "model", "needs", "planned/s", "capacity/s",
              "latency ms", "stages [replicas]", "TPUs");
  for (const DeployedModel& m : plan->models) {
    std::printf("%-24s %8g %10.1f %10.1f %10.3f %-18s %s%s\n", m.name.c_str(), m.fps, m.rate_ips,
                m.capacity_ips, m.cost.latency_s * 1e3, Shape(m.schedule).c_str(),
                fmt::format("{}", fmt::join(m.tpus, ",")).c_str(), m.shared ? " (shared)" : "");
  }
  std::printf("%4s %6s %10s %12s  %s\n", "TPU", "busy", "cache MiB", "streams MiB",
              "segments (co-compile order)");
  for (size_t t = 0; t < plan->tpus.size(); ++t) {
    const DeployedTpu& tpu = plan->tpus[t];
    std::string segs;
    for (const auto& s : tpu.segments)
      segs += fmt::format("{}{} stage {}", segs.empty() ? "" : ", ", plan->models[s.model].name,
                          s.stage);
    std::printf("%4zu %5.0f%% %10.2f %12.2f  %s\n", t, 100 * tpu.busy, tpu.cached_bytes / 1048576.0,
                tpu.streamed_bytes / 1048576.0, segs.c_str());
  }
  std::printf("host: CPU %.0f%% busy, controller %.0f%%. %s\n", 100 * plan->host_cpu_load,
              100 * plan->controller_load, plan->note.c_str());
  std::string simulated;
  for (size_t m = 0; m < M; ++m)
    simulated +=
        fmt::format("{}{} {:.1f}/s", m ? ", " : "", plan->models[m].name, sim.model_ips[m]);
  std::printf("simulated (discrete events, 400 inferences of the slowest model): %s\n",
              simulated.c_str());
  if (targets)
    std::printf("%s\n", met ? fmt::format("every target is met on {} TPU{}", plan->tpus.size(),
                                          plan->tpus.size() == 1 ? "" : "s")
                                  .c_str()
                            : "not every target is met: the verdict is the plan above");
  return met ? 0 : 1;
}
}  // namespace

Runner AddPlan(CLI::App& app) {
  auto o = std::make_shared<PlanArgs>();
  app.add_option("MODEL", o->models,
                 "model file, zoo:NAME[:k=v,...] or synth:...; several: plan a deployment of "
                 "them all on one set of TPUs")
      ->required();
  app.add_option("--fps", o->fps,
                 "inferences per second to reach (one per model, comma-separated): the answer is "
                 "the fewest TPUs (and the schedules) that reach it, or why no number of TPUs can "
                 "on this host; with several models and --tpus, the plan that runs every model "
                 "at the largest common multiple of its rate")
      ->delimiter(',');
  app.add_option("--weights", o->weights,
                 "several models: relative rates (comma-separated) instead of required ones; "
                 "with --tpus, the plan maximises the smallest rate / weight")
      ->delimiter(',');
  app.add_option("--tpus", o->tpus,
                 "several models: the TPUs of the deployment (without it, the fewest that meet "
                 "every --fps)");
  app.add_option("--report", o->report,
                 "several models: a self-contained HTML report (verdict, tables per model and per "
                 "TPU, one lane per TPU) to FILE");
  app.add_option("--export", o->export_dir,
                 "several models (files): write each model's segments and deployment.json, "
                 "which names per TPU the files to co-compile and their order, into DIR");
  app.add_flag("--no-share", o->no_share,
               "several models: every model on TPUs of its own (no co-compiled TPUs)");
  app.add_option("--max-tpus", o->max_tpus,
                 "try 1..N TPUs (default 8; 16 with --fps); without --fps, the whole curve")
      ->check(CLI::Range(1, 256));
  app.add_option("--device", o->device,
                 "device profile: usb, usb-max, pcie, usb2 or a .json (its host_* and "
                 "controller_* constants describe the host every TPU shares)")
      ->capture_default_str();
  app.add_option("--time-limit", o->time_limit, "wall-clock seconds for each solve")
      ->check(CLI::Range(0.01, 86400.0))
      ->capture_default_str();
  app.add_option("--lattice-cap", o->lattice_cap,
                 "enumerate at most N downsets (past it, solves are heuristic, unproven)")
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}))
      ->capture_default_str();
  app.add_flag("--no-baselines", o->no_baselines,
               "only the hybrid pipelines (skip the plain pipeline and the compiler at each T)");
  app.add_option("--svg", o->svg,
                 "draw throughput against TPUs (hybrid, plain pipeline, compiler, host limit) "
                 "to FILE");
  app.add_option("--out", o->out, "write the JSON (as --json prints it) to FILE, atomically");
  app.add_flag("--json", o->json,
               "print one JSON object: model, device, fps, host_floor_ms, floor_limit, "
               "answer_tpus (null: none), verdict, points[] (tpus, hybrid {period_ms, "
               "throughput_ips, latency_ms, tpus, limit, stages, replicas, assignment, "
               "proven_optimal, solve_seconds}, pure {...}, compiler {...})");
  app.add_flag("--quiet,-q", o->quiet, "no progress lines on stderr");
  app.footer(
      "A hybrid pipeline cuts the model into K stages and runs stage k on r_k TPUs (replicas take\n"
      "inferences round-robin): period = max(max_k stage_k / r_k, the host's CPU and controller\n"
      "time per inference over their capacity). Each T is solved by `exact --tpus T`, proven\n"
      "optimal over every (cuts, replicas) choice where the lattice fits.\n"
      "Examples:\n"
      "  respect plan zoo:resnet50 --fps 400\n"
      "  respect plan zoo:densenet121 --max-tpus 8 --svg tpus.svg\n"
      "  respect plan model.tflite --fps 1000 --device usb-max --json\n"
      "Several models share the TPUs: each gets TPUs of its own (its best hybrid schedule) or a\n"
      "TPU co-compiled with other whole models (their parameters share its cache in the compile\n"
      "order; it time-slices); the host serves them all. The plan maximises the common ratio of\n"
      "achieved to required rate, exactly over those choices (up to 6 models).\n"
      "  respect plan zoo:mobilenet_v2 zoo:squeezenet zoo:resnet50 --fps 30,10,2\n"
      "  respect plan zoo:mobilenet_v2 zoo:inception_v3 --weights 3,1 --tpus 6 --svg lanes.svg\n"
      "Exit status: 0, or 1 when --fps is not reached (the verdict says why), 2 on bad input.");
  return [o] {
    for (double f : o->fps)
      if (!(f > 0) || !std::isfinite(f))
        return Fail(fmt::format("--fps must be positive, got {}", f));
    for (double f : o->weights)
      if (!(f > 0) || !std::isfinite(f))
        return Fail(fmt::format("--weights must be positive, got {}", f));
    if (o->models.size() > 1) return PlanSeveral(*o);
    if (o->fps.size() > 1) return Fail("--fps gives one rate per model; one model was given");
    if (o->tpus > 0 || !o->weights.empty())
      return Fail(
          "--tpus and --weights plan several models; for one model use --max-tpus, or "
          "`respect schedule MODEL --tpus T`");
    const double fps = o->fps.empty() ? 0 : o->fps[0];
    const std::string spec = o->models[0];
    auto loaded = LoadModelOnDevice(spec, o->device);
    if (!loaded) return Fail(loaded.error().message);
    const Graph& g = loaded->graph;
    const DeviceProfile& device = loaded->device;
    CostModel model(g, device);
    PlanOptions po;
    po.max_tpus = o->max_tpus > 0 ? o->max_tpus : (fps > 0 ? 16 : 8);
    po.fps = fps;
    po.baselines = !o->no_baselines;
    po.request.time_limit_s = o->time_limit;
    po.request.lattice_cap = o->lattice_cap;
    if (!o->quiet)
      po.progress = [](const PlanPoint& p) {
        fmt::print(stderr, "plan: {} TPU{}: {:.1f}/s ({:.2f} s)\n", p.tpus, p.tpus == 1 ? "" : "s",
                   p.hybrid_cost.throughput_ips, p.hybrid.solve_seconds);
      };
    auto plan = PlanTpus(model, po);
    if (!plan) return Fail(fmt::format("{}: {}", spec, plan.error().message));

    const nlohmann::json j = CapacityPlanJson(g, device, *plan, fps, po.max_tpus);
    if (!o->out.empty())
      if (auto st = WriteFileAtomic(o->out, j.dump(2) + "\n"); !st) return Fail(st.error().message);
    if (!o->svg.empty()) {
      std::vector<TpuSeries> series(3);
      series[0].label = "hybrid (cuts + replicas)";
      series[1].label = "plain pipeline (exact)";
      series[2].label = "compiler, T segments";
      for (const PlanPoint& p : plan->points) {
        series[0].points.push_back({p.tpus, p.hybrid_cost.throughput_ips});
        if (p.pure_cost) series[1].points.push_back({p.tpus, p.pure_cost->throughput_ips});
        if (p.compiler_cost) series[2].points.push_back({p.tpus, p.compiler_cost->throughput_ips});
      }
      TpuChartOptions co;
      co.title = fmt::format("{} on {}: throughput against TPUs", g.name, device.name);
      co.ceiling = plan->host_floor_s > 0 ? 1.0 / plan->host_floor_s : 0;
      co.target = fps;
      if (auto st = WriteFileAtomic(o->svg, TpuChartSvg(series, co)); !st)
        return Fail(st.error().message);
    }
    if (o->json) {
      std::printf("%s\n", j.dump(2).c_str());
      return plan->answer >= 0 || fps == 0 ? 0 : 1;
    }
    std::printf("model %s   device %s   host: %d cores, %s\n", g.name.c_str(), device.name.c_str(),
                device.host_cores,
                device.tpus_per_controller <= 0
                    ? "one controller for every TPU"
                    : fmt::format("{} TPUs per controller", device.tpus_per_controller).c_str());
    if (!plan->points.empty()) {
      const double one = plan->points.front().hybrid_cost.period_s;
      std::printf("%4s %11s %10s %10s %-16s %-10s %6s %10s %10s %8s\n", "TPUs", "period ms",
                  "inf/s", "latency ms", "stages [reps]", "limit", "proven", "plain ms", "compiler",
                  "vs 1 TPU");
      for (const PlanPoint& p : plan->points) {
        const PipelineCost& c = p.hybrid_cost;
        std::printf(
            "%4d %11.3f %10.1f %10.3f %-16s %-10s %6s %10s %10s %7.2fx\n", p.tpus, c.period_s * 1e3,
            c.throughput_ips, c.latency_s * 1e3, Shape(p.hybrid.schedule).c_str(),
            PipelineLimitName(c.limit), p.hybrid.proven_optimal ? "yes" : "no",
            p.pure_cost ? fmt::format("{:.3f}", p.pure_cost->period_s * 1e3).c_str() : "-",
            p.compiler_cost ? fmt::format("{:.3f}", p.compiler_cost->period_s * 1e3).c_str() : "-",
            one / c.period_s);
      }
    }
    std::printf("%s\n", plan->verdict.c_str());
    return plan->answer >= 0 || fps == 0 ? 0 : 1;
  };
}

}  // namespace respect::cli
