#include "schedulers/order_to_stages.h"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "core/analysis.h"
#include "schedulers/list_scheduler.h"

namespace respect {
namespace {

// Greedy cut of the order under capacity; returns the number of segments.
int CutUnderCapacity(const Graph& g, const std::vector<int>& order, int64_t capacity,
                     std::vector<int>& stage_of) {
  int s = 0;
  int64_t acc = 0;
  bool empty = true;
  for (int v : order) {
    const int64_t w = g.ops[v].param_bytes;
    if (!empty && acc + w > capacity) {
      ++s;
      acc = 0;
      empty = true;
    }
    stage_of[v] = s;
    acc += w;
    empty = false;
  }
  return s + 1;
}

}  // namespace

Result<Schedule> PaperStagesFromOrder(const Graph& g, const std::vector<int>& order, int K,
                                      bool align_children) {
  const int n = g.num_ops();
  if (K < 1 || K > n) return Error{fmt::format("{} stages for {} operators", K, n)};
  if (static_cast<int>(order.size()) != n) return Error{"the order must list every operator once"};
  std::vector<int> stage_of(n, 0);
  int64_t lo = 0, hi = 0;
  for (const auto& op : g.ops) hi += op.param_bytes;
  // Smallest capacity with at most K segments (segments never increase with capacity).
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (CutUnderCapacity(g, order, mid, stage_of) <= K)
      hi = mid;
    else
      lo = mid + 1;
  }
  int segments = CutUnderCapacity(g, order, hi, stage_of);
  // Fewer than K (zero-weight operators): split the segment with most operators in half.
  std::vector<int> pos(n);
  for (int p = 0; p < n; ++p) pos[order[p]] = p;
  while (segments < K) {
    std::vector<int> count(segments, 0);
    for (int v = 0; v < n; ++v) ++count[stage_of[v]];
    const int big = static_cast<int>(std::max_element(count.begin(), count.end()) - count.begin());
    int seen = 0;
    for (int v : order) {
      if (stage_of[v] > big)
        ++stage_of[v];
      else if (stage_of[v] == big && seen++ >= count[big] / 2)
        ++stage_of[v];
    }
    ++segments;
  }
  // Repair: a producer after its consumer moves forward to the consumer's stage; child
  // alignment moves all children of a node to the earliest of their stages. Both only lower
  // stages, so iterating to a fixpoint terminates.
  const std::vector<int> topo = TopologicalOrder(g, TopoOrderKind::kKahnFifo);
  for (bool changed = true; changed;) {
    changed = false;
    for (auto it = topo.rbegin(); it != topo.rend(); ++it) {
      const int v = *it;
      for (int u : g.preds(v))
        if (stage_of[u] > stage_of[v]) {
          stage_of[u] = stage_of[v];
          changed = true;
        }
    }
    if (!align_children) continue;
    for (int u = 0; u < n; ++u) {
      const auto& children = g.succs(u);
      if (children.size() < 2) continue;
      int first = K;
      for (int c : children) first = std::min(first, stage_of[c]);
      for (int c : children)
        if (stage_of[c] != first) {
          stage_of[c] = first;
          changed = true;
        }
    }
  }
  return Schedule(K, std::move(stage_of));
}

Result<Schedule> ListSchedule(const Graph& g, int K, int64_t step_capacity_bytes,
                              bool align_children) {
  const int n = g.num_ops();
  if (K < 1 || K > n) return Error{fmt::format("{} stages for {} operators", K, n)};
  std::vector<double> weight(n);
  for (int v = 0; v < n; ++v) weight[v] = static_cast<double>(g.ops[v].param_bytes);
  const std::vector<int> step =
      ListScheduleLabels(g, weight, static_cast<double>(step_capacity_bytes));
  const std::vector<int> asap = AsapLevels(g);
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  // Step 1 holds the sinks: the forward order runs from the highest step down.
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    if (step[a] != step[b]) return step[a] > step[b];
    return asap[a] < asap[b];
  });
  auto s = PaperStagesFromOrder(g, order, K, align_children);
  if (!s) return s.error();
  s->order = IsTopologicalOrder(g, order) ? order : std::vector<int>{};
  return s;
}

}  // namespace respect
