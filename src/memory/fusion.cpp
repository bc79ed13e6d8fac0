#include "memory/fusion.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

namespace respect {

namespace {

// Runs `ops` back to back from zero: the footprint excess of each and the resident change after
// each (see SequenceEffect).
void Simulate(const MemoryModel& mm, const std::vector<int>& ops, const std::vector<char>& inside,
              std::vector<int64_t>& foot, std::vector<int64_t>& after) {
  const Graph& g = mm.graph();
  std::unordered_map<int, int> left;  // readers left of each tensor that dies inside
  for (int o : ops)
    for (int t : mm.activation_inputs(o)) {
      if (mm.is_graph_output(t) || left.count(t)) continue;
      bool all = true;
      for (int c : g.tensors[t].consumers) all = all && inside[c];
      if (all) left[t] = static_cast<int>(g.tensors[t].consumers.size());
    }
  foot.clear();
  after.clear();
  int64_t cur = 0;
  for (int o : ops) {
    int64_t reuse = 0;
    for (int t : mm.activation_inputs(o)) {
      auto it = left.find(t);
      if (it != left.end() && it->second == 1 && mm.CanReuse(o, t)) {
        reuse = g.tensors[t].bytes;
        break;
      }
    }
    foot.push_back(cur + mm.output_bytes(o) - reuse);
    for (int t : mm.activation_inputs(o)) {
      auto it = left.find(t);
      if (it != left.end() && --it->second == 0) cur -= g.tensors[t].bytes;
    }
    cur += mm.kept_output_bytes(o);
    after.push_back(cur);
  }
}

}  // namespace

StepEffect SequenceEffect(const MemoryModel& mm, const std::vector<int>& ops,
                          const std::vector<char>& inside) {
  std::vector<int64_t> foot, after;
  Simulate(mm, ops, inside, foot, after);
  StepEffect e;
  if (ops.empty()) return e;
  e.peak = *std::max_element(foot.begin(), foot.end());
  e.growth = after.back();
  return e;
}

MemoryFusion FuseForMemory(const MemoryModel& mm, unsigned rules) {
  const Graph& g = mm.graph();
  const int n = g.num_ops();
  std::vector<std::vector<int>> groups(n), preds(n), succs(n);
  std::vector<int> group_of(n);
  std::vector<char> alive(n, 1), inside(n, 0);
  for (int v = 0; v < n; ++v) {
    groups[v] = {v};
    group_of[v] = v;
    preds[v] = g.preds(v);
    succs[v] = g.succs(v);
  }
  MemoryFusion out;
  std::vector<int64_t> foot, after;
  // Can u (whose only consumer group is v, v's only producer group u) be merged with v?
  auto rule_for = [&](int u, int v) -> int {
    for (int gid : {u, v})
      for (int o : groups[gid])
        for (int t : mm.activation_inputs(o)) {
          if (mm.is_graph_output(t)) continue;
          for (int c : g.tensors[t].consumers)
            if (group_of[c] != u && group_of[c] != v) return -1;
        }
    std::vector<int> seq = groups[u];
    seq.insert(seq.end(), groups[v].begin(), groups[v].end());
    for (int o : seq) inside[o] = 1;
    Simulate(mm, seq, inside, foot, after);
    for (int o : seq) inside[o] = 0;
    const size_t nu = groups[u].size();
    // u's peak excess and growth; v's measured from the memory resident after u.
    const int64_t pu = *std::max_element(foot.begin(), foot.begin() + nu), gu = after[nu - 1];
    const int64_t pv = *std::max_element(foot.begin() + nu, foot.end()) - gu,
                  gv = after.back() - gu;
    if ((rules & kFuseHillValley) && gu >= 0 && gv <= 0) return 0;
    if ((rules & kFuseRunAfter) && gv <= 0 && pv <= pu - gu) return 1;
    if ((rules & kFuseRunBefore) && gu >= 0 && pu - gu <= pv) return 2;
    return -1;
  };
  bool changed = true;
  while (changed) {
    changed = false;
    for (int u = 0; u < n; ++u) {
      while (alive[u] && succs[u].size() == 1) {
        const int v = succs[u][0];
        if (preds[v].size() != 1) break;
        const int rule = rule_for(u, v);
        if (rule < 0) break;
        ++out.merges[rule];
        for (int o : groups[v]) group_of[o] = u;
        groups[u].insert(groups[u].end(), groups[v].begin(), groups[v].end());
        groups[v].clear();
        succs[u] = std::move(succs[v]);
        succs[v].clear();
        preds[v].clear();
        for (int s : succs[u])
          for (int& p : preds[s])
            if (p == v) p = u;
        for (int s : succs[u]) std::sort(preds[s].begin(), preds[s].end());
        alive[v] = 0;
        changed = true;
      }
    }
  }
  // Compact, numbering groups in a topological order (Kahn, smallest first operator first).
  std::vector<int> pending(n, 0), ready, topo;
  for (int u = 0; u < n; ++u)
    if (alive[u]) {
      pending[u] = static_cast<int>(preds[u].size());
      if (pending[u] == 0) ready.push_back(u);
    }
  auto later = [&](int a, int b) { return groups[a][0] > groups[b][0]; };
  std::make_heap(ready.begin(), ready.end(), later);
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), later);
    const int u = ready.back();
    ready.pop_back();
    topo.push_back(u);
    for (int s : succs[u])
      if (--pending[s] == 0) {
        ready.push_back(s);
        std::push_heap(ready.begin(), ready.end(), later);
      }
  }
  std::vector<int> id(n, -1);
  for (size_t k = 0; k < topo.size(); ++k) id[topo[k]] = static_cast<int>(k);
  out.groups.resize(topo.size());
  out.preds.resize(topo.size());
  out.succs.resize(topo.size());
  out.group_of.assign(n, -1);
  for (size_t k = 0; k < topo.size(); ++k) {
    const int u = topo[k];
    out.groups[k] = std::move(groups[u]);
    for (int o : out.groups[k]) out.group_of[o] = static_cast<int>(k);
    for (int p : preds[u]) out.preds[k].push_back(id[p]);
    for (int s : succs[u]) out.succs[k].push_back(id[s]);
    std::sort(out.preds[k].begin(), out.preds[k].end());
    std::sort(out.succs[k].begin(), out.succs[k].end());
  }
  return out;
}

std::vector<int> ExpandGroupOrder(const MemoryFusion& f, const std::vector<int>& group_order) {
  std::vector<int> order;
  for (int x : group_order) order.insert(order.end(), f.groups[x].begin(), f.groups[x].end());
  return order;
}

std::vector<int> GroupOrderOf(const MemoryFusion& f, const std::vector<int>& op_order) {
  std::vector<int> first(f.num_groups(), std::numeric_limits<int>::max());
  for (size_t i = 0; i < op_order.size(); ++i) {
    int& s = first[f.group_of[op_order[i]]];
    s = std::min(s, static_cast<int>(i));
  }
  std::vector<int> order(f.num_groups());
  for (int x = 0; x < f.num_groups(); ++x) order[x] = x;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return first[a] < first[b]; });
  return order;
}

}  // namespace respect
