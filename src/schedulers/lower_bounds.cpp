#include "schedulers/lower_bounds.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <tuple>
#include <vector>

#include "core/analysis.h"
#include "core/min_closure.h"
#include "solver/milp.h"

namespace respect {

namespace {

constexpr double kInfinity = 1e30;  // CBC reads bounds past 1e30 as infinite

// Does any operator fall back to the host CPU? The bounds then know only each operator's
// cheaper placement.
bool AnyFallback(const CostModel& m) { return m.AnyFallsBackToCpu(); }

// The bytes every schedule moves over the link whatever its cuts (without host fallback): the
// graph's inputs and outputs, and the parameters `caches` caches cannot hold.
struct FixedTraffic {
  double in = 0, out = 0, uncached = 0;
};
FixedTraffic FixedTrafficOf(const CostModel& m, int caches) {
  const Graph& g = m.graph();
  FixedTraffic f;
  for (int t : g.inputs) f.in += static_cast<double>(g.tensors[t].bytes);
  for (int t : g.outputs) f.out += static_cast<double>(g.tensors[t].bytes);
  f.uncached = std::max<double>(0, static_cast<double>(g.TotalParamBytes()) -
                                       static_cast<double>(caches) * m.profile().param_cache_bytes);
  return f;
}

}  // namespace

std::vector<double> ParamsAtFirstReader(const Graph& g) {
  std::vector<double> out(g.num_ops(), 0);
  std::vector<char> stored(g.tensors.size(), 0);
  for (int t = 0; t < static_cast<int>(g.tensors.size()); ++t) {
    const Tensor& c = g.tensors[t];
    if (!c.is_constant || c.consumers.empty()) continue;
    const int storage = g.StorageOf(t);
    if (storage >= 0 && storage < static_cast<int>(stored.size())) {
      if (stored[storage]) continue;
      stored[storage] = 1;
    }
    out[c.consumers.front()] += static_cast<double>(c.bytes);
  }
  for (int v = 0; v < g.num_ops(); ++v)
    if (g.ops[v].inputs.empty()) out[v] += static_cast<double>(g.ops[v].param_bytes);
  return out;
}

double SimpleLowerBound(const CostModel& m, const ScheduleRequest& r, bool all_stages_used) {
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
  const bool any_fallback = AnyFallback(m);
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
    const FixedTraffic f = FixedTrafficOf(m, tpus);
    work += LinkSeconds(p, f.in, f.uncached, f.out);
    invoke = p.invoke_overhead_s;
    // A plain pipeline's K non-empty stages all run on TPUs: K invokes of host CPU per
    // inference (at K = 16 on the usb profile the host's 4 cores then set the period). A hybrid
    // one (or one whose stages may be empty) has at least one stage.
    const int invokes = r.tpus > 0 || !all_stages_used ? 1 : std::max(r.stages, 1);
    host = HostPeriodSeconds(p, invokes * HostCpuSeconds(p, true, 0),
                             ControllerSeconds(p, f.in, f.uncached, f.out), tpus);
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
  void Add(const SetLoad& o) {
    work += o.work;
    count += o.count;
    params += o.params;
    io_in += o.io_in;
    io_out += o.io_out;
  }
};

// The closure sums over ancestors (up) or descendants (down), each operator with itself.
std::vector<SetLoad> ClosureLoads(const CostModel& m, const std::vector<SetLoad>& own, bool up) {
  const Graph& g = m.graph();
  const size_t words = (static_cast<size_t>(g.num_ops()) + 63) / 64;
  std::vector<SetLoad> out(own);
  ForEachReachSet(g, up, [&](int v, const uint64_t* bits) {
    for (size_t w = 0; w < words; ++w)
      for (uint64_t x = bits[w]; x; x &= x - 1)
        out[v].Add(own[w * 64 + static_cast<size_t>(__builtin_ctzll(x))]);
  });
  return out;
}

// The head-tail bisection over per-operator loads (see the header): the smallest P at which
// the whole graph, and every operator's ancestors and descendants, fit the stages before and
// after it. invoke: each stage's fixed cost; charge_link: parameters beyond the caches and graph
// inputs and outputs cross the link.
double HeadTailOfLoads(const CostModel& m, int K, const std::vector<SetLoad>& own, double cheapest,
                       double invoke, bool charge_link) {
  const int n = m.graph().num_ops();
  const DeviceProfile& p = m.profile();
  const double cache = static_cast<double>(p.param_cache_bytes);
  SetLoad total;
  for (const SetLoad& s : own) total.Add(s);
  // Can j stages of period P hold X? Both tests only get easier as j grows.
  auto fits = [&](const SetLoad& x, int j, double P) {
    const double cap = P - invoke;
    if (cap <= 0) return false;
    const double link =
        !charge_link ? 0 : LinkSeconds(p, x.io_in, std::max(0.0, x.params - j * cache), x.io_out);
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
                      (!charge_link ? 0 : LinkSeconds(p, total.io_in, total.params, total.io_out));
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
  const bool any_fallback = AnyFallback(m);
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
    // Each graph input at its first consumer, each output at its producer.
    const std::vector<double> params = ParamsAtFirstReader(g);
    for (int v = 0; v < n; ++v) own[v].params = params[v];
    for (int t : g.inputs)
      if (!g.tensors[t].consumers.empty())
        own[g.tensors[t].consumers.front()].io_in += static_cast<double>(g.tensors[t].bytes);
    for (int t : g.outputs)
      if (g.tensors[t].producer >= 0)
        own[g.tensors[t].producer].io_out += static_cast<double>(g.tensors[t].bytes);
  }
  return HeadTailOfLoads(m, K, own, cheapest, any_fallback ? 0 : p.invoke_overhead_s,
                         !any_fallback);
}

namespace {

// The operators without predecessors and those without successors: every stage boundary (a
// downset neither empty nor everything) holds one of the first and misses one of the second.
struct Terminals {
  std::vector<int> sources, sinks;
};
Terminals TerminalsOf(const Graph& g) {
  Terminals t;
  for (int v = 0; v < g.num_ops(); ++v) {
    if (g.preds(v).empty()) t.sources.push_back(v);
    if (g.succs(v).empty()) t.sinks.push_back(v);
  }
  return t;
}

// The least cut(a, b) over the (source, sink) pairs a != b: what the cheapest boundary crosses.
// +infinity with more than max_pairs pairs, or none.
template <typename Cut>
double FewestOverPairs(const Terminals& t, size_t max_pairs, Cut cut) {
  double fewest = std::numeric_limits<double>::infinity();
  if (t.sources.size() * t.sinks.size() > max_pairs) return fewest;
  for (int a : t.sources)
    for (int b : t.sinks)
      if (a != b) fewest = std::min(fewest, cut(a, b));
  return fewest;
}

}  // namespace

double BoundaryLowerBound(const CostModel& m, const ScheduleRequest& r, Deadline deadline,
                          double known, double incumbent) {
  const Graph& g = m.graph();
  const int n = g.num_ops(), K = r.stages;
  if (r.objective != Objective::kThroughput || r.tpus > 0 || n < 2 || n > kBoundaryMaxOps || K < 2)
    return 0;
  if (AnyFallback(m)) return 0;  // the head-tail bound covers fallback
  const DeviceProfile& p = m.profile();
  const double invoke = p.invoke_overhead_s, cache = static_cast<double>(p.param_cache_bytes);
  const double bi = p.link_in_bytes_per_s;
  // Per operator: work, work + parameter link time (each constant at its first reader), count.
  std::vector<double> work(n), heavy(n), count(n);
  double cheapest = std::numeric_limits<double>::infinity();
  for (int v = 0; v < n; ++v) {
    work[v] = m.TpuSeconds(v);
    heavy[v] = work[v];
    count[v] = work[v] > 0;
    if (work[v] > 0) cheapest = std::min(cheapest, work[v]);
  }
  const std::vector<double> params = ParamsAtFirstReader(g);
  for (int v = 0; v < n; ++v) heavy[v] += params[v] / bi;
  double W = 0, H = 0, N = 0;
  for (int v = 0; v < n; ++v) {
    W += work[v];
    H += heavy[v];
    N += count[v];
  }
  const Terminals terminals = TerminalsOf(g);
  int forced_in = terminals.sources.size() == 1 ? terminals.sources[0] : -1;
  int forced_out = terminals.sinks.size() == 1 ? terminals.sinks[0] : -1;
  if (forced_in == forced_out) forced_in = forced_out = -1;
  // The activations that cross the boundary leave the first side (each at least once, over the
  // link out) and reach the second (at least once, over the link in).
  MinClosure closure(g, 0, /*tensor_cut=*/true);
  const double bo = p.link_out_bytes_per_s;
  const double kPi = 3.14159265358979323846;
  constexpr int kDirections = 16, kSplits = 4;
  std::vector<double> y(n);
  // The work of each operator's ancestors (with it): the split candidates.
  std::vector<SetLoad> own_work(n);
  for (int v = 0; v < n; ++v) own_work[v].work = work[v];
  const std::vector<SetLoad> heads = ClosureLoads(m, own_work, /*up=*/true);
  // The operator whose ancestors' work is nearest lo + q (hi - lo) of the window.
  auto split_candidate = [&](double q, double lo_w, double hi_w) {
    const double target = lo_w + q * (hi_w - lo_w);
    int best = -1;
    for (int v = 0; v < n; ++v)
      if (best < 0 || std::abs(heads[v].work - target) < std::abs(heads[best].work - target))
        best = v;
    return best;
  };
  // Is there a certificate that no boundary D (the first i = K - j stages hold the downset D,
  // the last j its complement) lets both sides fit at period P? Each side X on s stages needs
  // work(X) + cut <= s P', work(X) + parameter time(X) + cut <= s P' + s cache / link, and
  // count(X) <= s floor(P' / cheapest), P' = P - invoke, where cut is the link time of the
  // tensors crossing D (out of the first side, into the second): boxes lo <= f(D) <= hi on
  // modular functions of D, tightened by the cut. For weights lambda, lambda . f(D) +
  // kappa cut(D) <= sum max(lambda_k hi_k, lambda_k lo_k) for every D in the boxes (kappa: each
  // time coordinate's weight over the link out where it bounds the first side, over the link
  // in where it bounds the second); a downset-minimum above that proves there is none. Weights
  // tried: a circle of directions in the (work, parameter) and (count, parameter) planes.
  auto certified = [&](double P) {
    const double Pp = P - invoke;
    if (Pp <= 0) return true;
    const double per_stage = std::floor(Pp / cheapest * (1 + 1e-12));
    for (int j = 1; j < K; ++j) {
      const int i = K - j;
      // f0 = work(D), f1 = heavy(D), f2 = count(D).
      const double lo[3] = {W - j * Pp, H - j * Pp - j * cache / bi, N - j * per_stage};
      const double hi[3] = {i * Pp, i * Pp + i * cache / bi, i * per_stage};
      for (int k = 0; k < 3; ++k)
        if (lo[k] > hi[k]) return true;  // not even the sums can be split so
      // Is there no D in the boxes among the downsets holding `in` and not `out`? Every
      // boundary holds a source and misses a sink (its stages are non-empty): with one of each,
      // these are forced too, which keeps the cut's zeros at {} and V out of the relaxation.
      auto none = [&](int in, int out) {
        if (in < 0 && out != forced_in) in = forced_in;
        if (out < 0 && in != forced_out) out = forced_out;
        for (int plane = 0; plane < 2; ++plane) {
          const int a = plane == 0 ? 0 : 2, b = 1;
          const std::vector<double>& fa = plane == 0 ? work : count;
          for (int step = 0; step < kDirections; ++step) {
            if (deadline != Deadline{} && std::chrono::steady_clock::now() > deadline) return false;
            const double theta = 2 * kPi * (step + 0.5) / kDirections;
            const double la = std::cos(theta), lb = std::sin(theta);
            for (int v = 0; v < n; ++v) y[v] = la * fa[v] + lb * heavy[v];
            const double rhs = std::max(la * hi[a], la * lo[a]) + std::max(lb * hi[b], lb * lo[b]);
            const double scale = std::abs(la) * (plane == 0 ? W : N) + std::abs(lb) * H;
            auto kappa = [&](double l) { return l >= 0 ? l / bo : -l / bi; };
            const double cut = (plane == 0 ? kappa(la) : 0) + kappa(lb);
            if (closure.Solve(y, in, out, cut) > rhs + 1e-9 * scale) return true;
          }
        }
        // Both sides of one time coordinate at once (upper weight mu, lower weight nu): the
        // coordinate partly cancels, the crossing activations add up, mu/bo + nu/bi per second
        // of link time: "no boundary both sides can afford to cut" (a chain whose every cut moves
        // a large tensor). Only with a tensor to cut.
        if (closure.has_tensors())
          for (int coord = 0; coord < 2; ++coord) {
            const std::vector<double>& f = coord == 0 ? work : heavy;
            const int k = coord == 0 ? 0 : 1;
            for (int step = 0; step < kDirections / 2; ++step) {
              if (deadline != Deadline{} && std::chrono::steady_clock::now() > deadline)
                return false;
              const double theta = 0.5 * kPi * (step + 0.5) / (kDirections / 2);
              const double mu = std::cos(theta), nu = std::sin(theta);
              for (int v = 0; v < n; ++v) y[v] = (mu - nu) * f[v];
              const double rhs = mu * hi[k] - nu * lo[k];
              const double scale = (mu + nu) * (coord == 0 ? W : H);
              if (closure.Solve(y, in, out, mu / bo + nu / bi) > rhs + 1e-9 * scale) return true;
            }
          }
        return false;
      };
      if (none(-1, -1)) return true;
      // Convex relaxations cannot see that the middle of the lattice is infeasible when its
      // ends ({} and V) are not: split the downsets by one operator v (those holding it hold
      // its ancestors, the others miss its descendants), each half with its own weights.
      // Candidates: operators whose ancestors' work lies in the window of D's work.
      for (int c = 0; c < kSplits; ++c) {
        const int v = split_candidate((c + 1.0) / (kSplits + 1.0), lo[0], hi[0]);
        if (v >= 0 && none(v, -1) && none(-1, v)) return true;
      }
    }
    return false;
  };
  // Bisection between a certified period and one that is not; stopping early (the deadline)
  // keeps a valid bound: every P <= lo is certified infeasible.
  // P <= known is infeasible already (another bound); the optimum is at most the incumbent.
  // Without an incumbent the search stays below one stage's work and parameters plus every
  // activation over both links (whatever certifies there is still a valid bound).
  double moved = 0;
  for (const Tensor& x : g.tensors)
    if (!x.is_constant && x.producer >= 0) moved += static_cast<double>(x.bytes);
  double lo = std::max(invoke, known),
         hi = std::min(invoke + H + moved / bo + moved / bi, incumbent);
  if (!(hi > lo)) return 0;
  const double top = hi;
  // The weights' bisection, from lo. A probe just above lo first: a failing period costs every
  // weight and split, so where the weights cannot certify even that (zoo:nasnet_mobile, whose
  // boundaries the activations make expensive), the bisection is skipped.
  auto weights = [&] {
    hi = top;
    if (!(hi > lo)) return;
    const double probe = lo + 1e-3 * (hi - lo);
    if (certified(probe))
      lo = probe;
    else
      hi = probe;
    for (int it = 0; it < 50 && hi - lo > 1e-6 * hi; ++it) {
      if (deadline != Deadline{} && std::chrono::steady_clock::now() > deadline) break;
      const double mid = 0.5 * (lo + hi);
      if (certified(mid))
        lo = mid;
      else
        hi = mid;
    }
  };
  // Then each boundary exactly: a small integer program per boundary position j (binary "in D"
  // per operator, a crossing column per tensor, the closure rows) that minimises the period
  // both sides need, t = P - invoke:
  //   t >= (work(D) + cut / link out) / i,  t >= (heavy(D) + cut / link out) / i - cache / link,
  //   t >= cheapest x ceil(count(D) / i), and the same for the last j stages with V \ D (the
  //   cut over the link in). Every schedule has a boundary at every j, so each j's optimum, and
  //   CBC's proven bound on it where the time runs out, bounds the period: the largest counts.
  // One solve per j replaces a bisection of feasibility checks (the authors' NASNet at K = 4:
  // eight infeasibility proofs of 1-1.7 s each before). Only with a deadline's time left.
  // With time, they run first (70% of it) and the weights only where some solve did not finish.
  if (deadline == Deadline{} || std::isinf(top)) {
    weights();
    return lo * (1 - 1e-9);
  }
  const auto mip_deadline =
      std::chrono::steady_clock::now() +
      std::chrono::duration_cast<Deadline::duration>(
          0.7 * std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()));
  MilpBuilder base;
  for (int v = 0; v < n; ++v) base.AddCol("x" + std::to_string(v), 0, 1, 0, true);
  for (int v = 0; v < n; ++v)
    for (int u : g.preds(v)) {
      Expr e;
      e.Add(v, 1);
      e.Add(u, -1);
      base.AddRow(e, -kInfinity, 0);  // v in D => u in D
    }
  // z_t >= x_producer - x_consumer: tensor t crosses D (its bytes in `crossing`).
  Expr crossing_out, crossing_in;
  for (int t : CrossingTensors(g)) {
    const Tensor& x = g.tensors[t];
    const int z = base.AddCol("z" + std::to_string(t), 0, 1, 0, false);
    for (int c : x.consumers) {
      if (c == x.producer) continue;
      Expr e;
      e.Add(z, 1);
      e.Add(x.producer, -1);
      e.Add(c, 1);
      base.AddRow(e, 0, kInfinity);
    }
    crossing_out.Add(z, static_cast<double>(x.bytes) / bo);
    crossing_in.Add(z, static_cast<double>(x.bytes) / bi);
  }
  constexpr double kMs = 1e3;          // t in milliseconds (CBC's tolerances are absolute)
  Expr ops, work_d, heavy_d, count_d;  // the operators, work, heavy and count of D
  for (int v = 0; v < n; ++v) {
    ops.Add(v, 1);
    if (work[v] != 0) work_d.Add(v, work[v]);
    if (heavy[v] != 0) heavy_d.Add(v, heavy[v]);
    if (count[v] != 0) count_d.Add(v, count[v]);
  }
  std::vector<MilpBuilder> models;
  for (int j = 1; j < K; ++j) {
    const int i = K - j;
    MilpBuilder b = base;
    b.AddRow(ops, i, n - j);  // each side's stages are non-empty
    const int t = b.AddCol("t", 0, kInfinity, 1, false);
    const int s1 = b.AddCol("s1", 0, kInfinity, 0, true),
              s2 = b.AddCol("s2", 0, kInfinity, 0, true);
    // First side: i t - work(D) - cut/bo >= 0, i t - heavy(D) - cut/bo >= -i cache/bi.
    for (int k = 0; k < 2; ++k) {
      Expr e;
      e.Add(t, i);
      e.Add(k == 0 ? work_d : heavy_d, -kMs);
      e.Add(crossing_out, -kMs);
      b.AddRow(e, k == 0 ? 0 : -kMs * i * cache / bi, kInfinity);
    }
    // Second side: j t + work(D) - cut/bi >= W, j t + heavy(D) - cut/bi >= H - j cache/bi.
    for (int k = 0; k < 2; ++k) {
      Expr e;
      e.Add(t, j);
      e.Add(k == 0 ? work_d : heavy_d, kMs);
      e.Add(crossing_in, -kMs);
      b.AddRow(e, kMs * (k == 0 ? W : H - j * cache / bi), kInfinity);
    }
    if (std::isfinite(cheapest)) {
      // i s1 >= count(D), j s2 >= N - count(D); t >= cheapest s1, t >= cheapest s2.
      Expr c1 = count_d, c2 = count_d;
      c1.Add(s1, -i);
      b.AddRow(c1, -kInfinity, 0);
      c2.Add(s2, j);
      b.AddRow(c2, N, kInfinity);
      for (int sc : {s1, s2}) {
        Expr e;
        e.Add(t, 1);
        e.Add(sc, -kMs * cheapest);
        b.AddRow(e, 0, kInfinity);
      }
    }
    models.push_back(std::move(b));
  }
  // Two passes: every position with an equal share of half the time (most finish in a fraction
  // of a second), then the unfinished ones with what is left (the authors' NASNet at K = 4: the
  // position before the last stage needs about 2.5 s, the others 0.3 s).
  std::vector<double> proven(models.size(), 0);
  std::vector<char> solved(models.size(), 0);
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t q = 0; q < models.size(); ++q) {
      if (solved[q]) continue;
      const double left =
          std::chrono::duration<double>(mip_deadline - std::chrono::steady_clock::now()).count();
      if (left < 0.2) break;
      size_t unsolved = 0;
      for (size_t u = q; u < models.size(); ++u) unsolved += !solved[u];
      const double share = (pass == 0 ? 0.5 * left : left) / static_cast<double>(unsolved);
      const MilpSolution sol = SolveMilp(models[q], std::max(0.1, share - 0.1), {});
      // CBC's best bound only where it is one: with a solution found, finite and not above it.
      // A run stopped early (in preprocessing, before its root LP) can report its initial +max
      // as the bound, or even "infeasible", which this model never is (t is free, and some
      // downset has i to n - j operators): neither certifies anything. A margin against CBC's
      // tolerances.
      double t_ms = 0;
      if (sol.found && std::isfinite(sol.bound) && sol.bound <= sol.objective * (1 + 1e-9) + 1e-12)
        t_ms = sol.bound;
      proven[q] = std::max(proven[q], std::max(0.0, t_ms / kMs * (1 - 1e-7) - 1e-12));
      solved[q] = sol.proven_optimal;
    }
  }
  double best_t = 0;
  bool all_solved = true;
  for (size_t q = 0; q < models.size(); ++q) {
    best_t = std::max(best_t, proven[q]);
    all_solved = all_solved && solved[q];
  }
  lo = std::max(lo, std::min(invoke + best_t, top));
  if (!all_solved) weights();
  return lo * (1 - 1e-9);
}

