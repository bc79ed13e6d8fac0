#include "schedulers/dp_cuts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include "core/analysis.h"
#include "cost/segment_scan.h"
#include "schedulers/objective.h"

namespace respect {

namespace {

// The paper objective on a fixed order: a cut before position i adds cross[i] (the edges
// spanning it) to the crossings, and the largest segment's bytes are a maximum, so the state
// of (k segments, prefix j) is the Pareto front of (largest segment bytes, crossings so far),
// which is exact. The min-max-bytes cut (plus its crossings) is the incumbent every entry must
// beat.
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
  auto bytes = [&](int i, int j) { return static_cast<double>(prefix[j] - prefix[i]); };
  // Incumbent: the cut minimising the largest segment, then its crossings.
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> mm(K + 1, std::vector<double>(n + 1, inf));
  std::vector<std::vector<int>> mm_arg(K + 1, std::vector<int>(n + 1, -1));
  mm[0][0] = 0;
  for (int k = 1; k <= K; ++k)
    for (int j = k; j <= n - (K - k); ++j)
      for (int i = j - 1; i >= k - 1; --i) {
        if (bytes(i, j) >= mm[k][j]) break;  // and every earlier start is larger still
        const double c = std::max(mm[k - 1][i], bytes(i, j));
        if (c < mm[k][j]) {
          mm[k][j] = c;
          mm_arg[k][j] = i;
        }
      }
  int64_t inc_cross = 0;
  for (int k = K, j = n; k >= 2; --k) {
    j = mm_arg[k][j];
    inc_cross += cross[j];
  }
  const double incumbent = lambda * mm[K][n] / mib + static_cast<double>(inc_cross);
  int64_t largest_op = 0;
  for (int p = 0; p < n; ++p) largest_op = std::max(largest_op, g.ops[order[p]].param_bytes);
  const double bytes_floor =
      std::max(static_cast<double>(prefix[n]) / K, static_cast<double>(largest_op));
  // Pareto fronts: the entries of (k, j) are the non-dominated (largest segment bytes, crossings
  // so far) of cutting order[0..j) into k segments, with the segment start and the entry before.
  // Memory is the total front size (small: the incumbent prunes every entry that cannot beat
  // it), not the range of crossings.
  struct Entry {
    int64_t bytes, crossings;
    int from, parent;
  };
  auto score = [lambda, mib](int64_t b, int64_t c) {
    return lambda * static_cast<double>(b) / mib + static_cast<double>(c);
  };
  const double U = incumbent * (1 + 1e-12);
  std::vector<Entry> entries = {{0, 0, -1, -1}};
  auto at = [n](int k, int j) { return static_cast<size_t>(k) * (n + 1) + j; };
  std::vector<int> start(static_cast<size_t>(K + 1) * (n + 1), 0), count(start.size(), 0);
  count[at(0, 0)] = 1;
  std::vector<Entry> front;
  for (int k = 1; k <= K; ++k)
    for (int j = k; j <= n - (K - k); ++j) {
      if (deadline != Deadline{} && std::chrono::steady_clock::now() > deadline) {
        // Out of time: the incumbent (the min-max-bytes cut) stands.
        CutResult r;
        r.schedule = Schedule(K, std::vector<int>(g.num_ops(), 0), order);
        for (int kk = K, jj = n; kk >= 1; --kk) {
          const int i = mm_arg[kk][jj];
          for (int p = i; p < jj; ++p) r.schedule.stage_of[order[p]] = kk - 1;
          jj = i;
        }
        r.value = incumbent;
        r.timed_out = true;
        return r;
      }
      front.clear();
      // The segments after j hold the rest: their largest is at least an equal share.
      const int64_t rest = k < K ? (prefix[n] - prefix[j] + (K - k) - 1) / (K - k) : 0;
      for (int i = j - 1; i >= k - 1; --i) {
        const int64_t seg = prefix[j] - prefix[i];
        if (score(std::max(seg, static_cast<int64_t>(bytes_floor)), 0) > U)
          break;  // grows as i falls
        const size_t a = at(k - 1, i);
        const int64_t add = k >= 2 ? cross[i] : 0;
        for (int e = start[a]; e < start[a] + count[a]; ++e) {
          const int64_t b = std::max(entries[e].bytes, seg), c = entries[e].crossings + add;
          if (score(std::max(b, rest), c) > U) continue;
          front.push_back({b, c, i, e});
        }
      }
      // Keep the non-dominated candidates: by bytes ascending, each with fewer crossings than
      // every one before it (ties: the latest start, then the first entry, deterministically).
      std::sort(front.begin(), front.end(), [](const Entry& a, const Entry& b) {
        if (a.bytes != b.bytes) return a.bytes < b.bytes;
        if (a.crossings != b.crossings) return a.crossings < b.crossings;
        if (a.from != b.from) return a.from > b.from;
        return a.parent < b.parent;
      });
      size_t kept = 0;
      for (size_t q = 0; q < front.size(); ++q)
        if (kept == 0 || front[q].crossings < front[kept - 1].crossings) front[kept++] = front[q];
      front.resize(kept);
      start[at(k, j)] = static_cast<int>(entries.size());
      count[at(k, j)] = static_cast<int>(front.size());
      entries.insert(entries.end(), front.begin(), front.end());
    }
  CutResult r;
  r.value = inf;
  int best = -1;
  for (int e = start[at(K, n)]; e < start[at(K, n)] + count[at(K, n)]; ++e)
    if (score(entries[e].bytes, entries[e].crossings) < r.value) {
      r.value = score(entries[e].bytes, entries[e].crossings);
      best = e;
    }
  r.schedule.num_stages = K;
  r.schedule.stage_of.assign(g.num_ops(), 0);
  r.schedule.order = order;
  for (int k = K, j = n, e = best; k >= 1 && e >= 0; --k) {
    const int i = entries[e].from;
    for (int p = i; p < j; ++p) r.schedule.stage_of[order[p]] = k - 1;
    j = i;
    e = entries[e].parent;
  }
  return r;
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
  std::vector<std::pair<const char*, std::vector<int>>> orders;
  for (TopoOrderKind kind :
       {TopoOrderKind::kKahnLifo, TopoOrderKind::kKahnFifo, TopoOrderKind::kDepthFirst,
        TopoOrderKind::kAsap, TopoOrderKind::kAlap})
    orders.push_back({TopoOrderName(kind), TopologicalOrder(m.graph(), kind)});
  orders.push_back({"execution", m.exec_order()});
  const double inf = std::numeric_limits<double>::infinity();
  auto past = [&] { return deadline != Deadline{} && std::chrono::steady_clock::now() > deadline; };
  std::optional<CutResult> best;
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
      if (r->value != inf && (!best || r->value < best->value)) best = std::move(*r);
      continue;
    }
    ++done;
    inexact += !r->exact;
    if (r->value == inf) continue;  // no better than the best so far
    if (!best || r->value < best->value) best = std::move(*r);
  }
  if (!best) {  // the deadline struck during the first order: an equal cut of it
    best = CutResult{};
    best->schedule = EqualCut(m, orders[0].second, K);
    best->value = ObjectiveValue(m, best->schedule, o, paper_lambda);
  }
  best->timed_out = timed_out;
  best->note =
      timed_out
          ? fmt::format("time limit: cut {} of {} topological orders optimally{}", done, distinct,
                        done == 0 ? " (returned an equal-count cut of Coral's order)" : "")
          : fmt::format("optimal cuts of the best of {} topological orders", distinct);
  if (inexact > 0)
    best->note += fmt::format(
        " ({} of them not cut optimally: the host-aware search outgrew its memory, so the best "
        "of their slowest-stage, equal-count and least-latency cuts)",
        inexact);
  return std::move(*best);
}

}  // namespace respect
