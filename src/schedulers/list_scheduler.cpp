#include "schedulers/list_scheduler.h"

#include <algorithm>

#include "core/analysis.h"

namespace respect {

std::vector<int> ListScheduleLabels(const Graph& g, const std::vector<double>& weight,
                                    double capacity) {
  const int n = g.num_ops();
  const std::vector<int> priority = AsapLevels(g);
  std::vector<int> remaining_succs(n), label(n, 0);
  std::vector<int> ready;
  for (int v = 0; v < n; ++v)
    if ((remaining_succs[v] = static_cast<int>(g.succs(v).size())) == 0) ready.push_back(v);
  int step = 0, scheduled = 0;
  while (scheduled < n) {
    ++step;
    std::sort(ready.begin(), ready.end(), [&](int a, int b) {
      return priority[a] != priority[b] ? priority[a] > priority[b] : a < b;
    });
    size_t take = ready.size();
    double total = 0;
    for (size_t i = 0; i < take; ++i) total += weight[ready[i]];
    while (take > 1 && total > capacity) total -= weight[ready[--take]];
    std::vector<int> next(ready.begin() + static_cast<long>(take), ready.end());
    for (size_t i = 0; i < take; ++i) {
      const int v = ready[i];
      label[v] = step;
      ++scheduled;
      for (int u : g.preds(v))
        if (--remaining_succs[u] == 0) next.push_back(u);
    }
    ready = std::move(next);
  }
  return label;
}

}  // namespace respect
