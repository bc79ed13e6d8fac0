// How many TPUs does a model need (`respect plan`)? For T = 1, 2, ... the best hybrid pipeline
// on at most T TPUs (`exact` with --tpus T: cuts and replicas, proven where the lattice fits),
// beside the best plain T-stage pipeline (`exact -k T`) and Coral's compiler with T segments,
// every figure from the one evaluator. With a rate to reach, the first T that reaches it; and
// where no number of TPUs can, which shared host resource stands in the way.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "cost/cost_model.h"
#include "schedulers/scheduler.h"

namespace respect {

struct PlanPoint {
  int tpus = 0;
  ScheduleResult hybrid;  // exact --tpus T
  PipelineCost hybrid_cost;
  std::optional<ScheduleResult> pure;  // exact -k T (absent past one stage per operator)
  std::optional<PipelineCost> pure_cost, compiler_cost;
};

struct PlanOptions {
  int max_tpus = 8;
  double fps = 0;           // > 0: stop at the first T whose throughput reaches it
  bool baselines = true;    // also the plain pipeline and the compiler at each T
  ScheduleRequest request;  // per solve: time limit, lattice cap, portfolio, cancel
  std::function<void(const PlanPoint&)> progress;  // after each T
};

struct CapacityPlan {
  std::vector<PlanPoint> points;
  int answer = -1;  // with fps: index into points of the first that reaches it (-1: none)
  // No hybrid pipeline on any number of TPUs has a shorter period on this host: its CPU runs at
  // least one invoke per inference, and (when every TPU shares one controller) the model's
  // inputs and outputs cross that controller. What sets it (host-cpu or controller).
  double host_floor_s = 0;
  PipelineLimit floor_limit = PipelineLimit::kHostCpu;
  std::string verdict;  // one line for people
};

Result<CapacityPlan> PlanTpus(const CostModel& m, const PlanOptions& o);

}  // namespace respect
