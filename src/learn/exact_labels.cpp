#include "learn/exact_labels.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "core/analysis.h"
#include "learn/imitation_task.h"
#include "solver/milp.h"

namespace respect {

Result<std::vector<int>> ExactStepLabels(const Graph& g, const std::vector<double>& weight,
                                         double capacity, double time_limit_s) {
  const int n = g.num_ops();
  if (n == 0) return std::vector<int>{};
  for (int v = 0; v < n; ++v)
    if (weight[v] > capacity)
      return Error{
          fmt::format("exact labels: node {} weighs {} > capacity {}", v, weight[v], capacity)};
  // Horizon: the list scheduler's step count is feasible, so the optimum fits in it.
  const std::vector<int> list = ForwardListLabels(g, weight, capacity);
  const int horizon = *std::max_element(list.begin(), list.end());
  // Window of node v: after its longest chain of ancestors, before its longest chain of
  // descendants (0-based steps).
  const std::vector<int> asap = AsapLevels(g);
  std::vector<int> below(n, 0);  // longest path to a sink
  const std::vector<int> topo = TopologicalOrder(g, TopoOrderKind::kAsap);
  for (auto it = topo.rbegin(); it != topo.rend(); ++it)
    for (int s : g.succs(*it)) below[*it] = std::max(below[*it], below[s] + 1);

  MilpBuilder b;
  const double inf = std::numeric_limits<double>::infinity();
  // Objective: makespan first (its weight n * horizon exceeds any sum of steps), then the
  // largest sum of steps: every node as late as the makespan allows, the character of RESPECT's
  // reverse list scheduler, so exact labels differ from the list labels only where the list
  // scheduler is beaten, not by an arbitrary choice among equally short schedules.
  const int makespan = b.AddCol("makespan", 1, horizon, static_cast<double>(n) * horizon + 1, true);
  std::vector<std::vector<int>> x(n);
  std::vector<Expr> step(n);
  std::vector<Expr> load(horizon);
  for (int v = 0; v < n; ++v) {
    Expr one;
    for (int t = asap[v]; t <= horizon - 1 - below[v]; ++t) {
      const int c = b.AddCol(fmt::format("x_{}_{}", v, t), 0, 1, -t, true);
      x[v].push_back(c);
      one.Add(c, 1);
      step[v].Add(c, t);
      load[t].Add(c, weight[v]);
    }
    b.AddRow(one, 1, 1);
    Expr span = step[v];  // makespan >= step + 1
    span.Add(makespan, -1);
    b.AddRow(span, -inf, -1);
  }
  for (int t = 0; t < horizon; ++t)
    if (!load[t].terms.empty()) b.AddRow(load[t], -inf, capacity);
  for (int v = 0; v < n; ++v)
    for (int s : g.succs(v)) {
      Expr e = step[s];  // step(s) - step(v) >= 1
      e.Add(step[v], -1);
      b.AddRow(e, 1, inf);
    }
  // The list schedule as the MIP start.
  std::vector<std::pair<std::string, double>> start = {{"makespan", static_cast<double>(horizon)}};
  for (int v = 0; v < n; ++v)
    for (int t = asap[v]; t <= horizon - 1 - below[v]; ++t)
      start.emplace_back(fmt::format("x_{}_{}", v, t), t == list[v] - 1 ? 1.0 : 0.0);
  const MilpSolution sol = SolveMilp(b, time_limit_s, start);
  if (!sol.proven_optimal) return Error{fmt::format("exact labels: not proven ({})", sol.status)};
  std::vector<int> labels(n, 0);
  for (int v = 0; v < n; ++v) {
    int k = 0;
    for (int t = asap[v]; t <= horizon - 1 - below[v]; ++t, ++k)
      if (sol.x[x[v][k]] > 0.5) labels[v] = t + 1;
  }
  return labels;
}

}  // namespace respect
