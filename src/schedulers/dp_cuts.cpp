#include "schedulers/dp_cuts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "core/analysis.h"
#include "cost/segment_scan.h"
#include "schedulers/objective.h"
#include "schedulers/satellites.h"

namespace respect {

namespace {

// The paper objective on a fixed order: a cut before position i adds cross[i] (the edges
// spanning it) to the crossings, and the largest segment's bytes are a maximum. The optimum is
// a point of the Pareto front of (largest segment bytes, crossings) over the order's cuts, and
// the front is walked point by point: for a cap L on the largest segment, the fewest crossings
// F(L) is a DP over cut positions whose feasible predecessors form a sliding window (a monotone
// deque: O(K n) per cap), and a binary search finds the least cap with a given F, which is the
// front's point for those crossings. The walk stops where the points not yet visited cannot
// beat the best, so it is exact; the deadline stops it with the best so far.
CutResult PaperCutsOfOrder(const CostModel& m, const std::vector<int>& order, int K, double lambda,
                           Deadline deadline) {
  const Graph& g = m.graph();
  const int n = static_cast<int>(order.size());
  std::vector<int> pos(n);
  for (int p = 0; p < n; ++p) pos[order[p]] = p;
  std::vector<int64_t> cross(n + 1, 0), prefix(n + 1, 0);
  for (int u = 0; u < g.num_ops(); ++u)
    for (int v : g.succs(u)) {
      cross[pos[u] + 1] += 1;
      cross[pos[v] + 1] -= 1;
    }
  for (int i = 1; i <= n; ++i) cross[i] += cross[i - 1];
  for (int p = 0; p < n; ++p) prefix[p + 1] = prefix[p] + g.ops[order[p]].param_bytes;
  const double mib = 1048576.0;
  auto score = [lambda, mib](int64_t b, int64_t c) {
    return lambda * static_cast<double>(b) / mib + static_cast<double>(c);
  };
  // A cut as its K + 1 positions (0, the K - 1 cuts, n): its largest segment and crossings.
  struct Cut {
    std::vector<int> at;
    int64_t largest = 0, crossings = 0;
  };
  auto measure = [&](Cut& c) {
    c.largest = 0;
    c.crossings = 0;
    for (int k = 1; k <= K; ++k) {
      c.largest = std::max(c.largest, prefix[c.at[k]] - prefix[c.at[k - 1]]);
      if (k < K) c.crossings += cross[c.at[k]];
    }
  };
  constexpr int64_t kNone = std::numeric_limits<int64_t>::max();
  // F(cap): the fewest crossings of a cut whose segments hold at most `cap` bytes each (kNone:
  // none does), the cut in `out`. Ties keep the latest predecessor (the shorter segment).
  std::vector<int64_t> f(static_cast<size_t>(K + 1) * (n + 1));
  std::vector<int> arg(f.size());
  std::vector<int> dq(n + 1);
  auto fewest = [&](int64_t cap, Cut& out) -> int64_t {
    auto F = [&](int k, int j) -> int64_t& { return f[static_cast<size_t>(k) * (n + 1) + j]; };
    for (int j = 0; j <= n; ++j) F(0, j) = j == 0 ? 0 : kNone;
    for (int k = 1; k <= K; ++k) {
      int head = 0, tail = 0, lo = 0, next = 0;  // dq[head, tail): candidate predecessors
      for (int j = 0; j <= n; ++j) {
        F(k, j) = kNone;
        if (j >= 1) {
          // Admit i = j - 1 as a predecessor (a segment needs one operator at least).
          for (; next <= j - 1; ++next) {
            const int64_t base = F(k - 1, next);
            if (base == kNone) continue;
            const int64_t v = base + (k >= 2 ? cross[next] : 0);
            while (tail > head) {
              const int b = dq[tail - 1];
              if (F(k - 1, b) + (k >= 2 ? cross[b] : 0) >= v)
                --tail;
              else
                break;
            }
            dq[tail++] = next;
          }
          while (prefix[j] - prefix[lo] > cap) ++lo;
          while (head < tail && dq[head] < lo) ++head;
          if (head < tail) {
            const int i = dq[head];
            F(k, j) = F(k - 1, i) + (k >= 2 ? cross[i] : 0);
            arg[static_cast<size_t>(k) * (n + 1) + j] = i;
          }
        }
      }
    }
    if (F(K, n) == kNone) return kNone;
    out.at.assign(K + 1, 0);
    out.at[K] = n;
    for (int k = K; k >= 1; --k) out.at[k - 1] = arg[static_cast<size_t>(k) * (n + 1) + out.at[k]];
    measure(out);
    return F(K, n);
  };
  int64_t largest_op = 0;
  for (int p = 0; p < n; ++p) largest_op = std::max(largest_op, g.ops[order[p]].param_bytes);
  const int64_t floor_bytes = std::max(largest_op, (prefix[n] + K - 1) / K);
  auto past = [&] { return deadline != Deadline{} && std::chrono::steady_clock::now() > deadline; };
  auto as_result = [&](const Cut& c, bool timed_out) {
    CutResult r;
    r.schedule = Schedule(K, std::vector<int>(g.num_ops(), 0), order);
    for (int k = 1; k <= K; ++k)
      for (int p = c.at[k - 1]; p < c.at[k]; ++p) r.schedule.stage_of[order[p]] = k - 1;
    r.value = score(c.largest, c.crossings);
    r.timed_out = timed_out;
    return r;
  };
  // The least cap at or above `from` whose fewest crossings are at most `c` (kNone: none), with
  // its cut in `out`: F falls as the cap grows, so a binary search.
  auto least_cap = [&](int64_t from, int64_t c, Cut& out) -> int64_t {
    Cut probe;
    if (fewest(prefix[n], probe) > c) return kNone;
    out = probe;
    int64_t lo = std::max(from, floor_bytes), hi = std::max(lo, probe.largest);
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (fewest(mid, probe) <= c) {
        hi = mid;
        out = probe;
      } else {
        lo = mid + 1;
      }
    }
    return hi;
  };
  // The front is walked from both ends: from the fewest crossings down in bytes (the top) and
  // from the fewest bytes up in crossings (the bottom), one point each in turn. The points not
  // yet visited have more crossings than the top's last and more bytes than the bottom's last:
  // their least score bounds what is left (the first is tight where crossings dominate, the
  // second where bytes do, as with the ICML'24 setting's 100 per byte).
  Cut best, top, bottom;
  const int64_t fewest_at_all = fewest(prefix[n], top);
  if (fewest_at_all == kNone) return CutResult{};  // K > n, which the caller refuses
  least_cap(floor_bytes, kNone - 1, bottom);       // the least bytes any cut has
  best = score(top.largest, top.crossings) < score(bottom.largest, bottom.crossings) ? top : bottom;
  auto consider = [&](const Cut& c) {
    if (score(c.largest, c.crossings) < score(best.largest, best.crossings)) best = c;
  };
  // The top's point for the fewest crossings: the least cap with them.
  least_cap(floor_bytes, fewest_at_all, top);
  consider(top);
  for (int turn = 0;; ++turn) {
    if (top.largest <= bottom.largest || bottom.crossings <= top.crossings) break;  // they met
    const double left = score(std::max(floor_bytes, bottom.largest + 1), top.crossings + 1);
    if (left >= score(best.largest, best.crossings)) break;
    if (past()) return as_result(best, true);
    Cut next;
    if (turn % 2 == 0) {  // the top: below its bytes, the fewest crossings, at their least cap
      const int64_t c = fewest(top.largest - 1, next);
      if (c == kNone) break;
      least_cap(floor_bytes, c, next);
      top = next;
    } else {  // the bottom: fewer crossings than its last, at their least cap
      if (least_cap(bottom.largest + 1, bottom.crossings - 1, next) == kNone) break;
      bottom = next;
    }
    consider(next);
  }
  return as_result(best, false);
}

}  // namespace

