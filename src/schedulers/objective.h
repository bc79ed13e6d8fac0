// What a schedule is judged by. Every value comes from the one evaluator (CostModel).
#pragma once

#include <string>

#include "core/status.h"
#include "cost/cost_model.h"
#include "schedulers/schedule.h"

namespace respect {

enum class Objective {
  kThroughput,  // minimise the period (slowest stage): the default
  kLatency,     // minimise the sum of stage latencies
  kPaper,       // RESPECT's proxy: lambda x max stage parameter MiB + boundary crossings
};

Result<Objective> ParseObjective(const std::string& name);
const char* ObjectiveName(Objective o);

// The evaluator's cost of a schedule (with its execution order, when it has one).
PipelineCost EvaluateSchedule(const CostModel& m, const Schedule& s);

// The latency of a schedule's slowest stage (replicas aside): the pipeline's period when the
// shared host does not bind.
double SlowestStageSeconds(const CostModel& m, const Schedule& s);

// Crossings of the paper objective: for each edge u -> v, stage(v) - stage(u).
int64_t BoundaryCrossings(const Graph& g, const Schedule& s);
int64_t MaxStageParamBytes(const Graph& g, const Schedule& s);

// The objective's value for a schedule: seconds for throughput/latency, the paper's score
// (lambda per MiB of the largest stage's parameters + crossings) for paper.
double ObjectiveValue(const CostModel& m, const Schedule& s, Objective o, double paper_lambda);

}  // namespace respect
