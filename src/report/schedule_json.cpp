#include "report/schedule_json.h"

#include <algorithm>

#include "report/pipeline_report.h"
#include "schedulers/objective.h"

namespace respect {

Result<ScheduleOutcome> ScheduleWithBaseline(const std::string& method, const CostModel& m,
                                             const ScheduleRequest& r) {
  auto res = RunScheduler(method, m, r);
  if (!res) return res.error();
  ScheduleOutcome out;
  out.cost = EvaluateSchedule(m, res->schedule);
  out.result = std::move(*res);
  // The baseline: Coral's compiler with one segment per TPU (hybrid: T segments).
  const int segments = r.tpus > 0 ? std::min(r.tpus, m.graph().num_ops()) : r.stages;
  if (auto base = RunScheduler("compiler", m, {segments, Objective::kThroughput}); base)
    out.compiler = EvaluateSchedule(m, base->schedule);
  return out;
}

nlohmann::json ScheduleOutcomeJson(const Graph& g, const DeviceProfile& device, Objective objective,
                                   const ScheduleOutcome& s) {
  const ScheduleResult& res = s.result;
  const double compiler_period = s.compiler ? s.compiler->period_s : 0;
  nlohmann::json j;
  j["model"] = g.name;
  j["device"] = device.name;
  j["method"] = res.method;
  j["objective"] = ObjectiveName(objective);
  j["stages"] = res.schedule.num_stages;
  j["assignment"] = AssignmentToJson(g, res.schedule);
  j["order"] = OrderToJson(g, res.schedule);
  const nlohmann::json pc = PipelineCostJson(s.cost);
  j["stage_costs"] = pc["stages"];
  j["replicas"] = ReplicasToJson(res.schedule);
  for (const char* k : {"period_ms", "latency_ms", "throughput_ips", "bottleneck_stage", "tpus",
                        "limit", "host_period_ms"})
    j[k] = pc[k];
  j["objective_value"] = res.objective_value;
  j["lower_bound"] = res.lower_bound;
  j["lower_bound_from"] = res.bound_name;
  j["proven_optimal"] = res.proven_optimal;
  j["gap"] = res.gap;
  j["solve_seconds"] = res.solve_seconds;
  j["compiler_period_ms"] = compiler_period * 1e3;
  j["speedup_vs_compiler"] = s.cost.period_s > 0 ? compiler_period / s.cost.period_s : 0;
  j["empty_stages"] = EmptyStages(res.schedule);
  j["engine"] = res.engine;
  j["handed_over"] = res.handed_over;
  j["cut_short"] = res.cut_short;
  j["note"] = res.note;
  if (!res.phases.empty()) {
    nlohmann::json phases = nlohmann::json::array();
    for (const PhaseReport& p : res.phases)
      phases.push_back({{"name", p.name},
                        {"seconds", p.seconds},
                        {"value", p.value},
                        {"bound", p.bound},
                        {"status", p.status},
                        {"proven", p.proven}});
    j["phases"] = phases;
  }
  return j;
}

namespace {

nlohmann::json PlanCostJson(const PipelineCost& c) {
  return {{"period_ms", c.period_s * 1e3},
          {"throughput_ips", c.throughput_ips},
          {"latency_ms", c.latency_s * 1e3},
          {"tpus", c.tpus},
          {"limit", PipelineLimitName(c.limit)}};
}

}  // namespace

nlohmann::json CapacityPlanJson(const Graph& g, const DeviceProfile& device,
                                const CapacityPlan& plan, double fps, int max_tpus) {
  nlohmann::json points = nlohmann::json::array();
  for (const PlanPoint& p : plan.points) {
    nlohmann::json h = PlanCostJson(p.hybrid_cost);
    h["stages"] = p.hybrid.schedule.num_stages;
    h["replicas"] = ReplicasToJson(p.hybrid.schedule);
    h["assignment"] = AssignmentToJson(g, p.hybrid.schedule);
    h["proven_optimal"] = p.hybrid.proven_optimal;
    h["solve_seconds"] = p.hybrid.solve_seconds;
    nlohmann::json pt = {{"tpus", p.tpus}, {"hybrid", h}};
    if (p.pure_cost) {
      pt["pure"] = PlanCostJson(*p.pure_cost);
      pt["pure"]["proven_optimal"] = p.pure->proven_optimal;
    }
    if (p.compiler_cost) pt["compiler"] = PlanCostJson(*p.compiler_cost);
    points.push_back(pt);
  }
  return {{"model", g.name},
          {"device", device.name},
          {"fps", fps > 0 ? nlohmann::json(fps) : nlohmann::json(nullptr)},
          {"max_tpus", max_tpus},
          {"host_floor_ms", plan.host_floor_s * 1e3},
          {"floor_limit", PipelineLimitName(plan.floor_limit)},
          {"answer_tpus", plan.answer >= 0 ? nlohmann::json(plan.points[plan.answer].tpus)
                                           : nlohmann::json(nullptr)},
          {"verdict", plan.verdict},
          {"points", points}};
}

nlohmann::json DeploymentJson(const std::vector<const Graph*>& graphs, const DeviceProfile& device,
                              const Deployment& d) {
  nlohmann::json models = nlohmann::json::array(), tpus = nlohmann::json::array();
  for (size_t m = 0; m < d.models.size(); ++m) {
    const DeployedModel& dm = d.models[m];
    models.push_back({{"name", dm.name},
                      {"fps", dm.fps},
                      {"rate_ips", dm.rate_ips},
                      {"capacity_ips", dm.capacity_ips},
                      {"shared", dm.shared},
                      {"stages", dm.schedule.num_stages},
                      {"replicas", ReplicasToJson(dm.schedule)},
                      {"tpus", dm.tpus},
                      {"period_ms", dm.cost.period_s * 1e3},
                      {"latency_ms", dm.cost.latency_s * 1e3},
                      {"assignment", AssignmentToJson(*graphs[m], dm.schedule)},
                      {"proven", dm.proven}});
  }
  for (size_t t = 0; t < d.tpus.size(); ++t) {
    const DeployedTpu& tpu = d.tpus[t];
    nlohmann::json segs = nlohmann::json::array();
    for (const auto& s : tpu.segments)
      segs.push_back({{"model", d.models[s.model].name}, {"stage", s.stage}});
    tpus.push_back({{"index", t},
                    {"segments", segs},
                    {"busy", tpu.busy},
                    {"cached_bytes", tpu.cached_bytes},
                    {"streamed_bytes", tpu.streamed_bytes}});
  }
  return {{"device", device.name},
          {"tpus", d.tpus.size()},
          {"ratio", d.ratio},
          {"limit", d.limit},
          {"proven", d.proven},
          {"host_cpu_load", d.host_cpu_load},
          {"controller_load", d.controller_load},
          {"partitions", d.partitions},
          {"note", d.note},
          {"models", models},
          {"tpu_list", tpus}};
}

}  // namespace respect