Result<CutResult> BestCutsOfOrder(const CostModel& m, const std::vector<int>& order, int K,
                                  Objective o, double paper_lambda, Deadline deadline) {
  const int n = static_cast<int>(order.size());
  if (K < 1) return Error{fmt::format("need at least 1 stage, got {}", K)};
  if (K > n)
    return Error{fmt::format("{} stages for {} operators: at most one stage per operator", K, n)};
  if (o == Objective::kPaper) return PaperCutsOfOrder(m, order, K, paper_lambda, deadline);
  return TimeCutsOfOrder(m, order, K, o, std::numeric_limits<double>::infinity(), deadline);
}

namespace {

// Equal-count cut of an order into K segments: a valid cut, so its value bounds the optimum.
Schedule EqualCut(const CostModel& m, const std::vector<int>& order, int K) {
  const int n = static_cast<int>(order.size());
  Schedule s(K, std::vector<int>(m.graph().num_ops(), 0), order);
  for (int p = 0; p < n; ++p)
    s.stage_of[order[p]] = static_cast<int>(static_cast<int64_t>(p) * K / n);
  return s;
}

double EqualCutValue(const CostModel& m, const std::vector<int>& order, int K, Objective o) {
  return ObjectiveValue(m, EqualCut(m, order, K), o, 1.0);
}

}  // namespace