double HostCutLowerBound(const CostModel& m, const ScheduleRequest& r) {
  const Graph& g = m.graph();
  const int n = g.num_ops(), K = r.stages;
  const DeviceProfile& p = m.profile();
  if (r.objective != Objective::kThroughput || r.tpus > 0 || K < 2 || n < 2 ||
      n > kHeadTailMaxOps || AnyFallback(m))
    return 0;
  if (p.controller_in_bytes_per_s <= 0 && p.controller_out_bytes_per_s <= 0) return 0;
  // The fewest bytes any boundary (holding a source, missing a sink) sends across.
  MinClosure cut(g, 0, /*tensor_cut=*/true);
  const std::vector<double> zero(n, 0.0);
  const double fewest =
      FewestOverPairs(TerminalsOf(g), 16, [&](int a, int b) { return cut.Solve(zero, a, b, 1.0); });
  if (!(fewest < 1e100)) return 0;
  const FixedTraffic f = FixedTrafficOf(m, K);
  const double controller = ControllerSeconds(p, f.in + fewest, f.uncached, f.out + fewest);
  return HostPeriodSeconds(p, K * HostCpuSeconds(p, true, 0), controller, K) * (1 - 1e-12);
}

double PaperBytesTermLowerBound(const CostModel& m, const ScheduleRequest& r) {
  const Graph& g = m.graph();
  const int n = g.num_ops(), K = r.stages;
  if (r.objective != Objective::kPaper || r.tpus > 0 || n == 0 || n > kHeadTailMaxOps || K < 1)
    return 0;
  // The largest stage's bytes: the head-tail bound with parameter bytes as the work.
  std::vector<SetLoad> own(n);
  double cheapest = std::numeric_limits<double>::infinity(), bytes = 0;
  for (int v = 0; v < n; ++v) {
    own[v].work = static_cast<double>(g.ops[v].param_bytes);
    own[v].count = own[v].work > 0;
    if (own[v].work > 0) cheapest = std::min(cheapest, own[v].work);
    bytes += own[v].work;
  }
  const double largest = bytes > 0 ? HeadTailOfLoads(m, K, own, cheapest, 0, false) : 0;
  return r.paper_lambda * largest / 1048576.0 * (1 - 1e-11);
}

