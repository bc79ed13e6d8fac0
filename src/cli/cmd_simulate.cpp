#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "core/file_io.h"
#include "cost/cost_model.h"
#include "cost/pipeline_sim.h"
#include "models/model_source.h"
#include "report/html_report.h"
#include "report/pipeline_report.h"
#include "schedulers/compiler_partitioner.h"
#include "schedulers/objective.h"
#include "schedulers/schedule.h"

namespace respect::cli {
namespace {

// `--sweep N`: the same model on 1..N TPUs, each split by Coral's parameter-count partitioner.
int Sweep(const Graph& g, const DeviceProfile& device, int max_stages, bool json) {
  CostModel model(g, device);
  const double single = model.EvaluateSingle().period_s;
  nlohmann::json rows = nlohmann::json::array();
  std::string text = fmt::format(
      "model {}   device {}   Coral's parameter-count partitioner\n"
      "{:>6} {:>10} {:>12} {:>11} {:>9} {:>12}\n",
      g.name, device.name, "stages", "period ms", "throughput/s", "latency ms", "speed-up",
      "streamed MiB");
  for (int K = 1; K <= max_stages; ++K) {
    auto s = CompilerPartition(g, K);
    if (!s) return Fail(fmt::format("{}: {}", g.name, s.error().message));
    const PipelineCost c = EvaluateSchedule(model, *s);
    int64_t streamed = 0;
    for (const auto& st : c.stages) streamed += st.streamed_bytes;
    rows.push_back({{"stages", K},
                    {"period_ms", c.period_s * 1e3},
                    {"throughput_ips", c.throughput_ips},
                    {"latency_ms", c.latency_s * 1e3},
                    {"speedup", single / c.period_s},
                    {"streamed_bytes", streamed}});
    text += fmt::format("{:>6} {:>10.3f} {:>12.1f} {:>11.3f} {:>8.2f}x {:>12.2f}\n", K,
                        c.period_s * 1e3, c.throughput_ips, c.latency_s * 1e3, single / c.period_s,
                        streamed / 1048576.0);
  }
  if (json) {
    std::printf("%s\n", nlohmann::json{{"model", g.name}, {"device", device.name}, {"sweep", rows}}
                            .dump(2)
                            .c_str());
  } else {
    std::printf("%s", text.c_str());
  }
  return 0;
}

}  // namespace

Runner AddSimulate(CLI::App& app) {
  struct Options {
    std::string model, device = "usb", schedule, report;
    std::vector<int> replicas;
    int stages = 0, inferences = 100, sweep = 0;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  app.add_option("MODEL", o->model, "model file, zoo:NAME[:k=v,...] or synth:...")->required();
  app.add_option("--device", o->device,
                 "device profile: usb (std clock), usb-max, pcie, usb2, "
                 "or a profile .json")
      ->capture_default_str();
  auto* sched = app.add_option("--schedule", o->schedule,
                               "schedule JSON: {\"assignment\": {\"op\": stage, ...}} (0-based)");
  app.add_option("--stages", o->stages,
                 "split into K stages with Coral's parameter-count "
                 "partitioner (edgetpu_compiler --num_segments=K)")
      ->check(CLI::Range(1, 1000))
      ->excludes(sched);
  app.add_option("--sweep", o->sweep,
                 "compare 1..N stages (Coral's partitioner): period, "
                 "throughput and speed-up over one TPU")
      ->check(CLI::Range(1, 64))
      ->excludes(sched);
  app.add_option("--replicas", o->replicas,
                 "replica count of each stage (a hybrid pipeline: stage k on r_k TPUs taking "
                 "inferences round-robin), e.g. --replicas 2,1,1; overrides the schedule's")
      ->delimiter(',')
      ->check(CLI::Range(1, 4096))
      ->excludes("--sweep");
  app.add_option("--inferences", o->inferences, "inferences in the discrete-event simulation")
      ->check(CLI::Range(1, 10'000'000))
      ->capture_default_str();
  app.add_option("--report", o->report,
                 "write a self-contained HTML report (verdict, stage table, stage-balance "
                 "chart against Coral's compiler partition, stage picture) to FILE")
      ->excludes("--sweep");
  app.add_flag("--json", o->json,
               "print one JSON object (stages[], period_ms, latency_ms, "
               "throughput_ips, simulation{...})");
  app.footer(
      "With neither --schedule nor --stages the whole model runs on one TPU.\n"
      "The simulation: replicas take inferences round-robin, results leave every stage in order,\n"
      "one inference waits between two stages (Coral's runner), and the shared host admits one\n"
      "inference per host period (its CPU and controller time per inference over its capacity).\n"
      "In steady state its period is the evaluator's.\n"
      "Examples:\n  respect simulate zoo:resnet50:input=299\n"
      "  respect simulate zoo:inception_v4 --stages 4 --device usb-max --json\n"
      "  respect simulate model.tflite --schedule plan.json --inferences 1000\n"
      "  respect simulate zoo:inception_v4 --sweep 6\n"
      "  respect simulate zoo:densenet121 --stages 3 --replicas 2,2,2\n"
      "  respect simulate zoo:densenet121 --schedule hybrid.json   (from schedule --tpus --out)\n"
      "  respect simulate zoo:inception_v4 --stages 4 --report pipeline.html");
  return [o] {
    auto loaded = LoadModelOnDevice(o->model, o->device);
    if (!loaded) return Fail(loaded.error().message);
    const Graph* g = &loaded->graph;
    const DeviceProfile* device = &loaded->device;
    if (o->sweep > 0) return Sweep(*g, *device, o->sweep, o->json);
    Schedule s{1, std::vector<int>(g->num_ops(), 0)};
    std::string how = "one TPU";
    if (!o->schedule.empty()) {
      auto r = ReadScheduleFile(*g, o->schedule);
      if (!r) return Fail(r.error().message);
      s = std::move(*r);
      how = "schedule " + o->schedule;
    } else if (o->stages > 0) {
      auto r = CompilerPartition(*g, o->stages);
      if (!r) return Fail(fmt::format("{}: {}", o->model, r.error().message));
      s = std::move(*r);
      how = "compiler partition";
    }
    if (!o->replicas.empty()) {
      if (static_cast<int>(o->replicas.size()) != s.num_stages)
        return Fail(fmt::format("--replicas gives {} counts for {} stages", o->replicas.size(),
                                s.num_stages));
      s.replicas = o->replicas;
    }
    CostModel model(*g, *device);
    const PipelineCost cost = EvaluateSchedule(model, s);
    const PipelineSimulation sim = SimulatePipeline(cost, o->inferences);
    if (!o->report.empty()) {
      HtmlReportInput in;
      in.command = CommandLine();
      in.graph = g;
      in.device = device;
      in.schedule = s;
      in.cost = cost;
      in.method = how;
      if (how != "compiler partition" && s.num_stages > 1)
        if (auto base = CompilerPartition(*g, s.num_stages); base)
          in.baseline = EvaluateSchedule(model, *base);
      if (auto st = WriteFileAtomic(o->report, HtmlReport(in)); !st)
        return Fail(st.error().message);
    }
    if (o->json) {
      nlohmann::json j = PipelineCostJson(cost);
      j["model"] = g->name;
      j["device"] = device->name;
      j["num_stages"] = s.num_stages;
      j["replicas"] = ReplicasToJson(s);
      j["partition"] = how;
      j["simulation"] = SimulationJson(sim);
      std::printf("%s\n", j.dump(2).c_str());
      return 0;
    }
    std::printf("model %s   device %s   %d stage(s), %s\n", g->name.c_str(), device->name.c_str(),
                s.num_stages, how.c_str());
    for (int k : EmptyStages(s)) std::printf("note: stage %d is empty\n", k);
    std::printf("%s", PipelineCostTable(cost, device).c_str());
    std::printf(
        "simulated %d inferences: period %.3f ms, mean latency %.3f ms (queueing "
        "included), makespan %.1f ms\n",
        sim.inferences, sim.period_s * 1e3, sim.mean_latency_s * 1e3, sim.makespan_s * 1e3);
    return 0;
  };
}

}  // namespace respect::cli