namespace {

// Throughput cuts of an order with the shared host (cost_model.h: the period is also at least
// the host's CPU and controller time per inference over their capacity, sums over the stages):
// labels (slowest stage A, host CPU sum H, controller sum C) per (segments k, position j), kept
// as Pareto fronts, which is exact where a single value is not. Only cuts with a period below
// `upper` are searched for; returns value +inf when there is none.
CutResult HostCutsOfOrder(const CostModel& m, const std::vector<int>& order, int K, double upper,
                          Deadline deadline) {
  const int n = static_cast<int>(order.size());
  const double inf = std::numeric_limits<double>::infinity();
  const DeviceProfile& p = m.profile();
  const double cores = p.host_cores, ctrl = p.Controllers(K);
  const double U = upper * (1 - 1e-12);
  struct Label {
    double A, H, C;
    int from, parent;
  };
  constexpr size_t kMaxLabels = 2'000'000;
  std::vector<Label> labels = {{0, 0, 0, -1, -1}};
  std::vector<std::vector<int>> front(static_cast<size_t>(K + 1) * (n + 1));
  auto at = [n](int k, int j) { return static_cast<size_t>(k) * (n + 1) + j; };
  front[at(0, 0)] = {0};
  CutResult r;
  r.value = inf;
  SegmentScanner scan(m, order);
  const double link_out = p.link_out_bytes_per_s;
  for (int i = 0; i < n; ++i) {
    if (deadline != Deadline{} && (i & 15) == 0 && std::chrono::steady_clock::now() > deadline) {
      r.timed_out = true;
      return r;
    }
    bool any = false;
    for (int k = 1; k <= K && !any; ++k) any = !front[at(k - 1, i)].empty();
    if (!any) continue;
    scan.Start(i);
    for (int j = i + 1; j <= n; ++j) {
      const StageCost& st = scan.Extend();
      if (st.latency_s - static_cast<double>(st.out_bytes) / link_out >= U) break;
      for (int k = std::max(1, K - (n - j)); k <= K; ++k)
        for (int id : front[at(k - 1, i)]) {
          const Label l = labels[id];
          const Label x = {std::max(l.A, st.latency_s), l.H + st.host_cpu_s, l.C + st.controller_s,
                           i, id};
          if (std::max({x.A, x.H / cores, x.C / ctrl}) >= U) continue;
          std::vector<int>& f = front[at(k, j)];
          bool dominated = false;
          for (int o : f) {
            const Label& y = labels[o];
            dominated = dominated || (y.A <= x.A && y.H <= x.H && y.C <= x.C);
          }
          if (dominated) continue;
          f.erase(std::remove_if(f.begin(), f.end(),
                                 [&](int o) {
                                   const Label& y = labels[o];
                                   return x.A <= y.A && x.H <= y.H && x.C <= y.C;
                                 }),
                  f.end());
          f.push_back(static_cast<int>(labels.size()));
          labels.push_back(x);
        }
      // Memory guard (about 80 MB of labels): give up; the caller keeps the cut it has.
      if (labels.size() > kMaxLabels) {
        r.exact = false;
        return r;
      }
    }
  }
  int best = -1;
  for (int id : front[at(K, n)]) {
    const Label& l = labels[id];
    const double v = std::max({l.A, l.H / cores, l.C / ctrl});
    if (v < r.value) {
      r.value = v;
      best = id;
    }
  }
  r.schedule.num_stages = K;
  r.schedule.stage_of.assign(m.graph().num_ops(), 0);
  r.schedule.order = order;
  for (int k = K, j = n, id = best; best >= 0 && k >= 1; --k) {
    const int i = labels[id].from;
    for (int q = i; q < j; ++q) r.schedule.stage_of[order[q]] = k - 1;
    j = i;
    id = labels[id].parent;
  }
  return r;
}

}  // namespace

