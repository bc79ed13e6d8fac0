#include "schedulers/hybrid.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "schedulers/objective.h"

namespace respect {
namespace {

using Clock = std::chrono::steady_clock;

// One way to reach a downset: the bottleneck and host sums so far, and how it was reached.
struct Label {
  double A, H, C;  // largest time per replica; host CPU and controller seconds (sums)
  int from;        // the downset before the last stage (-1: the empty start)
  int parent;      // the label it extends
  int k, u, r;     // stages and TPUs so far; the last stage's replicas
};

// The stages' most: max_stages, T and n bound it.
int MaxStages(const HybridOptions& o, int n) {
  return std::min(o.max_stages > 0 ? std::min(o.max_stages, o.tpus) : o.tpus, std::max(n, 1));
}

// Controller seconds `params` parameter bytes need with `stages` caches at most for them: the
// rest streams. Only where every operator runs on a TPU (base > 0, the cheapest stage's fixed
// cost: no host fallback): behind a fallback operator a stage runs on the host, and its
// parameters never cross the link.
double RestController(const DeviceProfile& p, double base, int64_t params, int stages) {
  if (base <= 0) return 0;
  const double left =
      static_cast<double>(params) - static_cast<double>(std::max(stages, 0)) * p.param_cache_bytes;
  return left > 0 ? ControllerSeconds(p, 0, left, 0) : 0.0;
}

// See HybridHostFloor; base and params as LatticeStageCost's MinSecondsBase() and
// StageParams({}, V).
double HostFloor(const DeviceProfile& p, const HybridOptions& o, int n, double base,
                 int64_t params) {
  const int Kmax = MaxStages(o, n);
  const double invoke_cpu = base > 0 ? HostCpuSeconds(p, true, 0) : 0;
  return std::max((o.exact_stages ? Kmax : 1) * invoke_cpu / p.host_cores,
                  RestController(p, base, params, Kmax) / p.Controllers(o.tpus));
}

}  // namespace

double HybridHostFloor(const CostModel& m, const HybridOptions& o) {
  const Graph& g = m.graph();
  if (o.tpus < 1) return 0;
  bool any_fallback = false;
  for (int v = 0; v < g.num_ops(); ++v) any_fallback |= m.FallsBackToCpu(v);
  const std::vector<int64_t> own = OwnParamBytes(g);
  return HostFloor(m.profile(), o, g.num_ops(), any_fallback ? 0 : m.profile().invoke_overhead_s,
                   std::accumulate(own.begin(), own.end(), int64_t{0}));
}

Result<ExactResult> SolveHybrid(const CostModel& m, const DownsetLattice& L,
                                const HybridOptions& o) {
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(std::min(o.time_limit_s, 1e7)));
  if (!L.complete()) return Error{"the downset lattice is incomplete: " + L.incomplete_reason()};
  if (L.num_ops() != m.graph().num_ops()) return Error{"the downset lattice is of another graph"};
  if (o.tpus < 1 || o.tpus > 4096)
    return Error{fmt::format("--tpus must be 1 to 4096, got {}", o.tpus)};
  if (o.exact_stages && o.max_stages > o.tpus)
    return Error{
        fmt::format("{} stages need at least {} TPUs, not {}", o.max_stages, o.max_stages, o.tpus)};
  const int T = o.tpus, n = L.num_ops(), N = L.size(), full = L.full();
  const int Kmax = MaxStages(o, n);
  const DeviceProfile& p = m.profile();
  const double cores = p.host_cores;
  const double ctrl_max = p.Controllers(T);  // Controllers() only grows with the TPUs
  const bool shared_ctrl = p.tpus_per_controller <= 0;
  const std::vector<char> aligned = AlignedDownsets(m.graph(), L, o.align_children);
  LatticeStageCost cost(m, L);
  const bool order_free = cost.OrderFree() && !o.execution_order_only;
  const int64_t cache = p.param_cache_bytes;
  const double inf = std::numeric_limits<double>::infinity();
  const double U = std::isinf(o.incumbent) ? inf : o.incumbent * (1 - 1e-12);
  const double U_window = std::isinf(U) ? inf : U * (1 + 1e-9) + 1e-15;
  const double base = cost.MinSecondsBase();
  const double all = cost.MinOpSeconds(full);
  const double link_in = p.link_in_bytes_per_s;
  // Controller seconds the stages after downset d must still spend, `stages` at most of them.
  auto rest_controller = [&](int d, int stages) {
    return RestController(p, base, cost.StageParams(d, full), stages);
  };
  const double invoke_cpu = base > 0 ? HostCpuSeconds(p, true, 0) : 0;
  // No schedule's host term is below this floor (HybridHostFloor), so a label's bottleneck A
  // counts only above it: A is kept as max(A, floor), which leaves every completion's period
  // unchanged. Where the host sets the period (the authors' Inception v3 streams its parameters
  // through one controller), the fronts then differ only in their host sums instead of in every
  // bottleneck below the floor, and stay small.
  const double floor = HostFloor(p, o, n, base, cost.StageParams(0, full));

