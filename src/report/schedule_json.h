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
#include "schedulers/scheduler.h"

namespace respect {

struct ScheduleOutcome {
  ScheduleResult result;
  PipelineCost cost;  // the evaluator's figures for result.schedule
  std::optional<PipelineCost>
      compiler;  // Coral's compiler partition into the same K (the baseline)
};

// Runs `method` (RunScheduler), evaluates its schedule and the compiler baseline.
Result<ScheduleOutcome> ScheduleWithBaseline(const std::string& method, const CostModel& m,
                                             const ScheduleRequest& r);

// {model, device, method, objective, stages, assignment, order, stage_costs[], period_ms,
// latency_ms, throughput_ips, bottleneck_stage, objective_value, lower_bound, proven_optimal,
// gap, solve_seconds, compiler_period_ms, speedup_vs_compiler, empty_stages, engine, handed_over,
// cut_short, note, phases[]}.
nlohmann::json ScheduleOutcomeJson(const Graph& g, const DeviceProfile& device, Objective objective,
                                   const ScheduleOutcome& s);

}  // namespace respect
