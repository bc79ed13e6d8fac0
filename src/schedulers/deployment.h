// Several models on one set of T TPUs (PROBLEM.md section 7): a deployment gives each model
// either TPUs of its own, on which it runs its best hybrid schedule for that many TPUs
// (schedulers/hybrid.h), or a place on a TPU shared with other whole models. A shared TPU holds
// its models co-compiled: their parameters share its cache in the compile order (what no longer
// fits streams on every inference, charged by the cost model with the cache left to each), and
// it time-slices, so at the planned rates its busy fraction sum_m rate_m x time_m must stay at
// most 1. The host is shared by every model: CPU and controller time per inference, times each
// model's rate, summed, within the host's capacity.
//
// Objective: the largest ratio lambda such that every model m runs at lambda x fps_m (its
// required rate, or its weight); with targets, lambda >= 1 means every target is met.
//
// Search (PlanDeployment), exact over a stated family: every partition of the models into
// blocks (up to DeploymentOptions::max_exhaustive_models models; past that, only one block per
// model), where a block of one model gets t >= 1 dedicated TPUs and a block of several shares
// one TPU in the best compile order (every order tried). Dedicated TPUs are allocated exactly:
// for a threshold lambda each model needs the fewest t whose schedule's slowest stage per
// replica sustains lambda x fps_m (its curve is monotone: a TPU more never hurts the hybrid
// optimum); the best lambda is the largest of the finitely many curve values whose needs fit
// the TPUs left, then capped by the shared TPUs and the host. Each model's curve comes from the
// hybrid DP, so the plan is proven optimal over this family when every curve point is.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "cost/cost_model.h"
#include "schedulers/schedule.h"
#include "schedulers/scheduler.h"

namespace respect {

struct DeploymentModelSpec {
  std::string name;
  const CostModel* model = nullptr;  // the model's graph on the device (one profile for all)
  double fps = 1;                    // required rate (or weight): the plan runs lambda x fps
};

struct DeploymentOptions {
  int tpus = 4;
  bool share = true;  // also let whole models share a TPU
  int max_exhaustive_models = 6;
  ScheduleRequest request;  // each hybrid solve: time limit, lattice cap, cancel
  // How a model uses t dedicated TPUs: "exact" (its best hybrid schedule, `exact --tpus t`) or
  // "compiler" (Coral's compiler with t segments, one TPU each: the baseline).
  std::string curve = "exact";
  std::function<void(const std::string&)> progress;  // a line per model's curve
};

struct DeployedTpu {
  struct Segment {
    int model = 0, stage = 0;
  };
  std::vector<Segment> segments;  // shared TPUs: in the compile order
  double busy = 0;                // fraction of each second it computes at the planned rates
  int64_t cached_bytes = 0;       // parameters held in its cache
  int64_t streamed_bytes = 0;     // parameters streamed per inference of its segments
};

struct DeployedModel {
  std::string name;
  double fps = 0;
  Schedule schedule;        // cuts and replicas (one stage when it shares a TPU)
  PipelineCost cost;        // on its own TPUs (shared: with the cache its compile order leaves)
  bool shared = false;      // on a TPU with other models
  std::vector<int> tpus;    // the TPUs it runs on (per stage, its replicas in turn)
  double capacity_ips = 0;  // what its TPUs sustain for it alone (shared: the whole TPU)
  double rate_ips = 0;      // planned: lambda x fps
  bool proven = false;      // its schedule (curve point) was proven optimal
};

struct Deployment {
  std::vector<DeployedModel> models;
  std::vector<DeployedTpu> tpus;  // the TPUs in use
  double ratio = 0;               // lambda: every model runs at ratio x its fps
  double host_cpu_load = 0;       // fraction of the host's cores busy at the planned rates
  double controller_load = 0;     // fraction of its controllers' bandwidth in use
  std::string limit;              // what caps lambda: "tpu", "shared-tpu", "host-cpu", "controller"
  bool proven = false;            // optimal over the family in the header comment
  int partitions = 0;             // model partitions tried
  std::string note;
};

// One point of the family: per model its dedicated TPU count (0: on a shared TPU), and the
// shared TPUs, each the models it holds in compile order.
struct DeploymentChoice {
  std::vector<int> dedicated;
  std::vector<std::vector<int>> shared;
};

// The models' curves (their best hybrid schedule on t = 1..T TPUs), computed once; Score is the
// one evaluator of a deployment, Solve the exact search over the family.
class DeploymentProblem {
 public:
  static Result<DeploymentProblem> Build(const std::vector<DeploymentModelSpec>& models,
                                         const DeploymentOptions& o);
  // The deployment a choice gives (ratio < 0: it does not fit the TPUs).
  Deployment Score(const DeploymentChoice& c) const;
  Result<Deployment> Solve() const;
  int num_models() const { return static_cast<int>(models_.size()); }
  int tpus() const { return options_.tpus; }

 private:
  struct Point {
    Schedule schedule;
    PipelineCost cost;
    bool proven = false;
  };
  PipelineCost WholeWithCache(int m, int64_t cache) const;
  std::vector<DeploymentModelSpec> models_;
  DeploymentOptions options_;
  std::vector<std::vector<Point>> curve_;  // [model][t - 1], best of 1..t TPUs
  // A whole model's cost on a shared TPU with a given cache left, by (model, cache).
  mutable std::map<std::pair<int, int64_t>, PipelineCost> whole_;
};

Result<Deployment> PlanDeployment(const std::vector<DeploymentModelSpec>& models,
                                  const DeploymentOptions& o);

// The whole deployment in a discrete-event simulation: model m's inferences arrive every
// 1 / (load x rate_m) seconds until the model with the lowest rate has sent `inferences`; each
// stage runs on its replicas in turn (round-robin), and every TPU serves its queue first come,
// first served, one invoke at a time (a shared TPU time-slices invoke by invoke). Measured over
// the second half: each model's completions per second and each TPU's busy fraction. Below
// capacity (load < 1) they equal the plan's rates and busy fractions (a test checks it).
struct DeploymentSimulation {
  std::vector<double> model_ips, tpu_busy, mean_latency_s;
};
DeploymentSimulation SimulateDeployment(const Deployment& d, double load, int inferences);

// With targets: the fewest TPUs (1..max_tpus) whose plan meets every model's fps (ratio >= 1);
// the last plan tried when none does (ratio < 1).
Result<Deployment> FewestTpusDeployment(const std::vector<DeploymentModelSpec>& models,
                                        const DeploymentOptions& o, int max_tpus);

}  // namespace respect
