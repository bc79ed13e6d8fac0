#include "schedulers/exact_lattice.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include "schedulers/hybrid.h"

namespace respect {

std::vector<int64_t> OwnParamBytes(const Graph& g) {
  std::vector<int64_t> own(g.num_ops(), 0);
  for (int v = 0; v < g.num_ops(); ++v) {
    const Operator& op = g.ops[v];
    for (int t : op.inputs)
      if (t >= 0 && g.tensors[t].is_constant && !g.StorageShared(t)) own[v] += g.tensors[t].bytes;
    if (own[v] == 0 && op.param_bytes > 0 && op.inputs.empty()) own[v] = op.param_bytes;
  }
  return own;
}

// ---------------------------------------------------------------------------------------------
// Stage cost of D \ D' from per-downset quantities.
//
// For a stage S = D \ D' without host fallback (cost_model.h):
//   compute(S) = C(D) - C(D')                                  C = sum of on-chip seconds
//   in(S)  = bytes of the tensors live at D' (produced in D' or fed from outside, read later)
//            that an operator of S reads
//   out(S) = B(D) - bytes of the tensors produced in D' still live at D
//            B(D) = bytes of the tensors produced in D that are graph outputs or read outside D
//   cached parameters: the longest prefix of S in execution order whose bytes fit the cache;
//   with cum_X(p) = the parameter bytes of X's operators at execution positions <= p,
//   cum_S = cum_D - cum_D' is non-decreasing, so the first overflowing position is found by
//   binary search. cum_D is stored only over D's "band": from its first missing position to its
//   last present one (outside it, cum_D is the all-operator prefix sum or D's total).
struct LatticeStageCost::Impl {
  const CostModel& m;
  const DownsetLattice& L;
  const Graph& g;
  int n;
  double ovh;
  double min_base;
  bool has_fallback = false;
  std::vector<double> C, Clb;
  std::vector<int> F;              // operators that fall back to the host CPU
  std::vector<int64_t> own, Pown;  // per operator / per downset: parameters not shared
  std::vector<double> B;
  std::vector<std::vector<int>> live;
  std::vector<char> is_output;
  struct Shared {
    int64_t bytes;
    const std::vector<int>* consumers;
  };
  std::vector<Shared> shared;
  bool may_stream = false;
  std::vector<int64_t> prefix_all;  // cum over every operator, by execution position
  std::vector<int> band_a, band_b;
  std::vector<size_t> band_start;
  std::vector<int64_t> band;