double PaperLowerBound(const CostModel& m, const ScheduleRequest& r) {
  const Graph& g = m.graph();
  const int n = g.num_ops(), K = r.stages;
  if (r.objective != Objective::kPaper || r.tpus > 0 || n == 0 || n > kHeadTailMaxOps || K < 1)
    return 0;
  const double bytes_term = PaperBytesTermLowerBound(m, r);
  // Crossings: each of the K - 1 boundaries is a downset that is neither empty (it holds a
  // source) nor everything (it misses a sink), and crosses at least the fewest edges any such
  // downset does: a minimum cut with one source forced in and one sink forced out, over the
  // pairs (past 64 pairs: 1 per boundary in a connected graph).
  const Terminals terminals = TerminalsOf(g);
  double fewest = std::numeric_limits<double>::infinity();
  if (terminals.sources.size() * terminals.sinks.size() <= 64) {
    MinClosure cut(g, 1.0);
    const std::vector<double> zero(n, 0.0);
    fewest = FewestOverPairs(terminals, 64, [&](int a, int b) {
      const double c = cut.Solve(zero, a, b);
      return c < 1e100 ? std::round(c) : std::numeric_limits<double>::infinity();
    });
  }
  if (!(fewest < 1e100)) fewest = WeaklyConnectedComponents(g) == 1 ? 1 : 0;
  return bytes_term + (K - 1) * fewest * (1 - 1e-11);
}

