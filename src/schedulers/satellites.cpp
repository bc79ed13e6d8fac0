#include "schedulers/satellites.h"

#include <algorithm>
#include <functional>
#include <queue>
#include <utility>

#include "core/analysis.h"
#include "schedulers/lower_bounds.h"

namespace respect {
namespace {

// Kahn's walk over `members` (a downset or, with forward = false, an upset of the graph),
// cheapest key first (ties: smaller id), until the popped operators' savings reach `stop`.
std::vector<int> PriorityWalk(const Graph& g, const std::vector<char>& members,
                              const std::vector<double>& key, const std::vector<double>& saving,
                              bool forward, double stop) {
  const int n = g.num_ops();
  std::vector<int> waiting(n, 0);
  using Item = std::pair<double, int>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> ready;
  for (int v = 0; v < n; ++v) {
    if (!members[v]) continue;
    waiting[v] = static_cast<int>(forward ? g.preds(v).size() : g.succs(v).size());
    if (waiting[v] == 0) ready.push({key[v], v});
  }
  std::vector<int> out;
  double saved = 0;
  while (!ready.empty() && saved < stop) {
    const int v = ready.top().second;
    ready.pop();
    out.push_back(v);
    saved += saving[v];
    for (int w : forward ? g.succs(v) : g.preds(v))
      if (members[w] && --waiting[w] == 0) ready.push({key[w], w});
  }
  return out;
}

}  // namespace

std::vector<std::vector<int>> SatelliteOrders(const CostModel& m, int K, Objective o,
                                              double paper_lambda) {
  const Graph& g = m.graph();
  const int n = g.num_ops();
  if (K < 2 || n < 3) return {};
  const bool paper = o == Objective::kPaper;
  const DeviceProfile& p = m.profile();
  // What each operator saves the main stage when it leaves: its work and the link time of its
  // parameters (time objectives), or lambda x its MiB (paper).
  std::vector<double> saving(n, 0);
  const std::vector<double> params = ParamsAtFirstReader(g);
  double total = 0;
  for (int v = 0; v < n; ++v) {
    saving[v] = paper ? paper_lambda * static_cast<double>(g.ops[v].param_bytes) / 1048576.0
                      : m.TpuSeconds(v) + params[v] / p.link_in_bytes_per_s;
    total += saving[v];
  }
  // The boundary's change when an operator joins the front (the back: the reverse): its
  // outputs start crossing, its inputs stop (a tensor read by several operators: its share).
  // Paper: crossing edges; time objectives: the main stage's link time for those bytes.
  std::vector<double> front(n, 0), back(n, 0);
  const double link_in = paper ? 1 : 1 / p.link_in_bytes_per_s;
  const double link_out = paper ? 1 : 1 / p.link_out_bytes_per_s;
  for (int v = 0; v < n; ++v) {
    double out = 0, in = 0;
    if (paper) {
      out = static_cast<double>(g.succs(v).size());
      in = static_cast<double>(g.preds(v).size());
    } else {
      for (int t : g.ops[v].outputs) {
        const Tensor& x = g.tensors[t];
        if (!x.is_constant && !x.consumers.empty()) out += static_cast<double>(x.bytes);
      }
      for (int t : g.ops[v].inputs) {
        if (t < 0) continue;
        const Tensor& x = g.tensors[t];
        if (x.is_constant || x.producer < 0 || x.consumers.empty()) continue;
        in += static_cast<double>(x.bytes) / static_cast<double>(x.consumers.size());
      }
    }
    front[v] = (out - in) * link_in - saving[v];
    back[v] = (in - out) * link_out - saving[v];
  }
  // Weakly connected components other than the one with the most savings go first, each
  // contiguous: a boundary between two of them crosses nothing, so dp can make satellites of
  // whole components.
  const std::vector<int> component = WeakComponentOf(g);
  std::vector<double> component_saving(*std::max_element(component.begin(), component.end()) + 1,
                                       0.0);
  for (int v = 0; v < n; ++v) component_saving[component[v]] += saving[v];
  const int main_component =
      static_cast<int>(std::max_element(component_saving.begin(), component_saving.end()) -
                       component_saving.begin());
  auto group_components = [&](const std::vector<int>& order) {
    if (component_saving.size() < 2) return order;
    std::vector<std::vector<int>> parts(component_saving.size());
    std::vector<int> first_seen;
    for (int v : order) {
      if (parts[component[v]].empty()) first_seen.push_back(component[v]);
      parts[component[v]].push_back(v);
    }
    std::vector<int> out;
    out.reserve(order.size());
    for (int c : first_seen)
      if (c != main_component) out.insert(out.end(), parts[c].begin(), parts[c].end());
    out.insert(out.end(), parts[main_component].begin(), parts[main_component].end());
    return out;
  };
  std::vector<std::vector<int>> orders;
  for (double share : {0.5, 0.25, 0.75}) {
    std::vector<char> members(n, 1);
    std::vector<int> order = PriorityWalk(g, members, front, saving, true, share * total);
    for (int v : order) members[v] = 0;
    std::vector<int> rest = PriorityWalk(g, members, back, saving, false, total + 1);
    order.insert(order.end(), rest.rbegin(), rest.rend());
    if (static_cast<int>(order.size()) != n) continue;  // not a DAG: the callers check
    order = group_components(order);
    if (std::find(orders.begin(), orders.end(), order) == orders.end())
      orders.push_back(std::move(order));
  }
  return orders;
}

}  // namespace respect
