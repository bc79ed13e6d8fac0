#include "schedulers/dp_cuts.h"

#include <limits>
#include <optional>

#include <fmt/format.h>

#include "core/analysis.h"
#include "cost/segment_scan.h"

namespace respect {

Result<CutResult> BestCutsOfOrder(const CostModel& m, const std::vector<int>& order, int K, Objective o) {
  const int n = static_cast<int>(order.size());
  if (K < 1) return Error{fmt::format("need at least 1 stage, got {}", K)};
  if (K > n) return Error{fmt::format("{} stages for {} operators: at most one stage per operator", K, n)};
  if (o == Objective::kPaper) return Error{"dp handles the throughput and latency objectives; use ilp for paper"};
  const double inf = std::numeric_limits<double>::infinity();
  // best[k][j]: best value of cutting order[0..j) into k segments; arg: where the last starts.
  std::vector<std::vector<double>> best(K + 1, std::vector<double>(n + 1, inf));
  std::vector<std::vector<int>> arg(K + 1, std::vector<int>(n + 1, -1));
  best[0][0] = 0;
  SegmentScanner scan(m, order);
  const bool sum = o == Objective::kLatency;
  for (int k = 1; k <= K; ++k) {
    // Segment k ends at j <= n - (K - k) so that every later segment gets an operator.
    const int last_end = n - (K - k);
    for (int i = k - 1; i < last_end; ++i) {
      const double before = best[k - 1][i];
      if (before == inf) continue;
      scan.Start(i);
      for (int j = i + 1; j <= last_end; ++j) {
        const double t = scan.Extend().latency_s;
        const double cand = sum ? before + t : std::max(before, t);
        if (cand < best[k][j]) {
          best[k][j] = cand;
          arg[k][j] = i;
        }
      }
    }
  }
  CutResult r;
  r.value = best[K][n];
  r.schedule.num_stages = K;
  r.schedule.stage_of.assign(m.graph().num_ops(), 0);
  r.schedule.order = order;
  for (int k = K, j = n; k >= 1; --k) {
    const int i = arg[k][j];
    for (int p = i; p < j; ++p) r.schedule.stage_of[order[p]] = k - 1;
    j = i;
  }
  return r;
}

Result<CutResult> BestCutsOverOrders(const CostModel& m, int K, Objective o) {
  std::vector<std::vector<int>> orders;
  for (TopoOrderKind kind : {TopoOrderKind::kKahnLifo, TopoOrderKind::kKahnFifo, TopoOrderKind::kDepthFirst,
                             TopoOrderKind::kAsap, TopoOrderKind::kAlap})
    orders.push_back(TopologicalOrder(m.graph(), kind));
  orders.push_back(m.exec_order());
  std::optional<CutResult> best;
  for (size_t i = 0; i < orders.size(); ++i) {
    bool seen = false;
    for (size_t j = 0; j < i; ++j) seen |= orders[j] == orders[i];
    if (seen) continue;
    auto r = BestCutsOfOrder(m, orders[i], K, o);
    if (!r) return r.error();
    if (!best || r->value < best->value) best = std::move(*r);
  }
  return std::move(*best);
}

}  // namespace respect