CutResult HostBisectionCutsOfOrder(const CostModel& m, const std::vector<int>& order, int K,
                                   double lower, double upper, Deadline deadline) {
  const int n = static_cast<int>(order.size());
  const double inf = std::numeric_limits<double>::infinity();
  const DeviceProfile& p = m.profile();
  const double link_out = p.link_out_bytes_per_s, ctrl = p.Controllers(K);
  lower = std::max(lower, K * HostCpuSeconds(p, true, 0) / p.host_cores);
  CutResult r;
  r.value = inf;
  r.schedule.num_stages = K;
  r.schedule.order = order;
  std::vector<double> best(static_cast<size_t>(K + 1) * (n + 1));
  std::vector<int> arg(best.size());
  auto at = [K](int k, int j) { return static_cast<size_t>(j) * (K + 1) + k; };
  SegmentScanner scan(m, order);
  if (!std::isfinite(upper)) {  // no bound given: the equal-count cut's period is one
    r.schedule = EqualCut(m, order, K);
    r.value = EvaluateSchedule(m, r.schedule).period_s;
    upper = r.value * (1 + 1e-12);
  }
  double hi = upper;
  // Probes alternate between just below the best period found (which proves it, ending the
  // search, or finds a better one) and bisection: the best cut is often found early.
  for (int probe = 0; probe < 400 && hi - lower > 1e-9 * hi; ++probe) {
    const double P = probe % 2 == 0 ? hi * (1 - 1e-9) : 0.5 * (lower + hi);
    std::fill(best.begin(), best.end(), inf);
    best[at(0, 0)] = 0;
    const double C_hi = hi * ctrl * (1 + 1e-12);
    for (int i = 0; i < n; ++i) {
      if (deadline != Deadline{} && (i & 15) == 0 && std::chrono::steady_clock::now() > deadline) {
        r.timed_out = true;
        return r;
      }
      bool any = false;
      for (int k = 0; k < K && !any; ++k) any = best[at(k, i)] < inf;
      if (!any) continue;
      scan.Start(i);
      for (int j = i + 1; j <= n; ++j) {
        const StageCost& st = scan.Extend();
        if (st.latency_s - static_cast<double>(st.out_bytes) / link_out > P) break;
        if (st.latency_s > P) continue;
        for (int k = std::max(1, K - (n - j)); k <= K; ++k) {
          const double cand = best[at(k - 1, i)] + st.controller_s;
          // A cut sending more than hi allows is slower than the best found: no use.
          if (cand > C_hi) continue;
          if (cand < best[at(k, j)]) {
            best[at(k, j)] = cand;
            arg[at(k, j)] = i;
          }
        }
      }
    }
    if (best[at(K, n)] == inf) {  // no cut keeps every segment within P
      lower = P;
      continue;
    }
    Schedule s = r.schedule;
    s.stage_of.assign(m.graph().num_ops(), 0);
    for (int k = K, j = n; k >= 1; --k) {
      const int i = arg[at(k, j)];
      for (int q = i; q < j; ++q) s.stage_of[order[q]] = k - 1;
      j = i;
    }
    const double v = EvaluateSchedule(m, s).period_s;
    if (v > P) lower = P;
    if (v < r.value && v < upper) {
      r.value = v;
      r.schedule = std::move(s);
    }
    hi = std::min(hi, v);
  }
  return r;
}