LowerBound BestLowerBound(const CostModel& m, const ScheduleRequest& r, double incumbent,
                          bool thorough) {
  LowerBound best{SimpleLowerBound(m, r), "simple"};
  if (const double pb = PaperLowerBound(m, r); pb > best.value) best = {pb, "head-tail+cut"};
  const double ht = HeadTailLowerBound(m, r);
  if (ht > best.value) best = {ht, "head-tail"};
  const double hc = HostCutLowerBound(m, r);
  if (hc > best.value) best = {hc, "host-cut"};
  return thorough ? ThoroughLowerBound(m, r, best, incumbent) : best;
}

LowerBound ThoroughLowerBound(const CostModel& m, const ScheduleRequest& r, LowerBound cheap,
                              double incumbent) {
  if (cheap.value >= incumbent * (1 - 1e-9)) return cheap;
  // Ten seconds at most (15% of the request's limit), never past its deadline.
  double budget = std::min(10.0, 0.15 * std::max(0.0, r.time_limit_s));
  if (r.deadline != Deadline{}) budget = std::min(budget, SecondsLeft(r));
  if (budget <= 0) return cheap;
  const double bd = BoundaryLowerBound(
      m, r,
      std::chrono::steady_clock::now() +
          std::chrono::duration_cast<Deadline::duration>(std::chrono::duration<double>(budget)),
      cheap.value, incumbent);
  if (bd > cheap.value) cheap = {bd, "boundary"};
  return cheap;
}

}  // namespace respect
