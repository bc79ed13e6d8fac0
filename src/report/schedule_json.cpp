#include "report/schedule_json.h"

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
  if (auto base = RunScheduler("compiler", m, {r.stages, Objective::kThroughput}); base)
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
  for (const char* k : {"period_ms", "latency_ms", "throughput_ips", "bottleneck_stage"})
    j[k] = pc[k];
  j["objective_value"] = res.objective_value;
  j["lower_bound"] = res.lower_bound;
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

}  // namespace respect
