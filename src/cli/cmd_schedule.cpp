#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "core/file_io.h"
#include "cost/cost_model.h"
#include "models/model_source.h"
#include "report/graphviz_export.h"
#include "report/html_report.h"
#include "report/pipeline_report.h"
#include "report/schedule_json.h"
#include "report/stage_picture.h"
#include "schedulers/rl_ilp.h"
#include "schedulers/scheduler.h"

namespace respect::cli {

Runner AddSchedule(CLI::App& app) {
  struct Options {
    std::string model, method = "auto", objective = "throughput", device = "usb", out, svg, report,
                       export_dir;
    RlOptions rl;
    bool rl_unmasked = false;
    int stages = 0, window = -1, tpus = 0;
    int64_t lattice_cap = 500'000;
    double time_limit = 30, lambda = 1.0;
    bool json = false, align_children = false, quiet = false, expand_chains = false;
    ExportCheckOptions check;
  };
  auto o = std::make_shared<Options>();
  std::string methods;
  for (const auto& s : Schedulers()) methods += fmt::format("\n  {:<9} {}", s.name, s.description);
  app.add_option("MODEL", o->model, "model file, zoo:NAME[:k=v,...] or synth:...")->required();
  app.add_option("--stages,-k", o->stages,
                 "number of pipeline stages (K >= 1), one Edge TPU each; with --tpus, the most "
                 "stages (default: up to T)");
  app.add_option("--tpus,-T", o->tpus,
                 "hybrid pipeline on at most T Edge TPUs: choose the stage cuts and each stage's "
                 "replica count together (replicas take inferences round-robin); exact and auto "
                 "prove the optimum over every (cuts, replicas) choice, other methods cut K "
                 "stages and give the spare TPUs greedily. Throughput only. See `respect plan`");
  app.add_option("--method", o->method, "scheduling method:" + methods)->capture_default_str();
  app.add_option("--objective", o->objective,
                 "throughput (min slowest stage), latency (min sum of stages) or paper "
                 "(lambda x max stage MiB + boundary crossings)")
      ->capture_default_str();
  app.add_option("--device", o->device, "device profile: usb, usb-max, pcie, usb2 or a .json")
      ->capture_default_str();
  app.add_option("--time-limit", o->time_limit, "wall-clock seconds for the solver")
      ->check(CLI::Range(0.01, 86400.0))
      ->capture_default_str();
  app.add_option(
         "--lattice-cap", o->lattice_cap,
         "exact/auto: enumerate at most N downsets of the graph; past that exact returns the "
         "best heuristic unproven and auto uses the ilp")
      ->check(CLI::Range(int64_t{1}, int64_t{100'000'000}))
      ->capture_default_str();
  app.add_option("--lambda", o->lambda, "paper objective: weight of one MiB")
      ->capture_default_str();
  app.add_flag("--align-children", o->align_children,
               "require all children of a node in one stage "
               "(the RESPECT authors' Edge TPU rule)");
  app.add_option("--policy", o->rl.policy_path,
                 "rl: policy file (default: the shipped policies/respect.pt)");
  app.add_option("--rl-stages", o->rl.stages,
                 "rl: dp = optimal cuts of the emitted order under the "
                 "objective; paper = the authors' capacity bisection")
      ->check(CLI::IsMember({"dp", "paper"}))
      ->capture_default_str();
  app.add_option("--rl-samples", o->rl.samples,
                 "rl: also sample N orders; the cost model keeps the best")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  app.add_flag("--rl-unmasked", o->rl_unmasked,
               "rl: the paper's decoding (any unchosen node may be picked; "
               "backward edges are repaired afterwards)");
  app.add_option(
         "--window", o->window,
         fmt::format(
             "rl-ilp: each operator may move at most W stages from its learned stage in the "
             "window solve (default {}); certification then covers the full problem",
             kDefaultRlIlpWindow))
      ->check(CLI::Range(0, 1000));
  app.add_option("--seed", o->rl.seed, "rl: seed of the sampled orders")->capture_default_str();
  app.add_flag("--quiet,-q", o->quiet, "no progress lines on stderr during long solves");
  app.add_option("--out", o->out,
                 "write the result JSON (as --json prints it) to FILE, atomically");
  app.add_option("--svg", o->svg,
                 "draw the graph with one cluster per stage (chains collapsed, crossing "
                 "tensors labelled) to FILE");
  app.add_flag("--expand-chains", o->expand_chains,
               "--svg/--report: one box per operator instead of one per "
               "chain inside a stage");
  app.add_option("--report", o->report,
                 "write a self-contained HTML report to FILE: the verdict on what limits "
                 "the pipeline, the stage table, the stage-balance chart against Coral's "
                 "compiler partition, the stage picture, the command");
  app.add_option("--export", o->export_dir,
                 "write the pipeline as one model file per stage into DIR "
                 "(<stem>_segment_<i>_of_<K>.<ext> and "
                 "pipeline.json; .tflite and .onnx models only; see `respect export --help`)");
  AddExportCheckOptions(app, o->check);
  app.add_flag(
      "--json", o->json,
      "print one JSON object: model, method, objective, stages, "
      "assignment, order, replicas[], stage_costs[], period_ms, latency_ms, "
      "throughput_ips, tpus, limit (stage, host-cpu or controller), host_period_ms, "
      "objective_value, lower_bound, lower_bound_from (simple, head-tail, or the method's own "
      "proof), proven_optimal, gap, "
      "solve_seconds, compiler_period_ms, speedup_vs_compiler, empty_stages, engine (lattice, "
      "cut-walk, ilp, bound, heuristic or the method), handed_over, cut_short, note (for "
      "people), and phases[] "
      "(rl-ilp: name, seconds, value, bound, status)");
  app.footer(
      "Every figure comes from the cost model's one evaluator (see `respect simulate`).\n"
      "'proven optimal' means no valid schedule with K non-empty stages is better under the cost\n"
      "model: with exact's lattice DP, over every order inside each stage too (unless host "
      "fallback\n"
      "or shared constants make that order matter: then, like the ilp's proof, over stages run in\n"
      "the model's execution order); the note says which. `respect inspect MODEL` shows whether "
      "the\n"
      "graph's downset lattice fits --lattice-cap.\n"
      "The host is shared by every TPU: its CPU (host_cores, host_invoke_s) and its controller\n"
      "(controller_*_bytes_per_s, tpus_per_controller) cap the throughput; the device profile\n"
      "holds them and the table says what limits the period.\n"
      "Examples:\n  respect schedule zoo:resnet50 --stages 4\n"
      "  respect schedule zoo:densenet121 --tpus 6          (cuts and replicas on 6 TPUs)\n"
      "  respect schedule zoo:inception_v4 -k 6 --method dp --json --out plan.json\n"
      "  respect schedule zoo:resnet101 -k 5 --method rl --rl-samples 16\n"
      "  respect schedule zoo:inception_resnet_v2 -k 6 --report report.html\n"
      "  respect simulate zoo:inception_v4 --schedule plan.json");
  return [o] {
    if (o->check.enabled && o->export_dir.empty())
      return Fail("--check checks an exported pipeline: add --export DIR");
    if (int rc = PrepareExportCheck(o->model, o->check); rc != 0) return rc;
    o->check.to_stderr = o->json;
    auto loaded = LoadModelOnDevice(o->model, o->device);
    if (!loaded) return Fail(loaded.error().message);
    const Graph* g = &loaded->graph;
    const DeviceProfile* device = &loaded->device;
    auto objective = ParseObjective(o->objective);
    if (!objective) return Fail(objective.error().message);
    if (o->stages == 0 && o->tpus == 0)
      return Fail("give the number of stages (--stages/-k K) or of TPUs (--tpus/-T T)");
    if (o->stages < 0) return Fail(fmt::format("--stages must be at least 1, got {}", o->stages));
    if (o->tpus < 0 || o->tpus > 4096)
      return Fail(fmt::format("--tpus must be 1 to 4096, got {}", o->tpus));
    ScheduleRequest req;
    req.stages = o->stages > 0 ? o->stages : o->tpus;
    req.tpus = o->tpus;
    req.objective = *objective;
    req.time_limit_s = o->time_limit;
    req.paper_lambda = o->lambda;
    req.align_children = o->align_children;
    req.lattice_cap = o->lattice_cap;
    req.rl = o->rl;
    req.rl_window = o->window;
    req.rl.precedence_mask = !o->rl_unmasked;
    if (!o->quiet) {
      const bool paper = *objective == Objective::kPaper;
      req.progress = [paper](double incumbent, double bound, double elapsed) {
        auto show = [paper](double v) {
          return std::isinf(v) ? std::string("none")
                 : paper       ? fmt::format("{:.3f}", v)
                               : fmt::format("{:.3f} ms", v * 1e3);
        };
        const double gap =
            std::isinf(incumbent) || incumbent <= 0 ? 1 : (incumbent - bound) / incumbent;
        fmt::print(stderr, "ilp: {:6.1f} s  incumbent {}  bound {}  gap {:.1f}%\n", elapsed,
                   show(incumbent), show(bound), 100 * std::max(0.0, gap));
      };
    }
    CostModel model(*g, *device);
    auto outcome = ScheduleWithBaseline(o->method, model, req);
    if (!outcome) return Fail(fmt::format("{}: {}", o->model, outcome.error().message));
    const ScheduleResult* res = &outcome->result;
    const PipelineCost& cost = outcome->cost;
    // The baseline every report compares against.
    const std::optional<PipelineCost>& compiler_cost = outcome->compiler;
    const double compiler_period = compiler_cost ? compiler_cost->period_s : 0;
    const nlohmann::json j = ScheduleOutcomeJson(*g, *device, req.objective, *outcome);
    if (!o->out.empty())
      if (auto st = WriteFileAtomic(o->out, j.dump(2) + "\n"); !st) return Fail(st.error().message);
    if (!o->export_dir.empty())
      if (int rc = ExportSegments(o->model, *g, *device, res->schedule, o->export_dir, o->quiet);
          rc != 0)
        return rc;
    // --check runs after the schedule is printed, so its lines follow the table.
    auto finish = [&] {
      std::fflush(stdout);
      return o->check.enabled ? CheckExportedPipeline(o->model, o->export_dir, o->check) : 0;
    };
    if (!o->svg.empty()) {
      StagePictureOptions po;
      po.collapse_chains = !o->expand_chains;
      auto svg = RenderDotSvg(StageClusterDot(*g, res->schedule, cost, *device, po), g->num_ops());
      if (!svg) return Fail(fmt::format("{}: {}", o->svg, svg.error().message));
      if (auto st = WriteFileAtomic(o->svg, *svg); !st) return Fail(st.error().message);
    }
    if (!o->report.empty()) {
      HtmlReportInput in;
      in.command = CommandLine();
      in.graph = g;
      in.device = device;
      in.schedule = res->schedule;
      in.cost = cost;
      in.method = res->method;
      in.objective = ObjectiveName(req.objective);
      in.has_solve = true;
      in.objective_value = res->objective_value;
      in.lower_bound = res->lower_bound;
      in.bound_from = res->bound_name;
      in.gap = res->gap;
      in.proven = res->proven_optimal;
      in.solve_seconds = res->solve_seconds;
      in.note = res->note;
      in.phases = res->phases;
      in.picture.collapse_chains = !o->expand_chains;
      if (compiler_cost) in.baseline = *compiler_cost;
      if (auto st = WriteFileAtomic(o->report, HtmlReport(in)); !st)
        return Fail(st.error().message);
    }
    if (o->json) {
      std::printf("%s\n", j.dump(2).c_str());
      return finish();
    }
    const char* unit = req.objective == Objective::kPaper ? "" : " ms";
    const double scale = req.objective == Objective::kPaper ? 1 : 1e3;
    std::printf("model %s   device %s   %d stages on %d TPUs   method %s   objective %s\n",
                g->name.c_str(), device->name.c_str(), res->schedule.num_stages, cost.tpus,
                res->method.c_str(), ObjectiveName(req.objective));
    for (int k : EmptyStages(res->schedule)) std::printf("note: stage %d is empty\n", k);
    std::printf("%s", PipelineCostTable(cost, device).c_str());
    std::printf("speed-up over compiler: %.2fx (compiler period %.3f ms, %d segments)\n",
                cost.period_s > 0 ? compiler_period / cost.period_s : 0, compiler_period * 1e3,
                compiler_cost ? static_cast<int>(compiler_cost->stages.size()) : 0);
    for (const PhaseReport& p : res->phases)
      std::printf("phase %-8s %8.3f s   value %.4f%s   %s\n", p.name.c_str(), p.seconds,
                  p.value * scale, unit, p.status.c_str());
    std::printf("objective %.4f%s   lower bound %.4f%s (%s)   gap %.1f%%   %s   (%.3f s; %s)\n",
                res->objective_value * scale, unit, res->lower_bound * scale, unit,
                res->bound_name.c_str(), 100 * res->gap,
                res->proven_optimal ? "proven optimal" : "not proven optimal", res->solve_seconds,
                res->note.c_str());
    return finish();
  };
}

}  // namespace respect::cli
