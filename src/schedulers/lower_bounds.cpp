#include "schedulers/lower_bounds.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/analysis.h"

namespace respect {

double SimpleLowerBound(const CostModel& m, const ScheduleRequest& r) {
  if (r.objective == Objective::kPaper) {
    // Some stage holds at least an equal share of the bytes, and the largest operator; in a
    // connected graph each of the K - 1 boundaries between non-empty stages is crossed.
    const Graph& g = m.graph();
    int64_t total = 0, largest = 0;
    for (const Operator& op : g.ops) {
      total += op.param_bytes;
      largest = std::max(largest, op.param_bytes);
    }
    const int64_t share = (total + r.stages - 1) / std::max(r.stages, 1);
    const int64_t crossings = WeaklyConnectedComponents(g) == 1 ? r.stages - 1 : 0;
    return r.paper_lambda * static_cast<double>(std::max(share, largest)) / 1048576.0 +
           static_cast<double>(crossings);
  }
  // Without host fallback every operator runs on a TPU (at its TPU time, whatever the host's
  // would be), each non-empty stage is one TPU invoke, and the K caches hold at most K x cache
  // bytes: the rest of the parameters cross the link on every inference, as do the graph's
  // inputs and outputs. With m <= K non-empty stages the slowest costs at least
  // (work + m x invoke) / m >= work / K + invoke. With fallback, each operator costs at least its
  // cheaper placement.
  bool any_fallback = false;
  for (int v = 0; v < m.graph().num_ops(); ++v) any_fallback |= m.FallsBackToCpu(v) != 0;
  double work = 0, largest = 0;
  for (int v = 0; v < m.graph().num_ops(); ++v) {
    const double c = !any_fallback         ? m.TpuSeconds(v)
                     : m.FallsBackToCpu(v) ? m.CpuSeconds(v)
                                           : std::min(m.TpuSeconds(v), m.CpuSeconds(v));
    work += c;
    largest = std::max(largest, c);
  }
  // The host (PipelineCost): at least one stage invokes a TPU (without fallback), and the
  // graph's inputs, outputs and uncached parameters cross the controllers.
  const DeviceProfile& p = m.profile();
  const int tpus = r.tpus > 0 ? r.tpus : std::max(r.stages, 1);
  double invoke = 0, host = 0;
  if (!any_fallback) {
    const Graph& g = m.graph();
    const double uncached =
        std::max<double>(0, static_cast<double>(g.TotalParamBytes()) -
                                static_cast<double>(tpus) * p.param_cache_bytes);
    int64_t io_in = 0, io_out = 0;
    for (int t : g.inputs) io_in += g.tensors[t].bytes;
    for (int t : g.outputs) io_out += g.tensors[t].bytes;
    work += LinkSeconds(p, io_in, uncached, io_out);
    invoke = p.invoke_overhead_s;
    host = HostPeriodSeconds(p, HostCpuSeconds(p, true, 0),
                             ControllerSeconds(p, io_in, uncached, io_out), tpus);
  }
  if (r.objective == Objective::kLatency) return work + invoke;
  // With replicas, sum_k T_k <= period x sum_k r_k: the work spreads over the T TPUs, and a
  // single operator's too.
  if (r.tpus > 0) return std::max((work + invoke) / tpus, host);
  return std::max(std::max(largest, work / std::max(r.stages, 1)) + invoke, host);
}

namespace {

// What a set of operators X brings to the stages that hold it (HeadTailLowerBound): its work
// (each operator at its cheapest possible cost), its operators with a positive cost, and the
// bytes it must move over the link whatever the stages: its parameters (of which j stages cache
// at most j caches' worth) and its graph inputs and outputs.
struct SetLoad {
  double work = 0;
  int64_t count = 0;
  double params = 0, io_in = 0, io_out = 0;
};

// The closure sums over ancestors (up) or descendants (down), each operator with itself. The
// closures are bitsets built along the execution order (n^2 / 64 words).
std::vector<SetLoad> ClosureLoads(const CostModel& m, const std::vector<SetLoad>& own, bool up) {
  const Graph& g = m.graph();
  const int n = g.num_ops();
  const size_t words = (static_cast<size_t>(n) + 63) / 64;
  std::vector<uint64_t> bits(static_cast<size_t>(n) * words, 0);
  const std::vector<int>& order = m.exec_order();
  for (int i = 0; i < n; ++i) {
    const int v = order[up ? i : n - 1 - i];
    uint64_t* b = &bits[static_cast<size_t>(v) * words];
    b[v >> 6] |= uint64_t{1} << (v & 63);
    for (int u : up ? g.preds(v) : g.succs(v)) {
      const uint64_t* c = &bits[static_cast<size_t>(u) * words];
      for (size_t w = 0; w < words; ++w) b[w] |= c[w];
    }
  }
  std::vector<SetLoad> out(n);
  for (int v = 0; v < n; ++v) {
    const uint64_t* b = &bits[static_cast<size_t>(v) * words];
    SetLoad& s = out[v];
    for (size_t w = 0; w < words; ++w)
      for (uint64_t x = b[w]; x; x &= x - 1) {
        const SetLoad& o = own[w * 64 + static_cast<size_t>(__builtin_ctzll(x))];
        s.work += o.work;
        s.count += o.count;
        s.params += o.params;
        s.io_in += o.io_in;
        s.io_out += o.io_out;
      }
  }
  return out;
}

}  // namespace

double HeadTailLowerBound(const CostModel& m, const ScheduleRequest& r) {
  const Graph& g = m.graph();
  const int n = g.num_ops(), K = r.stages;
  if (r.objective != Objective::kThroughput || r.tpus > 0 || n == 0 || n > kHeadTailMaxOps || K < 1)
    return 0;
  const DeviceProfile& p = m.profile();
  // As SimpleLowerBound: without host fallback every operator runs on a TPU, every stage
  // invokes it, and parameters, graph inputs and outputs cross the link; with fallback only
  // each operator's cheaper placement is certain.
  bool any_fallback = false;
  for (int v = 0; v < n; ++v) any_fallback |= m.FallsBackToCpu(v) != 0;
  std::vector<SetLoad> own(n);
  double cheapest = std::numeric_limits<double>::infinity();
  for (int v = 0; v < n; ++v) {
    SetLoad& s = own[v];
    s.work = !any_fallback         ? m.TpuSeconds(v)
             : m.FallsBackToCpu(v) ? m.CpuSeconds(v)
                                   : std::min(m.TpuSeconds(v), m.CpuSeconds(v));
    s.count = s.work > 0;
    if (s.work > 0) cheapest = std::min(cheapest, s.work);
  }
  if (!any_fallback) {
    // Each constant (each stored buffer, where converters share one) counted once, at its
    // first reader: a stage holding any reader stores it. Each graph input at its first
    // consumer, each output at its producer. Operators whose constants are not tensors carry
    // param_bytes (as the cost model charges them).
    std::vector<char> stored(g.tensors.size(), 0);
    for (int t = 0; t < static_cast<int>(g.tensors.size()); ++t) {
      const Tensor& c = g.tensors[t];
      if (!c.is_constant || c.consumers.empty()) continue;
      const int storage = g.StorageOf(t);
      if (storage >= 0 && storage < static_cast<int>(stored.size())) {
        if (stored[storage]) continue;
        stored[storage] = 1;
      }
      own[c.consumers.front()].params += static_cast<double>(c.bytes);
    }
    for (int v = 0; v < n; ++v)
      if (g.ops[v].inputs.empty()) own[v].params += static_cast<double>(g.ops[v].param_bytes);
    for (int t : g.inputs)
      if (!g.tensors[t].consumers.empty())
        own[g.tensors[t].consumers.front()].io_in += static_cast<double>(g.tensors[t].bytes);
    for (int t : g.outputs)
      if (g.tensors[t].producer >= 0)
        own[g.tensors[t].producer].io_out += static_cast<double>(g.tensors[t].bytes);
  }
  const double invoke = any_fallback ? 0 : p.invoke_overhead_s;
  const double cache = static_cast<double>(p.param_cache_bytes);
  SetLoad total;
  for (const SetLoad& s : own) {
    total.work += s.work;
    total.count += s.count;
    total.params += s.params;
    total.io_in += s.io_in;
    total.io_out += s.io_out;
  }
  // Can j stages of period P hold X? Both tests only get easier as j grows.
  auto fits = [&](const SetLoad& x, int j, double P) {
    const double cap = P - invoke;
    if (cap <= 0) return false;
    const double link =
        any_fallback ? 0 : LinkSeconds(p, x.io_in, std::max(0.0, x.params - j * cache), x.io_out);
    if (j * cap < x.work + link) return false;
    return x.count == 0 || static_cast<double>((x.count + j - 1) / j) * cheapest <= cap;
  };
  // The fewest stages (1..K) that can hold X at period P, or K + 1.
  auto fewest = [&](const SetLoad& x, double P) {
    if (!fits(x, K, P)) return K + 1;
    int lo = 1, hi = K;  // fits(hi)
    while (lo < hi) {
      const int mid = (lo + hi) / 2;
      if (fits(x, mid, P))
        hi = mid;
      else
        lo = mid + 1;
    }
    return lo;
  };
  const std::vector<SetLoad> heads = ClosureLoads(m, own, /*up=*/true);
  const std::vector<SetLoad> tails = ClosureLoads(m, own, /*up=*/false);
  auto feasible = [&](double P) {
    if (fewest(total, P) > K) return false;
    for (int v = 0; v < n; ++v)
      if (fewest(heads[v], P) + fewest(tails[v], P) - 1 > K) return false;
    return true;
  };
  // One stage holding everything is feasible; bisect down to the boundary.
  double lo = 0, hi = invoke + total.work +
                      (any_fallback ? 0 : LinkSeconds(p, total.io_in, total.params, total.io_out));
  hi = hi * (1 + 1e-9) + 1e-12;
  if (!feasible(hi)) return 0;  // cannot happen; stay safe
  for (int it = 0; it < 80 && hi - lo > 1e-14 * hi; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (feasible(mid))
      hi = mid;
    else
      lo = mid;
  }
  // Every P <= lo was shown infeasible (up to the rounding of the sums: keep a relative margin
  // of 1e-11, well inside the 1e-9 within which a gap counts as closed).
  return lo * (1 - 1e-11);
}

LowerBound BestLowerBound(const CostModel& m, const ScheduleRequest& r) {
  LowerBound best{SimpleLowerBound(m, r), "simple"};
  const double ht = HeadTailLowerBound(m, r);
  if (ht > best.value) best = {ht, "head-tail"};
  return best;
}

}  // namespace respect
