// A schedule together with what every report compares it against, and its JSON form: what
// `respect schedule --json` prints and the Python module's Schedule.to_json() returns, built in
// this one place.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/graph.h"
#include "core/status.h"
#include "cost/cost_model.h"
#include "schedulers/deployment.h"
#include "schedulers/scheduler.h"
#include "schedulers/tpu_plan.h"

namespace respect {

struct ScheduleOutcome {
  ScheduleResult result;
  PipelineCost cost;  // the evaluator's figures for result.schedule
  // Coral's compiler partition into the same K, or T segments with --tpus (the baseline).
  std::optional<PipelineCost> compiler;
};

// Runs `method` (RunScheduler), evaluates its schedule and the compiler baseline.
Result<ScheduleOutcome> ScheduleWithBaseline(const std::string& method, const CostModel& m,
                                             const ScheduleRequest& r);

// {model, device, method, objective, stages, assignment, order, replicas[], stage_costs[],
// period_ms, latency_ms, throughput_ips, bottleneck_stage, tpus, limit, host_period_ms,
// objective_value, lower_bound, proven_optimal,
// gap, solve_seconds, compiler_period_ms, speedup_vs_compiler, empty_stages, engine, handed_over,
// cut_short, note, phases[]}.
nlohmann::json ScheduleOutcomeJson(const Graph& g, const DeviceProfile& device, Objective objective,
                                   const ScheduleOutcome& s);

// What `respect plan --json` prints and the Python module's plan() returns: {model, device,
// fps (null: none), max_tpus, host_floor_ms, floor_limit, answer_tpus (null: none), verdict,
// points[] {tpus, hybrid {period_ms, throughput_ips, latency_ms, tpus, limit, stages,
// replicas[], assignment, proven_optimal, solve_seconds}, pure {... proven_optimal},
// compiler {...}}}.
nlohmann::json CapacityPlanJson(const Graph& g, const DeviceProfile& device,
                                const CapacityPlan& plan, double fps, int max_tpus);

// What `respect plan M1 M2 ... --json` prints: {device, tpus, ratio, limit, proven, host_cpu_load,
// controller_load, note, models[] {name, fps, rate_ips, capacity_ips, shared, stages, replicas,
// tpus[], period_ms, latency_ms, assignment, proven}, tpu_list[] {index, segments[] {model,
// stage}, busy, cached_bytes, streamed_bytes}}. graphs[m] is model m's graph.
nlohmann::json DeploymentJson(const std::vector<const Graph*>& graphs, const DeviceProfile& device,
                              const Deployment& d);

}  // namespace respect
