#include "memory/memory_model.h"

#include <fmt/format.h>

#include <algorithm>

namespace respect {

namespace {

bool ReshapeLike(const std::string& type) {
  static const char* kTypes[] = {"RESHAPE",   "Reshape", "SQUEEZE",  "Squeeze", "EXPAND_DIMS",
                                 "Unsqueeze", "Flatten", "Identity", "FLATTEN"};
  for (const char* t : kTypes)
    if (type == t) return true;
  return false;
}

}  // namespace

std::string ConventionsText(const MemoryOptions& o) {
  return std::string(
             "graph inputs live from the start; parameters excluded; an operator's inputs and "
             "outputs coexist "
             "while it runs; a tensor is freed after its last consumer; graph outputs live to the "
             "end") +
         (o.inplace
              ? "; in place: an element-wise or reshape-like operator may write its output over a "
                "same-size activation input that dies at it"
              : "; no in-place reuse");
}

MemoryModel::MemoryModel(const Graph& g, MemoryOptions o) : g_(&g), o_(o) {
  const int n = g.num_ops();
  is_output_.assign(g.tensors.size(), 0);
  is_input_.assign(g.tensors.size(), 0);
  for (int t : g.outputs) is_output_[t] = 1;
  for (int t : g.inputs) is_input_[t] = 1;
  act_in_.resize(n);
  out_bytes_.assign(n, 0);
  kept_out_bytes_.assign(n, 0);
  inplace_op_.assign(n, 0);
  for (int v = 0; v < n; ++v) {
    const Operator& op = g.ops[v];
    for (int t : op.inputs)
      if (t >= 0 && !g.tensors[t].is_constant &&
          std::find(act_in_[v].begin(), act_in_[v].end(), t) == act_in_[v].end())
        act_in_[v].push_back(t);
    for (int t : op.outputs) {
      out_bytes_[v] += g.tensors[t].bytes;
      if (is_output_[t] || !g.tensors[t].consumers.empty())
        kept_out_bytes_[v] += g.tensors[t].bytes;
    }
    inplace_op_[v] =
        op.outputs.size() == 1 && (op.op_class == OpClass::kElementwise ||
                                   (op.op_class == OpClass::kDataMovement && ReshapeLike(op.type)));
  }
  for (int t : g.inputs)
    if (!g.tensors[t].is_constant && (!g.tensors[t].consumers.empty() || is_output_[t]))
      initial_ += g.tensors[t].bytes;
}

bool MemoryModel::CanReuse(int op, int tensor) const {
  if (!o_.inplace || !inplace_op_[op] || is_input_[tensor] || is_output_[tensor]) return false;
  return g_->tensors[tensor].bytes == out_bytes_[op];
}

Result<MemoryProfile> MemoryModel::Profile(const std::vector<int>& order) const {
  const Graph& g = *g_;
  const int n = g.num_ops();
  if (static_cast<int>(order.size()) != n)
    return Error{fmt::format("order has {} operators, the graph {}", order.size(), n)};
  std::vector<int> pos(n, -1);
  for (int i = 0; i < n; ++i) {
    if (order[i] < 0 || order[i] >= n || pos[order[i]] >= 0)
      return Error{"order is not a permutation of the operators"};
    pos[order[i]] = i;
  }
  for (int v = 0; v < n; ++v)
    for (int u : g.preds(v))
      if (pos[u] > pos[v])
        return Error{
            fmt::format("order runs '{}' before its producer '{}'", g.ops[v].name, g.ops[u].name)};
  std::vector<int> remaining(g.tensors.size(), 0);
  std::vector<char> live(g.tensors.size(), 0);
  for (size_t t = 0; t < g.tensors.size(); ++t)
    remaining[t] = static_cast<int>(g.tensors[t].consumers.size());
  MemoryProfile p;
  int64_t now = 0;
  for (int t : g.inputs)
    if (!g.tensors[t].is_constant && (remaining[t] > 0 || is_output_[t]) && !live[t]) {
      live[t] = 1;
      now += g.tensors[t].bytes;
    }
  p.initial = now;
  p.peak = now;
  p.footprint.resize(n);
  p.reused.assign(n, -1);
  for (int i = 0; i < n; ++i) {
    const int v = order[i];
    int reuse = -1;
    if (o_.inplace)
      for (int t : act_in_[v])
        if (remaining[t] == 1 && CanReuse(v, t)) {
          reuse = t;
          break;
        }
    const int64_t f = now + out_bytes_[v] - (reuse >= 0 ? g.tensors[reuse].bytes : 0);
    p.footprint[i] = f;
    p.reused[i] = reuse;
    if (f > p.peak) {
      p.peak = f;
      p.peak_step = i;
    }
    for (int t : act_in_[v])
      if (--remaining[t] == 0 && !is_output_[t] && live[t]) {
        live[t] = 0;
        now -= g.tensors[t].bytes;
      }
    for (int t : g.ops[v].outputs)
      if (is_output_[t] || remaining[t] > 0) {
        live[t] = 1;
        now += g.tensors[t].bytes;
      }
  }
  // The tensors live at the peak: replay to that step.
  if (p.peak_step >= 0) {
    std::fill(live.begin(), live.end(), 0);
    for (size_t t = 0; t < g.tensors.size(); ++t)
      remaining[t] = static_cast<int>(g.tensors[t].consumers.size());
    for (int t : g.inputs)
      if (!g.tensors[t].is_constant && (remaining[t] > 0 || is_output_[t])) live[t] = 1;
    for (int i = 0; i < p.peak_step; ++i) {
      const int v = order[i];
      for (int t : act_in_[v])
        if (--remaining[t] == 0 && !is_output_[t]) live[t] = 0;
      for (int t : g.ops[v].outputs)
        if (is_output_[t] || remaining[t] > 0) live[t] = 1;
    }
    const int v = order[p.peak_step];
    for (int t : g.ops[v].outputs) live[t] = 1;
    if (p.reused[p.peak_step] >= 0) live[p.reused[p.peak_step]] = 0;  // the output took its place
  } else {
    std::fill(live.begin(), live.end(), 0);
    for (int t : g.inputs)
      if (!g.tensors[t].is_constant && (remaining[t] > 0 || is_output_[t])) live[t] = 1;
  }
  for (size_t t = 0; t < g.tensors.size(); ++t)
    if (live[t]) p.live_at_peak.push_back(static_cast<int>(t));
  return p;
}

int64_t MemoryModel::LowerBound() const {
  const Graph& g = *g_;
  int64_t lb = initial_, outs = 0;
  for (int t : g.outputs) outs += g.tensors[t].is_constant ? 0 : g.tensors[t].bytes;
  lb = std::max(lb, outs);
  for (int v = 0; v < g.num_ops(); ++v) {
    int64_t in = 0, best_reuse = 0;
    for (int t : act_in_[v]) {
      in += g.tensors[t].bytes;
      if (CanReuse(v, t)) best_reuse = std::max(best_reuse, g.tensors[t].bytes);
    }
    lb = std::max(lb, in + out_bytes_[v] - best_reuse);
  }
  return lb;
}

}  // namespace respect
