#include "memory/orderers.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <limits>
#include <optional>

#include "core/analysis.h"
#include "core/downset_lattice.h"
#include "memory/fusion.h"
#include "memory/fusion_ilp.h"
#include "solver/milp.h"

namespace respect {

namespace {

using Clock = std::chrono::steady_clock;

struct Found {
  std::vector<int> order;
  std::string note;
  bool proven = false;
  int64_t bound = 0;            // a lower bound the method proved (0: none beyond the evaluator's)
  bool search_stopped = false;  // an exact search stopped early (the cap or the time limit)
};

Result<Found> Given(const MemoryModel& mm, const OrderRequest&) {
  std::vector<int> order(mm.graph().num_ops());
  for (int i = 0; i < mm.graph().num_ops(); ++i) order[i] = i;
  if (!IsTopologicalOrder(mm.graph(), order))
    return Error{"the model file's operator order is not topological"};
  return Found{order, "the order stored in the model file", false};
}

Result<Found> Rpo(const MemoryModel& mm, const OrderRequest&) {
  return Found{TopologicalOrder(mm.graph(), TopoOrderKind::kDepthFirst),
               "reverse post-order of a depth-first search from the sources", false};
}

// One greedy pass: at each step the ready operator with the smallest key, where the key ranks
// the step's footprint and the growth of resident memory (growth first when growth_first).
std::vector<int> GreedyPass(const MemoryModel& mm, bool growth_first) {
  const Graph& g = mm.graph();
  const int n = g.num_ops();
  std::vector<int> remaining(g.tensors.size()), pending(n), ready, order;
  for (size_t t = 0; t < g.tensors.size(); ++t)
    remaining[t] = static_cast<int>(g.tensors[t].consumers.size());
  for (int v = 0; v < n; ++v) {
    pending[v] = static_cast<int>(g.preds(v).size());
    if (pending[v] == 0) ready.push_back(v);
  }
  int64_t now = mm.initial_bytes();
  order.reserve(n);
  while (!ready.empty()) {
    size_t pick = 0;
    int64_t best_a = std::numeric_limits<int64_t>::max(), best_b = best_a;
    for (size_t i = 0; i < ready.size(); ++i) {
      const int v = ready[i];
      int64_t freed = 0, reuse = 0;
      bool reused = false;
      for (int t : mm.activation_inputs(v))
        if (remaining[t] == 1) {
          if (!mm.is_graph_output(t)) freed += g.tensors[t].bytes;
          if (!reused && mm.CanReuse(v, t)) {
            reused = true;
            reuse = g.tensors[t].bytes;
          }
        }
      const int64_t foot = now + mm.output_bytes(v) - reuse,
                    growth = mm.kept_output_bytes(v) - freed;
      const int64_t a = growth_first ? growth : foot, b = growth_first ? foot : growth;
      if (a < best_a || (a == best_a && (b < best_b || (b == best_b && v < ready[pick])))) {
        best_a = a;
        best_b = b;
        pick = i;
      }
    }
    const int v = ready[pick];
    ready[pick] = ready.back();
    ready.pop_back();
    order.push_back(v);
    for (int t : mm.activation_inputs(v))
      if (--remaining[t] == 0 && !mm.is_graph_output(t)) now -= g.tensors[t].bytes;
    now += mm.kept_output_bytes(v);
    for (int s : g.succs(v))
      if (--pending[s] == 0) ready.push_back(s);
  }
  return order;
}

Result<Found> Greedy(const MemoryModel& mm, const OrderRequest&) {
  std::vector<int> a = GreedyPass(mm, false), b = GreedyPass(mm, true);
  auto pa = mm.Profile(a), pb = mm.Profile(b);
  if (!pa) return pa.error();
  if (!pb) return pb.error();
  const bool first = pa->peak <= pb->peak;
  return Found{first ? a : b,
               first ? "smallest step footprint, then least growth"
                     : "least growth of resident memory, then smallest footprint",
               false};
}

// The best of given (when topological), rpo and greedy: the incumbent of dp.
Result<Found> BestHeuristic(const MemoryModel& mm, const OrderRequest& r, int64_t* peak) {
  std::optional<Found> best;
  int64_t best_peak = std::numeric_limits<int64_t>::max();
  std::string which;
  for (auto [name, fn] :
       {std::pair{"given", &Given}, std::pair{"rpo", &Rpo}, std::pair{"greedy", &Greedy}}) {
    auto f = fn(mm, r);
    if (!f) continue;
    auto p = mm.Profile(f->order);
    if (!p) return p.error();
    if (p->peak < best_peak) {
      best_peak = p->peak;
      best = std::move(*f);
      which = name;
    }
  }
  if (!best) return Error{"no heuristic produced an order"};
  best->note = which + ": " + best->note;
  *peak = best_peak;
  return std::move(*best);
}

// Exact DP over the downset lattice, searched during enumeration. R(D): bytes resident after
// running D; running v next costs R(D) + out(v) - (an in-place reuse), and the value of
// D' = D + v is the smallest peak of any order of D' (min over its last operator of
// max(value(D), that footprint)). Three prunings keep it exact:
//   - a downset whose value is already at least the incumbent's peak is not extended;
//   - a "free" ready operator (its footprint within the peak so far, and running it does not
//     grow resident memory) is run at once, alone: moving it to the front of any completion
//     frees its dying inputs earlier and adds no more than it frees, so no step gets costlier
//     (and an operator later made the last reader of a tensor can only gain an in-place reuse);
//   - an operator with no activation input (a source: it frees nothing) is run only when one of
//     its consumers is otherwise due (every non-source predecessor run): moving a source to just
//     before its first consumer lowers every step in between, and its own footprint is then at
//     most that consumer's. Some optimal order obeys both rules at every step.
Result<Found> Dp(const MemoryModel& mm, const OrderRequest& r, Clock::time_point deadline) {
  int64_t incumbent = 0;
  auto heuristic = BestHeuristic(mm, r, &incumbent);
  if (!heuristic) return heuristic.error();
  const Graph& g = mm.graph();
  const int n = g.num_ops();
  constexpr int64_t kInf = std::numeric_limits<int64_t>::max();
  std::vector<int64_t> value = {mm.initial_bytes()}, resident = {mm.initial_bytes()};
  std::vector<int> parent = {-1}, parent_op = {-1};
  // Running v after downset L[d]: its footprint and the change of resident memory.
  auto step = [&](const DownsetLattice& L, int d, int v, int64_t* growth) {
    int64_t freed = 0, reuse = 0;
    bool reused = false;
    for (int t : mm.activation_inputs(v)) {
      bool last = true;
      for (int c : g.tensors[t].consumers) last = last && (c == v || L.Contains(d, c));
      if (!last) continue;
      if (!mm.is_graph_output(t)) freed += g.tensors[t].bytes;
      if (!reused && mm.CanReuse(v, t)) {
        reused = true;
        reuse = g.tensors[t].bytes;
      }
    }
    *growth = mm.kept_output_bytes(v) - freed;
    return resident[d] + mm.output_bytes(v) - reuse;
  };
  LatticeOptions lo;
  lo.max_downsets = r.lattice_cap;
  lo.time_limit_s = std::max(0.0, std::chrono::duration<double>(deadline - Clock::now()).count());
  // Source operators (no activation input: constant producers, dequantised weights) of which
  // some consumer reads: see the third rule above.
  std::vector<char> source(n, 0);
  for (int v = 0; v < n; ++v) source[v] = mm.activation_inputs(v).empty() && !g.succs(v).empty();
  lo.expand = [&](const DownsetLattice& L, int d, std::vector<int>& ops) {
    if (value[d] >= incumbent) return false;
    for (int v : ops) {
      int64_t growth = 0;
      if (step(L, d, v, &growth) <= value[d] && growth <= 0) {
        ops = {v};
        return true;
      }
    }
    ops.erase(std::remove_if(ops.begin(), ops.end(),
                             [&](int v) {
                               if (!source[v]) return false;
                               for (int w : g.succs(v)) {
                                 bool due = true;
                                 for (int p : g.preds(w))
                                   due = due && (source[p] || L.Contains(d, p));
                                 if (due) return false;
                               }
                               return true;
                             }),
              ops.end());
    return true;
  };
  lo.on_step = [&](const DownsetLattice& L, int from, int v, int to) {
    int64_t growth = 0;
    const int64_t foot = step(L, from, v, &growth);
    if (to == static_cast<int>(value.size())) {
      value.push_back(kInf);
      resident.push_back(resident[from] + growth);
      parent.push_back(-1);
      parent_op.push_back(-1);
    }
    const int64_t cand = std::max(value[from], foot);
    if (cand < incumbent && cand < value[to]) {
      value[to] = cand;
      parent[to] = from;
      parent_op[to] = v;
    }
  };
  const DownsetLattice L = DownsetLattice::Enumerate(g, lo);
  if (!L.complete()) {
    heuristic->note +=
        fmt::format("; dp stopped: the search reached {} (raise --lattice-cap or the time limit)",
                    L.incomplete_reason());
    heuristic->search_stopped = true;
    return heuristic;
  }
  const std::string searched =
      fmt::format("dp searched {} downsets ({} pruned or narrowed)", L.size(), L.pruned());
  Found out;
  out.proven = true;
  const int full = L.size() - 1;
  if (L.cardinality(full) != n || value[full] == kInf) {  // nothing beats the incumbent
    out.order = std::move(heuristic->order);
    out.note = fmt::format("{}: nothing beats the best heuristic ({})", searched, heuristic->note);
    return out;
  }
  for (int d = full; d != 0; d = parent[d]) out.order.push_back(parent_op[d]);
  std::reverse(out.order.begin(), out.order.end());
  out.note = fmt::format("{}; beats the best heuristic ({})", searched, heuristic->note);
  return out;
}

// The seed's method: fuse (memory/fusion.h), then the ilp over the fused graph (fusion_ilp.h),
// warm-started from `start` (the best heuristic's order, or dp's). Keeps `start` when CBC finds
// nothing better or the model is too large.
Result<Found> FusionIlp(const MemoryModel& mm, Found start, Clock::time_point deadline) {
  const MemoryFusion f = FuseForMemory(mm);
  const std::string fused =
      fmt::format("fused {} operators into {} groups (rules A/B/C merged {}/{}/{})",
                  mm.graph().num_ops(), f.num_groups(), f.merges[0], f.merges[1], f.merges[2]);
  const double left = std::chrono::duration<double>(deadline - Clock::now()).count();
  const double limit = std::max(0.05, left - MilpGraceSeconds(left));
  auto ilp = SolveFusionIlp(mm, f, start.order, limit);
  if (!ilp) {
    start.note = fmt::format("{}; {}; kept {}", fused, ilp.error().message, start.note);
    return start;
  }
  auto before = mm.Profile(start.order);
  if (!before) return before.error();
  Found out;
  out.bound = ilp->bound;
  std::string how = fmt::format("{}; ilp {} columns, {} rows, cbc: {}", fused, ilp->columns,
                                ilp->rows, ilp->status);
  if (!ilp->order.empty()) {
    auto p = mm.Profile(ilp->order);
    if (!p) return Error{"the ilp's order is invalid: " + p.error().message};
    if (p->peak <= before->peak) {
      out.order = std::move(ilp->order);
      out.proven = ilp->proven_optimal && ilp->bound >= p->peak;
      out.note = how;
      if (ilp->proven_optimal && !out.proven)
        out.note +=
            fmt::format("; the evaluator's peak {} exceeds the ilp's bound {}: not claimed optimal",
                        p->peak, ilp->bound);
      return out;
    }
  }
  out.order = std::move(start.order);
  out.proven = ilp->proven_optimal && ilp->bound >= before->peak;
  out.note = fmt::format("{}; kept the warm start ({})", how, start.note);
  return out;
}

// The orderers, one table: name, what it does (the CLI's help), and how it runs. `t0` is when
// the request started, `deadline` when it must return.
struct OrdererInfo {
  const char* name;
  const char* description;
  std::function<Result<Found>(const MemoryModel&, const OrderRequest&, Clock::time_point t0,
                              Clock::time_point deadline)>
      run;
};

const std::vector<OrdererInfo>& Orderers() {
  static const std::vector<OrdererInfo> table = {
      {"given", "the order stored in the model file",
       [](const MemoryModel& mm, const OrderRequest& r, auto, auto) { return Given(mm, r); }},
      {"rpo", "reverse post-order of a depth-first search",
       [](const MemoryModel& mm, const OrderRequest& r, auto, auto) { return Rpo(mm, r); }},
      {"greedy", "smallest step footprint / least memory growth first (the better of the two)",
       [](const MemoryModel& mm, const OrderRequest& r, auto, auto) { return Greedy(mm, r); }},
      {"dp", "exact DP over the downset lattice, proven optimal where it fits --lattice-cap",
       [](const MemoryModel& mm, const OrderRequest& r, auto, Clock::time_point deadline) {
         return Dp(mm, r, deadline);
       }},
      {"fusion-ilp",
       "the seed's method: optimum-preserving fusion, then an ILP (CBC) over the fused graph with "
       "each group's "
       "step pruned to its window, warm-started from the best heuristic",
       [](const MemoryModel& mm, const OrderRequest& r, auto,
          Clock::time_point deadline) -> Result<Found> {
         int64_t unused = 0;
         auto h = BestHeuristic(mm, r, &unused);
         if (!h) return Error{"fusion-ilp: " + h.error().message};
         return FusionIlp(mm, std::move(*h), deadline);
       }},
      {"auto", "dp with half the time; where it cannot finish, fusion-ilp from its best order",
       [](const MemoryModel& mm, const OrderRequest& r, Clock::time_point t0,
          Clock::time_point deadline) -> Result<Found> {
         auto f = Dp(mm, r, t0 + (deadline - t0) / 2);
         if (f && !f->proven) {
           const bool stopped = f->search_stopped;
           f = FusionIlp(mm, std::move(*f), deadline);
           if (f) f->search_stopped = stopped && !f->proven;
         }
         return f;
       }},
  };
  return table;
}

}  // namespace

const std::vector<std::string>& OrderMethods() {
  static const std::vector<std::string> methods = [] {
    std::vector<std::string> names;
    for (const auto& o : Orderers()) names.push_back(o.name);
    return names;
  }();
  return methods;
}

std::string OrderMethodsHelp() {
  std::string help;
  for (const auto& o : Orderers()) help += fmt::format("\n  {:<7} {}", o.name, o.description);
  return help;
}

Result<OrderResult> RunOrderer(const Graph& g, const OrderRequest& r) {
  const auto t0 = Clock::now();
  const auto deadline = t0 + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(std::min(r.time_limit_s, 1e7)));
  int64_t activation_bytes = 0;
  for (const Tensor& t : g.tensors) activation_bytes += t.is_constant ? 0 : t.bytes;
  if (activation_bytes == 0)
    return Error{
        "the graph records no activation tensor sizes (GML graphs and the RESPECT authors' dumps "
        "carry "
        "only parameter bytes): there is no memory to order by"};
  MemoryModel mm(g, r.memory);
  const OrdererInfo* info = nullptr;
  for (const auto& o : Orderers())
    if (r.method == o.name) info = &o;
  if (!info) {
    std::string names;
    for (const auto& m : OrderMethods()) names += (names.empty() ? "" : ", ") + m;
    return Error{fmt::format("unknown ordering method '{}' (available: {})", r.method, names)};
  }
  Result<Found> f = info->run(mm, r, t0, deadline);
  if (!f) return Error{fmt::format("{}: {}", r.method, f.error().message)};
  auto p = mm.Profile(f->order);
  if (!p)
    return Error{fmt::format("{} produced an invalid order: {}", r.method, p.error().message)};
  OrderResult out;
  out.method = r.method;
  out.order = std::move(f->order);
  out.profile = std::move(*p);
  out.lower_bound = std::min(std::max(mm.LowerBound(), f->bound), out.profile.peak);
  if (f->proven) out.lower_bound = out.profile.peak;
  out.proven_optimal = out.lower_bound >= out.profile.peak;
  out.gap = out.profile.peak > 0
                ? static_cast<double>(out.profile.peak - out.lower_bound) / out.profile.peak
                : 0;
  out.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  out.search_stopped = f->search_stopped;
  out.note = std::move(f->note);
  return out;
}

}  // namespace respect
