#include "exporters/segment_plan.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace respect {

namespace {

bool Contains(const std::vector<int>& v, int x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

Result<PipelinePlan> PlanPipeline(const Graph& g, const Schedule& s) {
  if (auto st = ValidateSchedule(g, s); !st) return st.error();
  const int k = s.num_stages, n = g.num_ops();
  for (int i : EmptyStages(s))
    return Error{fmt::format(
        "stage {} of {} has no operators: a pipeline of {} segments needs {} non-empty stages "
        "(schedule with fewer stages)",
        i, k, k, k)};
  std::vector<int> order = s.order;
  if (order.empty())
    for (int v = 0; v < n; ++v) order.push_back(v);
  PipelinePlan p;
  p.segments.resize(k);
  for (int v : order) p.segments[s.stage_of[v]].ops.push_back(v);
  const int nt = static_cast<int>(g.tensors.size());
  p.producer.assign(nt, -2);
  for (int t : g.inputs) p.producer[t] = -1;
  for (int v = 0; v < n; ++v)
    for (int t : g.ops[v].outputs) p.producer[t] = s.stage_of[v];
  // Readers of each crossing tensor: the segments of its consumers other than its producer's.
  std::vector<std::set<int>> readers(nt);
  for (int t = 0; t < nt; ++t) {
    if (p.producer[t] == -2) continue;
    for (int c : g.tensors[t].consumers)
      if (s.stage_of[c] != p.producer[t]) readers[t].insert(s.stage_of[c]);
  }
  std::vector<char> is_output(nt, 0);
  for (int t : g.outputs) is_output[t] = 1;
  // Routing: model inputs read after segment 0 are passed on by segment 0; model outputs
  // produced before the last segment pass through every later one.
  std::vector<std::vector<int>> through(k);
  for (int t : g.inputs)
    if (readers[t].upper_bound(0) != readers[t].end() || is_output[t]) through[0].push_back(t);
  for (int t : g.outputs) {
    if (p.producer[t] == -2) continue;  // a constant output: nothing to route
    const int from = std::max(p.producer[t], 0);
    const int first = p.producer[t] < 0 ? 1 : from + 1;
    for (int j = first; j < k; ++j)
      if (!Contains(through[j], t)) through[j].push_back(t);
    if (p.producer[t] == -1 && !Contains(through[0], t)) through[0].push_back(t);
  }
  for (int i = 0; i < k; ++i) {
    SegmentPlan& seg = p.segments[i];
    std::set<int> in;
    for (int v : seg.ops)
      for (int t : g.ops[v].inputs)
        if (t >= 0 && p.producer[t] != -2 && p.producer[t] != i) in.insert(t);
    for (int t : through[i]) in.insert(t);
    if (i == 0) {
      seg.inputs = g.inputs;  // all of them, in the model's order
      for (int t : in)
        if (!Contains(seg.inputs, t))
          return Error{
              fmt::format("segment 0 reads '{}', which is not a model input", g.tensors[t].name)};
    } else {
      seg.inputs.assign(in.begin(), in.end());
      std::stable_sort(seg.inputs.begin(), seg.inputs.end(),
                       [&](int a, int b) { return p.producer[a] < p.producer[b]; });
    }
    if (i == k - 1) {
      seg.outputs = g.outputs;
      for (int t : seg.outputs)
        if (p.producer[t] == -2)
          return Error{fmt::format("model output '{}' is a constant: no segment produces it",
                                   g.tensors[t].name)};
    } else {
      std::set<int> out;
      for (int v : seg.ops)
        for (int t : g.ops[v].outputs)
          if (readers[t].upper_bound(i) != readers[t].end() || is_output[t]) out.insert(t);
      for (int t : through[i]) out.insert(t);  // routed model inputs and outputs
      seg.outputs.assign(out.begin(), out.end());
    }
    for (int t : through[i])
      if (Contains(seg.outputs, t) && Contains(seg.inputs, t)) seg.passthrough.push_back(t);
  }
  if (auto st = CheckPipelinePlan(g, p); !st) return st.error();
  return p;
}

Status CheckPipelinePlan(const Graph& g, const PipelinePlan& p) {
  const int k = static_cast<int>(p.segments.size());
  if (k == 0) return Error{"the pipeline has no segments"};
  std::vector<int> seg_of(g.num_ops(), -1);
  for (int i = 0; i < k; ++i) {
    if (p.segments[i].ops.empty()) return Error{fmt::format("segment {} has no operators", i)};
    for (int v : p.segments[i].ops) {
      if (v < 0 || v >= g.num_ops())
        return Error{fmt::format("segment {} names operator {}, not in the model", i, v)};
      if (seg_of[v] >= 0)
        return Error{
            fmt::format("operator '{}' is in segments {} and {}", g.ops[v].name, seg_of[v], i)};
      seg_of[v] = i;
    }
  }
  for (int v = 0; v < g.num_ops(); ++v)
    if (seg_of[v] < 0) return Error{fmt::format("operator '{}' is in no segment", g.ops[v].name)};
  // Where each tensor becomes available: its producer's segment, or -1 for a model input.
  const int nt = static_cast<int>(g.tensors.size());
  std::vector<int> made(nt, -2);
  for (int t : g.inputs) made[t] = -1;
  for (int v = 0; v < g.num_ops(); ++v)
    for (int t : g.ops[v].outputs) made[t] = seg_of[v];
  // Which segment outputs each tensor (a tensor crossing a boundary has one producing segment;
  // pass-through segments re-output the same name, which the runner takes from the latest).
  if (p.segments[0].inputs != g.inputs)
    return Error{"segment 0's inputs are not the model's inputs in order"};
  if (p.segments[k - 1].outputs != g.outputs)
    return Error{"the last segment's outputs are not the model's outputs in order"};
  std::vector<int> available(nt, -2);  // the latest segment that outputs it (or -1: model input)
  for (int t : g.inputs) available[t] = -1;
  for (int i = 0; i < k; ++i) {
    const SegmentPlan& seg = p.segments[i];
    std::set<int> produced_here;
    for (int v : seg.ops)
      for (int t : g.ops[v].outputs) produced_here.insert(t);
    for (int t : seg.inputs) {
      if (t < 0 || t >= nt) return Error{fmt::format("segment {} has an invalid input", i)};
      if (produced_here.count(t))
        return Error{
            fmt::format("segment {} both produces and takes as input '{}'", i, g.tensors[t].name)};
      // Later segments see only what earlier segments output: a model input, too, must be passed
      // on.
      if (i > 0 && (available[t] < 0 || available[t] >= i))
        return Error{fmt::format("segment {} takes '{}', which no earlier segment outputs", i,
                                 g.tensors[t].name)};
      if (made[t] >= 0 && made[t] >= i)
        return Error{fmt::format("segment {} reads '{}', produced by segment {}", i,
                                 g.tensors[t].name, made[t])};
    }
    for (int v : seg.ops)
      for (int t : g.ops[v].inputs)
        if (t >= 0 && made[t] != -2 && made[t] != i && !Contains(seg.inputs, t))
          return Error{fmt::format("segment {} reads '{}' without taking it as an input", i,
                                   g.tensors[t].name)};
    for (int t : seg.outputs) {
      if (t < 0 || t >= nt) return Error{fmt::format("segment {} has an invalid output", i)};
      if (!produced_here.count(t) && !Contains(seg.inputs, t))
        return Error{fmt::format("segment {} outputs '{}', which it neither produces nor takes", i,
                                 g.tensors[t].name)};
      if (i < k - 1) {
        bool read_later = false;
        for (int j = i + 1; j < k && !read_later; ++j)
          read_later = Contains(p.segments[j].inputs, t);
        if (!read_later)
          return Error{fmt::format(
              "segment {} outputs '{}', which no later segment takes (Coral's runner aborts)", i,
              g.tensors[t].name)};
      }
      available[t] = i;
    }
    // A tensor produced here and read later must be an output.
    for (int t : produced_here)
      for (int j = i + 1; j < k; ++j)
        if (Contains(p.segments[j].inputs, t) && !Contains(seg.outputs, t))
          return Error{fmt::format("segment {} takes '{}' but segment {} does not output it", j,
                                   g.tensors[t].name, i)};
  }
  return {};
}

}  // namespace respect