// best[k][j] = min over i of combine(best[k-1][i], T(order[i..j))), with every segment start i
// scanned once for all k. A segment's cost without its outputs, LB(i..j) = T - out / link_out
// (overhead, compute, host time, inputs and streamed parameters), only grows with j, so the scan
// from i stops once LB exceeds `upper` (throughput) or once the best value before i plus LB plus
// the rest's work exceeds it (latency): no optimal cut uses such a segment. Exact for the order
// whenever the optimum is at most `upper`; otherwise the value is +inf or a valid cut's.
Result<CutResult> TimeCutsOfOrder(const CostModel& m, const std::vector<int>& order, int K,
                                  Objective o, double upper, Deadline deadline) {
  const int n = static_cast<int>(order.size());
  const double inf = std::numeric_limits<double>::infinity();
  // The equal-count cut is a valid cut, so the optimum is at most its value: it bounds the scan
  // even when the caller knows nothing better.
  upper = std::min(upper, EqualCutValue(m, order, K, o));
  const double U = std::isinf(upper) ? inf : upper * (1 + 1e-9);
  const bool sum = o == Objective::kLatency;
  const double link_out = m.profile().link_out_bytes_per_s;
  // rest[j]: the least work of order[j..n) (each operator at its cheaper placement).
  std::vector<double> rest(n + 1, 0);
  for (int p = n - 1; p >= 0; --p) {
    const int v = order[p];
    rest[p] = rest[p + 1] +
              (m.FallsBackToCpu(v) ? m.CpuSeconds(v) : std::min(m.TpuSeconds(v), m.CpuSeconds(v)));
  }
  // Indexed [j][k]: the inner loop over k touches one cache line.
  std::vector<double> best(static_cast<size_t>(K + 1) * (n + 1), inf);
  std::vector<int> arg(best.size(), -1);
  auto at = [K](int k, int j) { return static_cast<size_t>(j) * (K + 1) + k; };
  best[at(0, 0)] = 0;
  SegmentScanner scan(m, order);
  for (int i = 0; i < n; ++i) {
    if (deadline != Deadline{} && (i & 15) == 0 && std::chrono::steady_clock::now() > deadline) {
      CutResult r;
      r.value = inf;
      r.timed_out = true;
      return r;
    }
    double least_before = inf;
    for (int k = 1; k <= K; ++k) least_before = std::min(least_before, best[at(k - 1, i)]);
    if (least_before == inf) continue;
    scan.Start(i);
    for (int j = i + 1; j <= n; ++j) {
      const StageCost& st = scan.Extend();
      const double t = st.latency_s;
      const double lb = t - static_cast<double>(st.out_bytes) / link_out;
      if (sum ? least_before + lb + rest[j] > U : lb > U) break;
      // Segment k may end at j only if the K - k later ones each get an operator.
      for (int k = std::max(1, K - (n - j)); k <= K; ++k) {
        const double before = best[at(k - 1, i)];
        if (before == inf) continue;
        const double cand = sum ? before + t : std::max(before, t);
        if (cand > U) continue;  // worse than the achievable value: never part of the optimum
        if (cand < best[at(k, j)]) {
          best[at(k, j)] = cand;
          arg[at(k, j)] = i;
        }
      }
    }
  }
  CutResult r;
  r.value = best[at(K, n)];
  r.schedule.num_stages = K;
  r.schedule.stage_of.assign(m.graph().num_ops(), 0);
  r.schedule.order = order;
  if (r.value == inf) return r;
  for (int k = K, j = n; k >= 1; --k) {
    const int i = arg[at(k, j)];
    for (int p = i; p < j; ++p) r.schedule.stage_of[order[p]] = k - 1;
    j = i;
  }
  if (sum) return r;
  // The DP minimised the slowest segment; where the shared host sets a longer period, the
  // host-aware DP finds the best cut below both this one's period and `upper`.
  const double period = EvaluateSchedule(m, r.schedule).period_s;
  if (period <= r.value * (1 + 1e-12)) return r;
  CutResult h = HostCutsOfOrder(m, order, K, std::min(period, U), deadline);
  if (h.value < inf) return h;
  // The labels outgrew their memory: without host fallback, the bisection is exact too, from
  // the slowest-stage optimum (a bound for this order) to the best period known.
  if (!h.exact && !h.timed_out && !m.AnyFallsBackToCpu()) {
    const double hi = std::min(period, U);
    CutResult b = HostBisectionCutsOfOrder(m, order, K, r.value, hi, deadline);
    if (b.value < inf) return b;  // the order's optimum, or (timed_out) the best cut found
    // Nothing below hi (this cut is the order's optimum, or nothing beats `upper`), or nothing
    // found in time (this cut stands).
    r.value = period <= U ? period : inf;
    r.timed_out = b.timed_out;
    return r;
  }
  // Nothing strictly below both (or the host-aware search outgrew its memory): the best of
  // this cut, the equal-count cut (whose value `upper` may be: the optimum then equals it) and
  // the cut of least total latency, which moves the fewest bytes and so spares the host's
  // controller (on big random DAGs the slowest-stage cut's transfers can set a period several
  // times the host-aware optimum).
  double value = period;
  auto consider = [&](Schedule s) {
    const double v = ObjectiveValue(m, s, o, 1.0);
    if (v < value) {
      r.schedule = std::move(s);
      value = v;
    }
  };
  consider(EqualCut(m, order, K));
  if (!h.exact && !h.timed_out)
    if (auto lat = TimeCutsOfOrder(m, order, K, Objective::kLatency, inf, deadline);
        lat && !lat->timed_out && lat->value < inf)
      consider(std::move(lat->schedule));
  r.value = value <= U ? value : inf;
  r.timed_out = h.timed_out;
  r.exact = h.exact;
  return r;
}

