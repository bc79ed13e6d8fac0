// The third seed's exact method: fuse (memory/fusion.h), then an integer program over the fused
// graph, solved by COIN-OR CBC within a wall-clock limit and warm-started from a given order.
//
// Model (N groups, steps 0..N-1). d[X][s] = 1 when group X has run by step s; it is a column only
// inside X's feasible window [ancestors(X), N - 1 - descendants(X)] (0 before, 1 after: the
// seed's topology-aware variable pruning). Each step runs one group (sum_X d[X][s] = s + 1), d is
// monotone, and a group runs after its producers (d[V][s] <= d[U][s-1]). The memory while step
// s runs is R[s-1] + sum_X q_X (d[X][s] - d[X][s-1]) - (in-place savings), where q_X is X's peak
// excess (SequenceEffect) and R[s] = the graph inputs + sum over tensors crossing groups of
// bytes * (produced by s - freed by s); a tensor is freed once all its consumer groups have run
// (one consumer group: that group's d; several: a column y <= each of their d). A single-operator
// group whose in-place reuse depends on whether the reused tensor's other readers have run gets
// a saving column z <= [it runs at s] and <= [some candidate's other readers ran before s]. The
// objective is the peak P >= every step's memory. Every integer solution's P is the evaluator's
// peak of the order it encodes (the y and z columns only ever lower memory to its true value), so
// CBC's bound is a lower bound over every operator order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "memory/fusion.h"
#include "memory/memory_model.h"

namespace respect {

struct FusionIlpResult {
  std::vector<int> order;  // operator order (empty when CBC found nothing)
  bool proven_optimal = false;
  int64_t bound = 0;  // no order peaks lower
  int groups = 0, columns = 0, rows = 0;
  std::string status;  // CBC's
};

// Limits on the model's size, past which it is refused rather than built.
inline constexpr int64_t kFusionIlpMaxColumns = 400'000;
inline constexpr int64_t kFusionIlpMaxNonzeros = 20'000'000;

// warm: a topological operator order to start from (may be empty).
Result<FusionIlpResult> SolveFusionIlp(const MemoryModel& mm, const MemoryFusion& f,
                                       const std::vector<int>& warm, double time_limit_s);

}  // namespace respect