  Impl(const CostModel& model, const DownsetLattice& lattice)
      : m(model), L(lattice), g(model.graph()), n(model.graph().num_ops()) {
    const DeviceProfile& p = m.profile();
    ovh = p.invoke_overhead_s;
    bool any_fallback = false;
    for (int v = 0; v < n; ++v) any_fallback |= m.FallsBackToCpu(v);
    min_base = any_fallback ? 0 : ovh;
    has_fallback = any_fallback;
    is_output.assign(g.tensors.size(), 0);
    for (int t : g.outputs) is_output[t] = 1;
    // Parameters as the evaluator charges them (cost_model.cpp): constants read by one
    // operator belong to it (OwnParamBytes); a constant (storage) read by several is charged
    // once per stage.
    own = OwnParamBytes(g);
    int64_t total_params = 0;
    for (int t = 0; t < static_cast<int>(g.tensors.size()); ++t)
      if (g.tensors[t].is_constant && g.StorageOf(t) == t && g.StorageShared(t)) {
        shared.push_back({g.tensors[t].bytes, &g.StorageReaders(t)});
        total_params += g.tensors[t].bytes;
      }
    for (int v = 0; v < n; ++v) total_params += own[v];
    may_stream = total_params > p.param_cache_bytes;

    const int N = L.size();
    C.assign(N, 0);
    Clb.assign(N, 0);
    F.assign(N, 0);
    Pown.assign(N, 0);
    B.assign(N, 0);
    live.assign(N, {});
    std::vector<char> done(N, 0);
    done[0] = 1;
    for (int t = 0; t < static_cast<int>(g.tensors.size()); ++t) {
      const Tensor& x = g.tensors[t];
      if (!x.is_constant && x.producer < 0 && (!x.consumers.empty() || is_output[t]))
        live[0].push_back(t);
    }
    for (int d = 0; d < N; ++d)
      for (const auto* s = L.up_begin(d); s != L.up_end(d); ++s) {
        const int to = s->to, v = s->op;
        if (done[to]) continue;
        done[to] = 1;
        const double lb =
            m.FallsBackToCpu(v) ? m.CpuSeconds(v) : std::min(m.TpuSeconds(v), m.CpuSeconds(v));
        C[to] = C[d] + m.TpuSeconds(v);
        Clb[to] = Clb[d] + lb;
        F[to] = F[d] + (m.FallsBackToCpu(v) ? 1 : 0);
        Pown[to] = Pown[d] + own[v];
        std::vector<int>& lv = live[to];
        for (int t : live[d]) {
          bool stays = is_output[t] != 0;
          for (int c : g.tensors[t].consumers) stays = stays || !L.Contains(to, c);
          if (stays) lv.push_back(t);
        }
        for (int t : g.ops[v].outputs)
          if (!g.tensors[t].consumers.empty() || is_output[t]) lv.push_back(t);
        double b = 0;
        for (int t : lv)
          if (g.tensors[t].producer >= 0) b += static_cast<double>(g.tensors[t].bytes);
        B[to] = b;
      }

    if (may_stream && shared.empty()) {
      const std::vector<int>& order = m.exec_order();
      prefix_all.assign(n, 0);
      for (int q = 0; q < n; ++q) prefix_all[q] = (q ? prefix_all[q - 1] : 0) + own[order[q]];
      band_a.assign(N, 0);
      band_b.assign(N, 0);
      band_start.assign(N + 1, 0);
      for (int d = 0; d < N; ++d) {
        int a = 0, b = n;
        while (a < n && L.Contains(d, order[a])) ++a;
        while (b > a && !L.Contains(d, order[b - 1])) --b;
        band_a[d] = a;
        band_b[d] = b;
        int64_t cum = a ? prefix_all[a - 1] : 0;
        for (int q = a; q < b; ++q) {
          if (L.Contains(d, order[q])) cum += own[order[q]];
          band.push_back(cum);
        }
        band_start[d + 1] = band.size();
      }
    }
  }

  int64_t Cum(int d, int q) const {
    if (q < band_a[d]) return prefix_all[q];
    if (q >= band_b[d]) return Pown[d];
    return band[band_start[d] + (q - band_a[d])];
  }

  // The evaluator itself on the 3-stage schedule (D', D \ D', the rest).
  StageCost SlowStage(int y, int d) const {
    std::vector<int> stage_of(n, 2);
    for (int v = 0; v < n; ++v)
      if (L.Contains(y, v))
        stage_of[v] = 0;
      else if (L.Contains(d, v))
        stage_of[v] = 1;
    return m.Evaluate(stage_of, 3).stages[1];
  }
  double Slow(int y, int d) const { return SlowStage(y, d).latency_s; }
  LatticeStageTerms SlowTerms(int y, int d) const {
    const StageCost st = SlowStage(y, d);
    return {st.latency_s, st.host_cpu_s, st.controller_s};
  }

  // Every term but caching is a function of the set; caching depends on the order inside the
  // stage unless no constant is shared and no operator falls back to the host.
  bool OrderFree() const { return shared.empty() && !has_fallback; }
  int64_t StageParams(int y, int d) const { return Pown[d] - Pown[y]; }

