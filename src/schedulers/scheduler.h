// One interface for every scheduling method (STYLE.md: graph, cost model, request -> schedule
// or error), selected by name from one registry table. Every method's result is verified and
// scored by the one evaluator before it is returned.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "cost/cost_model.h"
#include "schedulers/exact_lattice.h"
#include "schedulers/ilp.h"
#include "schedulers/objective.h"
#include "schedulers/schedule.h"

namespace respect {

// Options of the learned scheduler (`rl`).
struct RlOptions {
  std::string policy_path;  // empty: DefaultPolicyPath()
  std::string stages =
      "dp";  // dp: optimal cuts of the emitted order; paper: the authors' procedure
  bool precedence_mask = true;  // false: the paper's unmasked decoding (orders repaired after)
  int samples = 0;              // extra sampled orders; the cost model keeps the best
  uint64_t seed = 1;
};

struct ScheduleRequest {
  ScheduleRequest(int k = 4, Objective o = Objective::kThroughput) : stages(k), objective(o) {}
  // The number of stages; with tpus, the most stages.
  int stages;
  // Hybrid pipelines (schedulers/hybrid.h): 0 = one TPU per stage (a plain pipeline); T >= 1 =
  // choose cuts and replica counts together for at most T TPUs (throughput only). exact and
  // auto solve it over the lattice; every other method cuts `stages` stages and gives the
  // spare TPUs greedily.
  int tpus = 0;
  Objective objective;
  double time_limit_s = 30;
  double paper_lambda = 1.0;  // paper objective: weight of one MiB of the largest stage
  bool align_children = false;
  // exact / auto: enumerate at most this many downsets; past it, exact returns the best
  // heuristic unproven and auto hands over to the ilp.
  int64_t lattice_cap = 500'000;
  // Long solves (ilp) report (incumbent or +inf, best bound, elapsed seconds) about once a
  // second, in the objective's unit (seconds, or the paper score).
  std::function<void(double, double, double)> progress;
  RlOptions rl;
  // rl-ilp: each operator may move at most this many stages from the learned schedule's in the
  // window solve (-1: the default, kDefaultRlIlpWindow).
  int rl_window = -1;
  // The heuristics whose best schedule starts ilp, exact and auto (their incumbent), by name;
  // empty: every registered heuristic (SchedulerInfo::heuristic), rl included where registered.
  // A name that is not registered is an error, never silently skipped.
  std::vector<std::string> portfolio;
  // When the method must return (RunScheduler sets it from time_limit_s when unset; nested
  // methods share their caller's). Work that cannot finish by then is cut short or skipped.
  std::chrono::steady_clock::time_point deadline{};
  // Set by the caller to stop the method early (the Python module on Ctrl-C): it then counts as
  // past its deadline wherever the method checks (PastDeadline, SecondsLeft).
  std::shared_ptr<const std::atomic<bool>> cancel;
};

using Deadline = std::chrono::steady_clock::time_point;
inline bool Cancelled(const ScheduleRequest& r) { return r.cancel && r.cancel->load(); }
inline bool PastDeadline(const ScheduleRequest& r) {
  return Cancelled(r) ||
         (r.deadline != Deadline{} && std::chrono::steady_clock::now() > r.deadline);
}

// One phase of a multi-phase method (rl-ilp: rl, window, certify), for reports and scripts.
struct PhaseReport {
  std::string name;
  double seconds = 0;
  double value = 0;     // the phase's best objective value (evaluator), 0 if it found none
  double bound = 0;     // the lower bound it proved (0: none)
  std::string status;   // for people
  bool proven = false;  // the phase's own problem was solved to proven optimality
};

struct ScheduleResult {
  std::string method;
  Schedule schedule;
  double objective_value = 0;  // from the evaluator
  double lower_bound = 0;      // a proven lower bound on the optimum over all schedules
  // Where lower_bound comes from: "simple" or "head-tail" (schedulers/lower_bounds.h), or the
  // method's own proof ("lattice", "ilp", ...: its engine).
  std::string bound_name;
  // lower_bound already holds the best lower bound (schedulers/lower_bounds.h) the method
  // computed for this request: RunScheduler does not compute it again.
  bool bounds_applied = false;
  bool proven_optimal = false;
  double gap = 1;  // (value - bound) / value
  double solve_seconds = 0;
  std::string note;  // for people: e.g. which order dp chose (code reads the fields below)
  std::vector<PhaseReport> phases;  // multi-phase methods only
  // What the method did. engine: "lattice" (the downset-lattice DP ran), "ilp" (CBC ran),
  // "heuristic" (neither could: the best heuristic was returned), "bound" (the best heuristic
  // met a lower bound, schedulers/lower_bounds.h: optimal without a search), or the method's
  // own name.
  std::string engine;
  bool handed_over = false;  // exact/auto: the lattice exceeded --lattice-cap, so the ilp ran
  bool cut_short = false;    // the time limit (or a cancel) stopped its search before it finished
};

struct SchedulerInfo {
  std::string name, description;
  std::function<Result<ScheduleResult>(const CostModel&, const ScheduleRequest&)> run;
  bool heuristic =
      false;            // a member of the default incumbent portfolio (ScheduleRequest::portfolio)
  bool hybrid = false;  // chooses replicas itself with --tpus (else given greedily after)
};

// The table of methods. Built once: this library's methods, then those a program registers
// before its first solve (rl, whose network needs LibTorch: the CLI's main, the Python module
// and the test main call RegisterRlScheduler first), so a call's result never depends on what
// ran before it in the process.
const std::vector<SchedulerInfo>& Schedulers();
// Adds (or replaces, by name) a method, for those that live outside this library.
void RegisterScheduler(SchedulerInfo info);
// The portfolio a request asks for: its names (checked), or every registered heuristic.
Result<std::vector<std::string>> PortfolioOf(const ScheduleRequest& r);
// Runs a method by name: checks the request, times the run, validates the schedule and fills
// objective_value, lower_bound and gap from the evaluator.
Result<ScheduleResult> RunScheduler(const std::string& method, const CostModel& m,
                                    const ScheduleRequest& r);

// Seconds left before the request's deadline (RunScheduler sets it from --time-limit).
inline double SecondsLeft(const ScheduleRequest& r) {
  if (Cancelled(r)) return 0;
  return std::max(0.0, std::chrono::duration<double>(r.deadline - Deadline::clock::now()).count());
}

// Helpers shared by the methods built on the ilp and the lattice (scheduler.cpp, rl_ilp.cpp).
// The request's stages, objective, lambda, child alignment and progress, with the time left.
// The ilp's options also carry the best lower bound (throughput), so CBC stops where it is met.
IlpOptions IlpOptionsFor(const CostModel& m, const ScheduleRequest& r);
ExactOptions ExactOptionsFor(const ScheduleRequest& r);
// Why the ilp model is too large to build and solve in `seconds_left` ("" if it is not).
std::string IlpTooLarge(const CostModel& m, const ScheduleRequest& r, double seconds_left);
// Does the ilp's bound (proven over schedules whose stages run in the model's execution order)
// cover schedule s? Always for the paper objective, which ignores the order.
bool IlpBoundCovers(const CostModel& m, const ScheduleRequest& r, const Schedule& s);

}  // namespace respect
