#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "core/file_io.h"
#include "models/model_source.h"
#include "report/schedule_json.h"
#include "report/tpu_chart.h"
#include "schedulers/objective.h"
#include "schedulers/tpu_plan.h"

namespace respect::cli {
namespace {

std::string Shape(const Schedule& s) {
  std::string r;
  for (int k = 0; k < s.num_stages; ++k) r += (k ? "," : "") + std::to_string(s.Replicas(k));
  return fmt::format("{} [{}]", s.num_stages, r);
}

}  // namespace

Runner AddPlan(CLI::App& app) {
  struct Options {
    std::string model, device = "usb", svg, out;
    double fps = 0, time_limit = 10;
    int max_tpus = 0;
    int64_t lattice_cap = 500'000;
    bool json = false, quiet = false, no_baselines = false;
  };
  auto o = std::make_shared<Options>();
  app.add_option("MODEL", o->model, "model file, zoo:NAME[:k=v,...] or synth:...")->required();
  app.add_option("--fps", o->fps,
                 "inferences per second to reach: the answer is the fewest TPUs (and the hybrid "
                 "schedule) that reach it, or why no number of TPUs can on this host")
      ->check(CLI::Range(1e-6, 1e9));
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
      "Exit status: 0, or 1 when --fps is not reached (the verdict says why), 2 on bad input.");
  return [o] {
    auto loaded = LoadModelOnDevice(o->model, o->device);
    if (!loaded) return Fail(loaded.error().message);
    const Graph& g = loaded->graph;
    const DeviceProfile& device = loaded->device;
    CostModel model(g, device);
    PlanOptions po;
    po.max_tpus = o->max_tpus > 0 ? o->max_tpus : (o->fps > 0 ? 16 : 8);
    po.fps = o->fps;
    po.baselines = !o->no_baselines;
    po.request.time_limit_s = o->time_limit;
    po.request.lattice_cap = o->lattice_cap;
    if (!o->quiet)
      po.progress = [](const PlanPoint& p) {
        fmt::print(stderr, "plan: {} TPU{}: {:.1f}/s ({:.2f} s)\n", p.tpus, p.tpus == 1 ? "" : "s",
                   p.hybrid_cost.throughput_ips, p.hybrid.solve_seconds);
      };
    auto plan = PlanTpus(model, po);
    if (!plan) return Fail(fmt::format("{}: {}", o->model, plan.error().message));

    const nlohmann::json j = CapacityPlanJson(g, device, *plan, o->fps, po.max_tpus);
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
      co.target = o->fps;
      if (auto st = WriteFileAtomic(o->svg, TpuChartSvg(series, co)); !st)
        return Fail(st.error().message);
    }
    if (o->json) {
      std::printf("%s\n", j.dump(2).c_str());
      return plan->answer >= 0 || o->fps == 0 ? 0 : 1;
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
    return plan->answer >= 0 || o->fps == 0 ? 0 : 1;
  };
}

}  // namespace respect::cli
