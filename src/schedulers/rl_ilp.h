// `rl-ilp` (the second seed, PROBLEM.md section 5): the learned policy's schedule narrows and
// warm-starts the ilp, which then certifies the answer for the full problem.
//
//   1. rl: the policy's schedule (greedy, plus --rl-samples), with at most a quarter of the
//      time limit: the incumbent.
//   2. window: the ilp with each operator's stage restricted to within W stages of its rl stage
//      (--window W), warm-started from the rl schedule (always inside the window, so the window
//      problem is feasible), with half of the time left.
//   3. certify: the full ilp with the incumbent as its MIP start, with the rest of the time (CBC
//      only looks for better; "optimal" proves the incumbent, or the better schedule it found).
//      A timeout leaves CBC's bound as the honest bound.
// Where the graph's downsets fit --lattice-cap, the lattice DP (like `exact`) certifies the rl
// incumbent directly, in milliseconds and over every valid schedule, and the window is skipped
// (phase "window" says so).
// The ilp's claim is over every valid schedule whose stages run in the model's execution order
// (the paper objective ignores the order), and only where the model is the evaluator (no host
// fallback, no shared constants). Each phase's time, value, bound and status are in
// ScheduleResult::phases.
#pragma once

#include "core/status.h"
#include "cost/cost_model.h"
#include "schedulers/scheduler.h"

namespace respect {

// The default window half-width (stages each side of the rl stage), chosen by measurement
// (README, `respect bench --suite rl-ilp`).
constexpr int kDefaultRlIlpWindow = 1;

Result<ScheduleResult> RunRlIlp(const CostModel& m, const ScheduleRequest& r);

}  // namespace respect