Result<CutResult> BestCutsOverOrders(const CostModel& m, int K, Objective o, double paper_lambda,
                                     Deadline deadline) {
  const int n = m.graph().num_ops();
  if (K < 1) return Error{fmt::format("need at least 1 stage, got {}", K)};
  if (K > n)
    return Error{fmt::format("{} stages for {} operators: at most one stage per operator", K, n)};
  // The first satellite order (half the savings in front) goes first: on graphs where it wins
  // (random DAGs), its value prunes the other orders' scans, and a deadline that stops the
  // search early finds it cut; ties go to the first order cut.
  std::vector<std::vector<int>> satellites = SatelliteOrders(m, K, o, paper_lambda);
  std::vector<std::pair<const char*, std::vector<int>>> orders;
  if (!satellites.empty()) orders.push_back({"satellites", std::move(satellites[0])});
  for (TopoOrderKind kind :
       {TopoOrderKind::kKahnLifo, TopoOrderKind::kKahnFifo, TopoOrderKind::kDepthFirst,
        TopoOrderKind::kAsap, TopoOrderKind::kAlap})
    orders.push_back({TopoOrderName(kind), TopologicalOrder(m.graph(), kind)});
  orders.push_back({"execution", m.exec_order()});
  for (size_t i = 1; i < satellites.size(); ++i)
    orders.push_back({"satellites", std::move(satellites[i])});
  const double inf = std::numeric_limits<double>::infinity();
  auto past = [&] { return deadline != Deadline{} && std::chrono::steady_clock::now() > deadline; };
  std::optional<CutResult> best;
  const char* best_name = orders[0].first;
  int done = 0, distinct = 0, inexact = 0;
  bool timed_out = false;
  for (size_t i = 0; i < orders.size(); ++i) {
    bool seen = false;
    for (size_t j = 0; j < i; ++j) seen |= orders[j].second == orders[i].second;
    if (seen) continue;
    ++distinct;
    if (timed_out || past()) {
      timed_out = true;
      continue;
    }
    Result<CutResult> r = Error{""};
    if (o == Objective::kPaper) {
      r = BestCutsOfOrder(m, orders[i].second, K, o, paper_lambda, deadline);
    } else {
      // The best value so far bounds the segments worth scanning.
      r = TimeCutsOfOrder(m, orders[i].second, K, o, best ? best->value : inf, deadline);
    }
    if (!r) return r.error();
    if (r->timed_out) {
      timed_out = true;
      // The paper DP stops with a valid cut (its incumbent); the time DP with nothing.
      if (r->value != inf && (!best || r->value < best->value)) {
        best = std::move(*r);
        best_name = orders[i].first;
      }
      continue;
    }
    ++done;
    inexact += !r->exact;
    if (r->value == inf) continue;  // no better than the best so far
    if (!best || r->value < best->value) {
      best = std::move(*r);
      best_name = orders[i].first;
    }
  }
  const bool equal_cut = !best;
  if (!best) {  // the deadline struck during the first order: an equal cut of it
    best = CutResult{};
    best->schedule = EqualCut(m, orders[0].second, K);
    best->value = ObjectiveValue(m, best->schedule, o, paper_lambda);
  }
  best->timed_out = timed_out;
  best->note =
      timed_out
          ? fmt::format("time limit: cut {} of {} topological orders optimally{}", done, distinct,
                        equal_cut ? fmt::format(" (returned an equal-count cut of the {} order)",
                                                orders[0].first)
                                  : fmt::format(" (best: {})", best_name))
          : fmt::format("optimal cuts of the best of {} topological orders ({})", distinct,
                        best_name);
  if (inexact > 0)
    best->note += fmt::format(
        " ({} of them not cut optimally: the host-aware search outgrew its memory, so the best "
        "of their slowest-stage, equal-count and least-latency cuts)",
        inexact);
  return std::move(*best);
}

}  // namespace respect