  std::vector<Label> labels = {{floor, 0, 0, -1, -1, 0, 0, 0}};
  std::vector<std::vector<int>> front(N);
  front[0] = {0};
  // a is at least as good as b at the same downset: never more stages (exactly as many when
  // the count is fixed) or TPUs (as many when controllers come with TPUs), no worse sums.
  auto dominates = [&](const Label& a, const Label& b) {
    if (o.exact_stages ? a.k != b.k : a.k > b.k) return false;
    if (shared_ctrl ? a.u > b.u : a.u != b.u) return false;
    return a.A <= b.A && a.H <= b.H && a.C <= b.C;
  };
  auto offer = [&](int d, const Label& x) {
    std::vector<int>& f = front[d];
    for (int id : f)
      if (dominates(labels[id], x)) return;
    f.erase(std::remove_if(f.begin(), f.end(), [&](int id) { return dominates(x, labels[id]); }),
            f.end());
    f.push_back(static_cast<int>(labels.size()));
    labels.push_back(x);
  };

  ExactResult out;
  out.order_free = order_free;
  std::vector<int> stamp(N, -1), queue;
  std::vector<int64_t> best(N, 0);
  int64_t steps = 0;
  for (int y = 0; y < full; ++y) {
    if (front[y].empty() || !aligned[y]) {
      std::vector<int>().swap(front[y]);
      continue;
    }
    int umin = T;
    for (int id : front[y]) umin = std::min(umin, labels[id].u);
    const int rmax_y = o.replicate ? std::max(1, T - umin) : 1;
    const double floor_y = cost.MinOpSeconds(y);
    queue.assign(1, y);
    stamp[y] = y;
    best[y] = 0;
    for (size_t head = 0; head < queue.size(); ++head) {
      const int x = queue[head];
      if (x != y && aligned[x]) {
        const int d = x;
        const int rest_ops = n - L.cardinality(d);
        const double rest_work = all - cost.MinOpSeconds(d);
        // What a label at y may extend to d with (the cheap checks first: the stage's cost is
        // computed only for pairs some label can use). Returns the most replicas, 0: none.
        auto replicas_for = [&](const Label& l, int& need_after) {
          const int k1 = l.k + 1;
          need_after = 0;  // TPUs the stages after this one need at least
          if (k1 > Kmax) return 0;
          if (d == full) {
            if (o.exact_stages && k1 != Kmax) return 0;
          } else {
            if (k1 == Kmax) return 0;
            need_after = o.exact_stages ? Kmax - k1 : 1;
            if (rest_ops < need_after) return 0;
          }
          const int rmax = o.replicate ? T - l.u - need_after : 1;
          if (rmax < 1 || l.u + 1 + need_after > T) return 0;
          // The stages still to come hold the rest's work on the TPUs left: no period below
          // their total over those TPUs.
          if (d != full && (rest_work + need_after * base) / (T - l.u - 1) >= U) return 0;
          if ((l.C + rest_controller(y, Kmax - l.k)) / ctrl_max >= U) return 0;
          return rmax;
        };
        bool useful = false;
        for (size_t li = 0; li < front[y].size() && !useful; ++li) {
          int need_after;
          useful = replicas_for(labels[front[y][li]], need_after) > 0;
        }
        if (useful) {
          const LatticeStageTerms t =
              order_free ? cost.TermsCaching(y, d, std::min(best[d], cost.StageParams(y, d)))
                         : cost.Terms(y, d);
          ++out.pairs;
          for (size_t li = 0; li < front[y].size(); ++li) {
            const Label l = labels[front[y][li]];
            const int k1 = l.k + 1;
            int need_after;
            const int rmax = replicas_for(l, need_after);
            if (rmax < 1) continue;
            const double H = l.H + t.host_cpu_s, C = l.C + t.controller_s;
            const double host = std::max(H / cores, C / ctrl_max);
            // With what the later stages must add to the host's sums.
            if (std::max((H + need_after * invoke_cpu) / cores,
                         (C + rest_controller(d, Kmax - k1)) / ctrl_max) >= U)
              continue;
            for (int r = 1; r <= rmax; ++r) {
              // The stages still to come hold the rest's work on the TPUs left: no period below
              // their total over those TPUs (and fewer are left with every replica taken here).
              if (d != full && (rest_work + need_after * base) / (T - l.u - r) >= U) break;
              const double A = std::max(l.A, t.seconds / r);
              if (std::max(A, host) < U) offer(d, {A, H, C, y, front[y][li], k1, l.u + r, r});
              // More replicas only help the stage's own term (or, behind controllers of their
              // own, add controller bandwidth).
              if (t.seconds / r <= l.A && shared_ctrl) break;
            }
          }
          if (static_cast<int64_t>(labels.size()) > o.max_labels) {
            out.reason = fmt::format(
                "the hybrid DP holds more than {} labels (at downset {} of {}); not proven",
                o.max_labels, y, N);
            return out;
          }
        }
      }
      for (const auto* s = L.up_begin(x); s != L.up_end(x); ++s) {
        const int d = s->to;
        if (stamp[d] != y) {
          stamp[d] = y;
          // Outside the window: the stage's work alone, with the parameters its cache cannot
          // hold (which cross the link whatever the caching order; order-free models only),
          // over every replica it could have, reaches U, and so does every superset's.
          const int64_t bytes = cost.StageParams(y, d);
          const double streamed_lb =
              order_free && bytes > cache ? static_cast<double>(bytes - cache) / link_in : 0;
          if ((base + cost.MinOpSeconds(d) - floor_y + streamed_lb) / rmax_y >= U_window) {
            best[d] = -1;
            continue;
          }
          best[d] = bytes <= cache ? bytes : 0;
          queue.push_back(d);
        }
        if (best[d] >= 0) best[d] = std::max(best[d], best[x]);
      }
      if ((++steps & 1023) == 0 && Clock::now() > deadline) {
        out.reason =
            fmt::format("time limit reached in the hybrid DP ({} of {} downsets done)", y, N);
        return out;
      }
    }
    std::vector<int>().swap(front[y]);  // every extension of y is made
  }
  out.complete = true;
  // The best label at V; among equal periods the fewest TPUs, then the fewest stages.
  int best_id = -1;
  double best_value = inf;
  for (int id : front[full]) {
    const Label& l = labels[id];
    if (o.exact_stages && l.k != Kmax) continue;
    const double v = std::max(l.A, HostPeriodSeconds(p, l.H, l.C, l.u));
    if (v >= U) continue;
    const Label* b = best_id >= 0 ? &labels[best_id] : nullptr;
    if (!b || v < best_value * (1 - 1e-12) ||
        (v <= best_value * (1 + 1e-12) && (l.u < b->u || (l.u == b->u && l.k < b->k)))) {
      best_id = id;
      best_value = v;
    }
  }
  if (best_id < 0) return out;
  std::vector<int> chain = {full}, replicas;
  for (int id = best_id; labels[id].from >= 0; id = labels[id].parent) {
    chain.push_back(labels[id].from);
    replicas.push_back(labels[id].r);
  }
  std::reverse(chain.begin(), chain.end());
  std::reverse(replicas.begin(), replicas.end());
  out.found = true;
  out.schedule = ScheduleOfChain(m, L, cost, chain, order_free);
  if (std::any_of(replicas.begin(), replicas.end(), [](int r) { return r != 1; }))
    out.schedule.replicas = std::move(replicas);
  const Label& b = labels[best_id];
  out.value = std::max(b.A, HostPeriodSeconds(p, b.H, b.C, b.u));
  return out;
}

Schedule GreedyReplicas(const CostModel& m, const Schedule& s, int tpus) {
  Schedule out = s;
  const int K = s.num_stages;
  if (K < 1 || tpus <= K) return out;
  Schedule plain = s;
  plain.replicas.clear();
  PipelineCost c = EvaluateSchedule(m, plain);
  std::vector<int> r(K, 1), best_r = r;
  double best = c.period_s;
  for (int used = K; used < tpus; ++used) {
    int k = 0;
    for (int j = 1; j < K; ++j)
      if (c.stages[j].latency_s / r[j] > c.stages[k].latency_s / r[k]) k = j;
    ++r[k];
    FinishPipelineCost(c, m.profile(), r);
    if (c.period_s < best * (1 - 1e-12)) {
      best = c.period_s;
      best_r = r;
    }
  }
  out.replicas.clear();
  if (std::any_of(best_r.begin(), best_r.end(), [](int x) { return x != 1; }))
    out.replicas = best_r;
  return out;
}

}  // namespace respect
