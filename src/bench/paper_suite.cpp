#include "bench/paper_suite.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "core/downset_lattice.h"
#include "cost/cost_model.h"
#include "cost/device_profile.h"
#include "importers/importers.h"
#include "models/model_source.h"
#include "schedulers/objective.h"
#include "schedulers/scheduler.h"

namespace respect {
namespace {

BenchRun FromResult(const CostModel& m, const ScheduleResult& r) {
  BenchRun run;
  run.method = r.method;
  run.value = r.objective_value;
  run.lower_bound = r.lower_bound;
  run.proven_optimal = r.proven_optimal;
  run.solve_s = r.solve_seconds;
  run.max_stage_bytes = MaxStageParamBytes(m.graph(), r.schedule);
  run.crossings = BoundaryCrossings(m.graph(), r.schedule);
  run.note = r.note;
  run.handed_over = r.handed_over;
  run.engine = r.engine;
  return run;
}

void Finish(BenchInstance& inst) {
  for (const auto& r : inst.runs) {
    if (r.method == "compiler") inst.compiler = r.value;
    if (r.valid) inst.best_bound = std::max(inst.best_bound, r.lower_bound);
  }
}

}  // namespace

const BenchRun* BenchInstance::Find(const std::string& method) const {
  for (const auto& r : runs)
    if (r.method == method) return &r;
  return nullptr;
}

const std::vector<std::string>& PaperModels() {
  static const std::vector<std::string> models = {
      "xception",    "resnet50",    "resnet101",   "resnet152",   "densenet201",
      "densenet121", "resnet101v2", "resnet152v2", "densenet169", "inception_resnet_v2"};
  return models;
}

Result<PaperSuiteResult> RunPaperSuite(const PaperSuiteOptions& o) {
  auto device = LoadDeviceProfile(o.device);
  if (!device) return device.error();
  PaperSuiteResult out;
  out.device = device->name;
  out.time_limit_s = o.time_limit_s;
  out.paper_lambda = o.paper_lambda;
  out.methods = {"compiler", "profiling", "list", "dp", "ilp", "exact"};
  // The learned scheduler joins when it is registered (it lives in the LibTorch library).
  const bool with_rl = std::any_of(Schedulers().begin(), Schedulers().end(),
                                   [](const SchedulerInfo& s) { return s.name == "rl"; });
  if (with_rl) out.methods.insert(out.methods.begin() + 4, "rl");
  auto say = [&](const std::string& s) {
    if (o.progress) o.progress(s);
  };

  const auto& models = o.models.empty() ? PaperModels() : o.models;
  const int total = static_cast<int>(models.size() * o.stages.size());
  int done = 0;
  for (const auto& name : models) {
    auto g = LoadModel("zoo:" + name);
    if (!g) return g.error();
    CostModel m(*g, *device);
    const int64_t downsets = CountDownsets(*g, ScheduleRequest().lattice_cap);
    const int width = GraphWidth(*g).upper;
    for (int K : o.stages) {
      BenchInstance inst{
          name, K, {}, 0, 0, downsets > ScheduleRequest().lattice_cap ? -1 : downsets, width};
      ++done;
      for (const auto& method : out.methods) {
        say(fmt::format("[{}/{}] {} K={} {}", done, total, name, K, method));
        ScheduleRequest r(K, Objective::kThroughput);
        r.time_limit_s = o.time_limit_s;
        auto res = RunScheduler(method, m, r);
        if (!res) return Error{fmt::format("{} K={} {}: {}", name, K, method, res.error().message)};
        inst.runs.push_back(FromResult(m, *res));
      }
      Finish(inst);
      out.throughput.push_back(std::move(inst));
    }
  }

  if (o.graphs_dir.empty()) return out;
  std::vector<std::string> files;
  if (o.graphs.empty()) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(o.graphs_dir, ec))
      if (e.path().extension() == ".json") files.push_back(e.path().string());
    if (ec) return Error{fmt::format("{}: {}", o.graphs_dir, ec.message())};
    std::sort(files.begin(), files.end());
  } else {
    for (const auto& stem : o.graphs) files.push_back(o.graphs_dir + "/" + stem + ".json");
  }
  std::vector<std::string> paper_methods = {"compiler", "list", "dp", "ilp", "exact"};
  if (with_rl) paper_methods.insert(paper_methods.begin() + 3, "rl");
  for (size_t f = 0; f < files.size(); ++f) {
    const std::string& file = files[f];
    auto g = ImportJsonGraph(file);
    if (!g) return g.error();
    auto published = ReadPublishedStages(file);
    if (!published) return published.error();
    CostModel m(*g, *device);
    const int64_t downsets = CountDownsets(*g, ScheduleRequest().lattice_cap);
    const int width = GraphWidth(*g).upper;
    for (int K : o.stages) {
      BenchInstance inst{std::filesystem::path(file).stem().string(),
                         K,
                         {},
                         0,
                         0,
                         downsets > ScheduleRequest().lattice_cap ? -1 : downsets,
                         width};
      for (const auto& method : paper_methods) {
        say(fmt::format("[authors' graph {}/{}] {} K={} {} (paper objective)", f + 1, files.size(),
                        inst.model, K, method));
        ScheduleRequest r(K, Objective::kPaper);
        r.time_limit_s = o.time_limit_s;
        r.paper_lambda = o.paper_lambda;
        auto res = RunScheduler(method, m, r);
        if (!res)
          return Error{fmt::format("{} K={} {}: {}", inst.model, K, method, res.error().message)};
        inst.runs.push_back(FromResult(m, *res));
      }
      for (const auto& [variant, by_k] : *published) {
        auto it = by_k.find(K);
        if (it == by_k.end()) continue;
        // Their partitions name the real layers; the virtual source and sink go to the first
        // and last stage.
        Schedule s(K, std::vector<int>(g->num_ops(), 0));
        int missing = 0;
        for (int v = 0; v < g->num_ops(); ++v) {
          auto st = it->second.find(g->ops[v].name);
          if (st != it->second.end())
            s.stage_of[v] = std::clamp(st->second, 0, K - 1);
          else if (g->ops[v].name == "sink")
            s.stage_of[v] = K - 1;
          else if (g->ops[v].name != "source")
            ++missing;
        }
        BenchRun run;
        run.method = "published:" + variant;
        run.valid = ValidateSchedule(*g, s).ok() && missing == 0;
        run.max_stage_bytes = MaxStageParamBytes(*g, s);
        run.crossings = BoundaryCrossings(*g, s);
        run.value = ObjectiveValue(m, s, Objective::kPaper, o.paper_lambda);
        run.lower_bound = 0;
        if (!run.valid)
          run.note = missing ? fmt::format("{} layers without a stage", missing)
                             : ValidateSchedule(*g, s).error().message;
        inst.runs.push_back(std::move(run));
      }
      Finish(inst);
      out.paper.push_back(std::move(inst));
    }
  }
  return out;
}

}  // namespace respect
