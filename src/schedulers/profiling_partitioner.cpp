#include "schedulers/profiling_partitioner.h"

#include <fmt/format.h>

#include "core/analysis.h"
#include "cost/segment_scan.h"
#include "schedulers/compiler_partitioner.h"
#include "schedulers/objective.h"

namespace respect {
namespace {

// Greedy growth for target T; returns the stage of each position of the order and whether the
// last segment meets T.
bool PartitionForTarget(SegmentScanner& scan, int K, double target, std::vector<int>& stage_at) {
  const int n = static_cast<int>(scan.order().size());
  int pos = 0;
  for (int k = 0; k + 1 < K; ++k) {
    const int last_allowed = n - (K - k);  // leave one operator for each later segment
    scan.Start(pos);
    stage_at[pos] = k;
    scan.Extend();
    ++pos;
    while (pos <= last_allowed) {
      if (scan.Extend().latency_s > target) break;
      stage_at[pos++] = k;
    }
  }
  scan.Start(pos);
  double last = 0;
  for (; pos < n; ++pos) {
    stage_at[pos] = K - 1;
    last = scan.Extend().latency_s;
  }
  return last <= target;
}

}  // namespace

Result<ProfilingResult> ProfilingPartition(const CostModel& m, int K, double threshold_s) {
  const Graph& g = m.graph();
  const int n = g.num_ops();
  if (K < 1 || K > n) return Error{fmt::format("{} stages for {} operators", K, n)};
  auto initial = CompilerPartition(g, K);
  if (!initial) return initial.error();
  const std::vector<int> order = initial->order;
  SegmentScanner scan(m, order);
  ProfilingResult out;
  // Start from the parameter-count partition, as Coral's tool does.
  double lo = 0, hi = EvaluateSchedule(m, *initial).period_s;
  std::vector<int> stage_at(n, 0), best_at;
  for (int p = 0; p < n; ++p) stage_at[p] = initial->stage_of[order[p]];
  best_at = stage_at;
  while (hi - lo > threshold_s && out.iterations < 200) {
    const double target = (lo + hi) / 2;
    ++out.iterations;
    if (PartitionForTarget(scan, K, target, stage_at)) {
      hi = target;
      best_at = stage_at;
    } else {
      lo = target;
    }
  }
  std::vector<int> stage_of(n);
  for (int p = 0; p < n; ++p) stage_of[order[p]] = best_at[p];
  out.schedule = Schedule(K, std::move(stage_of), order);
  return out;
}

}  // namespace respect
