#include "bench/rlilp_suite.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "cost/cost_model.h"
#include "cost/device_profile.h"
#include "models/model_source.h"
#include "schedulers/ilp.h"

namespace respect {

std::vector<RlIlpInstance> DefaultRlIlpInstances(const std::string& graphs_dir,
                                                 const std::string& dag_dir) {
  std::vector<RlIlpInstance> out;
  for (const char* g : {"NASNet", "inception_resnet_v2"})
    for (int K : {4, 5, 6})
      out.push_back({fmt::format("{} (authors' graph)", g), graphs_dir + "/" + g + ".json",
                     Objective::kPaper, K, 1.0});
  // NASNet's throughput too: the wide graph where the lower bounds, not CBC, certify.
  for (int K : {4, 5, 6})
    out.push_back(
        {"NASNet (authors' graph)", graphs_dir + "/NASNet.json", Objective::kThroughput, K, 1.0});
  for (const char* z : {"inception_v4", "inception_resnet_v2"})
    out.push_back(
        {fmt::format("zoo:{}", z), fmt::format("zoo:{}", z), Objective::kThroughput, 4, 1.0});
  for (const char* kind : {"rand_graph_1000", "rand_graph_sparse_1000"})
    for (int i = 1; i <= 3; ++i) {
      const std::string stem = fmt::format("{}_{}", kind, i);
      // The ICML'24 setting: 10 stages, memory weighted 100 per byte against one crossing.
      out.push_back(
          {stem, dag_dir + "/" + stem + ".gml", Objective::kPaper, 10, 100.0 * 1048576.0});
      out.push_back({stem, dag_dir + "/" + stem + ".gml", Objective::kThroughput, 4, 1.0});
    }
  return out;
}

Result<RlIlpSuiteResult> RunRlIlpSuite(const RlIlpSuiteOptions& o) {
  auto device = LoadDeviceProfile(o.device);
  if (!device) return device.error();
  RlIlpSuiteResult out;
  out.options = o;
  const std::vector<RlIlpInstance> instances =
      o.instances.empty() ? DefaultRlIlpInstances(o.graphs_dir, o.dag_dir) : o.instances;
  using Clock = std::chrono::steady_clock;
  for (size_t i = 0; i < instances.size(); ++i) {
    const RlIlpInstance& inst = instances[i];
    auto g = LoadModel(inst.spec);
    if (!g) return Error{fmt::format("{}: {}", inst.spec, g.error().message)};
    CostModel m(*g, *device);
    RlIlpRow row;
    row.instance = inst;
    row.nodes = g->num_ops();
    auto say = [&](const char* what) {
      if (o.progress)
        o.progress(fmt::format("[{}/{}] {} {} K={} {}", i + 1, instances.size(), inst.name,
                               ObjectiveName(inst.objective), inst.stages, what));
    };
    // Cold: the full model, no incumbent, the whole limit.
    say("cold ilp");
    const auto t0 = Clock::now();
    ScheduleRequest cold(inst.stages, inst.objective);
    cold.paper_lambda = inst.paper_lambda;
    cold.deadline = t0 + std::chrono::duration_cast<Clock::duration>(
                             std::chrono::duration<double>(o.time_limit_s));
    IlpOptions io = IlpOptionsFor(m, cold);  // the options every ilp run is built with
    io.time_limit_s = o.time_limit_s;
    if (auto refused = IlpTooLarge(m, cold, o.time_limit_s); !refused.empty()) {
      row.cold.note = refused;
    } else if (auto c = SolveIlp(m, io); !c) {
      row.cold.note = c.error().message;
    } else {
      row.cold.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      row.cold.ok = c->found;
      if (c->found)
        row.cold.value = ObjectiveValue(m, c->schedule, inst.objective, inst.paper_lambda);
      row.cold.bound = c->bound;
      row.cold.proven = c->found && c->proven_optimal && c->model_exact;
      row.cold.note = "CBC " + c->status;
    }
    say("rl-ilp");
    ScheduleRequest r(inst.stages, inst.objective);
    r.paper_lambda = inst.paper_lambda;
    r.time_limit_s = o.time_limit_s;
    r.rl_window = o.window;
    auto res = RunScheduler("rl-ilp", m, r);
    if (!res) {
      row.rl_ilp.note = res.error().message;
    } else {
      row.rl_ilp.ok = true;
      row.rl_ilp.value = res->objective_value;
      row.rl_ilp.bound = res->lower_bound;
      row.rl_ilp.proven = res->proven_optimal;
      row.rl_ilp.seconds = res->solve_seconds;
      row.rl_ilp.note = res->note;
      row.rl_ilp.phases = res->phases;
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

}  // namespace respect