  // The stage's cost when it caches exactly `cached` parameter bytes (precondition: no host
  // fallback in it, no shared constants, cached <= its parameters).
  double SecondsCaching(int y, int d, int64_t cached) const {
    return TermsCaching(y, d, cached).seconds;
  }
  LatticeStageTerms TermsCaching(int y, int d, int64_t cached) const {
    const DeviceProfile& p = m.profile();
    const auto [in, out] = Transfers(y, d);
    const double streamed = static_cast<double>(Pown[d] - Pown[y] - cached);
    return {ovh + (C[d] - C[y]) + LinkSeconds(p, in, streamed, out), HostCpuSeconds(p, true, 0),
            ControllerSeconds(p, in, streamed, out)};
  }

  std::pair<double, double> Transfers(int y, int d) const {
    double in = 0, out = B[d];
    for (int t : live[y]) {
      const Tensor& x = g.tensors[t];
      bool read_in_s = false, leaves = is_output[t] != 0;
      for (int c : x.consumers) {
        const bool in_d = L.Contains(d, c);
        read_in_s = read_in_s || (in_d && !L.Contains(y, c));
        leaves = leaves || !in_d;
      }
      if (read_in_s) in += static_cast<double>(x.bytes);
      if (x.producer >= 0 && leaves) out -= static_cast<double>(x.bytes);
    }
    return {in, out};
  }

  double Seconds(int y, int d) const {
    if (F[d] != F[y]) return Slow(y, d);
    const auto t = FastTerms(y, d);
    return t ? t->seconds : Slow(y, d);
  }
  LatticeStageTerms Terms(int y, int d) const {
    if (F[d] != F[y]) return SlowTerms(y, d);
    const auto t = FastTerms(y, d);
    return t ? *t : SlowTerms(y, d);
  }

