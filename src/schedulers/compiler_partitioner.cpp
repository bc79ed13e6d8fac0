#include "schedulers/compiler_partitioner.h"

#include <fmt/format.h>

#include "core/analysis.h"

namespace respect {

Result<Schedule> CompilerPartitionOrder(const Graph& g, const std::vector<int>& order, int K) {
  const int n = g.num_ops();
  if (K < 1) return Error{fmt::format("need at least 1 stage, got {}", K)};
  if (K > n)
    return Error{fmt::format("{} stages for {} operators: at most one stage per operator", K, n)};
  int64_t total = 0;
  for (const auto& op : g.ops) total += op.param_bytes;
  const int64_t target = total / K + 1;
  int first_output = 0;
  while (first_output < n && !g.succs(order[first_output]).empty()) ++first_output;
  if (first_output < K - 1)
    return Error{
        fmt::format("{} stages need {} operators before the first graph output in the "
                    "partitioner's order; it has {}",
                    K, K - 1, first_output)};
  // Coral's tool writes each segment's operators in the order it walked.
  Schedule s{K, std::vector<int>(n, K - 1), order};
  int i = 0;
  for (int seg = 0; seg < K - 1; ++seg) {
    const int last_allowed = first_output - (K - seg - 1);
    int64_t size = 0;
    const int seg_start = i;
    while (i <= last_allowed) {
      const int64_t p = g.ops[order[i]].param_bytes;
      if (size + p > target && i > seg_start) break;
      size += p;
      s.stage_of[order[i++]] = seg;
      if (size > target) break;  // an oversized first operator closes its segment at once
    }
  }
  return s;
}

Result<Schedule> CompilerPartition(const Graph& g, int K) {
  return CompilerPartitionOrder(g, TopologicalOrder(g, TopoOrderKind::kKahnLifo), K);
}

}  // namespace respect