  // The stage in execution order from the per-downset sums (no fallback in it); nullopt where
  // only the evaluator can tell (shared constants of a stage that streams).
  std::optional<LatticeStageTerms> FastTerms(int y, int d) const {
    const DeviceProfile& p = m.profile();
    const auto [in, out] = Transfers(y, d);
    int64_t params = Pown[d] - Pown[y];
    for (const Shared& s : shared)
      for (int c : *s.consumers)
        if (L.Contains(d, c) && !L.Contains(y, c)) {
          params += s.bytes;
          break;
        }
    double streamed = 0;
    if (params > p.param_cache_bytes) {
      if (!shared.empty()) return std::nullopt;
      // First execution position where the stage's cumulative bytes exceed the cache.
      int lo = band_a[y], hi = band_b[d] - 1;  // cum_S(hi) = params > cache
      while (lo < hi) {
        const int mid = lo + (hi - lo) / 2;
        if (Cum(d, mid) - Cum(y, mid) > p.param_cache_bytes)
          hi = mid;
        else
          lo = mid + 1;
      }
      const int64_t cached = lo > 0 ? Cum(d, lo - 1) - Cum(y, lo - 1) : 0;
      streamed = static_cast<double>(params - cached);
    }
    return LatticeStageTerms{ovh + (C[d] - C[y]) + LinkSeconds(p, in, streamed, out),
                             HostCpuSeconds(p, true, 0), ControllerSeconds(p, in, streamed, out)};
  }
};

LatticeStageCost::LatticeStageCost(const CostModel& m, const DownsetLattice& lattice)
    : impl_(std::make_unique<Impl>(m, lattice)) {}
LatticeStageCost::~LatticeStageCost() = default;
double LatticeStageCost::Seconds(int d_inner, int d_outer) const {
  return impl_->Seconds(d_inner, d_outer);
}
LatticeStageTerms LatticeStageCost::Terms(int d_inner, int d_outer) const {
  return impl_->Terms(d_inner, d_outer);
}
LatticeStageTerms LatticeStageCost::TermsCaching(int d_inner, int d_outer, int64_t cached) const {
  return impl_->TermsCaching(d_inner, d_outer, cached);
}
bool LatticeStageCost::OrderFree() const { return impl_->OrderFree(); }
int64_t LatticeStageCost::StageParams(int d_inner, int d_outer) const {
  return impl_->StageParams(d_inner, d_outer);
}
double LatticeStageCost::MinOpSeconds(int d) const { return impl_->Clb[d]; }
double LatticeStageCost::MinSecondsBase() const { return impl_->min_base; }

// ---------------------------------------------------------------------------------------------
namespace {

using Clock = std::chrono::steady_clock;

// Downsets whose boundary splits no node's children (--align-children).
std::vector<char> Aligned(const Graph& g, const DownsetLattice& L, bool align) {
  std::vector<char> ok(L.size(), 1);
  if (!align) return ok;
  for (int d = 0; d < L.size(); ++d)
    ok[d] = KeepsChildrenTogether(g, [&](int v) { return L.Contains(d, v); });
  return ok;
}

// Stage of every operator from the chain full = D_K ⊃ ... ⊃ D_0 = {} (chain[k] = D_k).
Schedule FromChain(const DownsetLattice& L, const std::vector<int>& chain, int K) {
  Schedule s(K, std::vector<int>(L.num_ops(), 0));
  for (int k = K; k >= 1; --k)
    for (int v = 0; v < L.num_ops(); ++v)
      if (L.Contains(chain[k], v) && !L.Contains(chain[k - 1], v)) s.stage_of[v] = k - 1;
  return s;
}

// The execution order of a stage that caches the most parameters: the largest sub-downset q
// of the stage whose parameters fit the cache runs first (every layer of it cached), then the
// rest; each part in the model's execution order, appended to `order`.
void AppendBestCachingOrder(const CostModel& m, const DownsetLattice& L,
                            const LatticeStageCost::Impl& c, int y, int d,
                            std::vector<int>& order) {
  const int64_t cache = m.profile().param_cache_bytes;
  int best = y;
  int64_t best_bytes = 0;
  if (c.StageParams(y, d) <= cache) {
    best = d;
    best_bytes = c.StageParams(y, d);
  } else {
    std::vector<int> queue = {y};
    std::vector<char> seen(L.size(), 0);
    seen[y] = 1;
    for (size_t h = 0; h < queue.size(); ++h)
      for (const auto* s = L.up_begin(queue[h]); s != L.up_end(queue[h]); ++s) {
        if (seen[s->to] || !L.Contains(d, s->op)) continue;
        seen[s->to] = 1;
        const int64_t bytes = c.StageParams(y, s->to);
        if (bytes > cache) continue;  // and so are its supersets
        queue.push_back(s->to);
        if (bytes > best_bytes) {
          best_bytes = bytes;
          best = s->to;
        }
      }
  }
  for (int v : m.exec_order())
    if (L.Contains(best, v) && !L.Contains(y, v)) order.push_back(v);
  for (int v : m.exec_order())
    if (L.Contains(d, v) && !L.Contains(best, v)) order.push_back(v);
}

// f_k(d) pushed forward: each downset y (ascending cardinality, so f_{k-1}(y) is final) walks
// up the lattice to the supersets d inside the window, and offers max/+ (f_{k-1}(y), T(d \ y)).
// With an order-free cost model, T charges the stage's best caching order: on the walk up,
// best[q] = the most parameter bytes a sub-downset of q \ y that fits the cache holds, the
// maximum over q's own bytes (when they fit) and its lower neighbours' best.
Result<ExactResult> SolveTime(const CostModel& m, const DownsetLattice& L, const ExactOptions& o,
                              const std::vector<char>& aligned, Clock::time_point deadline) {
  const bool thr = o.objective == Objective::kThroughput;
  const int N = L.size(), K = o.stages, n = L.num_ops(), full = L.full();
  LatticeStageCost cost(m, L);
  const LatticeStageCost::Impl& c = *cost.impl_;
  const bool order_free = c.OrderFree() && !o.execution_order_only;
  const int64_t cache = m.profile().param_cache_bytes;
  const double inf = std::numeric_limits<double>::infinity();
  const double U = std::isinf(o.incumbent) ? inf : o.incumbent * (1 - 1e-12);
  const double U_window = std::isinf(U) ? inf : U * (1 + 1e-9) + 1e-15;
  const double base = cost.MinSecondsBase();
  const double all = cost.MinOpSeconds(full);
  const double link_in = m.profile().link_in_bytes_per_s;
  std::vector<double> f(static_cast<size_t>(K + 1) * N, inf);
  std::vector<int> arg(f.size(), -1);
  auto at = [N](int k, int d) { return static_cast<size_t>(k) * N + d; };
  f[at(0, 0)] = 0;
  std::vector<int> stamp(N, -1), queue;
  std::vector<int64_t> best(N, 0);
  ExactResult out;
  out.order_free = order_free;
  int64_t steps = 0;
  for (int y = 0; y < full; ++y) {
    if (!aligned[y]) continue;
    bool any = false;
    for (int k = 1; k <= K && !any; ++k) any = f[at(k - 1, y)] < U;
    if (!any) continue;
    const double floor_y = cost.MinOpSeconds(y);
    queue.clear();
    queue.push_back(y);
    stamp[y] = y;
    best[y] = 0;
    for (size_t head = 0; head < queue.size(); ++head) {
      const int x = queue[head];
      if (x != y && aligned[x]) {
        // The pair (y, x): x is final here (every lower neighbour inside was popped before).
        const int d = x, card = L.cardinality(d);
        int kmin = std::max(1, K - (n - card)), kmax = std::min(K, card);
        if (d == full)
          kmin = K;
        else
          kmax = std::min(kmax, K - 1);
        const double rest = all - cost.MinOpSeconds(d);
        if (thr && d != full && !std::isinf(U))
          while (kmin <= kmax && rest / (K - kmax) + base >= U_window) --kmax;
        double prev_best = inf;
        for (int k = kmin; k <= kmax; ++k) prev_best = std::min(prev_best, f[at(k - 1, y)]);
        if (prev_best < U) {
          double T;
          if (order_free)
            T = c.SecondsCaching(y, d, std::min(best[d], c.StageParams(y, d)));
          else
            T = c.Seconds(y, d);
          ++out.pairs;
          if (T < U)
            for (int k = kmin; k <= kmax; ++k) {
              const double prev = f[at(k - 1, y)];
              if (prev >= U) continue;
              const double v = thr ? std::max(prev, T) : prev + T;
              if (v >= U || (!thr && v + rest + (K - k) * base >= U)) continue;
              if (v < f[at(k, d)]) {
                f[at(k, d)] = v;
                arg[at(k, d)] = y;
              }
            }
        }
      }
      for (const auto* s = L.up_begin(x); s != L.up_end(x); ++s) {
        const int d = s->to;
        if (stamp[d] != y) {
          stamp[d] = y;
          // Outside the window (the stage's work alone reaches U, or with the parameters its
          // cache cannot hold, which cross the link whatever the caching order: both only grow
          // with d), and so is every superset. The streaming term needs every operator on the
          // TPU and unshared constants (order_free); graphs whose parameters far exceed the
          // caches (the authors' Inception v3) are otherwise walked almost whole from every y.
          const int64_t bytes = c.StageParams(y, d);
          const double streamed_lb =
              order_free && bytes > cache ? static_cast<double>(bytes - cache) / link_in : 0;
          if (thr && base + cost.MinOpSeconds(d) - floor_y + streamed_lb >= U_window) {
            best[d] = -1;
            continue;
          }
          best[d] = bytes <= cache ? bytes : 0;
          queue.push_back(d);
        }
        if (best[d] >= 0) best[d] = std::max(best[d], best[x]);
      }
      if ((++steps & 4095) == 0 && Clock::now() > deadline) {
        out.reason =
            fmt::format("time limit reached in the lattice DP ({} of {} downsets done)", y, N);
        return out;
      }
    }
  }
  out.complete = true;
  if (f[at(K, full)] < U) {
    std::vector<int> chain(K + 1, 0);
    chain[K] = full;
    for (int k = K; k >= 1; --k) chain[k - 1] = arg[at(k, chain[k])];
    out.found = true;
    out.value = f[at(K, full)];
    out.schedule = FromChain(L, chain, K);
    if (order_free) {
      std::vector<int> order;
      for (int k = 1; k <= K; ++k) AppendBestCachingOrder(m, L, c, chain[k - 1], chain[k], order);
      if (order != m.exec_order()) out.schedule.order = std::move(order);
    }
  }
  return out;
}

Result<ExactResult> SolvePaper(const CostModel& m, const DownsetLattice& L, const ExactOptions& o,
                               const std::vector<char>& aligned, Clock::time_point deadline) {
  const Graph& g = m.graph();
  const int N = L.size(), K = o.stages, n = L.num_ops(), full = L.full();
  const double inf = std::numeric_limits<double>::infinity();
  const double U = std::isinf(o.incumbent) ? inf : o.incumbent * (1 - 1e-12);
  const double U_window = std::isinf(U) ? inf : U * (1 + 1e-9) + 1e-12;
  const double lambda = o.paper_lambda;
  auto score = [lambda](int64_t bytes, int64_t crossings) {
    return lambda * bytes / 1048576.0 + static_cast<double>(crossings);  // as ObjectiveValue
  };
  // P(D): parameter bytes; E(D): edges leaving D (one crossing per chain boundary).
  std::vector<int64_t> P(N, 0), E(N, 0);
  std::vector<char> done(N, 0);
  done[0] = 1;
  for (int d = 0; d < N; ++d)
    for (const auto* s = L.up_begin(d); s != L.up_end(d); ++s) {
      if (done[s->to]) continue;
      done[s->to] = 1;
      P[s->to] = P[d] + g.ops[s->op].param_bytes;
      E[s->to] = E[d] - static_cast<int64_t>(g.preds(s->op).size()) +
                 static_cast<int64_t>(g.succs(s->op).size());
    }
  // Pareto fronts: entries of (k, d) are entries[start[(k, d)] .. + count), largest stage
  // bytes ascending, crossings descending.
  struct Entry {
    int64_t bytes, crossings;
    int from;        // D_{k-1}
    int64_t parent;  // index of the entry of (k-1, from)
  };
  std::vector<Entry> entries = {{0, 0, -1, -1}};
  std::vector<int64_t> start(static_cast<size_t>(K + 1) * N, -1);
  std::vector<int> count(start.size(), 0);
  auto at = [N](int k, int d) { return static_cast<size_t>(k) * N + d; };
  start[at(0, 0)] = 0;
  count[at(0, 0)] = 1;
  // Every chain boundary other than {} and V leaves at least min_e edges, and the largest
  // stage holds at least `floor_bytes`: a boundary D can only be part of a chain better than U
  // if score(floor_bytes, E(D) + (K - 2) min_e) < U. Only those candidates are paired.
  int64_t min_e = std::numeric_limits<int64_t>::max(), largest_op = 0;
  for (int d = 1; d < full; ++d)
    if (aligned[d]) min_e = std::min(min_e, E[d]);
  if (min_e == std::numeric_limits<int64_t>::max()) min_e = 0;
  for (int v = 0; v < n; ++v) largest_op = std::max(largest_op, g.ops[v].param_bytes);
  auto floor_bytes = [&](int64_t bytes,
                         int stages) {  // the largest of `stages` stages holding `bytes`
    return stages <= 0 ? 0 : std::max(largest_op, (bytes + stages - 1) / stages);
  };
  const int64_t floor_all = std::min(floor_bytes(P[full], K), P[full]);
  std::vector<int> candidates;
  for (int d = 0; d < N; ++d) {
    if (!aligned[d]) continue;
    if (d != 0 && d != full && K >= 2 && score(floor_all, E[d] + (K - 2) * min_e) >= U) continue;
    candidates.push_back(d);
  }
  std::vector<std::vector<Entry>> cand(K + 1);
  ExactResult out;
  // Downsets that ended a stage of some chain still below U (cardinality ascending): the only
  // possible predecessors.
  std::vector<int> alive = {0};
  for (size_t ci = 1; ci < candidates.size(); ++ci) {
    const int d = candidates[ci];
    const int card = L.cardinality(d);
    int kmin = std::max(1, K - (n - card)), kmax = std::min(K, card);
    if (d == full)
      kmin = K;
    else
      kmax = std::min(kmax, K - 1);
    if (kmin > kmax) continue;
    if ((ci & 63) == 0 && Clock::now() > deadline) {
      out.reason =
          fmt::format("time limit reached in the lattice DP ({} of {} candidate downsets done)", ci,
                      candidates.size());
      return out;
    }
    for (auto& c : cand) c.clear();
    const uint64_t* dbits = L.bits(d);
    for (const int y : alive) {
      if (L.cardinality(y) >= card) break;  // candidates ascend in cardinality
      const int64_t bytes = P[d] - P[y];
      if (score(bytes, 0) >= U_window) continue;
      const uint64_t* ybits = L.bits(y);
      bool subset = true;
      for (int w = 0; w < L.words() && subset; ++w) subset = (ybits[w] & ~dbits[w]) == 0;
      if (!subset) continue;
      ++out.pairs;
      for (int k = kmin; k <= kmax; ++k) {
        const size_t a = at(k - 1, y);
        if (count[a] == 0) continue;
        const int64_t add = k - 1 >= 1 ? E[y] : 0;
        // Still to come: the boundary d and K - 1 - k more; the rest's largest stage.
        const int64_t later = k < K ? E[d] + (K - 1 - k) * min_e : 0;
        const int64_t rest_bytes = k < K ? (P[full] - P[d] + (K - k) - 1) / (K - k) : 0;
        for (int64_t e = start[a]; e < start[a] + count[a]; ++e) {
          const Entry& prev = entries[e];
          const int64_t b = std::max(prev.bytes, bytes), c = prev.crossings + add;
          if (score(std::max(b, rest_bytes), c + later) >= U) continue;
          // Keep cand[k] a Pareto front (it stays small): drop e if dominated, else drop what
          // it dominates.
          auto& front = cand[k];
          bool dominated = false;
          for (const Entry& x : front) dominated = dominated || (x.bytes <= b && x.crossings <= c);
          if (dominated) continue;
          front.erase(
              std::remove_if(front.begin(), front.end(),
                             [&](const Entry& x) { return b <= x.bytes && c <= x.crossings; }),
              front.end());
          front.push_back({b, c, y, e});
        }
      }
    }
    for (int k = kmin; k <= kmax; ++k) {
      auto& c = cand[k];
      if (c.empty()) continue;
      std::sort(c.begin(), c.end(), [](const Entry& a, const Entry& b) {
        return a.bytes != b.bytes ? a.bytes < b.bytes : a.crossings < b.crossings;
      });
      start[at(k, d)] = static_cast<int64_t>(entries.size());
      entries.insert(entries.end(), c.begin(), c.end());
      count[at(k, d)] = static_cast<int>(c.size());
    }
    for (int k = kmin; k <= std::min(kmax, K - 1); ++k)
      if (count[at(k, d)] > 0) {
        alive.push_back(d);
        break;
      }
  }
  out.complete = true;
  const size_t a = at(K, full);
  int64_t best = -1;
  double best_value = U;
  for (int64_t e = start[a]; count[a] > 0 && e < start[a] + count[a]; ++e) {
    const double v = score(entries[e].bytes, entries[e].crossings);
    if (v < best_value) {
      best_value = v;
      best = e;
    }
  }
  if (best >= 0) {
    std::vector<int> chain(K + 1, 0);
    chain[K] = full;
    for (int64_t e = best, k = K; k >= 1; --k) {
      chain[k - 1] = entries[e].from;
      e = entries[e].parent;
    }
    out.found = true;
    out.value = best_value;
    out.schedule = FromChain(L, chain, K);
  }
  return out;
}

}  // namespace

Result<ExactResult> SolveExact(const CostModel& m, const DownsetLattice& lattice,
                               const ExactOptions& o) {
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(std::min(o.time_limit_s, 1e7)));
  if (!lattice.complete())
    return Error{"the downset lattice is incomplete: " + lattice.incomplete_reason()};
  if (lattice.num_ops() != m.graph().num_ops())
    return Error{"the downset lattice is of another graph"};
  if (o.stages < 1 || o.stages > m.graph().num_ops())
    return Error{fmt::format("{} stages for {} operators", o.stages, m.graph().num_ops())};
  const std::vector<char> aligned = Aligned(m.graph(), lattice, o.align_children);
  if (o.objective == Objective::kPaper) return SolvePaper(m, lattice, o, aligned, deadline);
  HybridOptions h;
  h.tpus = h.max_stages = o.stages;
  h.exact_stages = true;
  h.replicate = false;
  h.align_children = o.align_children;
  h.execution_order_only = o.execution_order_only;
  auto hybrid = [&](double incumbent) {
    h.incumbent = incumbent;
    h.time_limit_s = std::max(0.0, std::chrono::duration<double>(deadline - Clock::now()).count());
    return SolveHybrid(m, lattice, h);
  };
  if (o.objective == Objective::kThroughput && HybridHostFloor(m, h) >= o.incumbent_slowest_stage)
    return hybrid(o.incumbent);
  auto r = SolveTime(m, lattice, o, aligned, deadline);
  if (!r || o.objective != Objective::kThroughput || !r->found) return r;
  // The DP minimised the slowest stage. The shared host can set a longer period (PipelineCost);
  // where it does, the hybrid DP with one TPU per stage, which carries the host's sums, finds
  // the optimum below both the incumbent and this schedule's period. (Nothing has a period
  // below the DP's value, so when the host does not bind the DP's schedule is optimal.)
  const double period = EvaluateSchedule(m, r->schedule).period_s;
  if (period <= r->value * (1 + 1e-12)) return r;
  auto hy = hybrid(std::min(o.incumbent, period));
  if (!hy) return hy.error();
  hy->pairs += r->pairs;
  if (hy->found) return hy;
  const bool beats_incumbent = std::isinf(o.incumbent) || period < o.incumbent * (1 - 1e-12);
  r->value = period;
  r->found = beats_incumbent;
  if (!hy->complete) {
    r->complete = false;
    r->reason = hy->reason;
  }
  if (!r->found) r->schedule = Schedule{};
  return r;
}

std::vector<char> AlignedDownsets(const Graph& g, const DownsetLattice& L, bool align) {
  return Aligned(g, L, align);
}

Schedule ScheduleOfChain(const CostModel& m, const DownsetLattice& L, const LatticeStageCost& c,
                         const std::vector<int>& chain, bool best_caching_order) {
  const int K = static_cast<int>(chain.size()) - 1;
  Schedule s = FromChain(L, chain, K);
  if (best_caching_order) {
    std::vector<int> order;
    for (int k = 1; k <= K; ++k)
      AppendBestCachingOrder(m, L, *c.impl_, chain[k - 1], chain[k], order);
    if (order != m.exec_order()) s.order = std::move(order);
  }
  return s;
}

}  // namespace respect
